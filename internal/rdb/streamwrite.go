package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Redis 7.0's default stream node limits (stream-node-max-entries,
// stream-node-max-bytes): a node's listpack is closed when it reaches
// either.
const (
	streamNodeMaxEntries = 100
	streamNodeMaxBytes   = 4096
)

// appendStream writes st in the encoding Redis 7.0 saves (stream
// listpacks version 2). Consumers' ActiveTimeMs has no place in it and is
// dropped. st must be consistent, as Redis requires when it loads: the
// checks are those the reader makes.
func appendStream(dst []byte, st *Stream, compress bool) ([]byte, error) {
	if err := checkStream(st); err != nil {
		return nil, err
	}
	nodes, lp := 0, []byte(nil)
	var body []byte
	addNode := func(master StreamID) {
		var key [16]byte
		binary.BigEndian.PutUint64(key[:], master.Ms)
		binary.BigEndian.PutUint64(key[8:], master.Seq)
		body = appendString(body, key[:], compress)
		body = appendString(body, lp, compress)
		nodes++
	}
	if validLayout(st.Nodes, st.Entries) {
		for _, n := range st.Nodes {
			lp = appendLayoutNode(lp[:0], n)
			addNode(n.Entries[0].ID)
		}
	} else {
		for i := 0; i < len(st.Entries); {
			master := st.Entries[i].ID
			lp, i = appendStreamNode(lp[:0], st.Entries, i)
			addNode(master)
		}
	}
	dst = appendLen(append(dst, typeStreamListpacks2), uint64(nodes))
	dst = append(dst, body...)
	for _, n := range []uint64{st.Length, st.LastID.Ms, st.LastID.Seq, st.FirstID.Ms, st.FirstID.Seq,
		st.MaxDeletedID.Ms, st.MaxDeletedID.Seq, st.EntriesAdded} {
		dst = appendLen(dst, n)
	}
	dst = appendLen(dst, uint64(len(st.Groups)))
	for _, g := range st.Groups {
		dst = appendString(dst, g.Name, compress)
		dst = appendLen(appendLen(dst, g.LastID.Ms), g.LastID.Seq)
		dst = appendLen(dst, uint64(g.EntriesRead)) // -1 (unknown) as 2^64-1, as Redis does
		dst = appendLen(dst, uint64(len(g.PEL)))
		for _, p := range g.PEL {
			dst = appendRawID(dst, p.ID)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(p.DeliveryTimeMs))
			dst = appendLen(dst, p.DeliveryCount)
		}
		dst = appendLen(dst, uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			dst = appendString(dst, c.Name, compress)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.SeenTimeMs))
			dst = appendLen(dst, uint64(len(c.PEL)))
			for _, id := range c.PEL {
				dst = appendRawID(dst, id)
			}
		}
	}
	return dst, nil
}

func appendRawID(dst []byte, id StreamID) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(dst, id.Ms), id.Seq)
}

// validLayout reports whether nodes describe entries: every node has
// entries (with field lists of even length), and the live ones, in order,
// are entries.
func validLayout(nodes []StreamNode, entries []StreamEntry) bool {
	if len(nodes) == 0 {
		return false
	}
	i := 0
	for _, n := range nodes {
		if len(n.Entries) == 0 || len(n.Deleted) != len(n.Entries) {
			return false
		}
		for k, e := range n.Entries {
			if len(e.Fields)%2 != 0 {
				return false
			}
			if n.Deleted[k] {
				continue
			}
			if i >= len(entries) || entries[i].ID != e.ID {
				return false
			}
			i++
		}
	}
	return i == len(entries)
}

// appendLayoutNode appends the listpack of node n as it is, deleted
// entries included and flagged.
func appendLayoutNode(dst []byte, n StreamNode) []byte {
	first := n.Entries[0]
	nf := len(first.Fields) / 2
	live := 0
	for _, d := range n.Deleted {
		if !d {
			live++
		}
	}
	lb := newListpack(dst)
	lb.addInt(int64(live))
	lb.addInt(int64(len(n.Entries) - live))
	lb.addInt(int64(nf))
	for k := 0; k < nf; k++ {
		lb.add(first.Fields[2*k])
	}
	lb.addInt(0) // end of the master entry
	for k, e := range n.Entries {
		appendStreamEntry(&lb, first, e, n.Deleted[k])
	}
	return lb.finish()
}

