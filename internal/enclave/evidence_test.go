package enclave_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// attested is one platform with a signed and an unsigned build on it.
type attested struct {
	signer           ed25519.PrivateKey
	signedCfg        enclave.SimConfig
	signed, unsigned *enclave.Sim
	otherPlatform    *enclave.Sim // the signed build on another machine
}

const (
	evPID = 11
	evSVN = 4
)

func newAttested(t *testing.T) *attested {
	t.Helper()
	a := &attested{signer: newSigningKey(t)}
	manifest := []byte(`{"product_id":11,"security_version":4}`)
	exe := newExe(t)
	signExe(t, a.signer, exe, manifest, evPID, evSVN)
	secret := platformSecret(t)
	cfg := enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: evPID, SVN: evSVN, SecretPath: secret}
	a.signedCfg = cfg
	a.signed = openSim(t, cfg)
	cfg.SecretPath = platformSecret(t)
	a.otherPlatform = openSim(t, cfg)
	a.unsigned = openSim(t, enclave.SimConfig{Executable: newExe(t), Manifest: manifest, ProductID: evPID, SVN: evSVN, SecretPath: secret})
	return a
}

func evidence(t testing.TB, s *enclave.Sim, callerData [enclave.CallerDataSize]byte) []byte {
	t.Helper()
	ev, err := s.Evidence(callerData)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func ptr[T any](v T) *T { return &v }

// strictOptions is what a production verifier of a's signed build would use:
// everything pinned, nothing debug.
func (a *attested) strictOptions(callerData [enclave.CallerDataSize]byte) enclave.VerifyOptions {
	id := a.signed.Identity()
	return enclave.VerifyOptions{
		CallerData:      callerData,
		Measurement:     ptr(id.Measurement),
		Signer:          ptr(id.Signer),
		MinSVN:          evSVN,
		ProductID:       ptr(uint16(evPID)),
		AllowSimulated:  true,
		SimPlatformKeys: []ed25519.PublicKey{a.signed.PlatformKey()},
	}
}

func TestVerifyAccepts(t *testing.T) {
	a := newAttested(t)
	nonce := enclave.NonceCallerData([]byte("client nonce"))
	signedEv := evidence(t, a.signed, nonce)
	unsignedEv := evidence(t, a.unsigned, nonce)
	sid, uid := a.signed.Identity(), a.unsigned.Identity()

	for _, tc := range []struct {
		name string
		ev   []byte
		opts func(o *enclave.VerifyOptions)
		want enclave.Identity
	}{
		{"everything pinned", signedEv, func(o *enclave.VerifyOptions) {}, sid},
		{"measurement only", signedEv, func(o *enclave.VerifyOptions) {
			o.Signer, o.MinSVN, o.ProductID = nil, 0, nil
		}, sid},
		{"signer and product id only", signedEv, func(o *enclave.VerifyOptions) { o.Measurement, o.MinSVN = nil, 0 }, sid},
		{"signer, min svn and product id", signedEv, func(o *enclave.VerifyOptions) { o.Measurement = nil }, sid},
		{"min svn below", signedEv, func(o *enclave.VerifyOptions) { o.MinSVN = evSVN - 1 }, sid},
		{"one of several platform keys", signedEv, func(o *enclave.VerifyOptions) {
			o.SimPlatformKeys = []ed25519.PublicKey{nil, a.otherPlatform.PlatformKey(), a.signed.PlatformKey()}
		}, sid},
		{"allow debug accepts production too", signedEv, func(o *enclave.VerifyOptions) { o.AllowDebug = true }, sid},
		{"unsigned build with AllowDebug", unsignedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer, o.MinSVN, o.ProductID, o.AllowDebug = ptr(uid.Measurement), nil, 0, nil, true
		}, uid},
		{"unsigned build by debug signer", unsignedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer, o.AllowDebug = nil, ptr(enclave.DebugSigner()), true
		}, uid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := a.strictOptions(nonce)
			tc.opts(&o)
			got, err := enclave.Verify(tc.ev, o)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Verify = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	a := newAttested(t)
	nonce := enclave.NonceCallerData([]byte("client nonce"))
	signedEv := evidence(t, a.signed, nonce)
	unsignedEv := evidence(t, a.unsigned, nonce)
	otherPlatformEv := evidence(t, a.otherPlatform, nonce)
	uid := a.unsigned.Identity()

	// Each refusal must be for its own reason, not caught early by another
	// check: the substring of the error that says why.
	reasons := map[string]string{
		"replay: another nonce's caller data":                    "stale or replayed",
		"zero caller data expected":                              "stale or replayed",
		"min svn without a signer":                               "needs an expected signer",
		"signer without a product id":                            "needs an expected product id",
		"unexpected measurement":                                 "measurement " + a.signed.Identity().MeasurementHex() + ", expected",
		"unexpected measurement, signer not pinned":              "measurement " + a.signed.Identity().MeasurementHex() + ", expected",
		"unexpected signer":                                      "signer " + a.signed.Identity().SignerHex() + ", expected",
		"unexpected signer, measurement not pinned":              "signer " + a.signed.Identity().SignerHex() + ", expected",
		"svn below minimum":                                      "is below the minimum",
		"svn far below minimum":                                  "is below the minimum 65535",
		"wrong product id":                                       "product id",
		"simulated not allowed":                                  "SIMULATED",
		"simulated allowed, no keys":                             "platform's public key named",
		"simulated allowed, empty key":                           "not one of the named keys",
		"another platform's key":                                 "not one of the named keys",
		"evidence from another platform":                         "not one of the named keys",
		"debug enclave without AllowDebug":                       "debug build",
		"debug enclave, debug signer pinned, without AllowDebug": "debug build",
		"no measurement and no signer":                           "no expected measurement or signer",
		"no measurement and no signer, everything else allowed":  "no expected measurement or signer",
		"empty evidence":                                         "bad magic",
		"unknown platform code":                                  "unknown platform code 2",
	}
	for _, tc := range []struct {
		name string
		ev   []byte
		opts func(o *enclave.VerifyOptions)
	}{
		{"replay: another nonce's caller data", signedEv, func(o *enclave.VerifyOptions) {
			o.CallerData = enclave.NonceCallerData([]byte("client nonce 2"))
		}},
		{"zero caller data expected", signedEv, func(o *enclave.VerifyOptions) { o.CallerData = [64]byte{} }},
		// A minimum SVN means nothing without the signer it is about.
		{"min svn without a signer", signedEv, func(o *enclave.VerifyOptions) { o.Signer, o.MinSVN, o.ProductID = nil, 1, nil }},
		// One signer signs many products.
		{"signer without a product id", signedEv, func(o *enclave.VerifyOptions) { o.Measurement, o.ProductID = nil, nil }},
		{"unexpected measurement", signedEv, func(o *enclave.VerifyOptions) { o.Measurement = ptr(uid.Measurement) }},
		{"unexpected measurement, signer not pinned", signedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer, o.MinSVN, o.ProductID = ptr(uid.Measurement), nil, 0, nil
		}},
		{"unexpected signer", signedEv, func(o *enclave.VerifyOptions) {
			o.Signer = ptr(enclave.SignerOf(newSigningKey(t).Public().(ed25519.PublicKey)))
		}},
		{"unexpected signer, measurement not pinned", signedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer = nil, ptr(enclave.DebugSigner())
		}},
		{"svn below minimum", signedEv, func(o *enclave.VerifyOptions) { o.MinSVN = evSVN + 1 }},
		{"svn far below minimum", signedEv, func(o *enclave.VerifyOptions) { o.MinSVN = 0xffff }},
		{"wrong product id", signedEv, func(o *enclave.VerifyOptions) { o.ProductID = ptr(uint16(evPID + 1)) }},
		{"simulated not allowed", signedEv, func(o *enclave.VerifyOptions) { o.AllowSimulated = false }},
		{"simulated allowed, no keys", signedEv, func(o *enclave.VerifyOptions) { o.SimPlatformKeys = nil }},
		{"simulated allowed, empty key", signedEv, func(o *enclave.VerifyOptions) { o.SimPlatformKeys = []ed25519.PublicKey{{}} }},
		{"another platform's key", signedEv, func(o *enclave.VerifyOptions) {
			o.SimPlatformKeys = []ed25519.PublicKey{a.otherPlatform.PlatformKey()}
		}},
		{"evidence from another platform", otherPlatformEv, func(o *enclave.VerifyOptions) {}},
		{"debug enclave without AllowDebug", unsignedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer, o.MinSVN, o.ProductID = ptr(uid.Measurement), nil, 0, nil
		}},
		{"debug enclave, debug signer pinned, without AllowDebug", unsignedEv, func(o *enclave.VerifyOptions) {
			o.Measurement, o.Signer = nil, ptr(enclave.DebugSigner())
		}},
		{"no measurement and no signer", signedEv, func(o *enclave.VerifyOptions) { o.Measurement, o.Signer = nil, nil }},
		{"no measurement and no signer, everything else allowed", signedEv, func(o *enclave.VerifyOptions) {
			*o = enclave.VerifyOptions{CallerData: nonce, AllowDebug: true, AllowSimulated: true, SimPlatformKeys: o.SimPlatformKeys}
		}},
		{"empty evidence", nil, func(o *enclave.VerifyOptions) {}},
		{"unknown platform code", append(append([]byte("EKVEVD\x00\x01"), 2), signedEv[9:]...), func(o *enclave.VerifyOptions) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := a.strictOptions(nonce)
			tc.opts(&o)
			got, err := enclave.Verify(tc.ev, o)
			if err == nil {
				t.Fatalf("Verify accepted it as %+v", got)
			}
			if !errors.Is(err, enclave.ErrEvidence) {
				t.Fatalf("err = %v, want it to wrap ErrEvidence", err)
			}
			if got != (enclave.Identity{}) {
				t.Fatalf("a refusal returned identity %+v", got)
			}
			why, ok := reasons[tc.name]
			if !ok {
				t.Fatalf("no expected reason for %q", tc.name)
			}
			if !strings.Contains(err.Error(), why) {
				t.Fatalf("refused for another reason: %v (want %q)", err, why)
			}
		})
	}
}

