// Package zset is the Redis sorted set: members with float64 scores,
// ordered by (score, member). Stored as Redis stores it: a "listpack" (a
// sorted slice) while there are at most zset-max-listpack-entries members
// of at most zset-max-listpack-value bytes, then a "skiplist" (a skiplist
// with spans for O(log n) ranks, plus a table member → score) for good.
package zset

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/dict"
)

// Elem is one member and its score.
type Elem struct {
	Member string
	Score  float64
}

// Limits are the listpack thresholds (zset-max-listpack-entries and
// zset-max-listpack-value).
type Limits struct {
	Entries int
	Value   int
}

// ZSet is a sorted set. Either lp is in use, or sl and dict are. The
// listpack is one exactly-sized byte slice of entries in (score, member)
// order, each a uvarint member length, the member, and the score's 8
// bytes (little-endian IEEE 754), as compact as Redis's listpack.
type ZSet struct {
	lp   []byte
	sl   *skiplist
	dict *dict.Map[float64]
}

var _ keyspace.Object = (*ZSet)(nil)

// New returns an empty sorted set in the listpack form.
func New() *ZSet { return &ZSet{} }

// NewSized returns an empty sorted set in the form Redis creates for a
// result of n members whose longest member has maxLen bytes.
func NewSized(n, maxLen int, lim Limits) *ZSet {
	z := New()
	if n > lim.Entries || maxLen > lim.Value {
		z.convert()
	}
	return z
}

// lpEntry decodes the entry at off: member bytes, score, next offset.
func (z *ZSet) lpEntry(off int) ([]byte, float64, int) {
	n, k := binary.Uvarint(z.lp[off:])
	start := off + k
	end := start + int(n)
	score := math.Float64frombits(binary.LittleEndian.Uint64(z.lp[end:]))
	return z.lp[start:end], score, end + 8
}

// elems decodes the whole listpack (copies: callers may change the set).
func (z *ZSet) elems() []Elem {
	var out []Elem
	for off := 0; off < len(z.lp); {
		m, s, next := z.lpEntry(off)
		out = append(out, Elem{string(m), s})
		off = next
	}
	return out
}

func encodeEntry(b []byte, member []byte, score float64) []byte {
	b = binary.AppendUvarint(b, uint64(len(member)))
	b = append(b, member...)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(score))
}

// Kind implements keyspace.Object.
func (z *ZSet) Kind() keyspace.Kind { return keyspace.KindZSet }

// Encoding implements keyspace.Object.
func (z *ZSet) Encoding() string {
	if z.sl != nil {
		return "skiplist"
	}
	return "listpack"
}

// IsListpack reports whether the set is in its compact form.
func (z *ZSet) IsListpack() bool { return z.sl == nil }

// Clone implements keyspace.Object.
func (z *ZSet) Clone() keyspace.Object {
	if z.sl == nil {
		return &ZSet{lp: slices.Clone(z.lp)}
	}
	c := New()
	c.convert()
	for x := z.sl.head.level[0].forward; x != nil; x = x.level[0].forward {
		c.sl.insert(x.score, x.member)
		c.dict.Insert(x.member, x.score)
	}
	return c
}

// Len is the number of members.
func (z *ZSet) Len() int {
	if z.sl != nil {
		return z.sl.length
	}
	n := 0
	for off := 0; off < len(z.lp); n++ {
		_, _, off = z.lpEntry(off)
	}
	return n
}

func (z *ZSet) convert() {
	sl, d := newSkiplist(), dict.New[float64](0)
	for _, e := range z.elems() {
		sl.insert(e.Score, e.Member)
		d.Insert(e.Member, e.Score)
	}
	z.sl, z.dict, z.lp = sl, d, nil
}

// lpFind locates member: its entry's offset, end and score.
func (z *ZSet) lpFind(member []byte) (off, end int, score float64, ok bool) {
	for off := 0; off < len(z.lp); {
		m, s, next := z.lpEntry(off)
		if string(m) == string(member) {
			return off, next, s, true
		}
		off = next
	}
	return 0, 0, 0, false
}

// Score returns a member's score.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.sl != nil {
		return z.dict.Get(member)
	}
	_, _, s, ok := z.lpFind(member)
	return s, ok
}

