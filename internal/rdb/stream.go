package rdb

import (
	"encoding/binary"
	"math"
)

// A stream is stored as its listpack nodes, each keyed by a master ID,
// then its metadata and consumer groups:
//
//	<nodes> (<master ID: 16-byte string> <listpack>)...
//	<length> <last ms> <last seq>
//	[v2+: <first ms> <first seq> <max deleted ms> <max deleted seq> <entries added>]
//	<groups> (<name> <last ms> <last seq> [v2+: <entries read>]
//	          <pel> (<ID: 16 raw bytes> <delivery time: 8 LE> <delivery count>)...
//	          <consumers> (<name> <seen time: 8 LE> [v3: <active time: 8 LE>]
//	                       <pel> (<ID: 16 raw bytes>)...)...)...
//
// IDs in raw form are big-endian ms then seq. A node's listpack starts with
// a master entry — live count, deleted count, the master field names and a
// 0 — followed by entries of <flags> <ms delta> <seq delta>, then either the
// values alone (flag SAMEFIELDS: the master's fields) or <n> and n
// field/value pairs, then the entry's element count (for walking back).
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

func readStream(s *source, t byte) (*Stream, error) {
	nodes, err := s.count("stream nodes")
	if err != nil {
		return nil, err
	}
	st := &Stream{}
	var prevMaster StreamID
	for i := range nodes {
		key, err := s.str()
		if err != nil {
			return nil, within(err, "stream node %d", i)
		}
		if len(key) != 16 {
			return nil, corrupt("stream node %d: master ID of %d bytes, not 16", i, len(key))
		}
		master := rawID(key)
		if i > 0 && !prevMaster.Less(master) {
			return nil, corrupt("stream node %d: master ID %d-%d out of order", i, master.Ms, master.Seq)
		}
		prevMaster = master
		lp, err := s.str()
		if err != nil {
			return nil, within(err, "stream node %d", i)
		}
		room := s.lim.MaxElements - int64(len(st.Entries))
		if err := decodeStreamNode(st, master, lp, room); err != nil {
			return nil, within(err, "stream node %d (master ID %d-%d)", i, master.Ms, master.Seq)
		}
	}
	var meta [3]uint64
	for i := range meta {
		if meta[i], err = s.len(); err != nil {
			return nil, within(err, "stream metadata")
		}
	}
	st.Length, st.LastID = meta[0], StreamID{meta[1], meta[2]}
	if t >= typeStreamListpacks2 {
		var more [5]uint64
		for i := range more {
			if more[i], err = s.len(); err != nil {
				return nil, within(err, "stream metadata")
			}
		}
		st.FirstID = StreamID{more[0], more[1]}
		st.MaxDeletedID = StreamID{more[2], more[3]}
		st.EntriesAdded = more[4]
	} else {
		// As Redis 7.0 fills in what older streams did not record.
		st.EntriesAdded = st.Length
		st.FirstID = StreamID{math.MaxUint64, math.MaxUint64}
		if len(st.Entries) > 0 {
			st.FirstID = st.Entries[0].ID
		}
	}
	if st.Length != uint64(len(st.Entries)) {
		return nil, corrupt("stream length %d, it holds %d entries", st.Length, len(st.Entries))
	}
	if n := len(st.Entries); n > 0 && st.LastID.Less(st.Entries[n-1].ID) {
		return nil, corrupt("stream last ID %d-%d is before its last entry", st.LastID.Ms, st.LastID.Seq)
	}
	groups, err := s.count("stream groups")
	if err != nil {
		return nil, err
	}
	names := newSeen(int(groups))
	for i := range groups {
		g, err := readGroup(s, t, st)
		if err != nil {
			return nil, within(err, "stream group %d", i)
		}
		if !names.add(g.Name) {
			return nil, corrupt("duplicate stream group %q", g.Name)
		}
		st.Groups = append(st.Groups, g)
	}
	return st, nil
}

