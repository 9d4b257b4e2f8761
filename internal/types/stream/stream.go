// Package stream is the Redis stream value: entries with monotonic IDs,
// each a list of field/value pairs, and the consumer groups that read
// them (groups.go).
//
// Entries are kept in nodes laid out as Redis 7.0 lays out its listpacks:
// a node is closed when it holds stream-node-max-entries entries (live or
// deleted) or when its listpack would pass stream-node-max-bytes, and
// deleted entries stay in their node, marked, until the node empties.
// The node boundaries are what approximate trimming (MAXLEN ~, MINID ~)
// removes whole, and what XINFO counts, so they follow Redis's exactly;
// the package computes each node's listpack size without building the
// listpack itself.
package stream

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// ID is a stream entry ID, <ms>-<seq>.
type ID struct{ Ms, Seq uint64 }

// MaxID is the largest ID.
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// Less orders IDs.
func (a ID) Less(b ID) bool { return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq }

// Compare returns -1, 0 or 1.
func (a ID) Compare(b ID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

// IsZero reports 0-0.
func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Next is the following ID; ok is false at MaxID.
func (a ID) Next() (ID, bool) {
	switch {
	case a.Seq < math.MaxUint64:
		return ID{a.Ms, a.Seq + 1}, true
	case a.Ms < math.MaxUint64:
		return ID{a.Ms + 1, 0}, true
	}
	return a, false
}

// Prev is the preceding ID; ok is false at 0-0.
func (a ID) Prev() (ID, bool) {
	switch {
	case a.Seq > 0:
		return ID{a.Ms, a.Seq - 1}, true
	case a.Ms > 0:
		return ID{a.Ms - 1, math.MaxUint64}, true
	}
	return a, false
}

// Append appends "ms-seq".
func (a ID) Append(b []byte) []byte {
	b = strconv.AppendUint(b, a.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, a.Seq, 10)
}

func (a ID) String() string { return string(a.Append(nil)) }

// ParseID parses "ms" or "ms-seq" (each part as Redis's string2ull); a
// missing sequence is missingSeq. With allowStar, "ms-*" is accepted and
// reported by seqGiven = false (XADD then picks the sequence).
func ParseID(b []byte, missingSeq uint64, allowStar bool) (id ID, seqGiven, ok bool) {
	if len(b) == 0 || len(b) > 127 {
		return ID{}, false, false
	}
	dash := -1
	for i, c := range b {
		if c == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		ms, ok := parseU64(b)
		return ID{ms, missingSeq}, true, ok
	}
	ms, ok := parseU64(b[:dash])
	if !ok {
		return ID{}, false, false
	}
	rest := b[dash+1:]
	if allowStar && len(rest) == 1 && rest[0] == '*' {
		return ID{ms, 0}, false, true
	}
	seq, ok := parseU64(rest)
	return ID{ms, seq}, true, ok
}

// parseU64 is Redis's string2ull on an ID part: a canonical non-negative
// int64, or else whatever C's strtoull consumes entirely (leading blanks,
// a sign, leading zeros; a minus sign negates modulo 2^64), without
// overflow.
func parseU64(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil && strconv.FormatInt(v, 10) == string(b) {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i:]), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// Entry is one stream entry: Fields holds field, value, field, value ...
// An Entry handed out by the stream aliases its storage: it is only to be
// read, and before the stream changes.
type Entry struct {
	ID     ID
	Fields [][]byte
}

// Limits are stream-node-max-entries and stream-node-max-bytes.
type Limits struct {
	Entries int64
	Bytes   int64
}

// DefaultLimits are Redis's defaults.
var DefaultLimits = Limits{Entries: 100, Bytes: 4096}

// maxListpack is STREAM_LISTPACK_MAX_SIZE, the size no node passes;
// preallocate is what Redis allocates for a new node's listpack
// (STREAM_LISTPACK_MAX_PRE_ALLOCATE).
const (
	maxListpack = 1 << 30
	preallocate = 4096
)

// Stream is a stream value.
type Stream struct {
	nodes        []*node
	length       uint64
	LastID       ID
	FirstID      ID // recorded-first-entry-id
	MaxDeletedID ID
	EntriesAdded uint64
	groups       []*Group // sorted by name
	appends      uint64   // entries appended to this value (not persisted)
	serial       uint64
}

var _ keyspace.Object = (*Stream)(nil)

// New returns an empty stream.
func New() *Stream { return &Stream{serial: serials.Add(1)} }

// serials numbers stream values, so that a blocked reader can tell the
// value it waited on from one that replaced it without holding on to it.
var serials atomic.Uint64

// Serial identifies this value among all streams made since start.
func (s *Stream) Serial() uint64 { return s.serial }

// Kind implements keyspace.Object.
func (s *Stream) Kind() keyspace.Kind { return keyspace.KindStream }

// Encoding implements keyspace.Object.
func (s *Stream) Encoding() string { return "stream" }

// Len is XLEN.
func (s *Stream) Len() uint64 { return s.length }

// Appends counts the entries appended to this value since it was made or
// loaded: blocked readers compare it to tell an XADD from other changes.
func (s *Stream) Appends() uint64 { return s.appends }

// Nodes is the number of listpack nodes (XINFO radix-tree-keys).
func (s *Stream) Nodes() int { return len(s.nodes) }

// Clone implements keyspace.Object: a deep copy, groups included.
func (s *Stream) Clone() keyspace.Object {
	c := *s
	c.serial = serials.Add(1)
	c.nodes = make([]*node, len(s.nodes))
	for i, n := range s.nodes {
		c.nodes[i] = n.clone()
	}
	c.groups = make([]*Group, len(s.groups))
	for i, g := range s.groups {
		c.groups[i] = g.clone()
	}
	return &c
}

func cloneBytes(in [][]byte) [][]byte {
	out := make([][]byte, len(in))
	for i, b := range in {
		out[i] = append([]byte(nil), b...)
	}
	return out
}

// ErrIDTooSmall is an ID at or below the last one; ErrTooLarge elements
// beyond a listpack's capacity.
type addError string

func (e addError) Error() string { return string(e) }

const (
	ErrIDTooSmall addError = "id too small"
	ErrTooLarge   addError = "elements too large"
)

// NextAutoID is the ID XADD * gives at time now (Unix ms): now-0, or the
// last ID's successor when the clock has not passed it.
func (s *Stream) NextAutoID(now int64) (ID, bool) {
	if now > 0 && uint64(now) > s.LastID.Ms {
		return ID{uint64(now), 0}, true
	}
	return s.LastID.Next()
}

// ResolveID is the ID XADD <ms>-* gives: <ms>-0, or the last ID's
// successor when ms is the last ID's.
func (s *Stream) ResolveID(ms uint64) (ID, bool) {
	if ms == s.LastID.Ms {
		if s.LastID.Seq == math.MaxUint64 {
			return ID{}, false
		}
		return ID{ms, s.LastID.Seq + 1}, true
	}
	return ID{ms, 0}, true
}

// Add appends an entry with id (which must be above LastID) and the
// field/value pairs (copied).
func (s *Stream) Add(id ID, fields [][]byte, lim Limits) error {
	return s.add(id, fields, lim, byLimits, false)
}

// AddLoaded is Add for a snapshot being loaded with its node layout: the
// entry starts a new node when newNode is set and joins the last node
// otherwise, whatever the limits. A deleted entry takes its place in the
// node, flagged, as in the listpack it came from (it counts in neither
// the length nor the last ID).
func (s *Stream) AddLoaded(id ID, fields [][]byte, newNode, deleted bool) error {
	if newNode || len(s.nodes) == 0 {
		return s.add(id, fields, Limits{}, freshNode, deleted)
	}
	return s.add(id, fields, Limits{}, lastNode, deleted)
}

// Node placement for add.
const (
	byLimits = iota
	freshNode
	lastNode
)

// Layout calls fn for every entry of every node in order, deleted ones
// included (snapshots keep nodes as they are, as Redis's do); first marks
// a node's first entry. e aliases the stream.
func (s *Stream) Layout(fn func(first bool, e *Entry, deleted bool)) {
	for _, n := range s.nodes {
		for off := 0; off < len(n.buf); {
			r := n.at(off)
			fn(off == 0, n.entry(r), r.deleted())
			off = r.next
		}
	}
}

func (s *Stream) add(id ID, fields [][]byte, lim Limits, place int, deleted bool) error {
	if !deleted && !s.LastID.Less(id) {
		return ErrIDTooSmall
	}
	var total int64
	for _, f := range fields {
		total += int64(len(f))
	}
	if total > maxListpack {
		return ErrTooLarge
	}
	var n *node
	if len(s.nodes) > 0 && place == lastNode {
		n = s.nodes[len(s.nodes)-1]
	} else if len(s.nodes) > 0 && place == byLimits {
		n = s.nodes[len(s.nodes)-1]
		maxBytes := lim.Bytes
		if maxBytes <= 0 || maxBytes > maxListpack {
			maxBytes = maxListpack
		}
		if n.bytes+total >= maxBytes || lim.Entries > 0 && n.live+n.deleted >= lim.Entries {
			n = nil
		}
	}
	same := true
	if n == nil {
		n = &node{master: id, bytes: lpHeader}
		if place == byLimits {
			// Redis preallocates a new node's listpack and shrinks the
			// previous one to fit.
			if len(s.nodes) > 0 {
				s.nodes[len(s.nodes)-1].alloc = 0
			}
			n.alloc = preallocate
			if lim.Bytes > 0 && lim.Bytes < preallocate {
				n.alloc = lim.Bytes
			}
		}
		for i := 0; i < len(fields); i += 2 {
			n.fields = append(n.fields, append([]byte(nil), fields[i]...))
		}
		n.bytes += lpIntSize(0) + lpIntSize(0) + lpIntSize(int64(len(n.fields)))
		for _, f := range n.fields {
			n.bytes += lpStrSize(f)
		}
		n.bytes += lpIntSize(0)
		// Nodes are ordered by master ID, as Redis's radix tree orders
		// them: after an XSETID below deleted entries a new node can sort
		// before the last one.
		i := len(s.nodes)
		for i > 0 && id.Less(s.nodes[i-1].master) {
			i--
		}
		s.nodes = slices.Insert(s.nodes, i, n)
	} else {
		same = n.sameFields(fields)
	}
	n.bytes += entrySize(n, id, fields, same)
	n.append(id, fields, same)
	if deleted {
		n.bytes += lpIntSize(n.deleted+1) - lpIntSize(n.deleted)
		n.deleted++
		n.buf[n.lastAt] |= flagDeleted
		return nil
	}
	n.bytes += lpIntSize(n.live+1) - lpIntSize(n.live)
	n.live++
	s.length++
	s.EntriesAdded++
	s.appends++
	s.LastID = id
	if s.length == 1 {
		s.FirstID = id
	}
	return nil
}

// entrySize is what an entry adds to its node's listpack in Redis.
func entrySize(n *node, id ID, fields [][]byte, same bool) int64 {
	flags := int64(0)
	if same {
		flags = flagSame
	}
	size := lpIntSize(flags) + lpIntSize(int64(id.Ms-n.master.Ms)) + lpIntSize(int64(id.Seq-n.master.Seq))
	count := int64(len(fields)/2) + 3
	if !same {
		size += lpIntSize(int64(len(fields) / 2))
		count += int64(len(fields)/2) + 1
	}
	for i, f := range fields {
		if i%2 == 0 && same {
			continue
		}
		size += lpStrSize(f)
	}
	return size + lpIntSize(count)
}

// Listpack element sizes, as Redis's listpack encodes them. internal/rdb
// has the same arithmetic for the listpacks it writes; it imports nothing
// of ours (a rule of the design), so the two cannot share one copy.
const lpHeader = 6 + 1 // total bytes and count, and the end byte

func lpBacklen(l int64) int64 {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func lpIntSize(v int64) int64 {
	var enc int64
	switch {
	case v >= 0 && v <= 127:
		enc = 1
	case v >= -4096 && v <= 4095:
		enc = 2
	case v >= -32768 && v <= 32767:
		enc = 3
	case v >= -8388608 && v <= 8388607:
		enc = 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		enc = 5
	default:
		enc = 9
	}
	return enc + lpBacklen(enc)
}

func lpStrSize(b []byte) int64 {
	if v, ok := lpInt(b); ok {
		return lpIntSize(v)
	}
	l := int64(len(b))
	var enc int64
	switch {
	case l < 64:
		enc = 1 + l
	case l < 4096:
		enc = 2 + l
	default:
		enc = 5 + l
	}
	return enc + lpBacklen(enc)
}

// lpInt reports whether a listpack would store b as an integer: the
// canonical decimal form of an int64 (Redis's string2ll).
func lpInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != string(b) {
		return 0, false
	}
	return v, true
}

// findNode returns the index of the node that would hold id: the last
// node whose master ID is <= id (-1 when none).
func (s *Stream) findNode(id ID) int {
	return sort.Search(len(s.nodes), func(i int) bool { return id.Less(s.nodes[i].master) }) - 1
}

// Range calls fn for the live entries with IDs in [start, end], in
// ascending order (descending with rev), until fn returns false.
func (s *Stream) Range(start, end ID, rev bool, fn func(e *Entry) bool) {
	s.walk(start, end, rev, func(n *node, r rec) bool { return fn(n.entry(r)) })
}

// CountRange is how many live entries a range of [start, end] limited
// to count (0: all) holds: a reply's length, known before its entries
// are written by Visit.
func (s *Stream) CountRange(start, end ID, rev bool, count int64) int64 {
	var n int64
	s.walk(start, end, rev, func(*node, rec) bool {
		n++
		return count <= 0 || n < count
	})
	return n
}

// Visit calls fn for up to count (0: all) live entries of [start, end],
// in ascending order (descending with rev), until fn returns false. The
// fields fn gets alias the stream and a scratch slice: they are valid
// during the call only. Nothing is allocated once scratch is big enough;
// Visit returns it for reuse.
func (s *Stream) Visit(start, end ID, rev bool, count int64, scratch [][]byte, fn func(id ID, fields [][]byte) bool) [][]byte {
	var n int64
	s.walk(start, end, rev, func(nd *node, r rec) bool {
		k := nd.fieldCount(r)
		if cap(scratch) < k {
			scratch = make([][]byte, k)
		}
		n++
		return fn(r.id, nd.fill(r, scratch[:k])) && (count <= 0 || n < count)
	})
	return scratch
}

// walk visits the live entries of [start, end] in order (reversed with
// rev) until fn returns false.
func (s *Stream) walk(start, end ID, rev bool, fn func(n *node, r rec) bool) {
	if end.Less(start) || len(s.nodes) == 0 {
		return
	}
	if !rev {
		for i := max(s.findNode(start), 0); i < len(s.nodes); i++ {
			n := s.nodes[i]
			if n.last.Less(start) {
				continue
			}
			for off := n.seek(start); off < len(n.buf); {
				r := n.at(off)
				off = r.next
				// Deleted entries first: after an XSETID below one, a
				// node can hold a deleted ID above later live ones.
				if r.deleted() || r.id.Less(start) {
					continue
				}
				if end.Less(r.id) {
					return
				}
				if !fn(n, r) {
					return
				}
			}
		}
		return
	}
	var offs []int
	for i := s.findNode(end); i >= 0; i-- {
		n := s.nodes[i]
		offs = n.offsets(offs[:0])
		for j := len(offs) - 1; j >= 0; j-- {
			r := n.at(offs[j])
			if r.deleted() || end.Less(r.id) {
				continue
			}
			if r.id.Less(start) {
				return
			}
			if !fn(n, r) {
				return
			}
		}
	}
}

// Get returns the live entry with id, or nil.
func (s *Stream) Get(id ID) *Entry {
	var found *Entry
	s.Range(id, id, false, func(e *Entry) bool { found = e; return false })
	return found
}

// First and Last return the first and last live entries, or nil.
func (s *Stream) First() *Entry {
	var found *Entry
	s.Range(ID{}, MaxID, false, func(e *Entry) bool { found = e; return false })
	return found
}

func (s *Stream) Last() *Entry {
	var found *Entry
	s.Range(ID{}, MaxID, true, func(e *Entry) bool { found = e; return false })
	return found
}

// LastValidID is the last live entry's ID, or LastID when the stream is
// empty (Redis's streamLastValidID).
func (s *Stream) LastValidID() ID {
	if len(s.nodes) > 0 {
		// The common case: the last entry is live.
		if n := s.nodes[len(s.nodes)-1]; !n.at(n.lastAt).deleted() {
			return n.last
		}
	}
	if e := s.Last(); e != nil {
		return e.ID
	}
	return s.LastID
}

// Delete removes the live entry with id (XDEL) and reports whether there
// was one. The entry stays in its node, flagged, until the node empties.
func (s *Stream) Delete(id ID) bool {
	// Found as a range of one ID is: an entry appended after an XSETID
	// below deleted entries can sit in a later node than its ID suggests.
	var n *node
	var r rec
	s.walk(id, id, false, func(fn *node, fr rec) bool {
		n, r = fn, fr
		return false
	})
	if n == nil {
		return false
	}
	s.length--
	if n.live == 1 {
		s.nodes = slices.DeleteFunc(s.nodes, func(x *node) bool { return x == n })
	} else {
		n.buf[r.at] |= flagDeleted
		n.bytes += lpIntSize(n.live-1) - lpIntSize(n.live) + lpIntSize(n.deleted+1) - lpIntSize(n.deleted)
		n.live--
		n.deleted++
	}
	if s.MaxDeletedID.Less(id) {
		s.MaxDeletedID = id
	}
	return true
}

// RefreshFirstID sets recorded-first-entry-id after deletions: the first
// live entry's ID, or 0-0 when the stream is empty.
func (s *Stream) RefreshFirstID() {
	if e := s.First(); e != nil {
		s.FirstID = e.ID
	} else {
		s.FirstID = ID{}
	}
}

// Trim is XTRIM's (and XADD's) trimming to at most maxLen entries, or of
// the entries below minID when byID. approx removes whole nodes only;
// limit (0 for none) bounds how many entries one call removes. It returns
// the number removed.
func (s *Stream) Trim(byID bool, maxLen uint64, minID ID, approx bool, limit int64) int64 {
	var removed int64
	for len(s.nodes) > 0 {
		if !byID && s.length <= maxLen {
			break
		}
		n := s.nodes[0]
		if limit > 0 && removed+n.live > limit {
			break
		}
		var whole bool
		if byID {
			whole = n.last.Less(minID)
		} else {
			whole = s.length-uint64(n.live) >= maxLen
		}
		if whole {
			s.nodes = s.nodes[1:]
			s.length -= uint64(n.live)
			removed += n.live
			continue
		}
		if approx {
			break
		}
		var fromNode int64
		for off := 0; off < len(n.buf); {
			r := n.at(off)
			off = r.next
			if byID && !r.id.Less(minID) || !byID && s.length <= maxLen {
				break
			}
			if !r.deleted() {
				n.buf[r.at] |= flagDeleted
				fromNode++
				s.length--
			}
		}
		n.bytes += lpIntSize(n.live-fromNode) - lpIntSize(n.live) + lpIntSize(n.deleted+fromNode) - lpIntSize(n.deleted)
		n.live -= fromNode
		n.deleted += fromNode
		removed += fromNode
		break
	}
	if s.length == 0 {
		s.FirstID = ID{}
	} else {
		s.RefreshFirstID()
	}
	return removed
}

// Each calls fn for every live entry in order (snapshots, RDB).
func (s *Stream) Each(fn func(e *Entry) bool) { s.Range(ID{}, MaxID, false, fn) }

// HasTombstones is Redis's streamRangeHasTombstones: whether a deleted
// entry may lie in [start, end] (end nil for no bound).
func (s *Stream) HasTombstones(start ID, end *ID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		return false
	}
	e := MaxID
	if end != nil {
		e = *end
	}
	return !s.MaxDeletedID.Less(start) && !e.Less(s.MaxDeletedID)
}