// Set gives member the score (adding it if new) and reports whether it is
// new. A listpack becomes a skiplist when member is longer than
// lim.Value or the set grows past lim.Entries.
func (z *ZSet) Set(member []byte, score float64, lim Limits) (added bool) {
	if z.sl == nil {
		// A listpack keeps a zero score as the integer 0: -0 loses its
		// sign there (and only there), as in Redis.
		if score == 0 {
			score = 0
		}
		if off, end, _, ok := z.lpFind(member); ok {
			z.lp = append(z.lp[:off], z.lp[end:]...)
		} else {
			added = true
			if z.Len()+1 > lim.Entries || len(member) > lim.Value {
				z.convert()
			}
		}
		if z.sl == nil {
			// Insert before the first element that sorts after it, into a
			// buffer of exactly the new size.
			at := len(z.lp)
			for off := 0; off < len(z.lp); {
				m, s, next := z.lpEntry(off)
				if less(score, string(member), s, string(m)) {
					at = off
					break
				}
				off = next
			}
			entry := encodeEntry(nil, member, score)
			grown := make([]byte, 0, len(z.lp)+len(entry))
			grown = append(append(append(grown, z.lp[:at]...), entry...), z.lp[at:]...)
			z.lp = grown
			return added
		}
	}
	if ref := z.dict.Ref(member); ref != nil {
		if *ref != score {
			z.sl.delete(*ref, string(member))
			z.sl.insert(score, string(member))
			*ref = score
		}
		return false
	}
	m := string(member)
	z.sl.insert(score, m)
	z.dict.Insert(m, score)
	return true
}

func cmpElem(a, b Elem) int {
	switch {
	case less(a.Score, a.Member, b.Score, b.Member):
		return -1
	case less(b.Score, b.Member, a.Score, a.Member):
		return 1
	}
	return 0
}

// Remove deletes a member and reports whether it was there.
func (z *ZSet) Remove(member []byte) bool {
	if z.sl == nil {
		off, end, _, ok := z.lpFind(member)
		if ok {
			z.lp = append(z.lp[:off], z.lp[end:]...)
		}
		return ok
	}
	score, ok := z.dict.Get(member)
	if !ok {
		return false
	}
	z.sl.delete(score, string(member))
	z.dict.Delete(member)
	return true
}

// Rank is a member's 0-based rank in ascending order.
func (z *ZSet) Rank(member []byte) (int, bool) {
	score, ok := z.Score(member)
	if !ok {
		return 0, false
	}
	m := string(member)
	return z.CountBefore(func(s float64, x string) bool { return less(s, x, score, m) }), true
}

// CountBefore is the number of elements, in order, for which before is
// true; before must hold for a prefix of the order and not after it.
func (z *ZSet) CountBefore(before func(score float64, member string) bool) int {
	if z.sl != nil {
		return z.sl.countBefore(before)
	}
	n := 0
	for off := 0; off < len(z.lp); n++ {
		m, s, next := z.lpEntry(off)
		if !before(s, string(m)) {
			break
		}
		off = next
	}
	return n
}

// Range calls fn for the elements of ranks from..to inclusive (0-based,
// ascending order), in ascending order or, with rev, descending, until fn
// returns false.
func (z *ZSet) Range(from, to int, rev bool, fn func(Elem) bool) {
	if from > to || from < 0 || to >= z.Len() {
		return
	}
	if z.sl == nil {
		lp := z.elems()
		if rev {
			for i := to; i >= from; i-- {
				if !fn(lp[i]) {
					return
				}
			}
			return
		}
		for i := from; i <= to; i++ {
			if !fn(lp[i]) {
				return
			}
		}
		return
	}
	if rev {
		for x, n := z.sl.at(to), to-from+1; x != nil && n > 0; x, n = x.backward, n-1 {
			if !fn(Elem{x.member, x.score}) {
				return
			}
		}
		return
	}
	for x, n := z.sl.at(from), to-from+1; x != nil && n > 0; x, n = x.level[0].forward, n-1 {
		if !fn(Elem{x.member, x.score}) {
			return
		}
	}
}

// At returns the element of 0-based rank r.
func (z *ZSet) At(r int) Elem {
	if z.sl == nil {
		return z.elems()[r]
	}
	x := z.sl.at(r)
	return Elem{x.member, x.score}
}

// Scan is one ZSCAN step: a listpack returns everything at once (cursor
// 0), a skiplist one bucket of its table per call.
func (z *ZSet) Scan(cursor uint64, fn func(Elem)) uint64 {
	if z.sl != nil {
		return z.dict.Scan(cursor, func(m string, s float64) { fn(Elem{m, s}) })
	}
	for _, e := range z.elems() {
		fn(e)
	}
	return 0
}

// Random returns a random element; the set must not be empty.
func (z *ZSet) Random(rnd func() uint64) Elem {
	if z.sl != nil {
		m, s, _ := z.dict.Random(rnd)
		return Elem{m, s}
	}
	lp := z.elems()
	return lp[rnd()%uint64(len(lp))]
}
