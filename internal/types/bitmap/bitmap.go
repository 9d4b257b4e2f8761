// Package bitmap holds the bit-level arithmetic behind Redis's bitmap
// commands (SETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD) over plain byte
// strings. Bit 0 is the most significant bit of byte 0, as in Redis.
// The package knows nothing of keys or replies; internal/command parses
// arguments and stores the results.
package bitmap

import (
	"encoding/binary"
	"math/bits"
)

// Get reports bit off of b; bits past the end read as 0.
func Get(b []byte, off uint64) bool {
	i := off >> 3
	return i < uint64(len(b)) && b[i]&(0x80>>(off&7)) != 0
}

// Set sets bit off of b (which must be long enough) to on and reports
// its previous value.
func Set(b []byte, off uint64, on bool) bool {
	i, m := off>>3, byte(0x80>>(off&7))
	old := b[i]&m != 0
	if on {
		b[i] |= m
	} else {
		b[i] &^= m
	}
	return old
}

// Count is the number of set bits in b.
func Count(b []byte) int64 {
	var n0, n1, n2, n3 int
	for len(b) >= 32 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b[0:8]))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(b[8:16]))
		n2 += bits.OnesCount64(binary.LittleEndian.Uint64(b[16:24]))
		n3 += bits.OnesCount64(binary.LittleEndian.Uint64(b[24:32]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n0 += bits.OnesCount8(c)
	}
	return int64(n0 + n1 + n2 + n3)
}

// CountBits is the number of set bits among bits [start, end] of b
// (inclusive, 0 <= start <= end < 8*len(b)).
func CountBits(b []byte, start, end uint64) int64 {
	first, last := start>>3, end>>3
	n := Count(b[first : last+1])
	// Take off the bits of the edge bytes that lie outside the range.
	head := b[first] &^ (0xff >> (start & 7))
	tail := b[last] & (0xff >> (end&7 + 1))
	return n - int64(bits.OnesCount8(head)+bits.OnesCount8(tail))
}

// Pos returns the position of the first bit equal to bit among bits
// [start, end] of b (inclusive, within b), or -1 when there is none.
func Pos(b []byte, bit bool, start, end uint64) int64 {
	var skip byte // a byte that cannot hold the bit
	if !bit {
		skip = 0xff
	}
	skip64 := uint64(skip) * 0x0101010101010101
	off := start
	for off <= end {
		i := off >> 3
		if off&7 == 0 {
			// Whole words, then whole bytes, that cannot hold the bit
			// are passed at once.
			if off+63 <= end && binary.LittleEndian.Uint64(b[i:]) == skip64 {
				off += 64
				continue
			}
			if off+7 <= end && b[i] == skip {
				off += 8
				continue
			}
		}
		c := b[i]
		if !bit {
			c = ^c
		}
		// The first set bit of c at or after off's position in the byte.
		if m := c & (0xff >> (off & 7)); m != 0 {
			p := i<<3 + uint64(bits.LeadingZeros8(m))
			if p <= end {
				return int64(p)
			}
			return -1
		}
		off = (i + 1) << 3
	}
	return -1
}

// Op is a BITOP operation.
type Op int

const (
	And Op = iota
	Or
	Xor
	Not
)

// Apply computes op over srcs (missing or shorter sources count as zero
// bytes) into a new string as long as the longest source. NOT takes one
// source.
func Apply(op Op, srcs [][]byte) []byte {
	maxlen := 0
	for _, s := range srcs {
		maxlen = max(maxlen, len(s))
	}
	out := make([]byte, maxlen)
	if maxlen == 0 {
		return out
	}
	copy(out, srcs[0])
	if op == Not {
		for i := range out {
			out[i] = ^out[i]
		}
		return out
	}
	for _, s := range srcs[1:] {
		switch op {
		case And:
			for i := range out {
				if i < len(s) {
					out[i] &= s[i]
				} else {
					out[i] = 0
				}
			}
		case Or:
			for i, c := range s {
				out[i] |= c
			}
		case Xor:
			for i, c := range s {
				out[i] ^= c
			}
		}
	}
	return out
}

// Field is a BITFIELD integer type: Bits wide (1-64 signed, 1-63
// unsigned).
type Field struct {
	Signed bool
	Bits   uint
}

// GetUint reads an unsigned field of f.Bits bits at bit offset off; bits
// past the end of b read as 0.
func (f Field) GetUint(b []byte, off uint64) uint64 {
	var v uint64
	for i := uint(0); i < f.Bits; i++ {
		v <<= 1
		if Get(b, off+uint64(i)) {
			v |= 1
		}
	}
	return v
}

// Get reads the field at off as Redis returns it: sign-extended when
// signed.
func (f Field) Get(b []byte, off uint64) int64 {
	v := f.GetUint(b, off)
	if f.Signed && f.Bits < 64 && v&(1<<(f.Bits-1)) != 0 {
		v |= ^uint64(0) << f.Bits
	}
	return int64(v)
}

// Put writes the low f.Bits bits of v at off; b must be long enough.
func (f Field) Put(b []byte, off uint64, v uint64) {
	for i := uint(0); i < f.Bits; i++ {
		Set(b, off+uint64(i), v&(1<<(f.Bits-1-i)) != 0)
	}
}

// Overflow is BITFIELD's OVERFLOW behaviour.
type Overflow int

const (
	Wrap Overflow = iota
	Sat
	Fail
)

// Add computes old+incr for the field, as BITFIELD INCRBY (and, with old
// the value to store and incr 0, SET) does. It returns the value to
// store and whether the addition overflowed; with Fail, an overflow means
// nothing is stored.
func (f Field) Add(old, incr int64, ow Overflow) (int64, bool) {
	if f.Signed {
		return f.addSigned(old, incr, ow)
	}
	v, of := f.addUnsigned(uint64(old), incr, ow)
	return int64(v), of
}

func (f Field) addUnsigned(old uint64, incr int64, ow Overflow) (uint64, bool) {
	maxv := uint64(1)<<f.Bits - 1
	wrap := func() uint64 { return (old + uint64(incr)) & maxv }
	switch {
	case old > maxv || incr > 0 && uint64(incr) > maxv-old:
		if ow == Sat {
			return maxv, true
		}
		return wrap(), true
	case incr < 0 && uint64(-incr) > old:
		// -incr cannot overflow here: incr == MinInt64 gives 1<<63, which
		// is larger than any old value of up to 63 bits.
		if ow == Sat {
			return 0, true
		}
		return wrap(), true
	}
	return old + uint64(incr), false
}

func (f Field) addSigned(old, incr int64, ow Overflow) (int64, bool) {
	maxv := int64(uint64(1)<<(f.Bits-1) - 1)
	minv := -maxv - 1
	wrap := func() int64 {
		c := uint64(old) + uint64(incr)
		if f.Bits < 64 {
			if c&(1<<(f.Bits-1)) != 0 {
				c |= ^uint64(0) << f.Bits
			} else {
				c &^= ^uint64(0) << f.Bits
			}
		}
		return int64(c)
	}
	sum := old + incr // wraps in 64 bits; checked below
	over := old > maxv || (incr > 0 && (sum < old || sum > maxv))
	under := old < minv || (incr < 0 && (sum > old || sum < minv))
	switch {
	case over:
		if ow == Sat {
			return maxv, true
		}
		return wrap(), true
	case under:
		if ow == Sat {
			return minv, true
		}
		return wrap(), true
	}
	return sum, false
}
