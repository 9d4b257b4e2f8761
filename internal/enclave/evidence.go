package enclave

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
)

// Evidence is "EKVEVD\x00\x01" | platform code (1 byte) | platform body.
//
// The simulated platform's body (platform code 1):
//
//	identity (identitySize bytes, see appendIdentity) | caller data 64 |
//	platform attestation public key 32 | Ed25519 signature 64
//
// The signature covers simEvidenceDomain followed by every byte before it,
// from the magic on. Hardware platforms will carry their own quote format
// under their own code.
const (
	evidenceMagic      = "EKVEVD\x00\x01"
	simEvidenceDomain  = "enclavekv simulated evidence v1\x00"
	platformCodeSim    = 1
	simEvidenceSize    = len(evidenceMagic) + 1 + identitySize + CallerDataSize + ed25519.PublicKeySize + ed25519.SignatureSize
	simEvidenceKeyOffs = len(evidenceMagic) + 1 + identitySize + CallerDataSize
)

func appendSimBody(b []byte, id Identity, callerData [CallerDataSize]byte, platformKey ed25519.PublicKey) []byte {
	b = append(b, evidenceMagic...)
	b = append(b, platformCodeSim)
	b = appendIdentity(b, id)
	b = append(b, callerData[:]...)
	return append(b, platformKey...)
}

func simSigned(body []byte) []byte {
	return append([]byte(simEvidenceDomain), body...)
}

// NonceCallerData is the caller data of evidence fetched with a client's
// nonce (ENCLAVE EVIDENCE): SHA-256 of the nonce, domain-separated, in the
// first half; the second half is reserved for the SHA-256 of the TLS public
// key the evidence vouches for, zero until TLS binds it.
func NonceCallerData(nonce []byte) [CallerDataSize]byte {
	var d [CallerDataSize]byte
	h := sha256.New()
	h.Write([]byte("enclavekv evidence nonce v1\x00"))
	h.Write(nonce)
	h.Sum(d[:0])
	return d
}

// VerifyOptions is a verifier's policy. At least one of Measurement and
// Signer must be set.
type VerifyOptions struct {
	// CallerData must equal the evidence's caller data (freshness: it binds
	// the verifier's nonce).
	CallerData [CallerDataSize]byte
	// Measurement, if set, must equal the enclave's measurement.
	Measurement *[32]byte
	// Signer, if set, must equal the enclave's signer, and then ProductID
	// must be set too (one signer signs many products: trusting any of
	// them is rarely what a client means) and match; the security
	// version must be at least MinSVN.
	Signer    *[32]byte
	MinSVN    uint16
	ProductID *uint16
	// AllowDebug accepts debug enclaves (unsigned builds): their memory is
	// open to a debugger, so they are refused by default.
	AllowDebug bool
	// AllowSimulated accepts evidence of the simulated platform, signed by
	// one of SimPlatformKeys. Simulated evidence proves nothing about the
	// hardware; it is for development and tests.
	AllowSimulated  bool
	SimPlatformKeys []ed25519.PublicKey
}

// ErrEvidence is the error every verification failure wraps.
var ErrEvidence = errors.New("attestation evidence refused")

func refuse(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrEvidence, fmt.Sprintf(format, a...))
}

// Verify checks evidence against a policy and returns the verified
// identity. Every failure is an error wrapping ErrEvidence that says what
// did not match.
func Verify(evidence []byte, o VerifyOptions) (Identity, error) {
	if o.Measurement == nil && o.Signer == nil {
		return Identity{}, refuse("no expected measurement or signer given")
	}
	if o.Signer == nil && (o.MinSVN != 0 || o.ProductID != nil) {
		return Identity{}, refuse("a minimum security version or product id needs an expected signer")
	}
	if o.Signer != nil && o.ProductID == nil {
		return Identity{}, refuse("an expected signer needs an expected product id")
	}
	if len(evidence) < len(evidenceMagic)+1 || string(evidence[:len(evidenceMagic)]) != evidenceMagic {
		return Identity{}, refuse("not enclavekv evidence (bad magic or version)")
	}
	var id Identity
	var callerData []byte
	switch code := evidence[len(evidenceMagic)]; code {
	case platformCodeSim:
		var err error
		if id, callerData, err = verifySim(evidence, o); err != nil {
			return Identity{}, err
		}
	default:
		return Identity{}, refuse("evidence from unknown platform code %d", code)
	}
	if subtle.ConstantTimeCompare(callerData, o.CallerData[:]) != 1 {
		return Identity{}, refuse("caller data does not match this request's nonce (stale or replayed evidence)")
	}
	if o.Measurement != nil && subtle.ConstantTimeCompare(id.Measurement[:], o.Measurement[:]) != 1 {
		return Identity{}, refuse("measurement %s, expected %s", id.MeasurementHex(), hex.EncodeToString(o.Measurement[:]))
	}
	if o.Signer != nil {
		if subtle.ConstantTimeCompare(id.Signer[:], o.Signer[:]) != 1 {
			return Identity{}, refuse("signer %s, expected %s", id.SignerHex(), hex.EncodeToString(o.Signer[:]))
		}
		if id.ProductID != *o.ProductID {
			return Identity{}, refuse("product id %d, expected %d", id.ProductID, *o.ProductID)
		}
		if id.SVN < o.MinSVN {
			return Identity{}, refuse("security version %d is below the minimum %d", id.SVN, o.MinSVN)
		}
	}
	// Anything the public debug key vouches for is a debug build, whatever
	// its flag says.
	if (id.Debug || id.Signer == DebugSigner()) && !o.AllowDebug {
		return Identity{}, refuse("the enclave is a debug build (debug flag or the public debug signer); accept it only with the allow-debug option")
	}
	return id, nil
}

func verifySim(ev []byte, o VerifyOptions) (Identity, []byte, error) {
	if !o.AllowSimulated {
		return Identity{}, nil, refuse("the evidence is SIMULATED (no hardware protection); accept it only by opting in to simulated evidence and naming the simulated platform's key")
	}
	if len(o.SimPlatformKeys) == 0 {
		return Identity{}, nil, refuse("simulated evidence accepted only with the simulated platform's public key named")
	}
	if len(ev) != simEvidenceSize {
		return Identity{}, nil, refuse("simulated evidence has the wrong length (%d bytes, want %d)", len(ev), simEvidenceSize)
	}
	key := ed25519.PublicKey(ev[simEvidenceKeyOffs : simEvidenceKeyOffs+ed25519.PublicKeySize])
	known := false
	for _, k := range o.SimPlatformKeys {
		if len(k) == ed25519.PublicKeySize && subtle.ConstantTimeCompare(k, key) == 1 {
			known = true
		}
	}
	if !known {
		return Identity{}, nil, refuse("simulated evidence is signed by platform key %x, which is not one of the named keys", []byte(key))
	}
	body := ev[:simEvidenceKeyOffs+ed25519.PublicKeySize]
	if !ed25519.Verify(key, simSigned(body), ev[len(body):]) {
		return Identity{}, nil, refuse("the platform signature does not verify (the evidence was altered)")
	}
	id, rest, err := readIdentity(ev[len(evidenceMagic)+1:], PlatformSim)
	if err != nil {
		return Identity{}, nil, refuse("%v", err)
	}
	return id, rest[:CallerDataSize], nil
}
