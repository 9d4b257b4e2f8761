package enclave

import (
	"os"
	"path/filepath"
)

// DetectHardware reports which enclave hardware interface this process
// can see, under root ("/" normally; tests pass a directory): "sgx" when
// Gramine's /dev/attestation is there, "cvm" when the kernel's configfs-tsm
// report interface (TDX or SEV-SNP guests) is, "" otherwise. It only looks:
// choosing a backend is the caller's business.
func DetectHardware(root string) string {
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join(root, p))
		return err == nil
	}
	switch {
	case exists("dev/attestation/attestation_type"), exists("dev/attestation/quote"):
		return "sgx"
	case exists("sys/kernel/config/tsm/report"):
		return "cvm"
	}
	return ""
}
