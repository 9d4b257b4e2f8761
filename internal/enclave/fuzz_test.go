package enclave_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// The fuzz targets run against a fixed platform, build and signing key, so
// that the genuine evidence, signatures and reports are the same bytes on
// every run (Ed25519 and HMAC are deterministic) and the checked-in seeds
// under testdata/fuzz stay genuine.
type fuzzWorld struct {
	signer      ed25519.PrivateKey
	signed      *enclave.Sim // signed build, product 5, svn 3
	unsigned    *enclave.Sim // the same binary and manifest, unsigned
	peer        *enclave.Sim // another build (other manifest), same platform
	measurement [32]byte
	callerData  [enclave.CallerDataSize]byte
}

func fixedBytes(label string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256(fmt.Appendf(nil, "%s %d", label, i))
		out = append(out, h[:]...)
	}
	return out[:n]
}

func newFuzzWorld(tb testing.TB) *fuzzWorld {
	tb.Helper()
	dir := tb.TempDir()
	secret := writeFile(tb, filepath.Join(dir, "secret"), []byte(hex.EncodeToString(fixedBytes("fuzz platform secret", 32))+"\n"), 0o600)
	manifest := []byte(`{"product_id":5,"security_version":3}`)
	exeBytes := fixedBytes("fuzz executable", 1024)
	signedExe := writeFile(tb, filepath.Join(dir, "signed"), exeBytes, 0o755)
	unsignedExe := writeFile(tb, filepath.Join(dir, "unsigned"), exeBytes, 0o755)

	w := &fuzzWorld{
		signer:     ed25519.NewKeyFromSeed(fixedBytes("fuzz signing key", ed25519.SeedSize)),
		callerData: enclave.NonceCallerData([]byte("fuzz nonce")),
	}
	signExe(tb, w.signer, signedExe, manifest, 5, 3)
	w.signed = openSim(tb, enclave.SimConfig{Executable: signedExe, Manifest: manifest, ProductID: 5, SVN: 3, SecretPath: secret})
	w.unsigned = openSim(tb, enclave.SimConfig{Executable: unsignedExe, Manifest: manifest, ProductID: 5, SVN: 3, SecretPath: secret})
	w.peer = openSim(tb, enclave.SimConfig{Executable: unsignedExe, Manifest: []byte("peer"), SecretPath: secret})
	w.measurement = w.signed.Identity().Measurement
	return w
}

// FuzzVerify feeds arbitrary bytes to Verify under a permissive policy
// (simulated and debug evidence allowed). Only the evidence the two builds
// actually produced may pass.
func FuzzVerify(f *testing.F) {
	w := newFuzzWorld(f)
	genuine := map[string]enclave.Identity{}
	for _, s := range []*enclave.Sim{w.signed, w.unsigned} {
		ev := evidence(f, s, w.callerData)
		genuine[string(ev)] = s.Identity()
		f.Add(ev)
		// Same shape, but for a caller data the policy does not expect.
		f.Add(evidence(f, s, enclave.NonceCallerData([]byte("other nonce"))))
	}
	f.Add(evidence(f, w.peer, w.callerData))
	f.Add([]byte{})
	f.Add([]byte("EKVEVD\x00\x01"))
	f.Add([]byte("EKVEVD\x00\x01\x02"))

	opts := enclave.VerifyOptions{
		CallerData:      w.callerData,
		Measurement:     &w.measurement,
		AllowDebug:      true,
		AllowSimulated:  true,
		SimPlatformKeys: []ed25519.PublicKey{w.signed.PlatformKey()},
	}
	f.Fuzz(func(t *testing.T, ev []byte) {
		id, err := enclave.Verify(ev, opts)
		want, isGenuine := genuine[string(ev)]
		switch {
		case err == nil && !isGenuine:
			t.Fatalf("forged evidence accepted as %+v", id)
		case err == nil && id != want:
			t.Fatalf("genuine evidence verified as %+v, want %+v", id, want)
		case err != nil && isGenuine:
			t.Fatalf("genuine evidence refused: %v", err)
		case err != nil && !errors.Is(err, enclave.ErrEvidence):
			t.Fatalf("refusal does not wrap ErrEvidence: %v", err)
		case err != nil && id != (enclave.Identity{}):
			t.Fatalf("refusal returned identity %+v", id)
		}
	})
}

