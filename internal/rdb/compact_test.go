package rdb

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// rawZiplist builds a ziplist from entries given as encoding+data,
// computing the prevlen chain and the header.
func rawZiplist(entries ...[]byte) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, tail := 0, zlHeaderSize
	for _, e := range entries {
		start := len(zl)
		if prev < zlBigPrevlen {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, zlBigPrevlen), uint32(prev))
		}
		zl = append(zl, e...)
		prev, tail = len(zl)-start, start
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(entries)))
	return zl
}

// Every ziplist entry encoding decodes.
func TestZiplistEncodings(t *testing.T) {
	long := strings.Repeat("L", 300)   // 14-bit length; makes the next prevlen 5 bytes
	huge := strings.Repeat("H", 20000) // 32-bit length
	zl := rawZiplist(
		[]byte{0x03, 'a', 'b', 'c'},
		append([]byte{0x40 | 300>>8, 300 & 0xff}, long...),
		append([]byte{0x80, 0, 0, 20000 >> 8, 20000 & 0xff}, huge...),
		[]byte{0xfe, 0x80},                      // int8 -128
		[]byte{0xc0, 0x00, 0x80},                // int16 -32768
		[]byte{0xf0, 0xff, 0xff, 0x7f},          // int24 8388607
		[]byte{0xf0, 0x00, 0x00, 0x80},          // int24 -8388608
		[]byte{0xd0, 0xff, 0xff, 0xff, 0x7f},    // int32
		[]byte{0xe0, 0, 0, 0, 0, 0, 0, 0, 0x80}, // int64 min
		[]byte{0xf1},                            // immediate 0
		[]byte{0xfd},                            // immediate 12
		[]byte{0x00},                            // empty string
	)
	got, err := ziplistEntries(zl, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"abc", long, huge, "-128", "-32768", "8388607", "-8388608", "2147483647", "-9223372036854775808", "0", "12", ""}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("got %.200q\nwant %.200q", got, want)
	}
	// A saturated count (0xffff) means "walk to count".
	binary.LittleEndian.PutUint16(zl[8:], zlCountMax)
	if got, err := ziplistEntries(zl, 1<<20); err != nil || len(got) != len(want) {
		t.Errorf("saturated count: %d entries, %v", len(got), err)
	}
	if _, err := ziplistEntries(zl, 5); err == nil {
		t.Errorf("12 entries with a limit of 5")
	}
}

// Every listpack entry encoding round-trips through the builder, at the
// boundaries where the builder changes encoding.
func TestListpackEncodings(t *testing.T) {
	elems := []string{"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768",
		"32768", "8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-0", "01", "+1", "",
		strings.Repeat("s", 63), strings.Repeat("s", 64), strings.Repeat("s", 4095), strings.Repeat("s", 4096),
		strings.Repeat("b", 127-1), strings.Repeat("b", 16383-5), strings.Repeat("b", 2097151)}
	lp := makeListpack(elems...)
	got, err := listpackEntries(lp, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(elems) {
		t.Fatalf("%d entries, want %d", len(got), len(elems))
	}
	for i := range elems {
		if string(got[i]) != elems[i] {
			t.Errorf("entry %d: %.40q, want %.40q", i, got[i], elems[i])
		}
	}
	// Entry sizes as lpEntrySize predicts them.
	size := lpHeaderSize + 1
	for _, e := range elems {
		size += lpEntrySize([]byte(e))
	}
	if size != len(lp) {
		t.Errorf("listpack of %d bytes, entry sizes add up to %d", len(lp), size)
	}
	// Integers take the encodings Redis gives them.
	for _, tt := range []struct {
		v   int64
		enc string
	}{{5, "05"}, {-1, "dfff"}, {4095, "cfff"}, {-4096, "d000"}, {4096, "f10010"}, {-8388608, "f2000080"}, {1 << 31, "f40000008000000000"}} {
		if got := fmt.Sprintf("%x", appendLpInt(nil, tt.v)); got != tt.enc {
			t.Errorf("%d encoded as %s, want %s", tt.v, got, tt.enc)
		}
	}
}

func TestBacklen(t *testing.T) {
	// As Redis's lpEncodeBacklen writes them.
	for _, tt := range []struct {
		l   int
		enc string
	}{{0, "00"}, {127, "7f"}, {128, "0180"}, {16382, "7ffe"}, {16383, "00ffff"}, {2097151, "00ffffff"}, {1 << 30, "0480808080"}} {
		if got := fmt.Sprintf("%x", appendBacklen(nil, tt.l)); got != tt.enc {
			t.Errorf("backlen of %d: %s, want %s", tt.l, got, tt.enc)
		}
	}
	for _, l := range []int{0, 1, 127, 128, 16382, 16383, 2097150, 2097151, 268435454, 268435455, 1 << 30} {
		b := appendBacklen(nil, l)
		if len(b) != backlenSize(l) {
			t.Errorf("backlen of %d: %d bytes, want %d", l, len(b), backlenSize(l))
		}
		// Read it back the way a listpack is walked backwards.
		v, shift := 0, 0
		for i := len(b) - 1; i >= 0; i-- {
			v |= int(b[i]&127) << shift
			shift += 7
			if b[i]&128 == 0 {
				if i != 0 {
					t.Errorf("backlen of %d stops early", l)
				}
				break
			}
		}
		if v != l {
			t.Errorf("backlen of %d reads back %d", l, v)
		}
	}
}

func TestIntsetWidths(t *testing.T) {
	for _, tt := range []struct {
		vals  []int64
		width byte
	}{
		{[]int64{3, 1, 2}, 2},
		{[]int64{-32768, 32767}, 2},
		{[]int64{32768}, 4},
		{[]int64{-2147483648, 5}, 4},
		{[]int64{-2147483649}, 8},
		{[]int64{1 << 40, -(1 << 62)}, 8},
	} {
		is := appendIntset(nil, append([]int64(nil), tt.vals...))
		if is[0] != tt.width {
			t.Errorf("%v: width %d, want %d", tt.vals, is[0], tt.width)
		}
		got, err := intsetMembers(is, 100)
		if err != nil || len(got) != len(tt.vals) {
			t.Errorf("%v: %q, %v", tt.vals, got, err)
		}
	}
}
