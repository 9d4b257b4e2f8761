package rdb

// Kind is the type of a Value, independent of how it is encoded.
type Kind uint8

// The kinds of values an RDB file holds.
const (
	KindString Kind = iota
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

var kindNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Value is one key's value in a neutral form: only the field for its Kind
// is set. Values returned by Load and ParseDumpPayload are freshly
// allocated and may be kept by the caller.
type Value struct {
	Kind   Kind
	Str    []byte      // KindString
	List   [][]byte    // KindList, head to tail
	Set    [][]byte    // KindSet, in no particular order
	Hash   []HashField // KindHash, in no particular order
	ZSet   []ZMember   // KindZSet, in no particular order
	Stream *Stream     // KindStream
}

// HashField is one field of a hash.
type HashField struct {
	Field, Value []byte
}

// ZMember is one member of a sorted set.
type ZMember struct {
	Member []byte
	Score  float64
}

// StreamID is a stream entry ID, <ms>-<seq>.
type StreamID struct {
	Ms, Seq uint64
}

// Less reports whether id sorts before o.
func (id StreamID) Less(o StreamID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// Stream is a stream with its metadata and consumer groups, as Redis 7.0
// holds it after loading. For files written before Redis 7.0 (stream
// encoding version 1), FirstID, MaxDeletedID, EntriesAdded and each group's
// EntriesRead are derived the way Redis 7.0 derives them when it loads such
// a file.
type Stream struct {
	Entries      []StreamEntry // live entries in ID order; deleted ones are left out
	Length       uint64        // number of live entries (XLEN)
	LastID       StreamID      // last-generated-id
	FirstID      StreamID      // recorded-first-entry-id
	MaxDeletedID StreamID      // max-deleted-entry-id
	EntriesAdded uint64        // entries-added
	Groups       []StreamGroup
	// Nodes is the listpack layout when it is known: each node's entries
	// in order, deleted ones included and flagged. The reader fills it; a
	// writer given a layout that agrees with Entries keeps it, as Redis
	// keeps a loaded stream's listpacks, and otherwise cuts nodes by
	// Redis's default limits.
	Nodes []StreamNode
}

// StreamNode is one listpack node of a stream.
type StreamNode struct {
	Entries []StreamEntry
	Deleted []bool // parallel to Entries
}

// StreamEntry is one stream entry; Fields holds field, value, field,
// value, ...
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name        []byte
	LastID      StreamID // last-delivered-id
	EntriesRead int64    // entries-read; -1 when unknown (XINFO shows nil)
	PEL         []PendingEntry
	Consumers   []Consumer
}

// PendingEntry is an entry of a group's pending entries list.
type PendingEntry struct {
	ID             StreamID
	DeliveryTimeMs int64
	DeliveryCount  uint64
}

// Consumer is a consumer of a group; PEL lists the IDs of the group's
// pending entries it owns.
type Consumer struct {
	Name       []byte
	SeenTimeMs int64
	// ActiveTimeMs is stored from Redis 7.2 (stream encoding version 3)
	// on; for older data it is SeenTimeMs, as Redis 7.2 sets it.
	ActiveTimeMs int64
	PEL          []StreamID
}
