package enclave_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

var (
	keyID1 = [32]byte{1}
	keyID2 = [32]byte{2}
)

// TestSealKeyInputs derives one key per variation of a single input and
// requires them all to be pairwise distinct: any collision means that input
// is not bound into the derivation.
func TestSealKeyInputs(t *testing.T) {
	secret := platformSecret(t)
	manifest := []byte(`{"product_id":7,"security_version":2}`)
	signer := newSigningKey(t)
	otherSigner := newSigningKey(t)

	exe := newExe(t)
	signExe(t, signer, exe, manifest, 7, 2)
	base := openSim(t, enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: 7, SVN: 2, SecretPath: secret})

	// Another binary from the same signer, product and version.
	exe2 := newExe(t)
	signExe(t, signer, exe2, manifest, 7, 2)
	otherBinary := openSim(t, enclave.SimConfig{Executable: exe2, Manifest: manifest, ProductID: 7, SVN: 2, SecretPath: secret})

	// The same binary signed by someone else.
	otherSig := signTo(t, filepath.Join(t.TempDir(), "other.sig"), otherSigner, exe, manifest, 7, 2)
	bySomeoneElse := openSim(t, enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: 7, SVN: 2, SignaturePath: otherSig, SecretPath: secret})

	// The same binary and signer under another product id.
	pidSig := signTo(t, filepath.Join(t.TempDir(), "pid.sig"), signer, exe, manifest, 8, 2)
	otherProduct := openSim(t, enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: 8, SVN: 2, SignaturePath: pidSig, SecretPath: secret})

	// The same binary and manifest, unsigned: a debug enclave.
	exeCopy := writeFile(t, filepath.Join(t.TempDir(), "enclavekv"), mustRead(t, exe), 0o755)
	debug := openSim(t, enclave.SimConfig{Executable: exeCopy, Manifest: manifest, ProductID: 7, SVN: 2, SecretPath: secret})
	if !debug.Identity().Debug || debug.Identity().Measurement != base.Identity().Measurement {
		t.Fatal("test bug: the debug build must differ from base only in being unsigned")
	}

	m1 := enclave.KeyRequest{Policy: enclave.SealToMeasurement, KeyID: keyID1}
	s1 := enclave.KeyRequest{Policy: enclave.SealToSigner, SVN: 2, KeyID: keyID1}
	cases := []struct {
		name string
		sim  *enclave.Sim
		req  enclave.KeyRequest
	}{
		{"measurement policy", base, m1},
		{"signer policy", base, s1},
		{"measurement policy, other key id", base, enclave.KeyRequest{Policy: enclave.SealToMeasurement, KeyID: keyID2}},
		{"signer policy, other key id", base, enclave.KeyRequest{Policy: enclave.SealToSigner, SVN: 2, KeyID: keyID2}},
		{"signer policy, lower svn", base, enclave.KeyRequest{Policy: enclave.SealToSigner, SVN: 1, KeyID: keyID1}},
		{"measurement policy, other binary", otherBinary, m1},
		{"signer policy, other signer", bySomeoneElse, s1},
		{"signer policy, other product id", otherProduct, s1},
		{"measurement policy, debug", debug, m1},
		{"signer policy, debug", debug, s1},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		k := hex.EncodeToString(sealKey(t, tc.sim, tc.req))
		if prev, dup := seen[k]; dup {
			t.Errorf("%q and %q derive the same key %s", prev, tc.name, k)
		}
		seen[k] = tc.name
	}

	// Conversely, the signer policy must not depend on the binary: that is
	// what lets an upgrade read older data.
	if !bytes.Equal(sealKey(t, base, s1), sealKey(t, otherBinary, s1)) {
		t.Error("signer-policy keys differ between two binaries of one signer, product and version")
	}
}

func TestSealKeyStableAcrossRestarts(t *testing.T) {
	secret := newSecretPath(t)
	manifest := []byte("m")
	exe := newExe(t)
	signExe(t, newSigningKey(t), exe, manifest, 1, 5)
	cfg := enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: 1, SVN: 5, SecretPath: secret}
	first := openSim(t, cfg)
	second := openSim(t, cfg)
	if !first.SecretCreated || second.SecretCreated {
		t.Fatalf("SecretCreated = %v then %v, want true then false", first.SecretCreated, second.SecretCreated)
	}

	otherCfg := cfg
	otherCfg.SecretPath = platformSecret(t)
	otherMachine := openSim(t, otherCfg)

	for _, req := range []enclave.KeyRequest{
		{Policy: enclave.SealToMeasurement, KeyID: keyID1},
		{Policy: enclave.SealToSigner, SVN: 5, KeyID: keyID1},
		{Policy: enclave.SealToSigner, SVN: 0, KeyID: keyID2},
	} {
		k1, k2 := sealKey(t, first, req), sealKey(t, second, req)
		if !bytes.Equal(k1, k2) {
			t.Errorf("%+v: key changed across a restart: %x then %x", req, k1, k2)
		}
		if k3 := sealKey(t, otherMachine, req); bytes.Equal(k1, k3) {
			t.Errorf("%+v: another platform secret derives the same key %x", req, k1)
		}
	}
}

