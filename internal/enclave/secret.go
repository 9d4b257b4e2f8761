package enclave

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// SimSecretEnv names the environment variable that overrides where the
// simulated platform keeps its secret.
const SimSecretEnv = "ENCLAVEKV_SIM_PLATFORM_SECRET"

// DefaultSimSecretPath is where the simulated platform's secret lives on
// this host: $ENCLAVEKV_SIM_PLATFORM_SECRET, else
// $XDG_DATA_HOME/enclavekv/sim-platform-secret, else
// ~/.local/share/enclavekv/sim-platform-secret. Without any of them there
// is no safe default (a shared directory would let another user plant a
// secret), so it is an error.
func DefaultSimSecretPath() (string, error) {
	if p := os.Getenv(SimSecretEnv); p != "" {
		return p, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "enclavekv", "sim-platform-secret"), nil
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "share", "enclavekv", "sim-platform-secret"), nil
	}
	return "", errors.New("no place for the simulated platform secret: set $HOME, $" + SimSecretEnv + " or --sim-platform-secret")
}

// loadOrCreateSecret returns the 32-byte platform secret stored at path
// (one line of 64 hex digits), creating it on first use. Creation is
// atomic: concurrent first starts agree on one secret. A secret file that
// others can read is refused, as ssh refuses such private keys: in the
// simulation, this file is all that keeps other local users from deriving
// our sealing keys.
func loadOrCreateSecret(path string) (secret [32]byte, created bool, err error) {
	secret, err = readSecret(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return secret, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return secret, false, fmt.Errorf("create simulated platform secret %s: %w", path, err)
	}
	var fresh [32]byte
	if _, err := rand.Read(fresh[:]); err != nil {
		return secret, false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sim-platform-secret-*")
	if err != nil {
		return secret, false, fmt.Errorf("create simulated platform secret %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(fresh[:]) + "\n")
	if werr == nil {
		werr = tmp.Chmod(0o600)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return secret, false, fmt.Errorf("create simulated platform secret %s: %w", path, werr)
	}
	// Link fails if another process got there first; then its secret wins.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return secret, false, fmt.Errorf("create simulated platform secret %s: %w", path, err)
	} else if err == nil {
		created = true
	}
	secret, err = readSecret(path)
	return secret, created, err
}

// readSecret reads the secret, refusing any file another local user could
// have planted or could read: it must be a regular file (not a symlink)
// owned by this user with no group or other permissions, in a directory
// others cannot write to (unless it is sticky, like /tmp, where they
// cannot replace our files).
func readSecret(path string) ([32]byte, error) {
	var s [32]byte
	// O_NONBLOCK: a FIFO planted at the path must not hang the start.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return s, fmt.Errorf("simulated platform secret %s is a symbolic link; give the real path", path)
		}
		return s, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return s, err
	}
	if !st.Mode().IsRegular() {
		return s, fmt.Errorf("simulated platform secret %s is not a regular file", path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return s, fmt.Errorf("simulated platform secret %s belongs to uid %d, not to this user (uid %d)", path, sys.Uid, os.Geteuid())
	}
	if st.Mode().Perm()&0o077 != 0 {
		return s, fmt.Errorf("simulated platform secret %s is accessible by other users (mode %04o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	if dir, err := os.Stat(filepath.Dir(path)); err == nil && dir.Mode().Perm()&0o022 != 0 && dir.Mode()&os.ModeSticky == 0 {
		return s, fmt.Errorf("simulated platform secret %s is in a directory other users can write to (mode %04o)", path, dir.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, 66))
	if err != nil {
		return s, fmt.Errorf("read simulated platform secret %s: %w", path, err)
	}
	line := bytes.TrimSuffix(data, []byte("\n"))
	if len(line) != 64 || len(data) > 65 {
		return s, fmt.Errorf("simulated platform secret %s is malformed (want one line of 64 hex digits)", path)
	}
	if _, err := hex.Decode(s[:], line); err != nil {
		return s, fmt.Errorf("simulated platform secret %s is malformed (want one line of 64 hex digits)", path)
	}
	return s, nil
}