func rawID(b []byte) StreamID {
	return StreamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// decodeStreamNode appends the live entries of one node to st.Entries and
// the whole node, deleted entries included, to st.Nodes, checking the
// node's structure and that live IDs keep ascending.
func decodeStreamNode(st *Stream, master StreamID, lp []byte, room int64) error {
	items, err := listpackEntries(lp, math.MaxInt64)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return corrupt("empty listpack")
	}
	p := 0
	next := func(what string) (int64, error) {
		if p >= len(items) {
			return 0, corrupt("entry cut short before its %s", what)
		}
		v, ok := parseInt(items[p])
		if !ok {
			return 0, corrupt("%s %q is not an integer", what, items[p])
		}
		p++
		return v, nil
	}
	live, err := next("live count")
	if err != nil {
		return err
	}
	deleted, err := next("deleted count")
	if err != nil {
		return err
	}
	nf, err := next("master field count")
	if err != nil {
		return err
	}
	if live < 0 || deleted < 0 || nf < 0 || nf > int64(len(items)-p) {
		return corrupt("bad master entry counts %d, %d, %d", live, deleted, nf)
	}
	masterFields := items[p : p+int(nf)]
	p += int(nf)
	if zero, err := next("master terminator"); err != nil || zero != 0 {
		return corrupt("master entry not terminated by 0")
	}
	var seenLive, seenDeleted int64
	var node StreamNode
	for p < len(items) {
		flags, err := next("flags")
		if err != nil {
			return err
		}
		msd, err := next("ID ms delta")
		if err != nil {
			return err
		}
		seqd, err := next("ID seq delta")
		if err != nil {
			return err
		}
		id := StreamID{master.Ms + uint64(msd), master.Seq + uint64(seqd)}
		var fields [][]byte
		var elems int64
		if flags&streamFlagSameFields != 0 {
			if nf > int64(len(items)-p) {
				return corrupt("entry %d-%d cut short", id.Ms, id.Seq)
			}
			fields = make([][]byte, 0, 2*nf)
			for j := range int(nf) {
				fields = append(fields, masterFields[j], items[p+j])
			}
			p += int(nf)
			elems = nf + 3
		} else {
			n, err := next("field count")
			if err != nil {
				return err
			}
			if n < 0 || n > int64(len(items)-p)/2 {
				return corrupt("entry %d-%d: bad field count %d", id.Ms, id.Seq, n)
			}
			fields = items[p : p+2*int(n) : p+2*int(n)]
			p += 2 * int(n)
			elems = 2*n + 4
		}
		if lpCount, err := next("element count"); err != nil || lpCount != elems {
			return corrupt("entry %d-%d: bad element count", id.Ms, id.Seq)
		}
		if seenLive+seenDeleted >= room {
			return newErr(ErrTooLarge, "stream of too many entries")
		}
		node.Entries = append(node.Entries, StreamEntry{ID: id, Fields: fields})
		node.Deleted = append(node.Deleted, flags&streamFlagDeleted != 0)
		if flags&streamFlagDeleted != 0 {
			seenDeleted++
			continue
		}
		seenLive++
		if n := len(st.Entries); n > 0 && !st.Entries[n-1].ID.Less(id) {
			return corrupt("entry ID %d-%d is not after %d-%d", id.Ms, id.Seq, st.Entries[n-1].ID.Ms, st.Entries[n-1].ID.Seq)
		}
		st.Entries = append(st.Entries, StreamEntry{ID: id, Fields: fields})
	}
	if seenLive != live || seenDeleted != deleted {
		return corrupt("master entry counts %d live and %d deleted entries, the node has %d and %d", live, deleted, seenLive, seenDeleted)
	}
	if len(node.Entries) > 0 {
		st.Nodes = append(st.Nodes, node)
	}
	return nil
}

