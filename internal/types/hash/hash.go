// Package hash is the Redis hash value: field → value, stored as Redis
// stores it so that replies come out in the same order and OBJECT
// ENCODING says the same thing. A small hash is a "listpack": its pairs in
// insertion order in one byte slice (each field and value a uvarint length
// and the bytes), searched linearly. It becomes a "hashtable" (a dict.Map)
// for good once it has more than hash-max-listpack-entries fields or a
// field or value longer than hash-max-listpack-value bytes.
//
// Strings returned from a listpack (Get, Each, Scan, Random, At) alias its
// storage: they are valid until the hash next changes. Handlers write them
// to the reply at once; code that keeps one across a change must copy it.
package hash

import (
	"encoding/binary"
	"unsafe"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/dict"
)

// Limits are the listpack thresholds (the config options
// hash-max-listpack-entries and hash-max-listpack-value).
type Limits struct {
	Entries int
	Value   int
}

// Hash is a hash value. Exactly one form is in use: lp or ht. (No pair
// count is kept for lp: Len scans it, which is what a small hash is for,
// and 16 bytes less per hash.)
type Hash struct {
	lp []byte
	ht *dict.Map[string]
}

var _ keyspace.Object = (*Hash)(nil)

// New returns an empty hash in the listpack form.
func New() *Hash { return &Hash{} }

// Kind implements keyspace.Object.
func (h *Hash) Kind() keyspace.Kind { return keyspace.KindHash }

// Encoding implements keyspace.Object.
func (h *Hash) Encoding() string {
	if h.ht != nil {
		return "hashtable"
	}
	return "listpack"
}

// IsListpack reports whether the hash is in its compact form.
func (h *Hash) IsListpack() bool { return h.ht == nil }

// Clone implements keyspace.Object.
func (h *Hash) Clone() keyspace.Object {
	if h.ht == nil {
		return &Hash{lp: append([]byte(nil), h.lp...)}
	}
	c := &Hash{ht: dict.New[string](h.ht.Len())}
	h.ht.Each(func(f, v string) bool {
		c.ht.Insert(f, v)
		return true
	})
	return c
}

// Len is the number of fields.
func (h *Hash) Len() int {
	if h.ht != nil {
		return h.ht.Len()
	}
	n := 0
	for off := 0; off < len(h.lp); n++ {
		_, next := h.entry(off)
		_, off = h.entry(next)
	}
	return n
}

// entry decodes the listpack entry at off: its bytes and the next offset.
func (h *Hash) entry(off int) ([]byte, int) {
	n, k := binary.Uvarint(h.lp[off:])
	start := off + k
	end := start + int(n)
	return h.lp[start:end:end], end
}

func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// find locates field in the listpack: the offsets of its field entry, its
// value entry and the end of the pair.
func (h *Hash) find(field []byte) (fieldOff, valOff, end int, ok bool) {
	for off := 0; off < len(h.lp); {
		f, next := h.entry(off)
		_, after := h.entry(next)
		if string(f) == string(field) {
			return off, next, after, true
		}
		off = after
	}
	return 0, 0, 0, false
}

// Get returns a field's value.
func (h *Hash) Get(field []byte) (string, bool) {
	if h.ht != nil {
		return h.ht.Get(field)
	}
	if _, valOff, _, ok := h.find(field); ok {
		v, _ := h.entry(valOff)
		return view(v), true
	}
	return "", false
}

// Fit converts a listpack to a hashtable when any of args (a command's
// fields and values, before they are set) is longer than lim.Value, as
// Redis checks a write's arguments up front.
func (h *Hash) Fit(lim Limits, args ...[]byte) {
	if h.ht != nil {
		return
	}
	for _, a := range args {
		if len(a) > lim.Value {
			h.convert()
			return
		}
	}
}

func appendEntry(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Set stores value under field and reports whether the field is new. A
// listpack becomes a hashtable when field or value is longer than
// lim.Value (a computed value too: HINCRBY's, HINCRBYFLOAT's), or when it
// then holds more than lim.Entries fields.
func (h *Hash) Set(field, value []byte, lim Limits) (added bool) {
	if h.ht == nil && (len(field) > lim.Value || len(value) > lim.Value) {
		h.convert()
	}
	if h.ht != nil {
		return h.ht.Set(field, string(value))
	}
	if _, valOff, end, ok := h.find(field); ok {
		old, _ := h.entry(valOff)
		if len(old) == len(value) {
			copy(old, value)
			return false
		}
		rest := append([]byte(nil), h.lp[end:]...)
		h.lp = append(appendEntry(h.lp[:valOff], value), rest...)
		return false
	}
	// Grow to the exact size, as a listpack reallocates: doubling would
	// leave up to half of every small hash unused.
	need := 2*binary.MaxVarintLen64 + len(field) + len(value)
	if cap(h.lp)-len(h.lp) < need {
		grown := make([]byte, len(h.lp), len(h.lp)+uvarintLen(len(field))+len(field)+uvarintLen(len(value))+len(value))
		copy(grown, h.lp)
		h.lp = grown
	}
	h.lp = appendEntry(appendEntry(h.lp, field), value)
	if h.Len() > lim.Entries {
		h.convert()
	}
	return true
}

func uvarintLen(n int) int {
	var tmp [binary.MaxVarintLen64]byte
	return binary.PutUvarint(tmp[:], uint64(n))
}

func (h *Hash) convert() {
	ht := dict.New[string](h.Len())
	for off := 0; off < len(h.lp); {
		f, next := h.entry(off)
		v, after := h.entry(next)
		ht.Insert(string(f), string(v))
		off = after
	}
	h.ht, h.lp = ht, nil
}

// Delete removes a field and reports whether it was there. (A hashtable
// stays one, as in Redis.)
func (h *Hash) Delete(field []byte) bool {
	if h.ht != nil {
		return h.ht.Delete(field)
	}
	fieldOff, _, end, ok := h.find(field)
	if !ok {
		return false
	}
	h.lp = append(h.lp[:fieldOff], h.lp[end:]...)
	return true
}

// Each visits the fields in the order HGETALL returns them (insertion
// order for a listpack) until fn returns false.
func (h *Hash) Each(fn func(field, value string) bool) {
	if h.ht != nil {
		h.ht.Each(fn)
		return
	}
	for off := 0; off < len(h.lp); {
		f, next := h.entry(off)
		v, after := h.entry(next)
		if !fn(view(f), view(v)) {
			return
		}
		off = after
	}
}

// Scan is one HSCAN step: a listpack returns everything at once (cursor
// 0), a hashtable one bucket per call (see dict.Map.Scan).
func (h *Hash) Scan(cursor uint64, fn func(field, value string)) uint64 {
	if h.ht != nil {
		return h.ht.Scan(cursor, fn)
	}
	h.Each(func(f, v string) bool { fn(f, v); return true })
	return 0
}

// Random returns a random field and its value; the hash must not be empty.
func (h *Hash) Random(rnd func() uint64) (field, value string) {
	if h.ht != nil {
		f, v, _ := h.ht.Random(rnd)
		return f, v
	}
	return h.At(int(rnd() % uint64(h.Len())))
}

// At returns the i-th pair of a listpack (0 <= i < Len()).
func (h *Hash) At(i int) (field, value string) {
	off := 0
	for ; i > 0; i-- {
		_, next := h.entry(off)
		_, off = h.entry(next)
	}
	f, next := h.entry(off)
	v, _ := h.entry(next)
	return view(f), view(v)
}