// InvalidRead is an unknown entries-read counter.
const InvalidRead = -1

// EstimateDistance is Redis's streamEstimateDistanceFromFirstEverEntry:
// the logical read counter of id, or InvalidRead.
func (s *Stream) EstimateDistance(id ID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Compare(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	switch id.Compare(s.LastID) {
	case 0:
		return int64(s.EntriesAdded)
	case 1:
		return InvalidRead
	}
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		switch id.Compare(s.FirstID) {
		case -1:
			return int64(s.EntriesAdded - s.length)
		case 0:
			return int64(s.EntriesAdded - s.length + 1)
		}
	}
	return InvalidRead
}

// MemoryUsage is what Redis 7.0's MEMORY USAGE counts for the value, the
// object header and key aside: the stream struct, its radix tree by
// Redis's formula, the listpacks' allocations (the first samples
// averaged over all but the last node, the last one exact; samples <= 0
// for all), and each group with its pending-entry tree, NACKs and
// consumers.
func (s *Stream) MemoryUsage(samples int64) int64 {
	const streamStruct, groupStruct, nackStruct, consumerStruct = 80, 40, 24, 24
	n := int64(len(s.nodes))
	size := int64(streamStruct) + raxUsage(n, s.RadixNodes())
	if samples <= 0 {
		samples = math.MaxInt64
	}
	var lp, k int64
	for ; k < samples && k < n; k++ {
		lp += s.nodes[k].allocated()
	}
	if n <= k {
		size += lp
	} else {
		if k > 0 {
			lp /= k
		}
		size += lp*(n-1) + s.nodes[n-1].allocated()
	}
	for _, g := range s.groups {
		size += groupStruct + raxUsage(int64(g.pel.Len()), pendingRadixNodes(g.pel)) + nackStruct*int64(g.pel.Len())
		for _, c := range g.consumers {
			size += consumerStruct + int64(len(c.Name)) + raxUsage(int64(c.pel.Len()), pendingRadixNodes(c.pel))
		}
	}
	return size
}

