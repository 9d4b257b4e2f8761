package rdb

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Redis 7.0's default thresholds for its compact encodings. The writer
// picks the encoding Redis 7.0 would hold the value in, so that a file
// written here loads into Redis with the encodings Redis itself would
// have saved (Redis keeps a loaded listpack as is, so it matters that a
// big hash is not written as one).
const (
	maxListpackEntries = 128       // hash-max-listpack-entries, zset-max-listpack-entries
	maxListpackValue   = 64        // hash-max-listpack-value, zset-max-listpack-value
	maxIntsetEntries   = 512       // set-max-intset-entries
	listNodeBytes      = 8 << 10   // list-max-listpack-size -2: 8 KiB quicklist nodes
	compressMinLen     = 20        // strings longer than this are tried with LZF
	maxIntEncodedLen   = 11        // longest string that may fit an int32 encoding
	lzfMinSaving       = 4         // LZF is kept only when it saves at least this much
	listpackMaxSafe    = 1<<30 - 1 // past this a listpack is not safe to build
)

// plainThreshold is the size from which a list element gets a plain
// quicklist node of its own (Redis's packed threshold, 1 GiB); a variable
// so that tests can reach it.
var plainThreshold = 1 << 30

// appendLen appends an RDB length.
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14<<6, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, len32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, len64), n)
}

// appendString appends s as an RDB string: integer-encoded when it is a
// small canonical integer, LZF-compressed when compress is set and that
// saves space, raw otherwise (Redis's rdbSaveRawString choices).
func appendString(dst, s []byte, compress bool) []byte {
	if len(s) <= maxIntEncodedLen {
		if v, ok := parseInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, lenSpec<<6|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, lenSpec<<6|encInt16), uint16(v))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return binary.LittleEndian.AppendUint32(append(dst, lenSpec<<6|encInt32), uint32(v))
			}
		}
	}
	if compress && len(s) > compressMinLen {
		// Compressed in place after dst, then moved up behind its header:
		// no buffer of its own, so a save makes no garbage per string.
		mark := len(dst)
		if out, ok := lzfCompress(dst, s, len(s)-lzfMinSaving); ok {
			clen := len(out) - mark
			var hb [11]byte
			h := append(hb[:0], lenSpec<<6|encLZF)
			h = appendLen(h, uint64(clen))
			h = appendLen(h, uint64(len(s)))
			out = append(out, h...) // room for the header
			copy(out[mark+len(h):], out[mark:mark+clen])
			copy(out[mark:], h)
			return out
		}
		dst = dst[:mark]
	}
	return append(appendLen(dst, uint64(len(s))), s...)
}

// encoder holds the scratch buffers values are built in (listpacks,
// intsets, sorted copies), reused from value to value so that writing a
// dataset makes little garbage. The zero value is ready to use.
type encoder struct {
	lp     []byte
	ends   []int
	ints   []int64
	sorted []ZMember
}

// release drops scratch buffers a huge value grew, so that one big
// collection does not pin its memory until the next save.
func (e *encoder) release() {
	if cap(e.lp) > 1<<20 {
		e.lp = nil
	}
	if cap(e.ends) > 1<<16 {
		e.ends = nil
	}
	if cap(e.ints) > 1<<16 {
		e.ints = nil
	}
	if cap(e.sorted) > 1<<16 {
		e.sorted = nil
	}
}

// appendValue appends v's type byte and serialization.
func (e *encoder) appendValue(dst []byte, v *Value, compress bool) ([]byte, error) {
	if v == nil {
		return dst, fmt.Errorf("rdb: nil value")
	}
	switch v.Kind {
	case KindString:
		return appendString(append(dst, typeString), v.Str, compress), nil
	case KindList:
		if len(v.List) == 0 {
			return dst, errEmpty
		}
		return e.appendList(dst, v.List, compress), nil
	case KindSet:
		if len(v.Set) == 0 {
			return dst, errEmpty
		}
		return e.appendSet(dst, v.Set, compress)
	case KindHash:
		if len(v.Hash) == 0 {
			return dst, errEmpty
		}
		return e.appendHash(dst, v.Hash, compress), nil
	case KindZSet:
		if len(v.ZSet) == 0 {
			return dst, errEmpty
		}
		return e.appendZSet(dst, v.ZSet, compress)
	case KindStream:
		if v.Stream == nil {
			return dst, fmt.Errorf("rdb: stream value without a Stream")
		}
		return appendStream(dst, v.Stream, compress)
	}
	return dst, fmt.Errorf("rdb: unknown value kind %d", v.Kind)
}

