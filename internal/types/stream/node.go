package stream

import (
	"encoding/binary"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// node is a run of consecutive entries kept in one buffer, as Redis keeps
// them in a listpack: about ten bytes for a small entry rather than a
// slice per field. Each entry is a flags byte, the ms part of its ID as an
// offset from the node's master ID, its sequence, then either the values
// alone (flagSame: the field names are the master entry's) or a count and
// every field and value, each string prefixed by its length. Deleted
// entries stay, flagged, until the node empties.
type node struct {
	master  ID
	fields  [][]byte // the master entry's field names
	buf     []byte
	count   int     // entries in buf, deleted ones included
	last    ID      // the last entry's ID, deleted or not
	lastAt  int     // and its offset
	marks   []int32 // the offset of every markEvery-th entry, to seek by ID
	live    int64
	deleted int64
	bytes   int64 // the size of this node's listpack in Redis
	alloc   int64 // what Redis allocated for it when more than bytes
}

// allocated is the listpack's allocation in Redis (MEMORY USAGE).
func (n *node) allocated() int64 { return keyspace.AllocSize(max(n.alloc, n.bytes)) }

const (
	flagDeleted = 1
	flagSame    = 2
)

// rec locates one entry of a node.
type rec struct {
	id    ID
	flags byte
	at    int // offset of the flags byte
	body  int // offset of the fields
	next  int // offset of the next entry
}

func (r rec) deleted() bool { return r.flags&flagDeleted != 0 }

// sameFields reports whether fields has the master entry's field names.
func (n *node) sameFields(fields [][]byte) bool {
	if len(fields) != 2*len(n.fields) {
		return false
	}
	for i, f := range n.fields {
		if string(fields[2*i]) != string(f) {
			return false
		}
	}
	return true
}

func (n *node) append(id ID, fields [][]byte, same bool) {
	var flags byte
	if same {
		flags = flagSame
	}
	n.lastAt = len(n.buf)
	if n.count%markEvery == 0 {
		n.marks = append(n.marks, int32(len(n.buf)))
	}
	b := append(n.buf, flags)
	b = binary.AppendUvarint(b, id.Ms-n.master.Ms)
	b = binary.AppendUvarint(b, id.Seq)
	if same {
		for i := 1; i < len(fields); i += 2 {
			b = appendString(b, fields[i])
		}
	} else {
		b = binary.AppendUvarint(b, uint64(len(fields)))
		for _, f := range fields {
			b = appendString(b, f)
		}
	}
	n.buf = b
	n.count++
	n.last = id
}

func appendString(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// markEvery spaces the seek marks: a seek decodes at most this many
// entries after a binary search over the marks.
const markEvery = 16

// seek returns the offset of an entry at or before the first entry with
// an ID >= id (the node's start when there is none before).
func (n *node) seek(id ID) int {
	lo, hi := 0, len(n.marks)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if id.Less(n.at(int(n.marks[mid])).id) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if len(n.marks) == 0 {
		return 0
	}
	return int(n.marks[lo])
}

// uvarint reads a varint the node wrote itself.
func (n *node) uvarint(p int) (uint64, int) {
	if b := n.buf[p]; b < 0x80 {
		return uint64(b), p + 1 // most lengths and offsets
	}
	v, k := binary.Uvarint(n.buf[p:])
	return v, p + k
}

// at decodes the entry at offset off.
func (n *node) at(off int) rec {
	r := rec{at: off, flags: n.buf[off]}
	ms, p := n.uvarint(off + 1)
	seq, p := n.uvarint(p)
	r.id = ID{n.master.Ms + ms, seq}
	r.body = p
	strings := uint64(len(n.fields))
	if r.flags&flagSame == 0 {
		strings, p = n.uvarint(p)
	}
	for ; strings > 0; strings-- {
		var l uint64
		l, p = n.uvarint(p)
		p += int(l)
	}
	r.next = p
	return r
}

// entry builds r's Entry; its fields alias the node's buffer.
func (n *node) entry(r rec) *Entry {
	return &Entry{ID: r.id, Fields: n.fill(r, make([][]byte, n.fieldCount(r)))}
}

// fieldCount is the number of fields and values of r.
func (n *node) fieldCount(r rec) int {
	if r.flags&flagSame != 0 {
		return 2 * len(n.fields)
	}
	cnt, _ := n.uvarint(r.body)
	return int(cnt)
}

// fill sets fields (of fieldCount(r) elements) to r's fields and values,
// aliasing the node's buffer, and returns it.
func (n *node) fill(r rec, fields [][]byte) [][]byte {
	p := r.body
	if r.flags&flagSame != 0 {
		for i, f := range n.fields {
			var l uint64
			l, p = n.uvarint(p)
			fields[2*i] = f
			fields[2*i+1] = n.buf[p : p+int(l) : p+int(l)]
			p += int(l)
		}
	} else {
		_, p = n.uvarint(p)
		for i := range fields {
			var l uint64
			l, p = n.uvarint(p)
			fields[i] = n.buf[p : p+int(l) : p+int(l)]
			p += int(l)
		}
	}
	return fields
}

// offsets appends the offset of every entry to dst (for walking a node
// backwards).
func (n *node) offsets(dst []int) []int {
	for off := 0; off < len(n.buf); off = n.at(off).next {
		dst = append(dst, off)
	}
	return dst
}

func (n *node) clone() *node {
	c := *n
	c.fields = cloneBytes(n.fields)
	c.buf = append([]byte(nil), n.buf...)
	c.marks = append([]int32(nil), n.marks...)
	c.alloc = 0 // a copy's listpacks are allocated to fit
	return &c
}