func TestVerifyRefusesEveryBitFlip(t *testing.T) {
	a := newAttested(t)
	nonce := enclave.NonceCallerData([]byte("n"))
	o := a.strictOptions(nonce)
	// The debug flag is part of what is flipped; allowing debug enclaves
	// makes sure it is the signature, not the policy, that catches that bit.
	o.AllowDebug = true
	ev := evidence(t, a.signed, nonce)
	if _, err := enclave.Verify(ev, o); err != nil {
		t.Fatal(err)
	}
	for bit := 0; bit < 8*len(ev); bit++ {
		if id, err := enclave.Verify(flipBit(ev, bit), o); !errors.Is(err, enclave.ErrEvidence) {
			t.Fatalf("bit %d (byte %d) flipped: Verify = %+v, %v", bit, bit/8, id, err)
		}
	}
}

func TestVerifyRefusesTruncationAndExtension(t *testing.T) {
	a := newAttested(t)
	nonce := enclave.NonceCallerData([]byte("n"))
	o := a.strictOptions(nonce)
	ev := evidence(t, a.signed, nonce)
	for n := 0; n < len(ev); n++ {
		if id, err := enclave.Verify(ev[:n], o); !errors.Is(err, enclave.ErrEvidence) {
			t.Fatalf("truncated to %d bytes: Verify = %+v, %v", n, id, err)
		}
	}
	for _, extra := range [][]byte{{0}, {0xff}, ev} {
		if id, err := enclave.Verify(append(bytes.Clone(ev), extra...), o); !errors.Is(err, enclave.ErrEvidence) {
			t.Fatalf("%d bytes appended: Verify = %+v, %v", len(extra), id, err)
		}
	}
}