// FuzzParseSignature checks that whatever ParseSignature accepts really is
// an Ed25519 signature, by the public key it names, over the documented
// message for the fields it returns, and that those fields re-encode to a
// signature file that parses the same.
func FuzzParseSignature(f *testing.F) {
	w := newFuzzWorld(f)
	type fields struct {
		m        [32]byte
		pid, svn uint16
	}
	signedByUs := map[fields]bool{}
	for _, fl := range []fields{{w.measurement, 5, 3}, {[32]byte{}, 0, 0}, {[32]byte{0xff}, 0xffff, 0xffff}} {
		signedByUs[fl] = true
		f.Add(enclave.Sign(w.signer, fl.m, fl.pid, fl.svn))
	}
	good := enclave.Sign(w.signer, w.measurement, 5, 3)
	f.Add(append(bytes.Clone(good), "\n\n"...))
	f.Add(good[:len(good)-10])
	f.Add([]byte("-----BEGIN ENCLAVEKV SIGNATURE-----\n-----END ENCLAVEKV SIGNATURE-----\n"))
	f.Add([]byte("garbage"))
	ourKey := w.signer.Public().(ed25519.PublicKey)

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := enclave.ParseSignature(data)
		if err != nil {
			if s != nil {
				t.Fatalf("error %v with a signature %+v", err, s)
			}
			return
		}
		blk, _ := pem.Decode(data)
		if blk == nil || len(blk.Bytes) < ed25519.SignatureSize {
			t.Fatalf("accepted %q, which holds no signature", data)
		}
		sig := blk.Bytes[len(blk.Bytes)-ed25519.SignatureSize:]

		msg := []byte("enclavekv enclave signature v1\x00")
		msg = append(msg, s.Measurement[:]...)
		msg = binary.BigEndian.AppendUint16(msg, s.ProductID)
		msg = binary.BigEndian.AppendUint16(msg, s.SVN)
		if len(s.PublicKey) != ed25519.PublicKeySize || !ed25519.Verify(s.PublicKey, msg, sig) {
			t.Fatalf("accepted %+v, whose signature does not verify", s)
		}
		if s.PublicKey.Equal(ourKey) && !signedByUs[fields{s.Measurement, s.ProductID, s.SVN}] {
			t.Fatalf("forged a signature by our key: %+v", s)
		}

		body := []byte("EKVSIG\x00\x01")
		body = append(body, s.Measurement[:]...)
		body = binary.BigEndian.AppendUint16(body, s.ProductID)
		body = binary.BigEndian.AppendUint16(body, s.SVN)
		body = append(body, s.PublicKey...)
		body = append(body, sig...)
		again, err := enclave.ParseSignature(pem.EncodeToMemory(&pem.Block{Type: "ENCLAVEKV SIGNATURE", Bytes: body}))
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", s, err)
		}
		if again.Measurement != s.Measurement || again.ProductID != s.ProductID || again.SVN != s.SVN || !again.PublicKey.Equal(s.PublicKey) {
			t.Fatalf("re-encoding parses as %+v, want %+v", again, s)
		}
	})
}

// FuzzVerifyLocalReport checks that the signed build accepts exactly the
// reports this platform's enclaves made for it.
func FuzzVerifyLocalReport(f *testing.F) {
	w := newFuzzWorld(f)
	self := w.signed.Identity().Measurement
	type result struct {
		id   enclave.Identity
		data [enclave.CallerDataSize]byte
	}
	genuine := map[string]result{}
	for i, s := range []*enclave.Sim{w.signed, w.unsigned, w.peer} {
		data := [enclave.CallerDataSize]byte{byte(i), 63: 0xee}
		r, err := s.LocalReport(self[:], data)
		if err != nil {
			f.Fatal(err)
		}
		genuine[string(r)] = result{s.Identity(), data}
		f.Add(r)
	}
	// Genuine, but addressed to another enclave.
	r, err := w.signed.LocalReport(w.peer.TargetInfo(), [enclave.CallerDataSize]byte{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(r)
	f.Add([]byte{})
	f.Add([]byte("EKVREP\x00\x01"))

	f.Fuzz(func(t *testing.T, report []byte) {
		id, data, err := w.signed.VerifyLocalReport(report)
		want, isGenuine := genuine[string(report)]
		switch {
		case err == nil && !isGenuine:
			t.Fatalf("forged report accepted: %+v, data %x", id, data)
		case err == nil && (id != want.id || data != want.data):
			t.Fatalf("genuine report verified as %+v / %x, want %+v / %x", id, data, want.id, want.data)
		case err != nil && isGenuine:
			t.Fatalf("genuine report refused: %v", err)
		case err != nil && !errors.Is(err, enclave.ErrReportInvalid) && !errors.Is(err, enclave.ErrReportTarget):
			t.Fatalf("unexpected error %v", err)
		}
	})
}