// TestSealKeySignerPolicyAcrossVersions plays an upgrade and a downgrade:
// builds v1, v2 and v3 are different binaries from one signer.
func TestSealKeySignerPolicyAcrossVersions(t *testing.T) {
	secret := platformSecret(t)
	signer := newSigningKey(t)
	const pid = 3
	build := func(svn uint16) *enclave.Sim {
		manifest := []byte{byte(svn)}
		exe := newExe(t)
		signExe(t, signer, exe, manifest, pid, svn)
		return openSim(t, enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: pid, SVN: svn, SecretPath: secret})
	}
	v1, v2, v3 := build(1), build(2), build(3)
	v2again := build(2) // a rebuild at the same version

	at := func(svn uint16) enclave.KeyRequest {
		return enclave.KeyRequest{Policy: enclave.SealToSigner, SVN: svn, KeyID: keyID1}
	}
	sealedByV2 := sealKey(t, v2, at(2))

	if got := sealKey(t, v3, at(2)); !bytes.Equal(got, sealedByV2) {
		t.Errorf("v3 derives %x for v2's key request, v2 derived %x", got, sealedByV2)
	}
	if got := sealKey(t, v2again, at(2)); !bytes.Equal(got, sealedByV2) {
		t.Errorf("a rebuild at the same version derives %x, v2 derived %x", got, sealedByV2)
	}
	if got := sealKey(t, v3, at(3)); bytes.Equal(got, sealedByV2) {
		t.Error("v3's own-version key equals v2's: the version is not bound")
	}
	for _, req := range []enclave.KeyRequest{at(2), at(3), at(65535)} {
		k, err := v1.SealKey(req.Encode())
		if !errors.Is(err, enclave.ErrSVNTooHigh) {
			t.Errorf("v1.SealKey(svn %d) = %x, %v; want ErrSVNTooHigh", req.SVN, k, err)
		}
		if k != nil {
			t.Errorf("v1.SealKey(svn %d) returned key material with its error", req.SVN)
		}
	}

	// The measurement policy is the opposite: an upgrade loses access.
	m := enclave.KeyRequest{Policy: enclave.SealToMeasurement, KeyID: keyID1}
	if bytes.Equal(sealKey(t, v2, m), sealKey(t, v3, m)) {
		t.Error("two builds share a measurement-policy key")
	}
	// A measurement-policy key has no SVN: info that claims one is not
	// ours.
	if _, err := v1.SealKey(enclave.KeyRequest{Policy: enclave.SealToMeasurement, SVN: 9, KeyID: keyID1}.Encode()); !errors.Is(err, enclave.ErrKeyInfo) {
		t.Errorf("measurement-policy key info with an svn: %v, want ErrKeyInfo", err)
	}
}

func TestSealKeyRejectsUnknownPolicy(t *testing.T) {
	s := openSim(t, enclave.SimConfig{Executable: newExe(t), SecretPath: platformSecret(t)})
	for _, p := range []enclave.SealPolicy{0, 3, 255} {
		k, err := s.SealKey(enclave.KeyRequest{Policy: p, KeyID: keyID1}.Encode())
		if !errors.Is(err, enclave.ErrBadPolicy) || k != nil {
			t.Errorf("policy %d: key %x, err %v; want ErrBadPolicy", p, k, err)
		}
	}
}

// NewSealKey makes a fresh key id each time and key info from which
// SealKey gets the same key back, on this and on later runs; info that is
// malformed or from another platform is refused.
func TestNewSealKeyRoundTrip(t *testing.T) {
	exe, secret := newExe(t), platformSecret(t)
	key := newSigningKey(t)
	signExe(t, key, exe, nil, 1, 4)
	s := openSim(t, enclave.SimConfig{Executable: exe, ProductID: 1, SVN: 4, SecretPath: secret})
	for _, p := range []enclave.SealPolicy{enclave.SealToMeasurement, enclave.SealToSigner} {
		k1, info1, err := s.NewSealKey(p)
		if err != nil {
			t.Fatal(err)
		}
		k2, info2, err := s.NewSealKey(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(k1, k2) || bytes.Equal(info1, info2) || len(info1) > enclave.MaxKeyInfo {
			t.Errorf("policy %v: two new keys alike or info too long", p)
		}
		req, err := enclave.ParseKeyRequest(info1)
		if err != nil || req.Policy != p || (p == enclave.SealToSigner && req.SVN != 4) || (p == enclave.SealToMeasurement && req.SVN != 0) {
			t.Errorf("policy %v: info %+v, %v", p, req, err)
		}
		restarted := openSim(t, enclave.SimConfig{Executable: exe, ProductID: 1, SVN: 4, SecretPath: secret})
		if again, err := restarted.SealKey(info1); err != nil || !bytes.Equal(again, k1) {
			t.Errorf("policy %v: SealKey(info) after a restart = %x, %v", p, again, err)
		}
		for i := range info1 {
			bad := flipBit(info1, i*8)
			if k, err := s.SealKey(bad); err == nil && bytes.Equal(k, k1) {
				t.Errorf("policy %v: info with byte %d changed gives the same key", p, i)
			}
		}
		for _, bad := range [][]byte{nil, info1[:len(info1)-1], append(append([]byte{}, info1...), 0)} {
			if _, err := s.SealKey(bad); !errors.Is(err, enclave.ErrKeyInfo) {
				t.Errorf("policy %v: info of %d bytes: %v, want ErrKeyInfo", p, len(bad), err)
			}
		}
	}
	if _, _, err := s.NewSealKey(9); !errors.Is(err, enclave.ErrBadPolicy) {
		t.Errorf("NewSealKey(9): %v", err)
	}
}
