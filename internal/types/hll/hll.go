// Package hll is Redis 7.0's HyperLogLog, held as Redis holds it: a plain
// string value whose bytes are the sketch. Every function works on that
// []byte, so a value written here is byte-identical to the one Redis
// writes for the same PFADD sequence, and either server can read the
// other's (DUMP/RESTORE, RDB).
//
// Layout: a 16-byte header — the magic "HYLL", one encoding byte (0 dense,
// 1 sparse), three unused bytes, and the last computed cardinality as a
// little-endian uint64 whose top bit set means "stale" — followed by the
// 16384 registers (P = 14) of 6 bits each:
//
//   - dense: 12288 bytes, register i in bits 6i..6i+5 counted from the
//     least significant bit of byte 0;
//   - sparse: a run-length code of three opcodes, ZERO (00xxxxxx: 1..64
//     zero registers), XZERO (01xxxxxx yyyyyyyy: 1..16384 zero registers)
//     and VAL (1vvvvvxx: 1..4 registers of value 1..32).
//
// A new sketch is sparse; it becomes dense for good when a register needs a
// value above 32 or the sparse form would grow past hll-sparse-max-bytes.
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
// pick the register, the position of the first 1 bit in the remaining 50
// is the value. The estimate is Otmar Ertl's improved estimator over the
// histogram of register values, computed as Redis computes it so that the
// cached cardinality bytes agree too.
//
// Values come from clients (SET, RESTORE), so every reader checks bounds:
// parsing arbitrary bytes never panics, and a malformed sketch gives
// ErrCorrupt wherever Redis reports "Corrupted HLL object detected".
package hll

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Sketch geometry and header layout.
const (
	P          = 14
	Registers  = 1 << P // 16384
	Q          = 64 - P // bits of the hash left for the run of zeroes
	Bits       = 6
	RegMax     = 1<<Bits - 1
	HeaderSize = 16
	DenseSize  = HeaderSize + (Registers*Bits+7)/8 // 12304

	Dense  = 0 // encoding byte of a dense sketch
	Sparse = 1 // encoding byte of a sparse sketch

	// DefaultSparseMaxBytes is hll-sparse-max-bytes's default.
	DefaultSparseMaxBytes = 3000

	registersPerMask = Registers - 1
	cardOffset       = 8
	seed             = 0xadc83b19
)

// Sparse opcodes.
const (
	opXZeroBit   = 0x40
	opValBit     = 0x80
	valMaxValue  = 32
	valMaxLen    = 4
	zeroMaxLen   = 64
	xzeroMaxLen  = Registers
	alphaInf     = 0.721347520444481703680 // 0.5/ln(2)
	invalidCache = 0x80                    // in the cardinality's last byte
)

var (
	// ErrNotHLL: the string is not a HyperLogLog (too short, wrong magic,
	// unknown encoding, dense of the wrong length).
	ErrNotHLL = errors.New("hll: not a valid HyperLogLog string value")
	// ErrCorrupt: the header is fine but the sparse registers are not.
	ErrCorrupt = errors.New("hll: corrupted HyperLogLog")
)

// New returns an empty sketch: sparse, one XZERO covering every register,
// cached cardinality 0.
func New() []byte {
	h := make([]byte, HeaderSize+2, HeaderSize+16)
	copy(h, "HYLL")
	h[4] = Sparse
	putXZero(h[HeaderSize:], Registers)
	return h
}

// Check reports whether h is a HyperLogLog as Redis's isHLLObjectOrReply
// judges it: at least a header, the magic, a known encoding and, when
// dense, exactly DenseSize bytes. Sparse opcodes are not checked here.
func Check(h []byte) error {
	if len(h) < HeaderSize || string(h[:4]) != "HYLL" || h[4] > Sparse {
		return ErrNotHLL
	}
	if h[4] == Dense && len(h) != DenseSize {
		return ErrNotHLL
	}
	return nil
}

// Encoding returns "dense" or "sparse" for a checked sketch.
func Encoding(h []byte) string {
	if h[4] == Dense {
		return "dense"
	}
	return "sparse"
}

// IsSparse reports whether a checked sketch uses the sparse encoding.
func IsSparse(h []byte) bool { return h[4] == Sparse }

