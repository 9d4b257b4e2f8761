package enclave

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// SimConfig is what the simulated platform needs to start an enclave.
type SimConfig struct {
	// Executable is the file measured; "" means the running process's
	// own executable.
	Executable string
	// Manifest is the exact manifest bytes the enclave runs with.
	Manifest []byte
	// ProductID and SVN come from the manifest.
	ProductID, SVN uint16
	// SignaturePath names the signature file. "" means
	// <Executable>.sig if that file exists, else an unsigned (debug) run.
	SignaturePath string
	// SecretPath is the platform secret's file; "" means
	// DefaultSimSecretPath().
	SecretPath string
}

// Sim is the simulated platform. Everything it does is ordinary software
// in an ordinary process: the host can read its memory and its secret. It
// reproduces the behaviour of an enclave platform (what is bound to what,
// what fails when), not its protection.
type Sim struct {
	id     Identity
	secret [32]byte
	attKey ed25519.PrivateKey

	// SecretPath is the platform secret's file and SecretCreated whether
	// this start created it (the server logs both).
	SecretPath    string
	SecretCreated bool
	// SignaturePath is the signature file used, "" for a debug run.
	SignaturePath string
}

var _ Platform = (*Sim)(nil)

// OpenSim measures the executable and manifest, checks the signature (or
// falls back to the debug signer) and loads the platform secret.
func OpenSim(cfg SimConfig) (*Sim, error) {
	exe := cfg.Executable
	if exe == "" {
		var err error
		if exe, err = selfExecutable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	m, err := MeasureFile(exe, cfg.Manifest)
	if err != nil {
		return nil, err
	}
	s := &Sim{id: Identity{
		Platform:    PlatformSim,
		Measurement: m,
		ProductID:   cfg.ProductID,
		SVN:         cfg.SVN,
	}}

	sigPath := cfg.SignaturePath
	if sigPath == "" {
		base := cfg.Executable
		if base == "" {
			base, _ = os.Executable()
		}
		if _, err := os.Stat(base + ".sig"); base != "" && err == nil {
			sigPath = base + ".sig"
		}
	}
	if sigPath == "" {
		s.id.Signer = DebugSigner()
		s.id.Debug = true
	} else {
		data, err := os.ReadFile(sigPath)
		if err != nil {
			return nil, fmt.Errorf("read signature: %w", err)
		}
		sig, err := ParseSignature(data)
		if err != nil {
			return nil, fmt.Errorf("signature %s: %w", sigPath, err)
		}
		switch {
		case sig.Measurement != m:
			return nil, fmt.Errorf("signature %s is for measurement %x, not this enclave's %x (it signs another binary or manifest)", sigPath, sig.Measurement, m)
		case sig.ProductID != cfg.ProductID || sig.SVN != cfg.SVN:
			return nil, fmt.Errorf("signature %s states product id %d / security version %d, the manifest %d / %d", sigPath, sig.ProductID, sig.SVN, cfg.ProductID, cfg.SVN)
		}
		s.id.Signer = sig.Signer()
		// The debug key's private half is public: what it signs is a
		// debug enclave however it was signed.
		s.id.Debug = s.id.Signer == DebugSigner()
		s.SignaturePath = sigPath
	}

	s.SecretPath = cfg.SecretPath
	if s.SecretPath == "" {
		if s.SecretPath, err = DefaultSimSecretPath(); err != nil {
			return nil, err
		}
	}
	s.secret, s.SecretCreated, err = loadOrCreateSecret(s.SecretPath)
	if err != nil {
		return nil, err
	}
	s.attKey, err = simAttestationKey(s.secret)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Identity implements Platform.
func (s *Sim) Identity() Identity { return s.id }

// PlatformKey is the simulated platform's attestation public key: a
// verifier names it to accept this host's simulated evidence.
func (s *Sim) PlatformKey() ed25519.PublicKey { return s.attKey.Public().(ed25519.PublicKey) }

// SimPlatformKey returns the attestation public key of the simulated
// platform whose secret is at path ("" for DefaultSimSecretPath), for
// `enclavekv platform-key`. With create false a missing secret is an error
// (printing the key of a platform no server uses would only mislead);
// created reports whether this call made the secret.
func SimPlatformKey(path string, create bool) (key ed25519.PublicKey, created bool, err error) {
	if path == "" {
		if path, err = DefaultSimSecretPath(); err != nil {
			return nil, false, err
		}
	}
	var secret [32]byte
	if create {
		secret, created, err = loadOrCreateSecret(path)
	} else if secret, err = readSecret(path); errors.Is(err, os.ErrNotExist) {
		err = fmt.Errorf("no simulated platform secret at %s: enclavekv-server creates it at its first start on this host (as the same user), or name it with --sim-platform-secret", path)
	}
	if err != nil {
		return nil, false, err
	}
	k, err := simAttestationKey(secret)
	if err != nil {
		return nil, false, err
	}
	return k.Public().(ed25519.PublicKey), created, nil
}

// Every key of the simulated platform comes from its secret through
// HKDF-SHA256 with a label naming its purpose, followed by fixed-size
// fields (so no two inputs concatenate alike).
const (
	labelAttestation = "enclavekv sim attestation key v1\x00"
	labelSeal        = "enclavekv sim seal key v1\x00"
	labelReport      = "enclavekv sim report key v1\x00"
)

func derive(secret [32]byte, info []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, secret[:], nil, string(info), 32)
}

func simAttestationKey(secret [32]byte) (ed25519.PrivateKey, error) {
	seed, err := derive(secret, []byte(labelAttestation))
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewSealKey implements Platform: a fresh random key id, and for the
// signer policy this enclave's own security version.
func (s *Sim) NewSealKey(policy SealPolicy) (key, info []byte, err error) {
	req := KeyRequest{Policy: policy}
	if policy == SealToSigner {
		req.SVN = s.id.SVN
	}
	if _, err := rand.Read(req.KeyID[:]); err != nil {
		return nil, nil, err
	}
	info = req.Encode()
	key, err = s.SealKey(info)
	if err != nil {
		return nil, nil, err
	}
	return key, info, nil
}

// SealKey implements Platform. The key depends on the platform secret,
// the policy, the debug flag (a debug build never shares keys with a
// production one), the key id, and either the measurement or the signer,
// product id and requested security version.
func (s *Sim) SealKey(info []byte) ([]byte, error) {
	req, err := ParseKeyRequest(info)
	if err != nil {
		return nil, err
	}
	b := []byte(labelSeal)
	b = append(b, byte(req.Policy), boolByte(s.id.Debug))
	switch req.Policy {
	case SealToMeasurement:
		b = append(b, s.id.Measurement[:]...)
	case SealToSigner:
		if req.SVN > s.id.SVN {
			return nil, fmt.Errorf("%w (requested %d, running %d)", ErrSVNTooHigh, req.SVN, s.id.SVN)
		}
		b = append(b, s.id.Signer[:]...)
		b = binary.BigEndian.AppendUint16(b, s.id.ProductID)
		b = binary.BigEndian.AppendUint16(b, req.SVN)
	}
	b = append(b, req.KeyID[:]...)
	return derive(s.secret, b)
}

// KeyRequest is the simulated platform's sealing-key description, the
// key info NewSealKey returns and SealKey reads: "EKVSKEY\x01" | policy |
// svn u16be | key id 32. (SVN is 0 under the measurement policy.)
type KeyRequest struct {
	Policy SealPolicy
	SVN    uint16
	KeyID  [32]byte
}

const keyInfoMagic = "EKVSKEY\x01"

// Encode is the key info bytes.
func (r KeyRequest) Encode() []byte {
	b := append([]byte(keyInfoMagic), byte(r.Policy))
	b = binary.BigEndian.AppendUint16(b, r.SVN)
	return append(b, r.KeyID[:]...)
}

// ParseKeyRequest reads key info, strictly.
func ParseKeyRequest(info []byte) (KeyRequest, error) {
	var r KeyRequest
	if len(info) != len(keyInfoMagic)+1+2+32 || string(info[:len(keyInfoMagic)]) != keyInfoMagic {
		return r, ErrKeyInfo
	}
	p := info[len(keyInfoMagic):]
	r.Policy = SealPolicy(p[0])
	r.SVN = binary.BigEndian.Uint16(p[1:])
	copy(r.KeyID[:], p[3:])
	switch {
	case r.Policy != SealToMeasurement && r.Policy != SealToSigner:
		return r, ErrBadPolicy
	case r.Policy == SealToMeasurement && r.SVN != 0:
		return r, ErrKeyInfo
	}
	return r, nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Evidence implements Platform: a simulated quote signed by the platform's
// attestation key (format in evidence.go).
func (s *Sim) Evidence(callerData [CallerDataSize]byte) ([]byte, error) {
	body := appendSimBody(nil, s.id, callerData, s.PlatformKey())
	return append(body, ed25519.Sign(s.attKey, simSigned(body))...), nil
}

// reportKey is the MAC key of local reports addressed to target. Only a
// process holding this platform's secret can compute it; the platform
// computes it for the reporter, and the target computes its own.
func (s *Sim) reportKey(target [32]byte) ([]byte, error) {
	return derive(s.secret, append([]byte(labelReport), target[:]...))
}

// TargetInfo implements Platform: the simulation addresses reports by
// measurement.
func (s *Sim) TargetInfo() []byte { return append([]byte(nil), s.id.Measurement[:]...) }

// LocalReport implements Platform.
func (s *Sim) LocalReport(targetInfo []byte, data [CallerDataSize]byte) ([]byte, error) {
	var target [32]byte
	if len(targetInfo) != len(target) {
		return nil, ErrTargetInfo
	}
	copy(target[:], targetInfo)
	key, err := s.reportKey(target)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, reportSize)
	b = append(b, reportMagic...)
	b = append(b, target[:]...)
	b = appendIdentity(b, s.id)
	b = append(b, data[:]...)
	mac := hmac.New(sha256.New, key)
	mac.Write(b)
	return mac.Sum(b), nil
}

// VerifyLocalReport implements Platform.
func (s *Sim) VerifyLocalReport(report []byte) (Identity, [CallerDataSize]byte, error) {
	var data [CallerDataSize]byte
	if len(report) != reportSize || string(report[:len(reportMagic)]) != reportMagic {
		return Identity{}, data, ErrReportInvalid
	}
	p := report[len(reportMagic):]
	var target [32]byte
	copy(target[:], p[:32])
	if target != s.id.Measurement {
		return Identity{}, data, ErrReportTarget
	}
	key, err := s.reportKey(target)
	if err != nil {
		return Identity{}, data, err
	}
	body := report[:reportSize-sha256.Size]
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), report[len(body):]) {
		return Identity{}, data, ErrReportInvalid
	}
	id, rest, err := readIdentity(p[32:], PlatformSim)
	if err != nil {
		return Identity{}, data, ErrReportInvalid
	}
	copy(data[:], rest[:CallerDataSize])
	return id, data, nil
}

