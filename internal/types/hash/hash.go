// Package hash is the Redis hash value: field → value, stored as Redis
// stores it so that replies come out in the same order and OBJECT
// ENCODING says the same thing. A small hash is a "listpack": pairs in
// insertion order, searched linearly. It becomes a "hashtable" (a
// dict.Map) for good once it has more than hash-max-listpack-entries
// fields or a field or value longer than hash-max-listpack-value bytes.
package hash

import (
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/dict"
)

// Limits are the listpack thresholds (the config options
// hash-max-listpack-entries and hash-max-listpack-value).
type Limits struct {
	Entries int
	Value   int
}

// Hash is a hash value. Exactly one of lp and ht is in use.
type Hash struct {
	lp []string // listpack form: field, value, field, value, ...
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
		return &Hash{lp: append([]string(nil), h.lp...)}
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
	return len(h.lp) / 2
}

func (h *Hash) lpIndex(field []byte) int {
	for i := 0; i < len(h.lp); i += 2 {
		if h.lp[i] == string(field) {
			return i
		}
	}
	return -1
}

// Get returns a field's value.
func (h *Hash) Get(field []byte) (string, bool) {
	if h.ht != nil {
		return h.ht.Get(field)
	}
	if i := h.lpIndex(field); i >= 0 {
		return h.lp[i+1], true
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
	if i := h.lpIndex(field); i >= 0 {
		h.lp[i+1] = string(value)
		return false
	}
	h.lp = append(h.lp, string(field), string(value))
	if h.Len() > lim.Entries {
		h.convert()
	}
	return true
}

func (h *Hash) convert() {
	ht := dict.New[string](len(h.lp) / 2)
	for i := 0; i < len(h.lp); i += 2 {
		ht.Insert(h.lp[i], h.lp[i+1])
	}
	h.ht, h.lp = ht, nil
}

// Delete removes a field and reports whether it was there. (A hashtable
// stays one, as in Redis.)
func (h *Hash) Delete(field []byte) bool {
	if h.ht != nil {
		return h.ht.Delete(field)
	}
	i := h.lpIndex(field)
	if i < 0 {
		return false
	}
	h.lp = append(h.lp[:i], h.lp[i+2:]...)
	return true
}

// Each visits the fields in the order HGETALL returns them (insertion
// order for a listpack) until fn returns false.
func (h *Hash) Each(fn func(field, value string) bool) {
	if h.ht != nil {
		h.ht.Each(fn)
		return
	}
	for i := 0; i < len(h.lp); i += 2 {
		if !fn(h.lp[i], h.lp[i+1]) {
			return
		}
	}
}

// Scan is one HSCAN step: a listpack returns everything at once (cursor
// 0), a hashtable one bucket per call (see dict.Map.Scan).
func (h *Hash) Scan(cursor uint64, fn func(field, value string)) uint64 {
	if h.ht != nil {
		return h.ht.Scan(cursor, fn)
	}
	for i := 0; i < len(h.lp); i += 2 {
		fn(h.lp[i], h.lp[i+1])
	}
	return 0
}

// Random returns a random field and its value; the hash must not be empty.
func (h *Hash) Random(rnd func() uint64) (field, value string) {
	if h.ht != nil {
		f, v, _ := h.ht.Random(rnd)
		return f, v
	}
	i := int(rnd()%uint64(h.Len())) * 2
	return h.lp[i], h.lp[i+1]
}

// At returns the i-th pair of a listpack (0 <= i < Len()); for random
// picks without repetition.
func (h *Hash) At(i int) (field, value string) { return h.lp[2*i], h.lp[2*i+1] }
