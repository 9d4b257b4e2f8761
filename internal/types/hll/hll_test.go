package hll

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The golden values below were produced by redis-server 7.0.15 (PFDEBUG
// DECODE of one-element sketches, GET of small sketches, PFCOUNT).

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func add(t testing.TB, h []byte, elems ...string) []byte {
	t.Helper()
	for _, e := range elems {
		var err error
		var changed bool
		if h, changed, err = Add(h, []byte(e), DefaultSparseMaxBytes); err != nil {
			t.Fatalf("Add(%q): %v", e, err)
		}
		if changed {
			InvalidateCache(h)
		}
	}
	return h
}

func TestPatLen(t *testing.T) {
	for _, tc := range []struct {
		ele   string
		index int
		count uint8
	}{
		{"a", 12711, 2},
		{"b", 15780, 1},
		{"c", 8436, 1},
		{"hello", 9216, 1},
		{"", 5938, 2},
		{"12345", 14704, 1},
		{"longer element over eight bytes", 6941, 2},
		{"x", 16374, 2},
	} {
		i, c := PatLen([]byte(tc.ele))
		if i != tc.index || c != tc.count {
			t.Errorf("PatLen(%q) = %d,%d, want %d,%d", tc.ele, i, c, tc.index, tc.count)
		}
		// The same through a sketch, as PFDEBUG DECODE shows it.
		want := "Z:" + strconv.Itoa(tc.index) + " v:" + strconv.Itoa(int(tc.count)) + ",1"
		if rest := Registers - tc.index - 1; rest > 64 {
			want += " Z:" + strconv.Itoa(rest)
		} else if rest > 0 {
			want += " z:" + strconv.Itoa(rest)
		}
		if got := Decode(add(t, New(), tc.ele)); got != want {
			t.Errorf("Decode after adding %q = %q, want %q", tc.ele, got, want)
		}
	}
}

func TestPatLenBounds(t *testing.T) {
	// Whatever the hash, the value stays within 1..Q+1 and the index
	// within the registers.
	for i := 0; i < 100000; i++ {
		idx, c := PatLen([]byte(strconv.Itoa(i)))
		if idx < 0 || idx >= Registers || c < 1 || c > Q+1 {
			t.Fatalf("PatLen(%d) = %d,%d", i, idx, c)
		}
	}
}

func TestNewAndBytes(t *testing.T) {
	if got, want := hex.EncodeToString(New()), "48594c4c0100000000000000000000007fff"; got != want {
		t.Fatalf("New() = %s, want %s", got, want)
	}
	h := add(t, New(), "a", "b", "c")
	want := mustHex(t, "48594c4c01000000000000000000008060f38050b1844bfb80425a")
	if !bytes.Equal(h, want) {
		t.Fatalf("after a b c: %x, want %x", h, want)
	}
	if _, ok := CachedCard(h); ok {
		t.Fatal("cache should be stale after an add")
	}
	n, err := Count(h)
	if err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	SetCachedCard(h, n)
	want = mustHex(t, "48594c4c01000000030000000000000060f38050b1844bfb80425a")
	if !bytes.Equal(h, want) {
		t.Fatalf("after caching: %x, want %x", h, want)
	}
	if c, ok := CachedCard(h); !ok || c != 3 {
		t.Fatalf("CachedCard = %d,%v", c, ok)
	}
	// Adding known elements changes nothing.
	if _, changed, _ := Add(h, []byte("b"), DefaultSparseMaxBytes); changed {
		t.Fatal("re-adding b changed the sketch")
	}
}

func TestCountGolden(t *testing.T) {
	h := New()
	at := map[int]struct {
		count uint64
		enc   string
	}{
		10: {10, "sparse"}, 100: {100, "sparse"}, 1000: {1008, "sparse"},
		10000: {9973, "dense"}, 100000: {100853, "dense"},
	}
	for i := 0; i < 100000; i++ {
		h = add(t, h, "e"+strconv.Itoa(i))
		if w, ok := at[i+1]; ok {
			n, err := Count(h)
			if err != nil || n != w.count || Encoding(h) != w.enc {
				t.Errorf("after %d: Count = %d (%v), %s; want %d, %s", i+1, n, err, Encoding(h), w.count, w.enc)
			}
			// The dense form of the same registers counts the same.
			d, err := ToDense(h)
			if err != nil {
				t.Fatal(err)
			}
			if dn, _ := Count(d); dn != n {
				t.Errorf("after %d: dense count %d, sparse %d", i+1, dn, n)
			}
			regs, err := RegisterValues(h)
			if err != nil {
				t.Fatal(err)
			}
			if rn := CountRegisters(regs); rn != n {
				t.Errorf("after %d: CountRegisters %d, want %d", i+1, rn, n)
			}
		}
	}
}

func TestPromotion(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int
	}{{"limit 0", 0}, {"limit 100", 100}, {"limit 3000", 3000}, {"limit 20000", 20000}} {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			for i := 0; i < 3000; i++ {
				var err error
				h, _, err = Add(h, []byte("p"+strconv.Itoa(i)), tc.max)
				if err != nil {
					t.Fatal(err)
				}
				if IsSparse(h) && len(h) > max(tc.max, len(New())) {
					t.Fatalf("sparse sketch of %d bytes over the limit %d", len(h), tc.max)
				}
				if !IsSparse(h) && len(h) != DenseSize {
					t.Fatalf("dense sketch of %d bytes", len(h))
				}
			}
			if tc.max <= 3000 && IsSparse(h) {
				t.Fatalf("still sparse at %d bytes", len(h))
			}
			if err := Check(h); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A value over 32 cannot be sparse: promotion whatever the room.
	h, changed, err := Set(New(), 5, 33, 1<<20)
	if err != nil || !changed || IsSparse(h) {
		t.Fatalf("Set 33: changed=%v err=%v sparse=%v", changed, err, IsSparse(h))
	}
	regs, _ := RegisterValues(h)
	if regs[5] != 33 {
		t.Fatalf("register 5 = %d", regs[5])
	}
}

func TestSparseEdits(t *testing.T) {
	// Register by register, values set at both ends, in the middle, next
	// to each other (VAL merging), raised and not lowered.
	type op struct {
		i int
		v uint8
	}
	for _, tc := range []struct {
		name string
		ops  []op
		want string
	}{
		{"first", []op{{0, 3}}, "v:3,1 Z:16383"},
		{"last", []op{{16383, 3}}, "Z:16383 v:3,1"},
		{"zero run", []op{{10, 1}}, "z:10 v:1,1 Z:16373"},
		{"adjacent merge", []op{{10, 2}, {11, 2}, {12, 2}, {13, 2}}, "z:10 v:2,4 Z:16370"},
		{"merge cap", []op{{10, 2}, {11, 2}, {12, 2}, {13, 2}, {14, 2}}, "z:10 v:2,4 v:2,1 Z:16369"},
		{"split val", []op{{10, 2}, {11, 2}, {12, 2}, {11, 5}}, "z:10 v:2,1 v:5,1 v:2,1 Z:16371"},
		{"lower is no-op", []op{{10, 5}, {10, 2}}, "z:10 v:5,1 Z:16373"},
		{"zero of one", []op{{0, 1}, {2, 1}, {1, 4}}, "v:1,1 v:4,1 v:1,1 Z:16381"},
		{"fill gap merges", []op{{0, 1}, {2, 1}, {1, 1}}, "v:1,3 Z:16381"},
		{"max sparse value", []op{{100, 32}}, "Z:100 v:32,1 Z:16283"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			for _, o := range tc.ops {
				var err error
				if h, _, err = Set(h, o.i, o.v, DefaultSparseMaxBytes); err != nil {
					t.Fatal(err)
				}
			}
			if got := Decode(h); got != tc.want {
				t.Fatalf("Decode = %q, want %q", got, tc.want)
			}
			regs, err := RegisterValues(h)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]uint8, Registers)
			for _, o := range tc.ops {
				want[o.i] = max(want[o.i], o.v)
			}
			if !bytes.Equal(regs, want) {
				t.Fatal("registers differ from the model")
			}
		})
	}
}

