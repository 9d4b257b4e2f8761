package rdb

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// A listpack (Redis 5 streams, Redis 7 everything small) is
//
//	<total bytes u32 LE> <count u16 LE> <entry>... <0xFF>
//
// and each entry is <encoding+data> <backlen>, backlen being the size of
// encoding+data in 1 to 5 bytes, 7 bits a byte, written so that it can be
// read backwards. The encodings:
//
//	0xxxxxxx                 integer 0..127
//	10xxxxxx                 string of up to 63 bytes
//	110xxxxx yyyyyyyy        13-bit signed integer
//	1110xxxx yyyyyyyy        string, 12-bit length
//	11110000 <u32 LE>        string, 32-bit length
//	11110001..11110100       int16, int24, int32, int64 (little-endian)
const (
	lpHeaderSize = 6
	lpEnd        = 0xff
	lpCountMax   = 0xffff // count saturates here; then only a walk knows
)

// listpackEntries validates lp entry by entry (bounds, encodings,
// backlens, count, terminator) and returns its elements, integers as
// decimal strings. String elements alias lp.
func listpackEntries(lp []byte, maxElems int64) ([][]byte, error) {
	if len(lp) < lpHeaderSize+1 {
		return nil, corrupt("listpack of %d bytes is shorter than its header", len(lp))
	}
	if n := binary.LittleEndian.Uint32(lp); uint64(n) != uint64(len(lp)) {
		return nil, corrupt("listpack header says %d bytes, it has %d", n, len(lp))
	}
	end := len(lp) - 1
	if lp[end] != lpEnd {
		return nil, corrupt("listpack lacks its terminator")
	}
	declared := int(binary.LittleEndian.Uint16(lp[4:]))
	out := make([][]byte, 0, min(declared, (len(lp)-lpHeaderSize)/2))
	for p := lpHeaderSize; p != end; {
		n := len(out)
		if int64(n) >= maxElems {
			return nil, newErr(ErrTooLarge, "listpack of more than %d elements", maxElems)
		}
		b := lp[p]
		var elem []byte
		var size int // of encoding+data
		str := func(hdr, slen int) bool {
			if hdr > end-p || slen > end-p-hdr {
				return false
			}
			size = hdr + slen
			elem = lp[p+hdr : p+size : p+size]
			return true
		}
		integer := func(width int) bool {
			if 1+width > end-p {
				return false
			}
			size = 1 + width
			var u uint64
			for i := width; i >= 1; i-- {
				u = u<<8 | uint64(lp[p+i])
			}
			shift := 64 - 8*width // sign-extend from width bytes
			elem = strconv.AppendInt(nil, int64(u<<shift)>>shift, 10)
			return true
		}
		var ok bool
		switch {
		case b&0x80 == 0:
			size, ok = 1, true
			elem = strconv.AppendInt(nil, int64(b), 10)
		case b&0xc0 == 0x80:
			ok = str(1, int(b&0x3f))
		case b&0xe0 == 0xc0:
			if ok = 2 <= end-p; ok {
				size = 2
				v := int64(b&0x1f)<<8 | int64(lp[p+1])
				if v >= 1<<12 {
					v -= 1 << 13
				}
				elem = strconv.AppendInt(nil, v, 10)
			}
		case b&0xf0 == 0xe0:
			ok = 2 <= end-p && str(2, int(b&0x0f)<<8|int(lp[p+1]))
		case b == 0xf0:
			ok = 5 <= end-p && str(5, int(binary.LittleEndian.Uint32(lp[p+1:])))
		case b == 0xf1:
			ok = integer(2)
		case b == 0xf2:
			ok = integer(3)
		case b == 0xf3:
			ok = integer(4)
		case b == 0xf4:
			ok = integer(8)
		default:
			return nil, corrupt("listpack entry %d: invalid encoding %#x", n, b)
		}
		if !ok {
			return nil, corrupt("listpack entry %d runs past the end", n)
		}
		bl := backlenSize(size)
		if bl > end-p-size {
			return nil, corrupt("listpack entry %d runs past the end", n)
		}
		var want [5]byte
		if !bytes.Equal(lp[p+size:p+size+bl], appendBacklen(want[:0], size)) {
			return nil, corrupt("listpack entry %d: back length does not match its size %d", n, size)
		}
		out = append(out, elem)
		p += size + bl
	}
	if declared != lpCountMax && declared != len(out) {
		return nil, corrupt("listpack header says %d entries, it has %d", declared, len(out))
	}
	return out, nil
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// appendBacklen appends l as a listpack back length: the last byte holds
// the lowest 7 bits, and every byte but the first has its high bit set,
// which tells a backwards reader to go on.
func appendBacklen(dst []byte, l int) []byte {
	n := backlenSize(l)
	for i := n - 1; i >= 0; i-- {
		c := byte(l>>(7*i)) & 127
		if i != n-1 {
			c |= 128
		}
		dst = append(dst, c)
	}
	return dst
}

// lpBuilder appends a listpack to a buffer.
type lpBuilder struct {
	b     []byte
	start int // where the listpack begins in b
	count int
}

func newListpack(dst []byte) lpBuilder {
	return lpBuilder{b: append(dst, 0, 0, 0, 0, 0, 0), start: len(dst)}
}

// size is the listpack's size if it were finished now.
func (lb *lpBuilder) size() int { return len(lb.b) - lb.start + 1 }

// add appends s, as an integer when it is the canonical form of one, as
// Redis's lpAppend does.
func (lb *lpBuilder) add(s []byte) {
	start := len(lb.b)
	if v, ok := parseInt(s); ok {
		lb.b = appendLpInt(lb.b, v)
	} else {
		switch n := len(s); {
		case n < 64:
			lb.b = append(lb.b, 0x80|byte(n))
		case n < 4096:
			lb.b = append(lb.b, 0xe0|byte(n>>8), byte(n))
		default:
			lb.b = append(lb.b, 0xf0)
			lb.b = binary.LittleEndian.AppendUint32(lb.b, uint32(n))
		}
		lb.b = append(lb.b, s...)
	}
	lb.b = appendBacklen(lb.b, len(lb.b)-start)
	lb.count++
}

func (lb *lpBuilder) addInt(v int64) {
	start := len(lb.b)
	lb.b = appendLpInt(lb.b, v)
	lb.b = appendBacklen(lb.b, len(lb.b)-start)
	lb.count++
}

func appendLpInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 127:
		return append(b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		return append(b, 0xc0|byte(u>>8), byte(u))
	case v >= -32768 && v <= 32767:
		return binary.LittleEndian.AppendUint16(append(b, 0xf1), uint16(v))
	case v >= -8388608 && v <= 8388607:
		return append(b, 0xf2, byte(v), byte(v>>8), byte(v>>16))
	case v >= -2147483648 && v <= 2147483647:
		return binary.LittleEndian.AppendUint32(append(b, 0xf3), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xf4), uint64(v))
}

// finish terminates the listpack, fills in its header and returns the
// buffer.
func (lb *lpBuilder) finish() []byte {
	lb.b = append(lb.b, lpEnd)
	binary.LittleEndian.PutUint32(lb.b[lb.start:], uint32(len(lb.b)-lb.start))
	binary.LittleEndian.PutUint16(lb.b[lb.start+4:], uint16(min(lb.count, lpCountMax)))
	return lb.b
}