// raxUsage is Redis's streamRadixTreeMemoryUsage: 16 bytes per key, and
// per node its 4-byte header plus a fixed 240 for pointers.
func raxUsage(keys, nodes int64) int64 { return keys*16 + nodes*4 + nodes*8*30 }

func pendingRadixNodes(l *pendingList) int64 {
	var rc radixCounter
	l.Ascend(func(p *Pending) bool {
		rc.add(p.ID)
		return true
	})
	return rc.total()
}

// RadixNodes is the node count Redis's radix tree of the nodes' master
// IDs reports (XINFO radix-tree-nodes).
func (s *Stream) RadixNodes() int64 {
	var rc radixCounter
	for _, n := range s.nodes {
		rc.add(n.master)
	}
	return rc.total()
}

// radixCounter counts the nodes of Redis's radix tree (rax) holding a
// sorted run of IDs as 16-byte big-endian keys, kept fully compressed: one
// node per key, per prefix where keys part and for the root, and one more
// below a parting prefix for each child edge at least two bytes long (a
// compressed node hangs there). It builds the tree's rightmost path from
// the keys' common prefixes, in O(1) memory per level.
type radixCounter struct {
	prev  [16]byte
	keys  int64
	nodes int64
	path  []radixFrame // internal nodes on the rightmost path, root first
}

