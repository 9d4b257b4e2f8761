package enclave_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

func TestPlatformSecretCreatedOnFirstUse(t *testing.T) {
	path := newSecretPath(t) // its directory does not exist yet either
	exe := newExe(t)
	first := openSim(t, enclave.SimConfig{Executable: exe, SecretPath: path})
	if !first.SecretCreated || first.SecretPath != path {
		t.Fatalf("first open: SecretCreated %v, SecretPath %q", first.SecretCreated, first.SecretPath)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode() != 0o600 {
		t.Fatalf("secret file mode %v, want -rw-------", st.Mode())
	}
	if !regexp.MustCompile(`\A[0-9a-f]{64}\n\z`).Match(mustRead(t, path)) {
		t.Fatalf("secret file holds %q, want one line of 64 hex digits", mustRead(t, path))
	}
	if dst, err := os.Stat(filepath.Dir(path)); err != nil || dst.Mode().Perm()&0o077 != 0 {
		t.Fatalf("created directory: %v, %v; want it private", dst.Mode(), err)
	}

	second := openSim(t, enclave.SimConfig{Executable: exe, SecretPath: path})
	if second.SecretCreated {
		t.Fatal("second open: SecretCreated is true")
	}
	if !first.PlatformKey().Equal(second.PlatformKey()) {
		t.Fatal("the platform key changed between two opens")
	}
	k, created, err := enclave.SimPlatformKey(path, true)
	if err != nil || created || !k.Equal(first.PlatformKey()) {
		t.Fatalf("SimPlatformKey = %x, %v, %v; want the Sim's key, not created", k, created, err)
	}

	other := openSim(t, enclave.SimConfig{Executable: exe, SecretPath: platformSecret(t)})
	if other.PlatformKey().Equal(first.PlatformKey()) {
		t.Fatal("two fresh platform secrets give the same platform key")
	}
	if len(first.PlatformKey()) != ed25519.PublicKeySize {
		t.Fatalf("platform key is %d bytes", len(first.PlatformKey()))
	}
}

func TestPlatformSecretIsTheFileContent(t *testing.T) {
	// What identifies the platform is the secret, not where it is stored:
	// moving the file keeps the keys (and an operator can back it up).
	secret := strings.Repeat("0123456789abcdef", 4)
	dir := t.TempDir()
	for _, tc := range []struct{ name, content string }{
		{"a", secret + "\n"},
		{"b", secret},
		{"c", strings.ToUpper(secret) + "\n"},
	} {
		writeFile(t, filepath.Join(dir, tc.name), []byte(tc.content), 0o600)
	}
	want, created, err := enclave.SimPlatformKey(filepath.Join(dir, "a"), true)
	if err != nil || created {
		t.Fatalf("SimPlatformKey: %v, created %v", err, created)
	}
	for _, name := range []string{"b", "c"} {
		k, _, err := enclave.SimPlatformKey(filepath.Join(dir, name), true)
		if err != nil || !k.Equal(want) {
			t.Errorf("%s: %x, %v; want %x", name, k, err, want)
		}
	}
	if got := mustRead(t, filepath.Join(dir, "b")); string(got) != secret {
		t.Fatalf("an existing secret was rewritten to %q", got)
	}
}

func TestPlatformSecretRefusedIfOthersCanRead(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		t.Run(mode.String(), func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "secret"), []byte(strings.Repeat("ab", 32)+"\n"), mode)
			_, err := enclave.OpenSim(enclave.SimConfig{Executable: newExe(t), SecretPath: path})
			if err == nil {
				t.Fatal("OpenSim accepted it")
			}
			if !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Fatalf("err = %q, want it to tell how to fix it with chmod", err)
			}
			if _, _, err := enclave.SimPlatformKey(path, true); err == nil {
				t.Fatal("SimPlatformKey accepted it")
			}
			// Refusing must not silently replace the operator's secret.
			if st, _ := os.Stat(path); st.Mode().Perm() != mode {
				t.Fatalf("mode changed to %v", st.Mode())
			}
		})
	}
}

