package enclave_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// referenceMeasure is the documented formula written out independently:
// signatures made offline by `enclavekv measure` must keep matching what
// the server computes, so the formula itself is part of the contract.
func referenceMeasure(exe, manifest []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("enclavekv simulated measurement v1\x00"))
	_ = binary.Write(h, binary.BigEndian, uint64(len(exe)))
	h.Write(exe)
	_ = binary.Write(h, binary.BigEndian, uint64(len(manifest)))
	h.Write(manifest)
	var m [32]byte
	h.Sum(m[:0])
	return m
}

func TestMeasureMatchesDocumentedFormula(t *testing.T) {
	for _, tc := range []struct {
		name          string
		exe, manifest []byte
	}{
		{"empty", nil, nil},
		{"empty manifest", []byte("\x7fELF"), nil},
		{"empty executable", nil, []byte(`{"version":1}`)},
		{"both", randomBytes(t, 10000), []byte(`{"version":1}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := enclave.Measure(bytes.NewReader(tc.exe), int64(len(tc.exe)), tc.manifest)
			if err != nil {
				t.Fatal(err)
			}
			if want := referenceMeasure(tc.exe, tc.manifest); got != want {
				t.Fatalf("Measure = %x, documented formula gives %x", got, want)
			}
			exe := writeFile(t, filepath.Join(t.TempDir(), "exe"), tc.exe, 0o755)
			if fromFile := measureFile(t, exe, tc.manifest); fromFile != got {
				t.Fatalf("MeasureFile = %x, Measure = %x", fromFile, got)
			}
		})
	}
}

func TestMeasureFileIsStable(t *testing.T) {
	exe := newExe(t)
	manifest := []byte(`{"version":1,"product_id":7}`)
	first := measureFile(t, exe, manifest)
	for i := 0; i < 3; i++ {
		if again := measureFile(t, exe, manifest); again != first {
			t.Fatalf("run %d measured %x, first run %x", i+2, again, first)
		}
	}
	// The measurement is of the bytes, not of the path or file metadata.
	dup := writeFile(t, filepath.Join(t.TempDir(), "renamed"), mustRead(t, exe), 0o700)
	if m := measureFile(t, dup, manifest); m != first {
		t.Fatalf("a copy of the executable measures %x, the original %x", m, first)
	}
}

func TestMeasureChangesWithEveryByte(t *testing.T) {
	exeBytes := randomBytes(t, 1000)
	manifest := []byte(`{"version":1,"product_id":7}`)
	exe := writeFile(t, filepath.Join(t.TempDir(), "exe"), exeBytes, 0o755)
	base := measureFile(t, exe, manifest)

	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	for _, tc := range []struct {
		name          string
		exe, manifest []byte
	}{
		{"exe first byte", flip(exeBytes, 0), manifest},
		{"exe middle byte", flip(exeBytes, 500), manifest},
		{"exe last byte", flip(exeBytes, len(exeBytes)-1), manifest},
		{"exe one byte longer", append(bytes.Clone(exeBytes), 0), manifest},
		{"exe one byte shorter", exeBytes[:len(exeBytes)-1], manifest},
		{"manifest first byte", exeBytes, flip(manifest, 0)},
		{"manifest last byte", exeBytes, flip(manifest, len(manifest)-1)},
		{"manifest one byte longer", exeBytes, append(bytes.Clone(manifest), ' ')},
		{"manifest empty", exeBytes, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(t.TempDir(), "exe"), tc.exe, 0o755)
			if m := measureFile(t, p, tc.manifest); m == base {
				t.Fatalf("measurement %x did not change", m)
			}
		})
	}
}

func TestMeasureSplitIsUnambiguous(t *testing.T) {
	for _, tc := range []struct{ exe1, man1, exe2, man2 string }{
		{"ab", "c", "a", "bc"},
		{"abc", "", "", "abc"},
		{"", "", "\x00", ""},
		{"", "\x00", "\x00", ""},
	} {
		m1, err := enclave.Measure(bytes.NewReader([]byte(tc.exe1)), int64(len(tc.exe1)), []byte(tc.man1))
		if err != nil {
			t.Fatal(err)
		}
		m2, err := enclave.Measure(bytes.NewReader([]byte(tc.exe2)), int64(len(tc.exe2)), []byte(tc.man2))
		if err != nil {
			t.Fatal(err)
		}
		if m1 == m2 {
			t.Errorf("exe %q + manifest %q and exe %q + manifest %q both measure %x", tc.exe1, tc.man1, tc.exe2, tc.man2, m1)
		}
	}
}

func TestMeasureRejectsSizeMismatch(t *testing.T) {
	data := []byte("0123456789")
	readErr := errors.New("disk on fire")
	for _, tc := range []struct {
		name    string
		r       io.Reader
		size    int64
		wantErr error // nil: any error
	}{
		{"fewer bytes than size", bytes.NewReader(data), 11, nil},
		{"more bytes than size", bytes.NewReader(data), 9, nil},
		{"empty reader, nonzero size", bytes.NewReader(nil), 1, nil},
		{"negative size", bytes.NewReader(nil), -1, nil},
		{"reader fails", iotest.ErrReader(readErr), 10, readErr},
		{"reader fails midway", io.MultiReader(bytes.NewReader(data[:5]), iotest.ErrReader(readErr)), 10, readErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := enclave.Measure(tc.r, tc.size, nil)
			if err == nil {
				t.Fatalf("Measure succeeded with %x", m)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want it to wrap %v", err, tc.wantErr)
			}
		})
	}
	// Byte-at-a-time readers are legal io.Readers and must measure the same.
	m, err := enclave.Measure(iotest.OneByteReader(bytes.NewReader(data)), int64(len(data)), nil)
	if err != nil || m != referenceMeasure(data, nil) {
		t.Fatalf("one-byte reader: %x, %v", m, err)
	}
}

func TestMeasureFileRejectsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string
		is   error
	}{
		{"directory", dir, nil},
		{"missing", filepath.Join(dir, "missing"), os.ErrNotExist},
		{"device", os.DevNull, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := enclave.MeasureFile(tc.path, []byte("manifest"))
			if err == nil {
				t.Fatalf("MeasureFile(%s) = %x, want an error", tc.path, m)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tc.is)
			}
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
