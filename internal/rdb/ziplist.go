package rdb

import (
	"encoding/binary"
	"strconv"
)

// A ziplist (Redis 2.6 to 6.2) is
//
//	<zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>... <0xFF>
//
// and each entry is <prevlen> <encoding> <data>: prevlen is the previous
// entry's size in 1 byte (< 254) or 0xFE + u32 LE; the encoding is
//
//	00pppppp                 string of up to 63 bytes
//	01pppppp qqqqqqqq        string, 14-bit length (big-endian)
//	10______ <u32 BE>        string, 32-bit length
//	11000000 int16 | 11010000 int32 | 11100000 int64 (little-endian)
//	11110000 int24 | 11111110 int8
//	1111xxxx                 xxxx in 0001..1101: the integer xxxx-1
const (
	zlHeaderSize = 10
	zlEnd        = 0xff
	zlBigPrevlen = 0xfe
	zlCountMax   = 0xffff // zllen saturates here; then only a walk knows
)

// ziplistEntries validates zl entry by entry (bounds, encodings, prevlen
// chain, tail offset, count, terminator) and returns its elements, integers
// as decimal strings. String elements alias zl.
func ziplistEntries(zl []byte, maxElems int64) ([][]byte, error) {
	if len(zl) < zlHeaderSize+1 {
		return nil, corrupt("ziplist of %d bytes is shorter than its header", len(zl))
	}
	if n := binary.LittleEndian.Uint32(zl); uint64(n) != uint64(len(zl)) {
		return nil, corrupt("ziplist header says %d bytes, it has %d", n, len(zl))
	}
	end := len(zl) - 1
	if zl[end] != zlEnd {
		return nil, corrupt("ziplist lacks its terminator")
	}
	tail := binary.LittleEndian.Uint32(zl[4:])
	if uint64(tail) > uint64(end) {
		return nil, corrupt("ziplist tail offset %d is past the end", tail)
	}
	declared := int(binary.LittleEndian.Uint16(zl[8:]))
	out := make([][]byte, 0, min(declared, (len(zl)-zlHeaderSize)/2))
	p, prevSize, last := zlHeaderSize, 0, -1
	for zl[p] != zlEnd {
		n := len(out)
		if int64(n) >= maxElems {
			return nil, newErr(ErrTooLarge, "ziplist of more than %d elements", maxElems)
		}
		q, prevlen := p+1, int(zl[p])
		if zl[p] == zlBigPrevlen {
			if p+5 > end {
				return nil, corrupt("ziplist entry %d: header runs past the end", n)
			}
			q, prevlen = p+5, int(binary.LittleEndian.Uint32(zl[p+1:]))
		}
		if prevlen != prevSize {
			return nil, corrupt("ziplist entry %d: previous entry size %d, it was %d", n, prevlen, prevSize)
		}
		if q >= end {
			return nil, corrupt("ziplist entry %d: header runs past the end", n)
		}
		enc := zl[q]
		var elem []byte
		var dataEnd int
		if enc>>6 != 3 { // a string
			var d, slen int
			switch enc >> 6 {
			case 0:
				d, slen = q+1, int(enc&0x3f)
			case 1:
				if q+2 > end {
					return nil, corrupt("ziplist entry %d: header runs past the end", n)
				}
				d, slen = q+2, int(enc&0x3f)<<8|int(zl[q+1])
			default:
				if q+5 > end {
					return nil, corrupt("ziplist entry %d: header runs past the end", n)
				}
				d, slen = q+5, int(binary.BigEndian.Uint32(zl[q+1:]))
			}
			if slen > end-d {
				return nil, corrupt("ziplist entry %d: string of %d bytes runs past the end", n, slen)
			}
			dataEnd = d + slen
			elem = zl[d:dataEnd:dataEnd]
		} else {
			var size int
			switch {
			case enc == 0xc0:
				size = 2
			case enc == 0xd0:
				size = 4
			case enc == 0xe0:
				size = 8
			case enc == 0xf0:
				size = 3
			case enc == 0xfe:
				size = 1
			case enc >= 0xf1 && enc <= 0xfd:
				size = 0
			default:
				return nil, corrupt("ziplist entry %d: invalid encoding %#x", n, enc)
			}
			d := q + 1
			if size > end-d {
				return nil, corrupt("ziplist entry %d: integer runs past the end", n)
			}
			dataEnd = d + size
			var v int64
			b := zl[d:dataEnd]
			switch size {
			case 0:
				v = int64(enc&0x0f) - 1
			case 1:
				v = int64(int8(b[0]))
			case 2:
				v = int64(int16(binary.LittleEndian.Uint16(b)))
			case 3:
				v = int64(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8)
			case 4:
				v = int64(int32(binary.LittleEndian.Uint32(b)))
			case 8:
				v = int64(binary.LittleEndian.Uint64(b))
			}
			elem = strconv.AppendInt(nil, v, 10)
		}
		out = append(out, elem)
		prevSize, last, p = dataEnd-p, p, dataEnd
	}
	if p != end {
		return nil, corrupt("ziplist terminator at offset %d, before the end", p)
	}
	if last >= 0 && uint32(last) != tail {
		return nil, corrupt("ziplist tail offset %d, the last entry is at %d", tail, last)
	}
	if declared != zlCountMax && declared != len(out) {
		return nil, corrupt("ziplist header says %d entries, it has %d", declared, len(out))
	}
	return out, nil
}
