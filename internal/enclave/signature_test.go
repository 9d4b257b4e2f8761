package enclave_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

func TestOpenSimIdentity(t *testing.T) {
	manifest := []byte("manifest")
	key := newSigningKey(t)
	pub := key.Public().(ed25519.PublicKey)

	unsignedExe := newExe(t)
	autoExe := newExe(t)
	autoSig := signExe(t, key, autoExe, manifest, 4, 9)
	explicitExe := newExe(t)
	explicitSig := signTo(t, filepath.Join(t.TempDir(), "elsewhere.sig"), key, explicitExe, manifest, 4, 9)

	for _, tc := range []struct {
		name    string
		cfg     enclave.SimConfig
		debug   bool
		signer  [32]byte
		sigPath string
	}{
		{"unsigned", enclave.SimConfig{Executable: unsignedExe, Manifest: manifest, ProductID: 4, SVN: 9}, true, enclave.DebugSigner(), ""},
		{"signed, <exe>.sig", enclave.SimConfig{Executable: autoExe, Manifest: manifest, ProductID: 4, SVN: 9}, false, enclave.SignerOf(pub), autoSig},
		{"signed, SignaturePath", enclave.SimConfig{Executable: explicitExe, Manifest: manifest, ProductID: 4, SVN: 9, SignaturePath: explicitSig}, false, enclave.SignerOf(pub), explicitSig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SecretPath = platformSecret(t)
			s := openSim(t, tc.cfg)
			want := enclave.Identity{
				Platform:    enclave.PlatformSim,
				Measurement: measureFile(t, tc.cfg.Executable, manifest),
				Signer:      tc.signer,
				ProductID:   4,
				SVN:         9,
				Debug:       tc.debug,
			}
			if got := s.Identity(); got != want {
				t.Fatalf("Identity() = %+v\nwant         %+v", got, want)
			}
			if s.SignaturePath != tc.sigPath {
				t.Fatalf("SignaturePath = %q, want %q", s.SignaturePath, tc.sigPath)
			}
		})
	}
	if enclave.DebugSigner() == enclave.SignerOf(pub) {
		t.Fatal("a generated key has the debug signer's identity")
	}
}

func TestOpenSimRejectsBadSignatures(t *testing.T) {
	manifest := []byte("manifest")
	key := newSigningKey(t)
	exe := newExe(t)
	other := newExe(t)
	dir := t.TempDir()

	good := enclave.Sign(key, measureFile(t, exe, manifest), 4, 9)
	blk, _ := pem.Decode(good)
	corruptBody := bytes.Clone(blk.Bytes)
	corruptBody[len(corruptBody)-1] ^= 0x80

	for _, tc := range []struct {
		name     string
		sig      []byte // written to SignaturePath; nil: SignaturePath names a missing file
		manifest []byte
		pid, svn uint16
		wantErr  string // substring of the error; "" for success
	}{
		{"good", good, manifest, 4, 9, ""},
		{"other binary's signature", enclave.Sign(key, measureFile(t, other, manifest), 4, 9), manifest, 4, 9, "measurement"},
		{"other manifest", good, []byte("manifesT"), 4, 9, "measurement"},
		{"product id differs", good, manifest, 5, 9, "product id"},
		{"svn differs (lower)", good, manifest, 4, 8, "security version"},
		{"svn differs (higher)", good, manifest, 4, 10, "security version"},
		{"signed svn differs", enclave.Sign(key, measureFile(t, exe, manifest), 4, 10), manifest, 4, 9, "security version"},
		{"corrupted signature bytes", pem.EncodeToMemory(&pem.Block{Type: blk.Type, Bytes: corruptBody}), manifest, 4, 9, "does not verify"},
		{"truncated", good[:len(good)/2], manifest, 4, 9, "signature"},
		{"empty", []byte{}, manifest, 4, 9, "signature"},
		{"garbage", []byte("hello\n"), manifest, 4, 9, "signature"},
		{"missing file", nil, manifest, 4, 9, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".sig")
			if tc.sig != nil {
				writeFile(t, path, tc.sig, 0o644)
			}
			s, err := enclave.OpenSim(enclave.SimConfig{
				Executable: exe, Manifest: tc.manifest, ProductID: tc.pid, SVN: tc.svn,
				SignaturePath: path, SecretPath: platformSecret(t),
			})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("OpenSim accepted it as %+v", s.Identity())
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %q, want it to mention %q", err, tc.wantErr)
			}
		})
	}

	// A bad <exe>.sig found by default must fail too, not fall back to an
	// unsigned (debug) run.
	writeFile(t, exe+".sig", []byte("not a signature"), 0o644)
	if s, err := enclave.OpenSim(enclave.SimConfig{Executable: exe, Manifest: manifest, ProductID: 4, SVN: 9, SecretPath: platformSecret(t)}); err == nil {
		t.Fatalf("OpenSim ignored a broken %s.sig and ran as %+v", exe, s.Identity())
	}
}

