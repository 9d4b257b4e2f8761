package rdb

import "encoding/binary"

// A zipmap (Redis before 2.6, small hashes) is
//
//	<count u8> (<len> field <len> <free u8> value <free bytes>)... <0xFF>
//
// where a <len> is one byte below 254, or 254 followed by a u32 (little
// endian on every machine Redis ran on), and count is only meaningful
// below 254.
const (
	zmBigLen = 254
	zmEnd    = 0xff
)

// zipmapPairs validates zm and returns field, value, field, value, ...
// aliasing zm.
func zipmapPairs(zm []byte, maxElems int64) ([][]byte, error) {
	if len(zm) < 2 {
		return nil, corrupt("zipmap of %d bytes is too short", len(zm))
	}
	end := len(zm) - 1
	if zm[end] != zmEnd {
		return nil, corrupt("zipmap lacks its terminator")
	}
	var out [][]byte
	p := 1
	// next reads a length and then that many bytes (plus skip more).
	next := func(what string, withFree bool) ([]byte, error) {
		if p >= end || zm[p] == zmEnd {
			return nil, corrupt("zipmap entry %d: %s length missing", len(out)/2, what)
		}
		n := uint64(zm[p])
		p++
		if n == zmBigLen {
			if p+4 > end {
				return nil, corrupt("zipmap entry %d: %s length runs past the end", len(out)/2, what)
			}
			n = uint64(binary.LittleEndian.Uint32(zm[p:]))
			p += 4
		}
		var free uint64
		if withFree {
			if p >= end {
				return nil, corrupt("zipmap entry %d: free byte missing", len(out)/2)
			}
			free = uint64(zm[p])
			p++
		}
		if n+free > uint64(end-p) {
			return nil, corrupt("zipmap entry %d: %s runs past the end", len(out)/2, what)
		}
		b := zm[p : p+int(n) : p+int(n)]
		p += int(n + free)
		return b, nil
	}
	seen := newSeen(0)
	for zm[p] != zmEnd {
		if int64(len(out)/2) >= maxElems {
			return nil, newErr(ErrTooLarge, "zipmap of more than %d fields", maxElems)
		}
		f, err := next("field", false)
		if err != nil {
			return nil, err
		}
		v, err := next("value", true)
		if err != nil {
			return nil, err
		}
		if !seen.add(f) {
			return nil, corrupt("zipmap: duplicate field %q", f)
		}
		out = append(out, f, v)
	}
	if p != end {
		return nil, corrupt("zipmap terminator at offset %d, before the end", p)
	}
	n := len(out) / 2
	if n == 0 {
		// Redis refuses an empty zipmap as corrupt rather than skipping it.
		return nil, corrupt("empty zipmap")
	}
	if zm[0] != zmBigLen && int(zm[0]) != n {
		return nil, corrupt("zipmap header says %d fields, it has %d", zm[0], n)
	}
	return out, nil
}

// seen detects duplicate members or fields.
type seen map[string]struct{}

func newSeen(hint int) seen { return make(seen, min(hint, 1024)) }

// add records b and reports whether it was new.
func (s seen) add(b []byte) bool {
	if _, dup := s[string(b)]; dup {
		return false
	}
	s[string(b)] = struct{}{}
	return true
}
