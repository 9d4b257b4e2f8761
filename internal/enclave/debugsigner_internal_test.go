package enclave

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The debug signer's private key is public knowledge, so a build signed
// with it must still be a debug enclave: its sealing keys are the debug
// ones and verifiers refuse it without AllowDebug.
func TestSignedByTheDebugKeyIsStillDebug(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, []byte("some server build"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := []byte("{}")
	m, err := MeasureFile(exe, manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe+".sig", Sign(debugSignerKey(), m, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	signed, err := OpenSim(SimConfig{Executable: exe, Manifest: manifest, ProductID: 1, SVN: 1, SecretPath: secret})
	if err != nil {
		t.Fatal(err)
	}
	if id := signed.Identity(); !id.Debug || id.Signer != DebugSigner() {
		t.Fatalf("identity %+v: want debug with the debug signer", id)
	}
	if err := os.Remove(exe + ".sig"); err != nil {
		t.Fatal(err)
	}
	unsigned, err := OpenSim(SimConfig{Executable: exe, Manifest: manifest, ProductID: 1, SVN: 1, SecretPath: secret})
	if err != nil {
		t.Fatal(err)
	}
	req := KeyRequest{Policy: SealToSigner, SVN: 1}
	k1, _ := signed.SealKey(req.Encode())
	k2, _ := unsigned.SealKey(req.Encode())
	if string(k1) != string(k2) {
		t.Errorf("signing with the debug key changed the sealing key: it must stay a debug key")
	}

	// Verify refuses the debug signer even if a forged flag said otherwise:
	// build evidence of a non-debug identity with the debug signer.
	forged := &Sim{id: signed.id, secret: signed.secret, attKey: signed.attKey}
	forged.id.Debug = false
	var cd [CallerDataSize]byte
	ev, _ := forged.Evidence(cd)
	signer := DebugSigner()
	pid := uint16(1)
	o := VerifyOptions{CallerData: cd, Signer: &signer, ProductID: &pid, AllowSimulated: true, SimPlatformKeys: []ed25519.PublicKey{forged.PlatformKey()}}
	if _, err := Verify(ev, o); err == nil || !strings.Contains(err.Error(), "debug build") {
		t.Errorf("evidence from the debug signer without AllowDebug: %v", err)
	}
	o.AllowDebug = true
	if _, err := Verify(ev, o); err != nil {
		t.Errorf("with AllowDebug: %v", err)
	}
}
