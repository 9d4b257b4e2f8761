package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		old     string // "" = no file before
		write   func(io.Writer) error
		want    string
		wantErr bool
	}{
		{"create", "", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", false},
		{"replace", "old", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", false},
		{"failed write keeps the old file", "old", func(w io.Writer) error {
			io.WriteString(w, "partial")
			return errors.New("disk on fire")
		}, "old", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tt.old != "" {
				os.WriteFile(path, []byte(tt.old), 0o600)
			}
			err := Write(path, "temp-", 0o600, tt.write)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Fatalf("file holds %q, want %q", got, tt.want)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Fatalf("%d files left in dir, want 1 (no temp file)", len(ents))
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v", fi.Mode())
			}
		})
	}
}

// A guarded writer that was overtaken steps back: the file stays as the
// other writer left it, and no temp file remains.
func TestWriteGuardedDiscard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	var mu sync.Mutex
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteGuarded(path, "temp-", 0o600, write("newer"), &mu, func() bool { return true }); err != nil {
		t.Fatal(err)
	}
	if err := WriteGuarded(path, "temp-", 0o600, write("older"), &mu, func() bool { return false }); !errors.Is(err, ErrDiscarded) {
		t.Fatalf("discarded write: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "newer" {
		t.Fatalf("file holds %q", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in dir", len(ents))
	}
}
