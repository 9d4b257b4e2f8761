// Package dict is the hash table behind the large forms of hashes, sets
// and sorted sets: a map from string to V whose SCAN cursor stays
// meaningful while the table grows and shrinks between calls (buckets are
// visited in reverse-binary order, as Redis's dictScan does), so HSCAN,
// SSCAN and ZSCAN can promise what Redis promises: every element present
// for the whole iteration is returned at least once.
package dict

import (
	"hash/maphash"
	"math/bits"
)

type node[V any] struct {
	next *node[V]
	key  string
	val  V
}

// Map is a hash table. The zero value is not usable; call New.
type Map[V any] struct {
	buckets []*node[V]
	count   int
	seed    maphash.Seed
}

const minBuckets = 4

// New returns an empty map with room for about n elements.
func New[V any](n int) *Map[V] {
	size := minBuckets
	for size < n {
		size *= 2
	}
	return &Map[V]{buckets: make([]*node[V], size), seed: maphash.MakeSeed()}
}

// Len is the number of elements.
func (m *Map[V]) Len() int { return m.count }

func (m *Map[V]) slot(key string) *(*node[V]) {
	return &m.buckets[maphash.String(m.seed, key)&uint64(len(m.buckets)-1)]
}

func (m *Map[V]) find(key []byte) *node[V] {
	i := maphash.Bytes(m.seed, key) & uint64(len(m.buckets)-1)
	for n := m.buckets[i]; n != nil; n = n.next {
		if n.key == string(key) {
			return n
		}
	}
	return nil
}

// Get returns key's value.
func (m *Map[V]) Get(key []byte) (V, bool) {
	if n := m.find(key); n != nil {
		return n.val, true
	}
	var zero V
	return zero, false
}

// Ref returns a pointer to key's value, to change it in place, or nil.
// It stays valid until the element is deleted.
func (m *Map[V]) Ref(key []byte) *V {
	if n := m.find(key); n != nil {
		return &n.val
	}
	return nil
}

// Set stores val under key (copied) and reports whether key is new.
func (m *Map[V]) Set(key []byte, val V) bool {
	if n := m.find(key); n != nil {
		n.val = val
		return false
	}
	m.insert(string(key), val)
	return true
}

// Insert adds key, which must not be present (no lookup: for building a
// map from distinct keys).
func (m *Map[V]) Insert(key string, val V) { m.insert(key, val) }

func (m *Map[V]) insert(key string, val V) {
	if m.count >= len(m.buckets) {
		m.resize(len(m.buckets) * 2)
	}
	p := m.slot(key)
	*p = &node[V]{next: *p, key: key, val: val}
	m.count++
}

// Delete removes key and reports whether it was there.
func (m *Map[V]) Delete(key []byte) bool {
	p := &m.buckets[maphash.Bytes(m.seed, key)&uint64(len(m.buckets)-1)]
	for *p != nil {
		if (*p).key == string(key) {
			*p = (*p).next
			m.count--
			if len(m.buckets) > minBuckets && m.count*10 < len(m.buckets) {
				m.resize(len(m.buckets) / 2)
			}
			return true
		}
		p = &(*p).next
	}
	return false
}

func (m *Map[V]) resize(size int) {
	size = max(size, minBuckets)
	nb := make([]*node[V], size)
	mask := uint64(size - 1)
	for _, n := range m.buckets {
		for n != nil {
			next := n.next
			i := maphash.String(m.seed, n.key) & mask
			n.next = nb[i]
			nb[i] = n
			n = next
		}
	}
	m.buckets = nb
}

// Scan calls fn for the elements of the bucket cursor names and returns
// the next cursor, 0 when the scan is complete (at once for an empty map).
// fn must not change the map.
func (m *Map[V]) Scan(cursor uint64, fn func(key string, val V)) uint64 {
	if m.count == 0 {
		return 0
	}
	mask := uint64(len(m.buckets) - 1)
	for n := m.buckets[cursor&mask]; n != nil; n = n.next {
		fn(n.key, n.val)
	}
	// Increment the reversed cursor: set the bits above the mask, reverse,
	// add one, reverse back.
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// Random returns a random element; ok is false when the map is empty. rnd
// supplies the randomness (callers own their generator).
func (m *Map[V]) Random(rnd func() uint64) (key string, val V, ok bool) {
	if m.count == 0 {
		return "", val, false
	}
	mask := uint64(len(m.buckets) - 1)
	var head *node[V]
	for head == nil {
		head = m.buckets[rnd()&mask]
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	for k := rnd() % uint64(n); k > 0; k-- {
		head = head.next
	}
	return head.key, head.val, true
}

// Each visits every element until fn returns false; fn must not change
// the map.
func (m *Map[V]) Each(fn func(key string, val V) bool) {
	for _, n := range m.buckets {
		for ; n != nil; n = n.next {
			if !fn(n.key, n.val) {
				return
			}
		}
	}
}
