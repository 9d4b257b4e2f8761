package rdb

import (
	"math/bits"
	"sync"
)

// LZF is the compression Redis applies to strings longer than 20 bytes
// when rdbcompression is on. The format is a sequence of items, each
// starting with a control byte:
//
//	000LLLLL <L+1 literal bytes>         a run of 1..32 literals
//	LLLOOOOO OOOOOOOO                    back-reference, L in 1..6
//	111OOOOO LLLLLLLL OOOOOOOO           back-reference, length 7+L
//
// A back-reference copies length+2 bytes starting offset+1 bytes before
// the current end of the output (it may overlap what it produces).

const (
	lzfMaxLit  = 32          // longest literal run
	lzfMaxOff  = 1 << 13     // farthest back-reference distance
	lzfMaxRef  = 7 + 255 + 2 // longest back-reference
	lzfHashLog = 14
)

// lzfDecompress expands in, which must produce exactly outLen bytes. The
// output grows as the input really produces it, so a huge outLen with a
// short input cannot make it allocate more than a bounded multiple of the
// input.
func lzfDecompress(in []byte, outLen uint64) ([]byte, error) {
	out := make([]byte, 0, min(outLen, 1<<20))
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 1<<5 {
			n := ctrl + 1
			if i+n > len(in) {
				return nil, corrupt("LZF: literal run past the end of the input")
			}
			if uint64(len(out)+n) > outLen {
				return nil, corrupt("LZF: output longer than the declared %d bytes", outLen)
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if i >= len(in) {
			return nil, corrupt("LZF: back-reference cut short")
		}
		if n == 7 {
			n += int(in[i])
			i++
			if i >= len(in) {
				return nil, corrupt("LZF: back-reference cut short")
			}
		}
		n += 2
		dist := (ctrl&0x1f)<<8 + int(in[i]) + 1
		i++
		ref := len(out) - dist
		if ref < 0 {
			return nil, corrupt("LZF: back-reference before the start of the output")
		}
		if uint64(len(out)+n) > outLen {
			return nil, corrupt("LZF: output longer than the declared %d bytes", outLen)
		}
		if dist >= n {
			out = append(out, out[ref:ref+n]...)
		} else {
			// Overlapping copy: each byte may be one just written.
			for k := range n {
				out = append(out, out[ref+k])
			}
		}
	}
	if uint64(len(out)) != outLen {
		return nil, corrupt("LZF: output is %d bytes, %d declared", len(out), outLen)
	}
	return out, nil
}

var lzfTables = sync.Pool{New: func() any { return new([1 << lzfHashLog]int32) }}

// lzfCompress appends the LZF compression of in to dst if it takes at
// most maxOut bytes, and reports whether it did; on false dst is returned
// unchanged.
func lzfCompress(dst, in []byte, maxOut int) ([]byte, bool) {
	start := len(dst)
	limit := start + maxOut
	// The position+1 of the last 3-byte sequence with each hash. Tables
	// are reused without clearing, as LZF itself does: a stale entry is
	// only a candidate, checked against the bytes before it is used.
	tp := lzfTables.Get().(*[1 << lzfHashLog]int32)
	defer lzfTables.Put(tp)
	hlog := min(max(bits.Len(uint(len(in))), 8), lzfHashLog) // small inputs touch a small part
	table := tp[:1<<hlog]
	lit := 0 // start of the literals not yet emitted
	emitLiterals := func(end int) bool {
		for lit < end {
			n := min(end-lit, lzfMaxLit)
			if len(dst)+1+n > limit {
				return false
			}
			dst = append(dst, byte(n-1))
			dst = append(dst, in[lit:lit+n]...)
			lit += n
		}
		return true
	}
	for i := 0; i+2 < len(in); {
		h := (uint32(in[i])<<16 | uint32(in[i+1])<<8 | uint32(in[i+2])) * 2654435761 >> (32 - hlog)
		ref := int(table[h]) - 1
		table[h] = int32(i + 1)
		if ref < 0 || ref >= i || i-ref > lzfMaxOff || in[ref] != in[i] || in[ref+1] != in[i+1] || in[ref+2] != in[i+2] {
			i++
			continue
		}
		n := 3
		for maxN := min(lzfMaxRef, len(in)-i); n < maxN && in[ref+n] == in[i+n]; n++ {
		}
		if !emitLiterals(i) {
			return dst[:start], false
		}
		dist := i - ref - 1
		l := n - 2
		if len(dst)+3 > limit {
			return dst[:start], false
		}
		if l < 7 {
			dst = append(dst, byte(l<<5|dist>>8), byte(dist))
		} else {
			dst = append(dst, byte(7<<5|dist>>8), byte(l-7), byte(dist))
		}
		i += n
		lit = i
	}
	if !emitLiterals(len(in)) {
		return dst[:start], false
	}
	return dst, true
}