// appendList writes a quicklist of listpacks: 8 KiB packed nodes, and a
// plain node for each element too big for a listpack. The nodes are
// measured first, since their count comes before them.
func (e *encoder) appendList(dst []byte, list [][]byte, compress bool) []byte {
	ends := e.ends[:0] // where each node ends in list
	for i := 0; i < len(list); {
		if len(list[i]) >= plainThreshold {
			i++
		} else {
			size := lpHeaderSize + 1
			for start := i; i < len(list) && len(list[i]) < plainThreshold; i++ {
				n := lpEntrySize(list[i])
				if i > start && size+n > listNodeBytes {
					break
				}
				size += n
			}
		}
		ends = append(ends, i)
	}
	e.ends = ends
	dst = appendLen(append(dst, typeListQuicklist2), uint64(len(ends)))
	lp := e.lp
	start := 0
	for _, end := range ends {
		if end == start+1 && len(list[start]) >= plainThreshold {
			dst = appendString(appendLen(dst, qlPlain), list[start], compress)
		} else {
			lb := newListpack(lp[:0])
			for _, el := range list[start:end] {
				lb.add(el)
			}
			lp = lb.finish()
			dst = appendString(appendLen(dst, qlPacked), lp, compress)
		}
		start = end
	}
	e.lp = lp
	return dst
}

// lpEntrySize is the size s takes as a listpack entry.
func lpEntrySize(s []byte) int {
	var n int
	if v, ok := parseInt(s); ok {
		n = len(appendLpInt(nil, v))
	} else {
		switch l := len(s); {
		case l < 64:
			n = 1 + l
		case l < 4096:
			n = 2 + l
		default:
			n = 5 + l
		}
	}
	return n + backlenSize(n)
}

// appendSet writes an intset when every member is an integer and there
// are few, a plain set otherwise.
func (e *encoder) appendSet(dst []byte, set [][]byte, compress bool) ([]byte, error) {
	if len(set) <= maxIntsetEntries {
		vals := e.ints[:0]
		defer func() { e.ints = vals }()
		for _, m := range set {
			v, ok := parseInt(m)
			if !ok {
				break
			}
			vals = append(vals, v)
		}
		if len(vals) == len(set) {
			slices.Sort(vals)
			for i := 1; i < len(vals); i++ {
				if vals[i] == vals[i-1] {
					return nil, fmt.Errorf("rdb: duplicate set member %d", vals[i])
				}
			}
			e.lp = appendIntset(e.lp[:0], vals)
			return appendString(append(dst, typeSetIntset), e.lp, compress), nil
		}
	}
	dst = appendLen(append(dst, typeSet), uint64(len(set)))
	for _, m := range set {
		dst = appendString(dst, m, compress)
	}
	return dst, nil
}

func (e *encoder) appendHash(dst []byte, h []HashField, compress bool) []byte {
	small := len(h) <= maxListpackEntries
	total := 0
	for _, f := range h {
		total += len(f.Field) + len(f.Value)
		if len(f.Field) > maxListpackValue || len(f.Value) > maxListpackValue {
			small = false
		}
	}
	if small && total < listpackMaxSafe {
		lb := newListpack(e.lp[:0])
		for _, f := range h {
			lb.add(f.Field)
			lb.add(f.Value)
		}
		e.lp = lb.finish()
		return appendString(append(dst, typeHashListpack), e.lp, compress)
	}
	dst = appendLen(append(dst, typeHash), uint64(len(h)))
	for _, f := range h {
		dst = appendString(dst, f.Field, compress)
		dst = appendString(dst, f.Value, compress)
	}
	return dst
}

func (e *encoder) appendZSet(dst []byte, z []ZMember, compress bool) ([]byte, error) {
	small := len(z) <= maxListpackEntries
	for _, m := range z {
		if math.IsNaN(m.Score) {
			return nil, fmt.Errorf("rdb: sorted set member %q has a NaN score", m.Member)
		}
		if len(m.Member) > maxListpackValue {
			small = false
		}
	}
	if !small {
		dst = appendLen(append(dst, typeZSet2), uint64(len(z)))
		for _, m := range z {
			dst = appendString(dst, m.Member, compress)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(m.Score))
		}
		return dst, nil
	}
	// Redis walks a listpack sorted set assuming it is in order (score,
	// then member), and does not check that when loading.
	// A sorted set from the keyspace comes in order already; only other
	// callers' values pay for a sorted copy.
	byScore := func(a, b ZMember) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return bytes.Compare(a.Member, b.Member)
	}
	sorted := z
	if !slices.IsSortedFunc(z, byScore) {
		e.sorted = append(e.sorted[:0], z...)
		slices.SortFunc(e.sorted, byScore)
		sorted = e.sorted
	}
	lb := newListpack(e.lp[:0])
	for _, m := range sorted {
		lb.add(m.Member)
		addScore(&lb, m.Score)
	}
	e.lp = lb.finish()
	return appendString(append(dst, typeZSetListpack), e.lp, compress), nil
}

// addScore adds a score the way Redis stores one in a listpack: integral
// values as integers, others as the shortest text that reads back the
// same double.
func addScore(lb *lpBuilder, f float64) {
	switch {
	case math.IsInf(f, 1):
		lb.add([]byte("inf"))
	case math.IsInf(f, -1):
		lb.add([]byte("-inf"))
	case f == 0 && math.Signbit(f):
		lb.add([]byte("-0"))
	case f == math.Trunc(f) && f >= -(1<<53) && f <= 1<<53:
		lb.addInt(int64(f))
	default:
		lb.add(strconv.AppendFloat(nil, f, 'g', -1, 64))
	}
}