// Hash is Redis's MurmurHash64A (the endian-neutral variant) with the
// HyperLogLog seed.
func Hash(key []byte) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	n := len(key)
	h := uint64(seed) ^ (uint64(n) * m)
	i := 0
	for ; i+8 <= n; i += 8 {
		k := uint64(key[i]) | uint64(key[i+1])<<8 | uint64(key[i+2])<<16 | uint64(key[i+3])<<24 |
			uint64(key[i+4])<<32 | uint64(key[i+5])<<40 | uint64(key[i+6])<<48 | uint64(key[i+7])<<56
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if rest := key[i:]; len(rest) > 0 {
		for j := len(rest) - 1; j >= 0; j-- {
			h ^= uint64(rest[j]) << (8 * j)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// PatLen returns the register an element maps to and the value it offers:
// 1 + the number of zero bits above the index bits before the first 1
// (at most Q+1).
func PatLen(ele []byte) (index int, count uint8) {
	hash := Hash(ele)
	index = int(hash & registersPerMask)
	hash >>= P
	hash |= 1 << Q
	count = 1
	for bit := uint64(1); hash&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// --- header --------------------------------------------------------------

// CachedCard returns the cached cardinality and whether it is valid.
func CachedCard(h []byte) (uint64, bool) {
	if h[cardOffset+7]&invalidCache != 0 {
		return 0, false
	}
	var c uint64
	for i := 7; i >= 0; i-- {
		c = c<<8 | uint64(h[cardOffset+i])
	}
	return c, true
}

// SetCachedCard stores card as the cached cardinality.
func SetCachedCard(h []byte, card uint64) {
	for i := 0; i < 8; i++ {
		h[cardOffset+i] = byte(card >> (8 * i))
	}
}

// InvalidateCache marks the cached cardinality stale.
func InvalidateCache(h []byte) { h[cardOffset+7] |= invalidCache }

// --- dense ----------------------------------------------------------------

// denseGet reads register i of the dense registers regs. The last
// register's neighbour byte lies past the slice; it contributes nothing.
func denseGet(regs []byte, i int) uint8 {
	b := i * Bits / 8
	fb := uint(i*Bits) & 7
	v := uint(regs[b]) >> fb
	if b+1 < len(regs) {
		v |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(v & RegMax)
}

// denseSetReg writes register i of regs.
func denseSetReg(regs []byte, i int, val uint8) {
	b := i * Bits / 8
	fb := uint(i*Bits) & 7
	v := uint(val)
	regs[b] &^= byte(RegMax << fb)
	regs[b] |= byte(v << fb)
	if b+1 < len(regs) {
		regs[b+1] &^= byte(RegMax >> (8 - fb))
		regs[b+1] |= byte(v >> (8 - fb))
	}
}

// denseSet raises register i of a dense sketch to count if it is lower and
// reports whether it did.
func denseSet(h []byte, i int, count uint8) bool {
	regs := h[HeaderSize:]
	if count > denseGet(regs, i) {
		denseSetReg(regs, i, count)
		return true
	}
	return false
}

// denseHisto adds the dense registers' values to histo.
func denseHisto(regs []byte, histo *[64]int) {
	for r := 0; r+12 <= len(regs); r += 12 {
		c := regs[r : r+12 : r+12]
		histo[c[0]&63]++
		histo[(c[0]>>6|c[1]<<2)&63]++
		histo[(c[1]>>4|c[2]<<4)&63]++
		histo[(c[2]>>2)&63]++
		histo[c[3]&63]++
		histo[(c[3]>>6|c[4]<<2)&63]++
		histo[(c[4]>>4|c[5]<<4)&63]++
		histo[(c[5]>>2)&63]++
		histo[c[6]&63]++
		histo[(c[6]>>6|c[7]<<2)&63]++
		histo[(c[7]>>4|c[8]<<4)&63]++
		histo[(c[8]>>2)&63]++
		histo[c[9]&63]++
		histo[(c[9]>>6|c[10]<<2)&63]++
		histo[(c[10]>>4|c[11]<<4)&63]++
		histo[(c[11]>>2)&63]++
	}
}

// denseMax raises max[i] to each dense register, four registers (three
// bytes) at a time.
func denseMax(regs []byte, max []uint8) {
	max = max[:Registers]
	for r, i := 0, 0; r+3 <= len(regs) && i+4 <= len(max); r, i = r+3, i+4 {
		c := regs[r : r+3 : r+3]
		m := max[i : i+4 : i+4]
		m[0] = maxU8(m[0], c[0]&63)
		m[1] = maxU8(m[1], (c[0]>>6|c[1]<<2)&63)
		m[2] = maxU8(m[2], (c[1]>>4|c[2]<<4)&63)
		m[3] = maxU8(m[3], c[2]>>2)
	}
}

func maxU8(a, b uint8) uint8 {
	if b > a {
		return b
	}
	return a
}

// --- sparse ---------------------------------------------------------------

func isZero(op byte) bool  { return op&0xc0 == 0 }
func isXZero(op byte) bool { return op&0xc0 == opXZeroBit }
func isVal(op byte) bool   { return op&opValBit != 0 }
func zeroLen(op byte) int  { return int(op&0x3f) + 1 }
func valValue(op byte) int { return int(op>>2&0x1f) + 1 }
func valLen(op byte) int   { return int(op&3) + 1 }

// xzeroLen reads the XZERO opcode at s[p]. Its second byte may lie past
// the end of a corrupt value; Redis then reads the string's terminating
// zero byte, and so do we.
func xzeroLen(s []byte, p int) int {
	lo := 0
	if p+1 < len(s) {
		lo = int(s[p+1])
	}
	return (int(s[p]&0x3f)<<8 | lo) + 1
}

func valOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | opValBit }
func zeroOp(n int) byte     { return byte(n - 1) }
func putXZero(dst []byte, n int) {
	dst[0] = byte((n-1)>>8) | opXZeroBit
	dst[1] = byte((n - 1) & 0xff)
}

// valueRuns calls fn for each VAL run of the sparse sketch h (first
// register, length, value), in order. Opcodes that overshoot the
// registers are refused as soon as they are seen (as Redis does since the
// CVE-2025-32023 fix) and must cover exactly Registers in all; fn may have
// been called for earlier runs when ErrCorrupt is returned.
func valueRuns(h []byte, fn func(first, n int, v uint8)) error {
	idx := 0
	for p := HeaderSize; p < len(h); {
		op := h[p]
		var n int
		switch {
		case isZero(op):
			n = zeroLen(op)
			p++
		case isXZero(op):
			n = xzeroLen(h, p)
			p += 2
		default:
			n = valLen(op)
			p++
		}
		if idx+n > Registers {
			return ErrCorrupt
		}
		if isVal(op) {
			fn(idx, n, uint8(valValue(op)))
		}
		idx += n
	}
	if idx != Registers {
		return ErrCorrupt
	}
	return nil
}

// ToDense returns the dense form of a checked sketch: h itself when it is
// already dense, else a new slice with the same header (magic, unused
// bytes, cached cardinality) and the sparse registers expanded.
func ToDense(h []byte) ([]byte, error) {
	if h[4] == Dense {
		return h, nil
	}
	d := make([]byte, DenseSize)
	copy(d, h[:HeaderSize])
	d[4] = Dense
	regs := d[HeaderSize:]
	err := valueRuns(h, func(first, n int, v uint8) {
		for i := first; i < first+n; i++ {
			denseSetReg(regs, i, v)
		}
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// sparseSet raises register index of the sparse sketch h to count if it is
// lower, the way Redis's hllSparseSet edits the opcodes in place (so the
// bytes match), promoting to dense when count does not fit a VAL opcode or
// the sparse form would exceed maxBytes. It returns the (possibly moved)
// sketch and whether a register changed; ErrCorrupt when the opcodes do not
// cover index.
func sparseSet(h []byte, index int, count uint8, maxBytes int) ([]byte, bool, error) {
	if count > valMaxValue {
		return promote(h, index, count)
	}
	end := len(h)
	// Step 1: find the opcode covering index.
	p, first, span, prev := HeaderSize, 0, 0, -1
	for p < end {
		oplen := 1
		op := h[p]
		switch {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span = xzeroLen(h, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return h, false, ErrCorrupt
	}
	op := h[p]
	var runlen int
	switch {
	case isZero(op):
		runlen = zeroLen(op)
	case isXZero(op):
		runlen = xzeroLen(h, p)
	default:
		runlen = valLen(op)
	}

	// Step 2: the trivial cases.
	if isVal(op) {
		if valValue(op) >= int(count) {
			return h, false, nil
		}
		if runlen == 1 {
			h[p] = valOp(int(count), 1)
			return sparseMerge(h, prev), true, nil
		}
	}
	if isZero(op) && runlen == 1 {
		h[p] = valOp(int(count), 1)
		return sparseMerge(h, prev), true, nil
	}

	// The general case: split the opcode into up to three.
	var seq [5]byte
	n := 0
	last := first + span - 1
	if isZero(op) || isXZero(op) {
		zeros := func(l int) {
			if l > zeroMaxLen {
				putXZero(seq[n:], l)
				n += 2
			} else {
				seq[n] = zeroOp(l)
				n++
			}
		}
		if index != first {
			zeros(index - first)
		}
		seq[n] = valOp(int(count), 1)
		n++
		if index != last {
			zeros(last - index)
		}
	} else {
		cur := valValue(op)
		if index != first {
			seq[n] = valOp(cur, index-first)
			n++
		}
		seq[n] = valOp(int(count), 1)
		n++
		if index != last {
			seq[n] = valOp(cur, last-index)
			n++
		}
	}

	// Step 3: put the new sequence in place of the old opcode.
	oldlen := 1
	if isXZero(op) {
		oldlen = 2
	}
	delta := n - oldlen
	if delta > 0 && end+delta > maxBytes {
		return promote(h, index, count)
	}
	// A truncated XZERO at the very end (corrupt input) ends inside the
	// new sequence; Redis keeps only what fits its new length.
	keep := min(n, end-p+delta)
	tailStart := min(p+oldlen, end)
	newEnd := p + keep + (end - tailStart)
	if newEnd > end {
		h = append(h, make([]byte, newEnd-end)...)
	}
	copy(h[p+keep:], h[tailStart:end])
	copy(h[p:p+keep], seq[:keep])
	h = h[:newEnd]
	return sparseMerge(h, prev), true, nil
}

// sparseMerge is step 4 of hllSparseSet: starting at the opcode before the
// edit, join adjacent VAL opcodes of equal value (up to 5 opcodes scanned),
// then mark the cached cardinality stale.
func sparseMerge(h []byte, prev int) []byte {
	p := HeaderSize
	if prev >= 0 {
		p = prev
	}
	end := len(h)
	for scan := 5; p < end && scan > 0; {
		scan--
		op := h[p]
		if isXZero(op) {
			p += 2
			continue
		}
		if isZero(op) {
			p++
			continue
		}
		if p+1 < end && isVal(h[p+1]) {
			v1, v2 := valValue(op), valValue(h[p+1])
			if v1 == v2 {
				if l := valLen(op) + valLen(h[p+1]); l <= valMaxLen {
					h[p+1] = valOp(v1, l)
					copy(h[p:], h[p+1:end])
					end--
					h = h[:end]
					continue
				}
			}
		}
		p++
	}
	InvalidateCache(h)
	return h
}

// promote converts h to dense and sets the register there; the register
// always changes (a sparse sketch cannot hold the value or the room).
func promote(h []byte, index int, count uint8) ([]byte, bool, error) {
	d, err := ToDense(h)
	if err != nil {
		return h, false, err
	}
	return d, denseSet(d, index, count), nil
}

// sparseHisto adds the sparse registers' values to histo and reports
// whether the opcodes cover exactly Registers registers.
func sparseHisto(s []byte, histo *[64]int) bool {
	idx := 0
	for p := 0; p < len(s); {
		op := s[p]
		switch {
		case isZero(op):
			n := zeroLen(op)
			idx += n
			histo[0] += n
			p++
		case isXZero(op):
			n := xzeroLen(s, p)
			idx += n
			histo[0] += n
			p += 2
		default:
			n := valLen(op)
			idx += n
			histo[valValue(op)] += n
			p++
		}
	}
	return idx == Registers
}

// --- the public operations ------------------------------------------------

// Set raises register index (0..Registers-1) of the checked sketch h to
// count (1..Q+1) if it is lower. It returns the sketch, which may have
// moved (grown, or promoted to dense), and whether a register changed.
// A dense sketch's cache is not touched; callers invalidate it once per
// command, as Redis does.
func Set(h []byte, index int, count uint8, sparseMaxBytes int) ([]byte, bool, error) {
	if h[4] == Dense {
		return h, denseSet(h, index, count), nil
	}
	return sparseSet(h, index, count, sparseMaxBytes)
}

// Add adds ele to the checked sketch h: Set with the element's register
// and value.
func Add(h []byte, ele []byte, sparseMaxBytes int) ([]byte, bool, error) {
	i, c := PatLen(ele)
	return Set(h, i, c, sparseMaxBytes)
}

// Count computes the cardinality estimate of the checked sketch h, ignoring
// the cache. A sparse sketch whose opcodes do not cover exactly Registers
// registers is ErrCorrupt.
func Count(h []byte) (uint64, error) {
	var histo [64]int
	if h[4] == Dense {
		denseHisto(h[HeaderSize:], &histo)
	} else if !sparseHisto(h[HeaderSize:], &histo) {
		return 0, ErrCorrupt
	}
	return estimate(&histo), nil
}

// Merge raises each max[i] (len Registers, one byte per register) to
// register i of the checked sketch h. A sparse sketch whose opcodes do
// not cover exactly Registers registers is ErrCorrupt (max may then be
// partly updated); like Redis since the CVE-2025-32023 fix, a run that
// overshoots is refused as soon as it is seen.
func Merge(max []uint8, h []byte) error {
	max = max[:Registers]
	if h[4] == Dense {
		denseMax(h[HeaderSize:], max)
		return nil
	}
	return valueRuns(h, func(first, n int, v uint8) {
		for i := first; i < first+n; i++ {
			if v > max[i] {
				max[i] = v
			}
		}
	})
}

// CountRegisters estimates the cardinality of registers held one per byte
// (the result of Merge).
func CountRegisters(regs []uint8) uint64 {
	var histo [64]int
	for _, v := range regs[:Registers] {
		histo[v&63]++
	}
	return estimate(&histo)
}

// RegisterValues returns the register values of a checked sketch, one per byte.
func RegisterValues(h []byte) ([]uint8, error) {
	regs := make([]uint8, Registers)
	if err := Merge(regs, h); err != nil {
		return nil, err
	}
	return regs, nil
}

// Decode describes a sparse sketch's opcodes as PFDEBUG DECODE does:
// "z:N" for ZERO, "Z:N" for XZERO, "v:VALUE,N" for VAL, space separated.
func Decode(h []byte) string {
	var b strings.Builder
	for p := HeaderSize; p < len(h); {
		op := h[p]
		switch {
		case isZero(op):
			b.WriteString("z:")
			b.WriteString(strconv.Itoa(zeroLen(op)))
			p++
		case isXZero(op):
			b.WriteString("Z:")
			b.WriteString(strconv.Itoa(xzeroLen(h, p)))
			p += 2
		default:
			b.WriteString("v:")
			b.WriteString(strconv.Itoa(valValue(op)))
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(valLen(op)))
			p++
		}
		b.WriteByte(' ')
	}
	return strings.TrimRight(b.String(), " ")
}

// --- the estimator --------------------------------------------------------

// estimate is Ertl's improved raw estimator ("New cardinality estimation
// algorithms for HyperLogLog sketches", arXiv:1702.01284) over the
// register histogram, in Redis's order of operations. The float64()
// conversions keep the compiler from fusing multiply-adds, which would
// change the last bits on some architectures.
func estimate(histo *[64]int) uint64 {
	const m = float64(Registers)
	z := m * tau(float64(m-float64(histo[Q+1]))/m)
	for j := Q; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(histo[0])/m))
	return uint64(math.Round(float64(float64(alphaInf*m)*m) / z))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if prev == z {
			return z / 3
		}
	}
}

// Store writes the registers max (one per byte, as Merge leaves them) into
// the checked sketch dst, as PFMERGE does: dst turns dense first when dense
// is set (one of the sources was dense), then every non-zero register is
// raised in ascending order, so a sparse result is byte-identical to
// Redis's. The cache is marked stale. It returns the possibly moved dst.
func Store(dst []byte, max []uint8, dense bool, sparseMaxBytes int) ([]byte, error) {
	if dense {
		d, err := ToDense(dst)
		if err != nil {
			return dst, err
		}
		dst = d
	}
	for i, v := range max[:Registers] {
		if v == 0 {
			continue
		}
		var err error
		if dst, _, err = Set(dst, i, v, sparseMaxBytes); err != nil {
			return dst, err
		}
	}
	InvalidateCache(dst)
	return dst, nil
}