// appendStreamEntry appends entry e of a node whose master entry is
// first: its flags, ID deltas, fields (only the values when it has the
// master's field names) and element count.
func appendStreamEntry(lb *lpBuilder, first, e StreamEntry, deleted bool) {
	nf := len(first.Fields) / 2
	same := len(e.Fields) == 2*nf
	for k := 0; same && k < nf; k++ {
		same = bytes.Equal(e.Fields[2*k], first.Fields[2*k])
	}
	flags := int64(0)
	if same {
		flags = streamFlagSameFields
	}
	if deleted {
		flags |= streamFlagDeleted
	}
	lb.addInt(flags)
	lb.addInt(int64(e.ID.Ms - first.ID.Ms))
	lb.addInt(int64(e.ID.Seq - first.ID.Seq))
	if same {
		for k := 0; k < nf; k++ {
			lb.add(e.Fields[2*k+1])
		}
		lb.addInt(int64(nf + 3))
		return
	}
	lb.addInt(int64(len(e.Fields) / 2))
	for _, f := range e.Fields {
		lb.add(f)
	}
	lb.addInt(int64(len(e.Fields) + 4))
}

// appendStreamNode appends the listpack of the node starting at
// entries[i], closed where Redis's default node limits close it, and
// returns where the next node starts. The master entry takes the first
// entry's field names; entries with the same names store only their
// values.
func appendStreamNode(dst []byte, entries []StreamEntry, i int) ([]byte, int) {
	first := entries[i]
	nf := len(first.Fields) / 2
	lb := newListpack(dst)
	lb.addInt(0) // live count, set below: at most 100, so always one byte
	lb.addInt(0) // deleted count
	lb.addInt(int64(nf))
	for k := 0; k < nf; k++ {
		lb.add(first.Fields[2*k])
	}
	lb.addInt(0) // end of the master entry
	live := 0
	for ; i < len(entries) && live < streamNodeMaxEntries; i++ {
		mark, markCount := len(lb.b), lb.count
		appendStreamEntry(&lb, first, entries[i], false)
		if live > 0 && lb.size() > streamNodeMaxBytes {
			lb.b, lb.count = lb.b[:mark], markCount
			break
		}
		live++
	}
	lb.b[lb.start+lpHeaderSize] = byte(live)
	return lb.finish(), i
}

// checkStream refuses a stream Redis would refuse to load (or could
// crash on): entries out of order or with odd field lists, a wrong
// length, pending entries owned by no consumer or by two, duplicate names.
func checkStream(st *Stream) error {
	for i, e := range st.Entries {
		if len(e.Fields)%2 != 0 {
			return fmt.Errorf("rdb: stream entry %d-%d has an odd number of fields and values", e.ID.Ms, e.ID.Seq)
		}
		if i > 0 && !st.Entries[i-1].ID.Less(e.ID) {
			return fmt.Errorf("rdb: stream entry %d-%d is not after the one before", e.ID.Ms, e.ID.Seq)
		}
	}
	if st.Length != uint64(len(st.Entries)) {
		return fmt.Errorf("rdb: stream length %d with %d entries", st.Length, len(st.Entries))
	}
	if n := len(st.Entries); n > 0 && st.LastID.Less(st.Entries[n-1].ID) {
		return fmt.Errorf("rdb: stream last ID %d-%d is before its last entry", st.LastID.Ms, st.LastID.Seq)
	}
	groups := newSeen(len(st.Groups))
	for _, g := range st.Groups {
		if !groups.add(g.Name) {
			return fmt.Errorf("rdb: duplicate stream group %q", g.Name)
		}
		owned := make(map[StreamID]bool, len(g.PEL))
		for _, p := range g.PEL {
			if _, dup := owned[p.ID]; dup {
				return fmt.Errorf("rdb: group %q: duplicate pending entry %d-%d", g.Name, p.ID.Ms, p.ID.Seq)
			}
			owned[p.ID] = false
		}
		consumers := newSeen(len(g.Consumers))
		for _, c := range g.Consumers {
			if !consumers.add(c.Name) {
				return fmt.Errorf("rdb: group %q: duplicate consumer %q", g.Name, c.Name)
			}
			for _, id := range c.PEL {
				switch o, ok := owned[id]; {
				case !ok:
					return fmt.Errorf("rdb: group %q: consumer %q owns %d-%d, which is not pending", g.Name, c.Name, id.Ms, id.Seq)
				case o:
					return fmt.Errorf("rdb: group %q: pending entry %d-%d owned twice", g.Name, id.Ms, id.Seq)
				}
				owned[id] = true
			}
		}
		for id, o := range owned {
			if !o {
				return fmt.Errorf("rdb: group %q: pending entry %d-%d has no consumer", g.Name, id.Ms, id.Seq)
			}
		}
	}
	return nil
}
