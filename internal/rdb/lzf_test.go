package rdb

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var inputs [][]byte
	for n := range 300 {
		inputs = append(inputs, bytes.Repeat([]byte{'a'}, n), randBytes(r, n))
	}
	// Matches at the farthest distance and around it, the longest match,
	// and text-like data.
	far := randBytes(r, lzfMaxOff+300)
	copy(far[lzfMaxOff:], far[:300])
	far2 := randBytes(r, lzfMaxOff+300)
	copy(far2[lzfMaxOff+1:], far2[:299])
	inputs = append(inputs, far, far2,
		bytes.Repeat([]byte("x"), lzfMaxRef*3+7),
		[]byte(strings.Repeat("the quick brown fox jumps over the lazy dog ", 500)))
	for i, in := range inputs {
		c, ok := lzfCompress([]byte("prefix"), in, len(in)+len(in)/32+8)
		if !ok {
			t.Fatalf("input %d (%d bytes): did not fit the worst-case bound", i, len(in))
		}
		if string(c[:6]) != "prefix" {
			t.Fatalf("input %d: prefix clobbered", i)
		}
		out, err := lzfDecompress(c[6:], uint64(len(in)))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("input %d (%d bytes): round trip failed: %v", i, len(in), err)
		}
	}
}

func TestLZFCompressLimit(t *testing.T) {
	in := []byte(strings.Repeat("abc", 100))
	c, ok := lzfCompress(nil, in, 1000)
	if !ok {
		t.Fatal("did not compress")
	}
	if _, ok := lzfCompress([]byte("keep"), in, len(c)-1); ok {
		t.Errorf("compressed into less room than it needs")
	}
	if got, ok := lzfCompress([]byte("keep"), in, len(c)); !ok || !bytes.Equal(got[4:], c) {
		t.Errorf("exact room: %v", ok)
	}
}

func TestLZFDecompressErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		n    uint64
	}{
		{"literal past input", []byte{3, 'a'}, 4},
		{"ref before start", []byte{0x20, 0}, 3},
		{"ref cut short", []byte{0, 'a', 0x20}, 4},
		{"long ref cut short", []byte{0, 'a', 0xe0, 1}, 20},
		{"output too long", []byte{1, 'a', 'b'}, 1},
		{"output too short", []byte{1, 'a', 'b'}, 3},
		{"ref output too long", []byte{0, 'a', 0x20, 0}, 2},
	}
	for _, tt := range tests {
		if _, err := lzfDecompress(tt.in, tt.n); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// Overlapping references repeat what they are writing.
	out, err := lzfDecompress([]byte{0, 'a', 0xe0, 3, 0}, 13)
	if err != nil || string(out) != strings.Repeat("a", 13) {
		t.Errorf("run: %q, %v", out, err)
	}
}
