package bitmap

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// naive models: one bit at a time.
func naiveCount(b []byte, start, end uint64) int64 {
	var n int64
	for off := start; off <= end; off++ {
		if Get(b, off) {
			n++
		}
	}
	return n
}

func naivePos(b []byte, bit bool, start, end uint64) int64 {
	for off := start; off <= end; off++ {
		if Get(b, off) == bit {
			return int64(off)
		}
	}
	return -1
}

func TestCountAndPosAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, 1+r.IntN(40))
		for j := range b {
			switch r.IntN(3) {
			case 0:
				b[j] = 0
			case 1:
				b[j] = 0xff
			default:
				b[j] = byte(r.Uint32())
			}
		}
		nbits := uint64(len(b)) * 8
		start := r.Uint64N(nbits)
		end := start + r.Uint64N(nbits-start)
		if got, want := CountBits(b, start, end), naiveCount(b, start, end); got != want {
			t.Fatalf("CountBits(%x, %d, %d) = %d, want %d", b, start, end, got, want)
		}
		if got, want := Count(b), naiveCount(b, 0, nbits-1); got != want {
			t.Fatalf("Count(%x) = %d, want %d", b, got, want)
		}
		for _, bit := range []bool{false, true} {
			if got, want := Pos(b, bit, start, end), naivePos(b, bit, start, end); got != want {
				t.Fatalf("Pos(%x, %v, %d, %d) = %d, want %d", b, bit, start, end, got, want)
			}
		}
	}
}

func TestGetSet(t *testing.T) {
	b := make([]byte, 2)
	tests := []struct {
		off  uint64
		on   bool
		want []byte
	}{
		{0, true, []byte{0x80, 0}}, {7, true, []byte{0x81, 0}}, {15, true, []byte{0x81, 1}}, {0, false, []byte{0x01, 1}},
	}
	for _, tc := range tests {
		Set(b, tc.off, tc.on)
		if !bytes.Equal(b, tc.want) || Get(b, tc.off) != tc.on {
			t.Fatalf("after Set(%d, %v): %x", tc.off, tc.on, b)
		}
	}
	if Get(b, 1000) {
		t.Error("a bit past the end reads as set")
	}
}

func TestApply(t *testing.T) {
	a, b := []byte{0xf0, 0x0f, 0xaa}, []byte{0xff}
	tests := []struct {
		op   Op
		srcs [][]byte
		want []byte
	}{
		{And, [][]byte{a, b}, []byte{0xf0, 0, 0}},
		{Or, [][]byte{a, b}, []byte{0xff, 0x0f, 0xaa}},
		{Xor, [][]byte{a, b}, []byte{0x0f, 0x0f, 0xaa}},
		{Not, [][]byte{a}, []byte{0x0f, 0xf0, 0x55}},
		{And, [][]byte{nil, b}, []byte{0}},
		{Or, [][]byte{nil, nil}, []byte{}},
	}
	for _, tc := range tests {
		if got := Apply(tc.op, tc.srcs); !bytes.Equal(got, tc.want) {
			t.Errorf("Apply(%d, %x) = %x, want %x", tc.op, tc.srcs, got, tc.want)
		}
	}
}

func TestFieldGetPut(t *testing.T) {
	b := make([]byte, 9)
	for _, f := range []Field{{true, 1}, {false, 1}, {true, 5}, {false, 7}, {true, 64}, {false, 63}, {true, 13}} {
		for _, off := range []uint64{0, 3, 8, 7} {
			v := rand.Uint64()
			f.Put(b, off, v)
			want := v & (math.MaxUint64 >> (64 - f.Bits))
			if got := f.GetUint(b, off); got != want {
				t.Fatalf("%+v at %d: put %x, got %x", f, off, want, got)
			}
			sv := f.Get(b, off)
			if f.Signed && f.Bits < 64 && want>>(f.Bits-1) == 1 && sv >= 0 {
				t.Fatalf("%+v: negative value %x read as %d", f, want, sv)
			}
		}
	}
}

