package enclave

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
)

// measurementDomain separates enclavekv's simulated measurement from every
// other SHA-256 of the same bytes.
const measurementDomain = "enclavekv simulated measurement v1\x00"

// Measure computes the simulated measurement of an executable and the
// manifest it runs with:
//
//	SHA-256(domain || u64be(len(exe)) || exe || u64be(len(manifest)) || manifest)
//
// The lengths make the split between the two inputs unambiguous. size is
// the number of bytes exe yields; reading more or fewer is an error, so a
// file that changes while it is hashed is not silently measured half-old.
func Measure(exe io.Reader, size int64, manifest []byte) ([32]byte, error) {
	h := sha256.New()
	var n [8]byte
	h.Write([]byte(measurementDomain))
	binary.BigEndian.PutUint64(n[:], uint64(size))
	h.Write(n[:])
	got, err := io.Copy(h, io.LimitReader(exe, size+1))
	if err != nil {
		return [32]byte{}, err
	}
	if got != size {
		return [32]byte{}, fmt.Errorf("executable changed while it was measured (%d bytes expected, %d read)", size, got)
	}
	binary.BigEndian.PutUint64(n[:], uint64(len(manifest)))
	h.Write(n[:])
	h.Write(manifest)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// MeasureFile measures the executable at path with manifest, as
// `enclavekv measure` does offline.
func MeasureFile(path string, manifest []byte) ([32]byte, error) {
	// O_NONBLOCK: opening a FIFO must fail the regular-file check below,
	// not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return [32]byte{}, err
	}
	if !st.Mode().IsRegular() {
		return [32]byte{}, fmt.Errorf("%s is not a regular file", path)
	}
	m, err := Measure(f, st.Size(), manifest)
	if err != nil {
		return m, fmt.Errorf("measure %s: %w", path, err)
	}
	return m, nil
}

// selfExecutable is the file the running process was started from. On
// Linux /proc/self/exe names the inode that is mapped, even if the path
// was replaced since; elsewhere the best available is os.Executable.
func selfExecutable() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}
