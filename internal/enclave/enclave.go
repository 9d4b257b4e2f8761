// Package enclave is the trusted-execution runtime enclavekv runs in. It
// answers four questions for the rest of the server, whatever the hardware:
//
//   - who are we? (Identity: the measurement of the code and its manifest,
//     the signer, product id, security version, debug flag, platform);
//   - which key seals our files? (SealKey, bound either to the measurement
//     or to the signer + product id at a chosen security version);
//   - how does a remote party check who we are? (Evidence, binding 64 bytes
//     of caller data — a client's nonce, later our TLS key — and Verify);
//   - how do two enclaves on one machine trust each other? (LocalReport and
//     VerifyLocalReport).
//
// A Platform backend answers them. The simulation backend (Sim) runs on any
// Linux and protects nothing: it exists so that the whole product can be
// developed, tested and demonstrated without enclave hardware, exactly as
// enclave SDKs ship an sgx_sim build. Hardware backends (Gramine-SGX,
// configfs-tsm for TDX and SEV-SNP) implement the same interface.
//
// docs/enclave.md describes the derivations and byte formats; this package
// imports nothing else of enclavekv's.
package enclave

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
)

// Platform names, as the manifest's allowed_platforms and INFO enclave
// spell them.
const (
	PlatformSim = "sim"
	PlatformSGX = "sgx"
	PlatformTDX = "tdx"
	PlatformSNP = "snp"
)

// KnownPlatforms lists every platform name a manifest may allow, including
// those whose backend is not built yet.
var KnownPlatforms = []string{PlatformSim, PlatformSGX, PlatformTDX, PlatformSNP}

// MaxKeyInfo bounds the key info a backend may return from NewSealKey.
const MaxKeyInfo = 1024

// CallerDataSize is the number of caller bytes evidence and local reports
// carry (SGX's REPORTDATA size).
const CallerDataSize = 64

// Identity is what an enclave is: the fields a verifier compares.
type Identity struct {
	Platform    string   // PlatformSim, ...
	Measurement [32]byte // the code and manifest that run
	Signer      [32]byte // SHA-256 of the signing public key
	ProductID   uint16
	SVN         uint16 // security version
	Debug       bool   // debug enclave: its memory is open to a debugger
}

// Equal reports whether two identities are the same enclave build.
func (id Identity) Equal(o Identity) bool {
	return id.Platform == o.Platform &&
		subtle.ConstantTimeCompare(id.Measurement[:], o.Measurement[:]) == 1 &&
		subtle.ConstantTimeCompare(id.Signer[:], o.Signer[:]) == 1 &&
		id.ProductID == o.ProductID && id.SVN == o.SVN && id.Debug == o.Debug
}

// MeasurementHex and SignerHex are the forms logs, INFO and tools print.
func (id Identity) MeasurementHex() string { return hex.EncodeToString(id.Measurement[:]) }

// SignerHex is the signer as lower-case hex.
func (id Identity) SignerHex() string { return hex.EncodeToString(id.Signer[:]) }

// SealPolicy says which identity a sealing key is bound to.
type SealPolicy uint8

const (
	// SealToMeasurement: only this exact build (code + manifest) can
	// derive the key. Any upgrade loses access.
	SealToMeasurement SealPolicy = 1
	// SealToSigner: any build from the same signer and product id whose
	// security version is at least the key's can derive it, so upgrades
	// read older data and downgrades cannot read newer data.
	SealToSigner SealPolicy = 2
)

// String is the manifest's spelling of the policy.
func (p SealPolicy) String() string {
	switch p {
	case SealToMeasurement:
		return "measurement"
	case SealToSigner:
		return "signer"
	}
	return fmt.Sprintf("policy(%d)", uint8(p))
}

// ParseSealPolicy reads the manifest's spelling of a policy.
func ParseSealPolicy(s string) (SealPolicy, error) {
	switch s {
	case "measurement":
		return SealToMeasurement, nil
	case "signer":
		return SealToSigner, nil
	}
	return 0, fmt.Errorf("unknown sealing policy %q (want \"measurement\" or \"signer\")", s)
}

// Errors callers can test for with errors.Is.
var (
	// ErrSVNTooHigh: a sealing key was asked for a security version above
	// the running enclave's, i.e. data sealed by a newer build.
	ErrSVNTooHigh = errors.New("enclave: sealing key requested for a security version above this enclave's (data from a newer build cannot be read by an older one)")
	// ErrBadPolicy: a key names no known policy.
	ErrBadPolicy = errors.New("enclave: unknown sealing policy")
	// ErrKeyInfo: sealing key info is malformed or from another platform.
	ErrKeyInfo = errors.New("enclave: sealing key info is malformed or from another platform")
	// ErrUnsupported: the platform has no such primitive.
	ErrUnsupported = errors.New("enclave: not supported on this platform")
	// ErrTargetInfo: target info is malformed or from another platform.
	ErrTargetInfo = errors.New("enclave: target info is malformed or from another platform")
	// ErrReportTarget: a local report was made for another enclave.
	ErrReportTarget = errors.New("enclave: local report is addressed to another enclave")
	// ErrReportInvalid: a local report is malformed or its MAC does not
	// verify (forged, altered, or from another platform).
	ErrReportInvalid = errors.New("enclave: local report is malformed or was not made on this platform")
)

// Platform is an enclave backend: the running enclave's view of the
// hardware (or of its simulation).
type Platform interface {
	// Identity is the running enclave's identity.
	Identity() Identity
	// NewSealKey returns a new 32-byte sealing key bound to this enclave's
	// identity by policy, and its key info: bytes, not secret, that the
	// sealer stores next to what it seals (at most MaxKeyInfo). Their
	// format is the backend's: hardware records there what its key
	// derivation needs (key id, security versions, ...).
	NewSealKey(policy SealPolicy) (key, info []byte, err error)
	// SealKey re-derives the key that info describes. Every run of an
	// identity that qualifies gets the same key; others get an error
	// (ErrSVNTooHigh for data sealed by a newer build under the signer
	// policy, ErrKeyInfo for info from another platform).
	SealKey(info []byte) ([]byte, error)
	// Evidence returns fresh attestation evidence of Identity binding
	// callerData, for a remote verifier (see Verify).
	Evidence(callerData [CallerDataSize]byte) ([]byte, error)
	// TargetInfo is what another enclave on this platform needs to
	// address a local report to this one (SGX's TARGETINFO; the
	// simulation's is the measurement). It is not secret.
	TargetInfo() []byte
	// LocalReport returns a report of Identity binding data that only the
	// enclave described by target (its TargetInfo), on this same
	// platform, can verify. Reports carry no nonce: callers put freshness
	// and their role in data. Platforms without local reports (TDX,
	// SEV-SNP) return ErrUnsupported; callers fall back to remote
	// attestation of each other.
	LocalReport(target []byte, data [CallerDataSize]byte) ([]byte, error)
	// VerifyLocalReport checks a report addressed to this enclave and
	// returns the reporting enclave's identity and data. The caller then
	// decides whether it trusts that identity (see RequireSameIdentity).
	VerifyLocalReport(report []byte) (Identity, [CallerDataSize]byte, error)
}

// RequireSameIdentity is the policy of two instances of one build trusting
// each other (replication, recovery): the peer must be exactly us.
func RequireSameIdentity(own, peer Identity) error {
	if !own.Equal(peer) {
		return fmt.Errorf("enclave: peer is a different enclave (measurement %s, signer %s, svn %d) than this one (measurement %s)",
			peer.MeasurementHex(), peer.SignerHex(), peer.SVN, own.MeasurementHex())
	}
	return nil
}