// TestFieldAddAgainstModel checks INCRBY and SET overflow handling with
// exact integers: the true sum, then saturated, wrapped or refused.
func TestFieldAddAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	edge := []int64{0, 1, -1, 2, -2, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 127, 128, -128, -129, 255, 256}
	pick := func() int64 {
		if r.IntN(2) == 0 {
			return edge[r.IntN(len(edge))]
		}
		return int64(r.Uint64()) >> r.IntN(64)
	}
	for i := 0; i < 200000; i++ {
		f := Field{Signed: r.IntN(2) == 0}
		if f.Signed {
			f.Bits = uint(1 + r.IntN(64))
		} else {
			f.Bits = uint(1 + r.IntN(63))
		}
		// old is a value the field can hold.
		old := f.Get(fieldBytes(f, uint64(pick())), 0)
		incr := pick()
		ow := Overflow(r.IntN(3))
		got, overflow := f.Add(old, incr, ow)

		lo, hi := new(big.Int), new(big.Int)
		if f.Signed {
			hi.Lsh(big.NewInt(1), f.Bits-1)
			lo.Neg(hi)
			hi.Sub(hi, big.NewInt(1))
		} else {
			hi.Lsh(big.NewInt(1), f.Bits)
			hi.Sub(hi, big.NewInt(1))
		}
		sum := new(big.Int).Add(big.NewInt(old), big.NewInt(incr))
		wantOver := sum.Cmp(hi) > 0 || sum.Cmp(lo) < 0
		if overflow != wantOver {
			t.Fatalf("%+v %d%+d: overflow %v, want %v", f, old, incr, overflow, wantOver)
		}
		var want int64
		switch {
		case !wantOver:
			want = sum.Int64()
		case ow == Sat && sum.Cmp(hi) > 0:
			want = hi.Int64()
		case ow == Sat:
			want = lo.Int64()
		default:
			// Wrap (and Fail, whose value is not stored): the low bits.
			want = f.Get(fieldBytes(f, uint64(old)+uint64(incr)), 0)
		}
		if got != want {
			t.Fatalf("%+v %d%+d %d: got %d, want %d", f, old, incr, ow, got, want)
		}
	}
}

func fieldBytes(f Field, v uint64) []byte {
	b := make([]byte, 8)
	f.Put(b, 0, v)
	return b
}

// FuzzField: any field over any bytes reads, writes and adds without
// panicking, and a write reads back.
func FuzzField(f *testing.F) {
	f.Add([]byte{0xff, 0x00, 0x12}, uint8(8), true, uint16(3), int64(5), uint8(0))
	f.Add([]byte{}, uint8(64), true, uint16(0), int64(math.MinInt64), uint8(1))
	f.Add([]byte{0x80}, uint8(63), false, uint16(9), int64(-1), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, width uint8, signed bool, off uint16, incr int64, ow uint8) {
		fl := Field{Signed: signed, Bits: uint(width%64) + 1}
		if !signed && fl.Bits == 64 {
			fl.Bits = 63
		}
		old := fl.Get(b, uint64(off))
		v, _ := fl.Add(old, incr, Overflow(ow%3))
		buf := make([]byte, (int(off)+64)/8+1)
		copy(buf, b)
		fl.Put(buf, uint64(off), uint64(v))
		if got := fl.Get(buf, uint64(off)); got != v {
			t.Fatalf("%+v at %d: stored %d, read %d", fl, off, v, got)
		}
		if n := len(buf) * 8; n > 0 {
			s := uint64(off) % uint64(n)
			_ = CountBits(buf, s, uint64(n-1))
			_ = Pos(buf, v&1 == 1, s, uint64(n-1))
		}
	})
}

// BenchmarkCount is BITCOUNT of a bitmap of a million bits.
func BenchmarkCount(b *testing.B) {
	buf := make([]byte, 125000)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Count(buf)
	}
}

// BenchmarkPos is BITPOS over 15 KB of zeros before the first set bit.
func BenchmarkPos(b *testing.B) {
	buf := make([]byte, 125000)
	Set(buf, 123456, true)
	for b.Loop() {
		Pos(buf, true, 0, 999999)
	}
}