// A local report: "EKVREP\x00\x01" | target measurement 32 | identity
// (identitySize) | data 64 | HMAC-SHA256 32.
const (
	reportMagic = "EKVREP\x00\x01"
	reportSize  = len(reportMagic) + 32 + identitySize + CallerDataSize + sha256.Size
)

// The identity as evidence and reports encode it: flags (bit 0 = debug,
// others zero) | product id u16be | svn u16be | measurement 32 | signer 32.
const identitySize = 1 + 2 + 2 + 32 + 32

func appendIdentity(b []byte, id Identity) []byte {
	b = append(b, boolByte(id.Debug))
	b = binary.BigEndian.AppendUint16(b, id.ProductID)
	b = binary.BigEndian.AppendUint16(b, id.SVN)
	b = append(b, id.Measurement[:]...)
	return append(b, id.Signer[:]...)
}

var errIdentity = errors.New("malformed identity")

func readIdentity(p []byte, platform string) (Identity, []byte, error) {
	if len(p) < identitySize || p[0] > 1 {
		return Identity{}, nil, errIdentity
	}
	id := Identity{Platform: platform, Debug: p[0] == 1}
	id.ProductID = binary.BigEndian.Uint16(p[1:])
	id.SVN = binary.BigEndian.Uint16(p[3:])
	copy(id.Measurement[:], p[5:37])
	copy(id.Signer[:], p[37:69])
	return id, p[identitySize:], nil
}