type radixFrame struct{ depth, kids, long int }

func (f *radixFrame) adopt(childDepth int) {
	f.kids++
	if childDepth-f.depth >= 2 {
		f.long++
	}
}

// close counts a finished internal node.
func (rc *radixCounter) close(f radixFrame) {
	rc.nodes++
	if f.kids >= 2 {
		rc.nodes += int64(f.long)
	}
}

func (rc *radixCounter) add(id ID) {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], id.Ms)
	binary.BigEndian.PutUint64(k[8:], id.Seq)
	if rc.keys == 0 {
		rc.path = append(rc.path[:0], radixFrame{})
		rc.prev, rc.keys = k, 1
		return
	}
	l := 0
	for l < 16 && k[l] == rc.prev[l] {
		l++
	}
	child := 16 // the previous key's leaf hangs from the path's end
	for len(rc.path) > 0 && rc.path[len(rc.path)-1].depth > l {
		top := rc.path[len(rc.path)-1]
		top.adopt(child)
		rc.close(top)
		child = top.depth
		rc.path = rc.path[:len(rc.path)-1]
	}
	if top := &rc.path[len(rc.path)-1]; top.depth == l {
		top.adopt(child)
	} else {
		f := radixFrame{depth: l}
		f.adopt(child)
		rc.path = append(rc.path, f)
	}
	rc.prev = k
	rc.keys++
}

func (rc *radixCounter) total() int64 {
	if rc.keys == 0 {
		return 1 // an empty tree is its root
	}
	nodes := rc.nodes
	child := 16
	for i := len(rc.path) - 1; i >= 0; i-- {
		f := rc.path[i]
		f.adopt(child)
		nodes++
		if f.kids >= 2 {
			nodes += int64(f.long)
		}
		child = f.depth
	}
	return nodes + rc.keys
}