func TestDenseRegisters(t *testing.T) {
	d := make([]byte, DenseSize)
	copy(d, "HYLL")
	regs := d[HeaderSize:]
	for i := 0; i < Registers; i++ {
		denseSetReg(regs, i, uint8(i*7)&RegMax)
	}
	for i := 0; i < Registers; i++ {
		if v := denseGet(regs, i); v != uint8(i*7)&RegMax {
			t.Fatalf("register %d = %d", i, v)
		}
	}
	// Rewrite every other register; the neighbours keep their values.
	for i := 0; i < Registers; i += 2 {
		denseSetReg(regs, i, RegMax)
	}
	for i := 0; i < Registers; i++ {
		want := uint8(i*7) & RegMax
		if i%2 == 0 {
			want = RegMax
		}
		if v := denseGet(regs, i); v != want {
			t.Fatalf("register %d = %d, want %d", i, v, want)
		}
	}
}

func TestCheck(t *testing.T) {
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	for _, tc := range []struct {
		name string
		h    []byte
		err  error
	}{
		{"new", New(), nil},
		{"dense", dense, nil},
		{"empty", nil, ErrNotHLL},
		{"short", []byte("HYLL\x01"), ErrNotHLL},
		{"header only", []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), nil},
		{"magic", []byte("HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), ErrNotHLL},
		{"encoding 2", []byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), ErrNotHLL},
		{"dense short", dense[:DenseSize-1], ErrNotHLL},
		{"dense long", append(append([]byte(nil), dense...), 0), ErrNotHLL},
	} {
		if err := Check(tc.h); !errors.Is(err, tc.err) {
			t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestCorruptSparse(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, tc := range []struct {
		name string
		regs string
	}{
		{"no registers", ""},
		{"one short", "\x7f\xfe"},
		{"one too many val", "\x7f\xff\x80"},
		{"one too many zero", "\x7f\xff\x00"},
		{"truncated xzero", "\x7f"},
		{"two xzero", "\x7f\xff\x7f\xff"},
		{"val overshoots", "\x7f\xfd\x83"},
	} {
		h := []byte(hdr + tc.regs)
		if err := Check(h); err != nil {
			t.Fatalf("%s: Check: %v", tc.name, err)
		}
		if _, err := Count(h); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Count err = %v", tc.name, err)
		}
		if err := Merge(make([]uint8, Registers), h); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Merge err = %v", tc.name, err)
		}
		if _, err := ToDense(h); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: ToDense err = %v", tc.name, err)
		}
		_ = Decode(h)
		// Adds either fail or leave a value every reader still handles.
		g := append([]byte(nil), h...)
		for i := 0; i < 50; i++ {
			var err error
			if g, _, err = Add(g, []byte(strconv.Itoa(i)), DefaultSparseMaxBytes); err != nil {
				break
			}
			_, _ = Count(g)
		}
	}
	// No registers and a valid cache: the cache is all Redis reads.
	h := []byte("HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00")
	if c, ok := CachedCard(h); !ok || c != 7 {
		t.Fatalf("CachedCard = %d,%v", c, ok)
	}
	if _, _, err := Add(h, []byte("a"), DefaultSparseMaxBytes); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Add to an empty register area: %v", err)
	}
}