func readGroup(s *source, t byte, st *Stream) (StreamGroup, error) {
	var g StreamGroup
	var err error
	if g.Name, err = s.str(); err != nil {
		return g, err
	}
	if g.LastID, err = readLenID(s); err != nil {
		return g, err
	}
	if t >= typeStreamListpacks2 {
		v, err := s.len()
		if err != nil {
			return g, err
		}
		g.EntriesRead = int64(v) // Redis stores -1 (unknown) as 2^64-1
	} else {
		g.EntriesRead = estimateEntriesRead(st, g.LastID)
	}
	n, err := s.count("pending entries list")
	if err != nil {
		return g, err
	}
	g.PEL = make([]PendingEntry, 0, min(n, 1024))
	owner := make(map[StreamID]int, min(n, 1024)) // PEL index; -1 once owned
	for i := range n {
		var pe PendingEntry
		if err := s.full(s.tmp[:16]); err != nil {
			return g, err
		}
		pe.ID = rawID(s.tmp[:16])
		t, err := s.le64()
		if err != nil {
			return g, err
		}
		pe.DeliveryTimeMs = int64(t)
		if pe.DeliveryCount, err = s.len(); err != nil {
			return g, err
		}
		if _, dup := owner[pe.ID]; dup {
			return g, corrupt("pending entry %d: duplicate ID %d-%d", i, pe.ID.Ms, pe.ID.Seq)
		}
		owner[pe.ID] = int(i)
		g.PEL = append(g.PEL, pe)
	}
	nc, err := s.count("consumers")
	if err != nil {
		return g, err
	}
	names := newSeen(int(min(nc, 1024)))
	for i := range nc {
		c, err := readConsumer(s, t, owner)
		if err != nil {
			return g, within(err, "consumer %d", i)
		}
		if !names.add(c.Name) {
			return g, corrupt("duplicate consumer %q", c.Name)
		}
		g.Consumers = append(g.Consumers, c)
	}
	for id, i := range owner {
		if i >= 0 {
			return g, corrupt("pending entry %d-%d has no consumer", id.Ms, id.Seq)
		}
	}
	return g, nil
}

func readConsumer(s *source, t byte, owner map[StreamID]int) (Consumer, error) {
	var c Consumer
	var err error
	if c.Name, err = s.str(); err != nil {
		return c, err
	}
	seen, err := s.le64()
	if err != nil {
		return c, err
	}
	c.SeenTimeMs, c.ActiveTimeMs = int64(seen), int64(seen)
	if t >= typeStreamListpacks3 {
		active, err := s.le64()
		if err != nil {
			return c, err
		}
		c.ActiveTimeMs = int64(active)
	}
	n, err := s.count("consumer pending entries")
	if err != nil {
		return c, err
	}
	c.PEL = make([]StreamID, 0, min(n, 1024))
	for range n {
		if err := s.full(s.tmp[:16]); err != nil {
			return c, err
		}
		id := rawID(s.tmp[:16])
		switch i, ok := owner[id]; {
		case !ok:
			return c, corrupt("pending entry %d-%d is not in the group's list", id.Ms, id.Seq)
		case i < 0:
			return c, corrupt("pending entry %d-%d is owned twice", id.Ms, id.Seq)
		}
		owner[id] = -1
		c.PEL = append(c.PEL, id)
	}
	return c, nil
}

func readLenID(s *source) (StreamID, error) {
	ms, err := s.len()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := s.len()
	return StreamID{ms, seq}, err
}

func compareIDs(a, b StreamID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

// estimateEntriesRead is how Redis 7.0 fills in a group's entries-read
// for streams saved before it kept the counter: exact where the group's
// last ID pins it down, -1 (unknown) elsewhere.
func estimateEntriesRead(st *Stream, id StreamID) int64 {
	if st.EntriesAdded == 0 {
		return 0
	}
	cmpLast := compareIDs(id, st.LastID)
	if st.Length == 0 && cmpLast <= 0 {
		return int64(st.EntriesAdded)
	}
	switch {
	case cmpLast == 0:
		return int64(st.EntriesAdded)
	case cmpLast > 0:
		return -1
	}
	if st.MaxDeletedID == (StreamID{}) || st.MaxDeletedID.Less(st.FirstID) {
		switch compareIDs(id, st.FirstID) {
		case -1:
			return int64(st.EntriesAdded - st.Length)
		case 0:
			return int64(st.EntriesAdded - st.Length + 1)
		}
	}
	return -1
}
