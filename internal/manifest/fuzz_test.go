package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics on any bytes (the manifest
// file is chosen by whoever starts the enclave) and that whatever it
// accepts is self-consistent:
//   - Raw is exactly the input, since it is what the measurement covers;
//   - the parsed values alone carry the manifest's meaning: written back
//     out as a fresh document they parse to the same Manifest;
//   - every HostOptions entry is one HostMay allows, so the list callers
//     print and the filter the config parser applies agree;
//   - a rejection is always a *Error.
//
// Seeds are in testdata/fuzz/FuzzParse; the built-in manifest and the
// base test manifest are added here too so they are always covered.
func FuzzParse(f *testing.F) {
	f.Add(DefaultBytes())
	f.Add(base())
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		m, err := Parse(data)
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("Parse error %v is a %T, not a *Error", err, err)
			}
			if m != nil {
				t.Fatal("Parse returned a manifest with its error")
			}
			return
		}
		if !bytes.Equal(data, in) {
			t.Fatal("Parse modified its input")
		}
		if !bytes.Equal(m.Raw, in) {
			t.Fatalf("Raw = %q, want the input %q", m.Raw, in)
		}

		again, err := Parse(marshal(m))
		if err != nil {
			t.Fatalf("re-marshalled manifest %s does not parse: %v", marshal(m), err)
		}
		if a, b := withoutRaw(m), withoutRaw(again); !reflect.DeepEqual(a, b) {
			t.Fatalf("re-parsed manifest differs:\n got %+v\nwant %+v", b, a)
		}

		for _, o := range m.HostOptions {
			if !m.HostMay(o) {
				t.Errorf("HostOptions lists %q but HostMay(%q) = false", o, o)
			}
		}
		for _, p := range m.AllowedPlatforms {
			if !m.AllowsPlatform(p) {
				t.Errorf("AllowedPlatforms lists %q but AllowsPlatform(%q) = false", p, p)
			}
		}
		if m.HeapSize < MinHeapSize || m.HeapSize > MaxHeapSize {
			t.Errorf("HeapSize %d outside [%d, %d]", m.HeapSize, MinHeapSize, MaxHeapSize)
		}
		if m.MaxThreads < 1 || m.MaxThreads > MaxMaxThreads {
			t.Errorf("MaxThreads %d outside [1, %d]", m.MaxThreads, MaxMaxThreads)
		}
		if m.Version != 1 {
			t.Errorf("Version = %d", m.Version)
		}
	})
}

// TestFuzzSeeds checks that each checked-in seed still exercises what its
// name says (a valid manifest, or a rejection naming the expected field),
// so that a change to the format cannot quietly turn the corpus into a
// pile of documents failing at the first byte.
func TestFuzzSeeds(t *testing.T) {
	// Seed name -> "" if it must parse, else the Field its error names
	// ("-" for an error about the whole document).
	want := map[string]string{
		"default":            "",
		"minimal":            "",
		"aliases-directives": "",
		"heap-units":         "",
		"empty-host-options": "",
		"string-integer":     "version", // a number in a string is not an integer
		"duplicate-key":      "product_id",
		"duplicate-escaped":  "version",
		"case-variant-key":   "Version",
		"trailing-garbage":   "-",
		"trailing-object":    "-",
		"deep-nesting":       "host_options",
		"array":              "-",
		"duplicate-alias":    "host_options",
		"heap-too-big":       "heap_size",
		"empty":              "-",
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%s has %d seeds, this test knows %d: update it", dir, len(entries), len(want))
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			field, ok := want[e.Name()]
			if !ok {
				t.Fatalf("unexpected seed %s", e.Name())
			}
			data := readSeed(t, filepath.Join(dir, e.Name()))
			m, err := Parse(data)
			switch {
			case field == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case field == "":
				if !bytes.Equal(m.Raw, data) {
					t.Error("Raw differs from the seed")
				}
			case field == "-":
				wantFieldErr(t, err, "", "")
			default:
				wantFieldErr(t, err, field, "")
			}
		})
	}
}

// readSeed decodes a corpus file holding one []byte value.
func readSeed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s is not a one-value corpus file", path)
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok || !ok2 {
		t.Fatalf("%s: value is not []byte(...)", path)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}