func TestStore(t *testing.T) {
	a := add(t, New(), "a", "b", "c")
	b := add(t, New(), "c", "d", "e", "f")
	max := make([]uint8, Registers)
	for _, h := range [][]byte{a, b} {
		if err := Merge(max, h); err != nil {
			t.Fatal(err)
		}
	}
	sparse, err := Store(New(), max, false, DefaultSparseMaxBytes)
	if err != nil || !IsSparse(sparse) {
		t.Fatalf("Store sparse: %v", err)
	}
	union := add(t, New(), "a", "b", "c", "d", "e", "f")
	if !bytes.Equal(sparse, union) {
		t.Fatalf("merged %x, added %x", sparse, union)
	}
	dense, err := Store(New(), max, true, DefaultSparseMaxBytes)
	if err != nil || IsSparse(dense) {
		t.Fatalf("Store dense: %v", err)
	}
	n1, _ := Count(sparse)
	n2, _ := Count(dense)
	if n1 != 6 || n2 != 6 {
		t.Fatalf("counts %d %d", n1, n2)
	}
}

func TestDecodeFormat(t *testing.T) {
	h := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x80\x87\x7f\xfd")
	if got, want := Decode(h), "v:1,1 v:2,4 Z:16382"; got != want {
		t.Fatalf("Decode = %q, want %q", got, want)
	}
	if !strings.HasPrefix(Decode(New()), "Z:16384") {
		t.Fatal(Decode(New()))
	}
}

func TestSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("a million adds")
	}
	if err := SelfTest(DefaultSparseMaxBytes); err != nil {
		t.Fatal(err)
	}
}
