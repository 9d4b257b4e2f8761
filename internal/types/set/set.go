// Package set is the Redis set value, stored as Redis 7.0 stores it: an
// "intset" (sorted int64s) while every member is an integer and there are
// at most set-max-intset-entries of them, otherwise a "hashtable" (a
// dict.Map) for good. Iteration follows the form: ascending for an
// intset, the table's order for a hashtable.
package set

import (
	"slices"
	"strconv"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/dict"
)

// Set is a set value. Exactly one of ints and ht is in use.
type Set struct {
	ints []int64 // intset form, ascending
	ht   *dict.Map[struct{}]
}

var _ keyspace.Object = (*Set)(nil)

// New returns an empty set in the intset form.
func New() *Set { return &Set{} }

// Kind implements keyspace.Object.
func (s *Set) Kind() keyspace.Kind { return keyspace.KindSet }

// Encoding implements keyspace.Object.
func (s *Set) Encoding() string {
	if s.ht != nil {
		return "hashtable"
	}
	return "intset"
}

// IsIntset reports whether the set is in its compact form.
func (s *Set) IsIntset() bool { return s.ht == nil }

// Clone implements keyspace.Object.
func (s *Set) Clone() keyspace.Object {
	if s.ht == nil {
		return &Set{ints: slices.Clone(s.ints)}
	}
	c := &Set{ht: dict.New[struct{}](s.ht.Len())}
	s.ht.Each(func(m string, _ struct{}) bool {
		c.ht.Insert(m, struct{}{})
		return true
	})
	return c
}

// Len is the number of members.
func (s *Set) Len() int {
	if s.ht != nil {
		return s.ht.Len()
	}
	return len(s.ints)
}

// Has reports whether member is in the set.
func (s *Set) Has(member []byte) bool {
	if s.ht != nil {
		_, ok := s.ht.Get(member)
		return ok
	}
	n, ok := parseInt(member)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(s.ints, n)
	return found
}

// Add inserts member and reports whether it is new. An intset becomes a
// table when member is not an integer or it would hold more than
// maxIntset members.
func (s *Set) Add(member []byte, maxIntset int) bool {
	if s.ht == nil {
		n, ok := parseInt(member)
		if ok {
			i, found := slices.BinarySearch(s.ints, n)
			if found {
				return false
			}
			s.ints = slices.Insert(s.ints, i, n)
			if len(s.ints) > maxIntset {
				s.convert()
			}
			return true
		}
		s.convert()
	}
	return s.ht.Set(member, struct{}{})
}

func (s *Set) convert() {
	ht := dict.New[struct{}](len(s.ints))
	for _, n := range s.ints {
		ht.Insert(strconv.FormatInt(n, 10), struct{}{})
	}
	s.ht, s.ints = ht, nil
}

// Remove deletes member and reports whether it was there.
func (s *Set) Remove(member []byte) bool {
	if s.ht != nil {
		return s.ht.Delete(member)
	}
	n, ok := parseInt(member)
	if !ok {
		return false
	}
	i, found := slices.BinarySearch(s.ints, n)
	if found {
		s.ints = slices.Delete(s.ints, i, i+1)
	}
	return found
}

// Each visits the members in the set's order until fn returns false.
func (s *Set) Each(fn func(member string) bool) {
	if s.ht != nil {
		s.ht.Each(func(m string, _ struct{}) bool { return fn(m) })
		return
	}
	for _, n := range s.ints {
		if !fn(strconv.FormatInt(n, 10)) {
			return
		}
	}
}

// Members returns every member in the set's order.
func (s *Set) Members() []string {
	out := make([]string, 0, s.Len())
	s.Each(func(m string) bool { out = append(out, m); return true })
	return out
}

// Scan is one SSCAN step: an intset returns everything at once (cursor 0),
// a hashtable one bucket per call.
func (s *Set) Scan(cursor uint64, fn func(member string)) uint64 {
	if s.ht != nil {
		return s.ht.Scan(cursor, func(m string, _ struct{}) { fn(m) })
	}
	s.Each(func(m string) bool { fn(m); return true })
	return 0
}

// Random returns a random member; the set must not be empty.
func (s *Set) Random(rnd func() uint64) string {
	if s.ht != nil {
		m, _, _ := s.ht.Random(rnd)
		return m
	}
	return strconv.FormatInt(s.ints[rnd()%uint64(len(s.ints))], 10)
}

// parseInt reads a member as an intset integer: only the canonical
// decimal form of an int64 (no sign '+', no leading zeros, no "-0"), so
// that printing the integer gives back the member.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	d := b
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(b) != 1) {
		return 0, false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
