package rdb

import (
	"encoding/binary"
	"slices"
	"strconv"
)

// An intset is <encoding u32 LE> <length u32 LE> <values>, the encoding
// being the width of every value (2, 4 or 8 bytes, little-endian,
// signed), the values sorted ascending without duplicates.
const intsetHeaderSize = 8

// intsetMembers validates is and returns its members as decimal strings.
func intsetMembers(is []byte, maxElems int64) ([][]byte, error) {
	if len(is) < intsetHeaderSize {
		return nil, corrupt("intset of %d bytes is shorter than its header", len(is))
	}
	width := binary.LittleEndian.Uint32(is)
	if width != 2 && width != 4 && width != 8 {
		return nil, corrupt("intset with invalid encoding %d", width)
	}
	n := binary.LittleEndian.Uint32(is[4:])
	if intsetHeaderSize+uint64(n)*uint64(width) != uint64(len(is)) {
		return nil, corrupt("intset of %d %d-byte values in %d bytes", n, width, len(is))
	}
	if n == 0 {
		// Redis refuses an empty intset as corrupt rather than skipping it.
		return nil, corrupt("empty intset")
	}
	if int64(n) > maxElems {
		return nil, newErr(ErrTooLarge, "intset of %d elements (limit %d)", n, maxElems)
	}
	out := make([][]byte, 0, n)
	var prev int64
	for i := range int(n) {
		b := is[intsetHeaderSize+i*int(width):]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(b)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(b)))
		default:
			v = int64(binary.LittleEndian.Uint64(b))
		}
		if i > 0 && v <= prev {
			return nil, corrupt("intset values not strictly ascending at %d", i)
		}
		prev = v
		out = append(out, strconv.AppendInt(nil, v, 10))
	}
	return out, nil
}

// appendIntset appends the intset of vals (sorted here, unique already),
// in the narrowest encoding that holds them all.
func appendIntset(dst []byte, vals []int64) []byte {
	slices.Sort(vals)
	width := 2
	for _, v := range vals {
		switch {
		case v < -1<<31 || v > 1<<31-1:
			width = 8
		case (v < -1<<15 || v > 1<<15-1) && width < 4:
			width = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(width))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}
