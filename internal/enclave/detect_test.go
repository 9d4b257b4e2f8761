package enclave_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

func TestDetectHardware(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"nothing", nil, ""},
		{"gramine", []string{"dev/attestation/attestation_type"}, "sgx"},
		{"gramine quote only", []string{"dev/attestation/quote"}, "sgx"},
		{"configfs-tsm", []string{"sys/kernel/config/tsm/report"}, "cvm"},
		{"unrelated", []string{"dev/null-ish", "sys/kernel/config/other"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, p := range tt.paths {
				if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if got := enclave.DetectHardware(root); got != tt.want {
				t.Errorf("DetectHardware = %q, want %q", got, tt.want)
			}
		})
	}
}