func TestParseSignature(t *testing.T) {
	key := newSigningKey(t)
	m := [32]byte{0xaa, 0xbb}
	good := enclave.Sign(key, m, 0x1234, 0xfedc)

	s, err := enclave.ParseSignature(good)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	if s.Measurement != m || s.ProductID != 0x1234 || s.SVN != 0xfedc || !pub.Equal(s.PublicKey) || s.Signer() != enclave.SignerOf(pub) {
		t.Fatalf("parsed %+v", s)
	}

	blk, _ := pem.Decode(good)
	reencode := func(typ string, body []byte, headers map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: body})
	}
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"as signed", good, true},
		{"trailing whitespace", append(bytes.Clone(good), " \n\n"...), true},
		{"trailing data", append(bytes.Clone(good), "x"...), false},
		{"two blocks", append(bytes.Clone(good), good...), false},
		{"PEM headers", reencode(blk.Type, blk.Bytes, map[string]string{"Proc-Type": "4,ENCRYPTED"}), false},
		{"other PEM type", reencode("PRIVATE KEY", blk.Bytes, nil), false},
		{"one byte short", reencode(blk.Type, blk.Bytes[:len(blk.Bytes)-1], nil), false},
		{"one byte long", reencode(blk.Type, append(bytes.Clone(blk.Bytes), 0), nil), false},
		{"other version", reencode(blk.Type, append([]byte("EKVSIG\x00\x02"), blk.Bytes[8:]...), nil), false},
		{"not PEM", blk.Bytes, false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := enclave.ParseSignature(tc.data)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseSignature: err = %v, want ok=%v", err, tc.ok)
			}
		})
	}

	// Every field is covered by the signature: no single-bit change of the
	// decoded body verifies.
	for bit := 0; bit < 8*len(blk.Bytes); bit++ {
		if s, err := enclave.ParseSignature(reencode(blk.Type, flipBit(blk.Bytes, bit), nil)); err == nil {
			t.Fatalf("bit %d flipped: parsed as %+v", bit, s)
		}
	}
}

func TestSigningKeys(t *testing.T) {
	priv, pemBytes, err := enclave.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := enclave.ParseSigningKey(pemBytes)
	if err != nil {
		t.Fatalf("ParseSigningKey rejects GenerateSigningKey's output: %v", err)
	}
	if !priv.Equal(parsed) {
		t.Fatal("parsed key differs from the generated one")
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "signing.pem"), pemBytes, 0o600)
	fromFile, err := enclave.ReadSigningKey(path)
	if err != nil || !priv.Equal(fromFile) {
		t.Fatalf("ReadSigningKey: %v", err)
	}
	if _, err := enclave.ReadSigningKey(filepath.Join(t.TempDir(), "missing.pem")); !os.IsNotExist(err) {
		t.Fatalf("ReadSigningKey(missing) err = %v, want not-exist", err)
	}
	_, other, _ := enclave.GenerateSigningKey()
	if bytes.Equal(pemBytes, other) {
		t.Fatal("two generated keys are equal")
	}

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("garbage")},
		{"empty", nil},
		{"ECDSA P-256 PKCS#8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})},
		{"wrong PEM type", pem.EncodeToMemory(&pem.Block{Type: "ED25519 PRIVATE KEY", Bytes: blk.Bytes})},
		{"corrupt DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: blk.Bytes[:len(blk.Bytes)-1]})},
		{"a signature file", enclave.Sign(priv, [32]byte{}, 1, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k, err := enclave.ParseSigningKey(tc.data); err == nil {
				t.Fatalf("accepted as %T", k)
			}
		})
	}
}
