// Package list is the Redis list value: a double-ended queue of strings
// with O(1) pushes and pops at both ends and O(1) access by index. Redis
// 7.0 reports every list as a "quicklist" whatever its size, so there is
// one form here.
package list

import "github.com/enclavekv/enclavekv/internal/keyspace"

// List is a ring buffer whose capacity is a power of two (or zero).
type List struct {
	buf  []string
	head int // index in buf of element 0
	n    int
}

var _ keyspace.Object = (*List)(nil)

// New returns an empty list.
func New() *List { return &List{} }

// Kind implements keyspace.Object.
func (l *List) Kind() keyspace.Kind { return keyspace.KindList }

// Encoding implements keyspace.Object.
func (l *List) Encoding() string { return "quicklist" }

// Clone implements keyspace.Object.
func (l *List) Clone() keyspace.Object {
	c := &List{}
	c.grow(l.n)
	for i := 0; i < l.n; i++ {
		c.buf[i] = l.At(i)
	}
	c.n = l.n
	return c
}

// Len is the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// At returns element i (0 <= i < Len()).
func (l *List) At(i int) string { return l.buf[l.slot(i)] }

// Segments returns elements start..end (inclusive, in range) as at most
// two slices of the ring buffer, in order: readers walk them without
// index arithmetic per element. The slices alias the list; do not keep
// them across a change.
func (l *List) Segments(start, end int) (a, b []string) {
	from, to := l.slot(start), l.slot(end)
	if from <= to {
		return l.buf[from : to+1], nil
	}
	return l.buf[from:], l.buf[:to+1]
}

// SetAt replaces element i.
func (l *List) SetAt(i int, v string) { l.buf[l.slot(i)] = v }

// grow makes room for at least n elements, keeping their order and
// putting element 0 at buf[0].
func (l *List) grow(n int) {
	if n <= len(l.buf) {
		return
	}
	size := max(4, len(l.buf))
	for size < n {
		size *= 2
	}
	nb := make([]string, size)
	for i := 0; i < l.n; i++ {
		nb[i] = l.At(i)
	}
	l.buf, l.head = nb, 0
}

// shrink gives memory back when the list is much smaller than its buffer.
func (l *List) shrink() {
	if len(l.buf) > 64 && l.n*4 < len(l.buf) {
		size := len(l.buf)
		for size > 64 && l.n*4 < size {
			size /= 2
		}
		nb := make([]string, size)
		for i := 0; i < l.n; i++ {
			nb[i] = l.At(i)
		}
		l.buf, l.head = nb, 0
	}
}

// PushLeft adds v before element 0.
func (l *List) PushLeft(v string) {
	l.grow(l.n + 1)
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
}

// PushRight adds v after the last element.
func (l *List) PushRight(v string) {
	l.grow(l.n + 1)
	l.buf[l.slot(l.n)] = v
	l.n++
}

// PopLeft removes and returns element 0; the list must not be empty.
func (l *List) PopLeft() string {
	i := l.head
	v := l.buf[i]
	l.buf[i] = ""
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	return v
}

// PopRight removes and returns the last element; the list must not be
// empty.
func (l *List) PopRight() string {
	i := l.slot(l.n - 1)
	v := l.buf[i]
	l.buf[i] = ""
	l.n--
	l.shrink()
	return v
}

// Insert puts v at index i (0 <= i <= Len()), shifting the elements after
// it.
func (l *List) Insert(i int, v string) {
	l.PushRight("")
	for j := l.n - 1; j > i; j-- {
		l.SetAt(j, l.At(j-1))
	}
	l.SetAt(i, v)
}

// RemoveAt deletes element i.
func (l *List) RemoveAt(i int) {
	for j := i; j < l.n-1; j++ {
		l.SetAt(j, l.At(j+1))
	}
	l.PopRight()
}

// Filter keeps the elements for which keep returns true, in order, and
// returns how many it dropped.
func (l *List) Filter(keep func(i int, v string) bool) int {
	w := 0
	for i := 0; i < l.n; i++ {
		v := l.At(i)
		if keep(i, v) {
			l.SetAt(w, v)
			w++
		}
	}
	dropped := l.n - w
	for l.n > w {
		l.PopRight()
	}
	return dropped
}

// Trim keeps elements start..end inclusive (0 <= start <= end < Len()).
func (l *List) Trim(start, end int) {
	for i := 0; i < start; i++ {
		l.PopLeft()
	}
	for l.n > end-start+1 {
		l.PopRight()
	}
}
