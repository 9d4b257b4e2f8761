// Package e2etest holds what the end-to-end tests of the binaries under
// cmd/ share: a goroutine-safe buffer for a child process's output, and
// manifests derived from the built-in one. Only tests import it.
package e2etest

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/enclavekv/enclavekv/internal/manifest"
)

// Output collects what a child process writes to stdout and stderr while
// the test reads it.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

// String is everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// WriteManifest writes the built-in manifest with fields changed (a nil
// value removes the field) to a temporary file and returns its path.
func WriteManifest(t testing.TB, change map[string]any) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(manifest.DefaultBytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range change {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// FreePort asks the kernel for a free loopback TCP port. Another process
// may take it before the test binds it; tests that start servers retry or
// live with the rare failure.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
