package keyspace

import (
	"hash/maphash"
	"math/bits"
)

// dict is a chained hash table with a power-of-two bucket array. It exists
// instead of a Go map because SCAN needs a cursor that stays meaningful while
// the table grows and shrinks between calls: iterating buckets in
// reverse-binary order (as Redis does) returns every element present for the
// whole scan at least once, whatever resizes happen in between.
type dict struct {
	buckets []*Entry
	count   int
	seed    maphash.Seed
}

const minBuckets = 4

func newDict(seed maphash.Seed) *dict {
	return &dict{buckets: make([]*Entry, minBuckets), seed: seed}
}

func (d *dict) hash(key []byte) uint64 { return maphash.Bytes(d.seed, key) }

func (d *dict) hashString(key string) uint64 { return maphash.String(d.seed, key) }

func (d *dict) find(key []byte) *Entry {
	h := d.hash(key)
	for e := d.buckets[h&uint64(len(d.buckets)-1)]; e != nil; e = e.next {
		if e.Key == string(key) {
			return e
		}
	}
	return nil
}

func (d *dict) findString(key string) *Entry {
	h := d.hashString(key)
	for e := d.buckets[h&uint64(len(d.buckets)-1)]; e != nil; e = e.next {
		if e.Key == key {
			return e
		}
	}
	return nil
}

// reserve grows the table at once to hold n entries without resizing.
func (d *dict) reserve(n int) {
	size := len(d.buckets)
	for size < n {
		size *= 2
	}
	if size > len(d.buckets) {
		d.resize(size)
	}
}

// insert adds e, whose key must not be present.
func (d *dict) insert(e *Entry) {
	if d.count >= len(d.buckets) {
		d.resize(len(d.buckets) * 2)
	}
	i := d.hashString(e.Key) & uint64(len(d.buckets)-1)
	e.next = d.buckets[i]
	d.buckets[i] = e
	d.count++
}

// remove unlinks e, which must be present.
func (d *dict) remove(e *Entry) {
	i := d.hashString(e.Key) & uint64(len(d.buckets)-1)
	p := &d.buckets[i]
	for *p != nil {
		if *p == e {
			*p = e.next
			e.next = nil
			d.count--
			break
		}
		p = &(*p).next
	}
	if len(d.buckets) > minBuckets && d.count*10 < len(d.buckets) {
		d.resize(len(d.buckets) / 2)
	}
}

func (d *dict) resize(n int) {
	if n < minBuckets {
		n = minBuckets
	}
	nb := make([]*Entry, n)
	mask := uint64(n - 1)
	for _, e := range d.buckets {
		for e != nil {
			next := e.next
			i := d.hashString(e.Key) & mask
			e.next = nb[i]
			nb[i] = e
			e = next
		}
	}
	d.buckets = nb
}

// scan calls fn for the entries of the bucket the cursor names and returns
// the next cursor (0 when the scan is complete, and at once for an empty
// table, as Redis's dictScan).
func (d *dict) scan(cursor uint64, fn func(*Entry)) uint64 {
	if d.count == 0 {
		return 0
	}
	mask := uint64(len(d.buckets) - 1)
	for e := d.buckets[cursor&mask]; e != nil; {
		next := e.next // fn may not modify the dict, but stay safe if it reads
		fn(e)
		e = next
	}
	// Increment the reversed cursor: set the bits above the mask, reverse,
	// add one, reverse back.
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	cursor = bits.Reverse64(cursor)
	return cursor
}

// randomEntry returns a random element, or nil when empty. rnd supplies
// random numbers so that the keyspace stays free of global state.
func (d *dict) randomEntry(rnd func() uint64) *Entry {
	if d.count == 0 {
		return nil
	}
	mask := uint64(len(d.buckets) - 1)
	var head *Entry
	for head == nil {
		head = d.buckets[rnd()&mask]
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	k := int(rnd() % uint64(n))
	for ; k > 0; k-- {
		head = head.next
	}
	return head
}

func (d *dict) clear() {
	d.buckets = make([]*Entry, minBuckets)
	d.count = 0
}

// each visits every entry; fn must not modify the dict.
func (d *dict) each(fn func(*Entry) bool) {
	for _, e := range d.buckets {
		for ; e != nil; e = e.next {
			if !fn(e) {
				return
			}
		}
	}
}
