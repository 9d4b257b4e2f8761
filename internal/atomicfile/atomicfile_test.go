package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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