func TestEvidenceIsFreshAndBindsCallerData(t *testing.T) {
	a := newAttested(t)
	n1 := enclave.NonceCallerData([]byte("one"))
	n2 := enclave.NonceCallerData([]byte("two"))
	ev1, ev1again, ev2 := evidence(t, a.signed, n1), evidence(t, a.signed, n1), evidence(t, a.signed, n2)
	for _, tc := range []struct {
		name   string
		ev     []byte
		nonce  [64]byte
		accept bool
	}{
		{"first call", ev1, n1, true},
		{"second call, same caller data", ev1again, n1, true},
		{"other caller data", ev2, n2, true},
		{"first evidence, second nonce", ev1, n2, false},
		{"second evidence, first nonce", ev2, n1, false},
	} {
		_, err := enclave.Verify(tc.ev, a.strictOptions(tc.nonce))
		if (err == nil) != tc.accept {
			t.Errorf("%s: err = %v, want accept=%v", tc.name, err, tc.accept)
		}
	}
	// Evidence made by a reopened enclave on the same platform verifies
	// with the key published before the restart.
	again := openSim(t, a.signedCfg)
	if _, err := enclave.Verify(evidence(t, again, n1), a.strictOptions(n1)); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
}

func TestNonceCallerData(t *testing.T) {
	nonces := [][]byte{nil, {0}, {0, 0}, {1}, []byte("nonce"), []byte("nonce2"), bytes.Repeat([]byte{0xff}, 1000)}
	seen := map[[64]byte]int{}
	for i, n := range nonces {
		d := enclave.NonceCallerData(n)
		if d != enclave.NonceCallerData(bytes.Clone(n)) {
			t.Fatalf("nonce %q: not deterministic", n)
		}
		if [32]byte(d[32:]) != [32]byte{} {
			t.Errorf("nonce %q: second half %x, want zero (reserved for the TLS key binding)", n, d[32:])
		}
		if [32]byte(d[:32]) == [32]byte{} {
			t.Errorf("nonce %q: first half is zero", n)
		}
		if j, dup := seen[d]; dup {
			t.Errorf("nonces %q and %q give the same caller data", nonces[j], n)
		}
		seen[d] = i
	}
}