func TestPlatformSecretMalformed(t *testing.T) {
	hex64 := strings.Repeat("0f", 32)
	for _, tc := range []struct{ name, content string }{
		{"empty", ""},
		{"newline only", "\n"},
		{"63 digits", hex64[:63] + "\n"},
		{"65 digits", hex64 + "0\n"},
		{"66 digits", hex64 + "00"},
		{"non-hex", strings.Repeat("zz", 32) + "\n"},
		{"non-hex last digit", hex64[:63] + "g\n"},
		{"two newlines", hex64 + "\n\n"},
		{"second line", hex64 + "\n" + hex64 + "\n"},
		{"CRLF", hex64 + "\r\n"},
		{"leading space", " " + hex64[1:] + "\n"},
		{"binary", string(make([]byte, 32))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "secret"), []byte(tc.content), 0o600)
			if k, _, err := enclave.SimPlatformKey(path, true); err == nil {
				t.Fatalf("accepted, platform key %x", k)
			} else if !strings.Contains(err.Error(), "malformed") {
				t.Fatalf("err = %q, want it to say the secret is malformed", err)
			}
			if s, err := enclave.OpenSim(enclave.SimConfig{Executable: newExe(t), SecretPath: path}); err == nil {
				t.Fatalf("OpenSim accepted it, platform key %x", s.PlatformKey())
			}
			if got := string(mustRead(t, path)); got != tc.content {
				t.Fatalf("a malformed secret was rewritten to %q", got)
			}
		})
	}

	t.Run("directory", func(t *testing.T) {
		if _, _, err := enclave.SimPlatformKey(t.TempDir(), true); err == nil {
			t.Fatal("a directory was accepted as the secret")
		}
	})
}

func TestPlatformSecretConcurrentFirstUse(t *testing.T) {
	path := newSecretPath(t)
	const n = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		keys    [n]ed25519.PublicKey
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], created[i], errs[i] = enclave.SimPlatformKey(path, true)
		}()
	}
	close(start)
	wg.Wait()

	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("opener %d: %v", i, errs[i])
		}
		if !keys[i].Equal(keys[0]) {
			t.Fatalf("opener %d got key %x, opener 0 %x", i, keys[i], keys[0])
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d openers report creating the secret, want exactly 1", creators)
	}
	// The losers' temporary files must not be left next to the secret.
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only the secret", names)
	}
	if _, err := hex.DecodeString(strings.TrimSpace(string(mustRead(t, path)))); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultSimSecretPath(t *testing.T) {
	home := t.TempDir()
	xdg := t.TempDir()
	explicit := filepath.Join(t.TempDir(), "explicit")
	for _, tc := range []struct {
		name           string
		env, xdg, home string
		want           string
	}{
		{"env var wins", explicit, xdg, home, explicit},
		{"XDG_DATA_HOME", "", xdg, home, filepath.Join(xdg, "enclavekv", "sim-platform-secret")},
		{"home", "", "", home, filepath.Join(home, ".local", "share", "enclavekv", "sim-platform-secret")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(enclave.SimSecretEnv, tc.env)
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			if got, err := enclave.DefaultSimSecretPath(); got != tc.want || err != nil {
				t.Fatalf("DefaultSimSecretPath() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// No shared fallback (another user could plant a secret there).
	t.Run("nothing set", func(t *testing.T) {
		t.Setenv(enclave.SimSecretEnv, "")
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("HOME", "")
		if got, err := enclave.DefaultSimSecretPath(); err == nil {
			t.Fatalf("DefaultSimSecretPath() = %q without HOME; want an error", got)
		}
	})

	t.Run("OpenSim uses it", func(t *testing.T) {
		t.Setenv(enclave.SimSecretEnv, explicit)
		s, err := enclave.OpenSim(enclave.SimConfig{Executable: newExe(t)})
		if err != nil {
			t.Fatal(err)
		}
		if s.SecretPath != explicit || !s.SecretCreated {
			t.Fatalf("SecretPath %q, SecretCreated %v; want %q, true", s.SecretPath, s.SecretCreated, explicit)
		}
		k, _, err := enclave.SimPlatformKey("", true)
		if err != nil || !k.Equal(s.PlatformKey()) {
			t.Fatalf("SimPlatformKey(\"\") = %x, %v; want the key at %s", k, err, explicit)
		}
	})
}
