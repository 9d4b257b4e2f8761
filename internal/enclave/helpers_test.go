package enclave_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

func writeFile(t testing.TB, path string, data []byte, perm os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	// WriteFile's perm is masked by the umask; the secret tests depend on
	// the exact mode.
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

// randomBytes returns n random bytes: two calls never collide, so two
// "executables" made from them are two different builds.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// newExe writes a fresh random "executable" into its own directory, so
// that its <exe>.sig neighbour belongs to this test alone.
func newExe(t testing.TB) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "enclavekv"), randomBytes(t, 4096), 0o755)
}

// newSecretPath names a platform secret that does not exist yet, in a
// directory that does not exist either, for the tests of first use.
func newSecretPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "platform", "sim-platform-secret")
}

// platformSecret writes a fresh random platform secret, as OpenSim would on
// first use but without its fsync: tests that do not test creation need not
// wait for the disk, which on a loaded machine takes most of their time.
func platformSecret(t testing.TB) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "sim-platform-secret"), []byte(hex.EncodeToString(randomBytes(t, 32))+"\n"), 0o600)
}

func newSigningKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, _, err := enclave.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func measureFile(t testing.TB, exe string, manifest []byte) [32]byte {
	t.Helper()
	m, err := enclave.MeasureFile(exe, manifest)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func signTo(t testing.TB, path string, key ed25519.PrivateKey, exe string, manifest []byte, productID, svn uint16) string {
	t.Helper()
	return writeFile(t, path, enclave.Sign(key, measureFile(t, exe, manifest), productID, svn), 0o644)
}

// signExe writes <exe>.sig, where OpenSim looks by default.
func signExe(t testing.TB, key ed25519.PrivateKey, exe string, manifest []byte, productID, svn uint16) string {
	t.Helper()
	return signTo(t, exe+".sig", key, exe, manifest, productID, svn)
}

func openSim(t testing.TB, cfg enclave.SimConfig) *enclave.Sim {
	t.Helper()
	if cfg.SecretPath == "" {
		t.Fatal("test bug: SecretPath must be explicit so that no test touches the user's platform secret")
	}
	s, err := enclave.OpenSim(cfg)
	if err != nil {
		t.Fatalf("OpenSim(%s): %v", cfg.Executable, err)
	}
	return s
}

func sealKey(t testing.TB, s *enclave.Sim, req enclave.KeyRequest) []byte {
	t.Helper()
	k, err := s.SealKey(req.Encode())
	if err != nil {
		t.Fatalf("SealKey(%+v): %v", req, err)
	}
	if len(k) != 32 {
		t.Fatalf("SealKey(%+v) is %d bytes, want 32", req, len(k))
	}
	return k
}

func flipBit(b []byte, bit int) []byte {
	c := append([]byte(nil), b...)
	c[bit/8] ^= 1 << (bit % 8)
	return c
}
