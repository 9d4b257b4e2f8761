package rdb

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// streamNode is a node as stored: its master ID and listpack of items.
func streamNode(ms, seq uint64, items ...string) []byte {
	key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, ms), seq)
	return append(blob(key), blob(makeListpack(items...))...)
}

type rawConsumer struct {
	name         string
	seen, active int64
	pel          []StreamID
}

type rawGroup struct {
	name      string
	last      StreamID
	read      int64
	pel       []PendingEntry
	consumers []rawConsumer
}

// streamPayload frames a stream of type typ: nodes, metadata (three
// lengths, or eight from version 2 on) and groups.
func streamPayload(typ byte, nodes [][]byte, meta []uint64, groups ...rawGroup) []byte {
	b := appendLen(nil, uint64(len(nodes)))
	for _, n := range nodes {
		b = append(b, n...)
	}
	for _, m := range meta {
		b = appendLen(b, m)
	}
	b = appendLen(b, uint64(len(groups)))
	for _, g := range groups {
		b = append(b, rstr(g.name)...)
		b = appendLen(appendLen(b, g.last.Ms), g.last.Seq)
		if typ >= typeStreamListpacks2 {
			b = appendLen(b, uint64(g.read))
		}
		b = appendLen(b, uint64(len(g.pel)))
		for _, p := range g.pel {
			b = appendRawID(b, p.ID)
			b = binary.LittleEndian.AppendUint64(b, uint64(p.DeliveryTimeMs))
			b = appendLen(b, p.DeliveryCount)
		}
		b = appendLen(b, uint64(len(g.consumers)))
		for _, c := range g.consumers {
			b = append(b, rstr(c.name)...)
			b = binary.LittleEndian.AppendUint64(b, uint64(c.seen))
			if typ >= typeStreamListpacks3 {
				b = binary.LittleEndian.AppendUint64(b, uint64(c.active))
			}
			b = appendLen(b, uint64(len(c.pel)))
			for _, id := range c.pel {
				b = appendRawID(b, id)
			}
		}
	}
	return payload(typ, b)
}

// A node of master 5-0 holding 5-0 {f: v} (same fields as the master),
// 5-1 deleted, and 6-0 {g: w}.
var goodNode = streamNode(5, 0,
	"2", "1", "1", "f", "0", // 2 live, 1 deleted, master field f
	"2", "0", "0", "v", "4", // 5-0, same fields
	"3", "0", "1", "v", "4", // 5-1, deleted
	"0", "1", "0", "1", "g", "w", "6") // 6-0

func TestStreamDecoding(t *testing.T) {
	node := streamNode(5, 5,
		"2", "1", "1", "f", "0",
		"2", "0", "0", "v", "4", // 5-5
		"3", "0", "1", "v", "4", // 5-6, deleted
		"0", "1", "-5", "1", "g", "w", "6") // 6-0: the seq delta is negative
	pel := []PendingEntry{{ID: StreamID{5, 5}, DeliveryTimeMs: 1000, DeliveryCount: 2}}
	tests := []struct {
		name string
		typ  byte
		meta []uint64
		read int64
		want string
	}{
		{"v1", typeStreamListpacks, []uint64{2, 6, 0}, -1, // derived: first ID, entries added; read estimated
			"stream len=2 last=6-0 first=5-5 maxdel=0-0 added=2\n  entry 5-5 \"f\" \"v\"\n  entry 6-0 \"g\" \"w\"\n  group \"g\" last=5-5 read=1\n    pending 5-5 time=1000 count=2\n    consumer \"c\" seen=7 active=7 5-5"},
		{"v2", typeStreamListpacks2, []uint64{2, 6, 0, 5, 5, 5, 6, 3}, 2,
			"stream len=2 last=6-0 first=5-5 maxdel=5-6 added=3\n  entry 5-5 \"f\" \"v\"\n  entry 6-0 \"g\" \"w\"\n  group \"g\" last=5-5 read=2\n    pending 5-5 time=1000 count=2\n    consumer \"c\" seen=7 active=7 5-5"},
		{"v3", typeStreamListpacks3, []uint64{2, 6, 0, 5, 5, 5, 6, 3}, 2,
			"stream len=2 last=6-0 first=5-5 maxdel=5-6 added=3\n  entry 5-5 \"f\" \"v\"\n  entry 6-0 \"g\" \"w\"\n  group \"g\" last=5-5 read=2\n    pending 5-5 time=1000 count=2\n    consumer \"c\" seen=7 active=8 5-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := streamPayload(tt.typ, [][]byte{node}, tt.meta,
				rawGroup{"g", StreamID{5, 5}, tt.read, pel, []rawConsumer{{"c", 7, 8, []StreamID{{5, 5}}}}})
			v, err := ParseDumpPayload(p, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := canon(v); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// Redis 7.0's estimate of entries-read for groups of streams saved before
// it kept the counter.
func TestEstimateEntriesRead(t *testing.T) {
	st := &Stream{Length: 3, EntriesAdded: 3, FirstID: StreamID{1, 1}, LastID: StreamID{9, 0}}
	tests := []struct {
		id   StreamID
		want int64
	}{
		{StreamID{9, 0}, 3},   // the last entry: exact
		{StreamID{10, 0}, -1}, // after the last: unknown
		{StreamID{0, 5}, 0},   // before the first: nothing read
		{StreamID{1, 1}, 1},   // the first entry: exact
		{StreamID{2, 0}, -1},  // in the middle: unknown
	}
	for _, tt := range tests {
		if got := estimateEntriesRead(st, tt.id); got != tt.want {
			t.Errorf("estimate for %v = %d, want %d", tt.id, got, tt.want)
		}
	}
	if got := estimateEntriesRead(&Stream{}, StreamID{1, 0}); got != 0 {
		t.Errorf("never-used stream: %d", got)
	}
	if got := estimateEntriesRead(&Stream{EntriesAdded: 4, LastID: StreamID{9, 0}}, StreamID{3, 0}); got != 4 {
		t.Errorf("emptied stream: %d", got)
	}
}

func TestStreamCorrupt(t *testing.T) {
	typ := byte(typeStreamListpacks2)
	meta := []uint64{2, 6, 0, 5, 0, 5, 1, 3}
	owner := func(c string, ids ...StreamID) rawConsumer { return rawConsumer{c, 1, 1, ids} }
	pe := func(ids ...StreamID) []PendingEntry {
		var out []PendingEntry
		for _, id := range ids {
			out = append(out, PendingEntry{ID: id})
		}
		return out
	}
	a, b := StreamID{5, 0}, StreamID{6, 0}
	tests := []struct {
		name string
		p    []byte
	}{
		{"node key length", streamPayload(typ, [][]byte{append(blob(make([]byte, 15)), blob(makeListpack("1"))...)}, meta)},
		{"empty node listpack", streamPayload(typ, [][]byte{streamNode(5, 0)}, meta)},
		{"master count not a number", streamPayload(typ, [][]byte{streamNode(5, 0, "x", "0", "0", "0")}, meta)},
		{"master field count too big", streamPayload(typ, [][]byte{streamNode(5, 0, "1", "0", "9", "f", "0")}, meta)},
		{"master not terminated", streamPayload(typ, [][]byte{streamNode(5, 0, "0", "0", "1", "f", "1")}, meta)},
		{"element count", streamPayload(typ, [][]byte{streamNode(5, 0, "1", "0", "1", "f", "0", "2", "0", "0", "v", "5")}, []uint64{1, 5, 0, 5, 0, 0, 0, 1})},
		{"entry cut short", streamPayload(typ, [][]byte{streamNode(5, 0, "1", "0", "1", "f", "0", "0", "0", "0", "3", "a")}, meta)},
		{"live count", streamPayload(typ, [][]byte{streamNode(5, 0, "3", "1", "1", "f", "0", "2", "0", "0", "v", "4", "3", "0", "1", "v", "4", "0", "1", "0", "1", "g", "w", "6")}, meta)},
		{"nodes out of order", streamPayload(typ, [][]byte{goodNode, streamNode(1, 0, "1", "0", "1", "f", "0", "2", "0", "0", "v", "4")}, []uint64{3, 6, 0, 5, 0, 0, 0, 3})},
		{"entries out of order", streamPayload(typ, [][]byte{streamNode(5, 0, "2", "0", "1", "f", "0", "2", "0", "0", "v", "4", "2", "0", "0", "v", "4")}, meta)},
		{"length", streamPayload(typ, [][]byte{goodNode}, []uint64{3, 6, 0, 5, 0, 5, 1, 3})},
		{"last ID before last entry", streamPayload(typ, [][]byte{goodNode}, []uint64{2, 5, 9, 5, 0, 5, 1, 3})},
		{"duplicate group", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g"}, rawGroup{name: "g"})},
		{"duplicate pending entry", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", pel: pe(a, a), consumers: []rawConsumer{owner("c", a)}})},
		{"pending entry without consumer", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", pel: pe(a, b), consumers: []rawConsumer{owner("c", a)}})},
		{"consumer owns what is not pending", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", pel: pe(a), consumers: []rawConsumer{owner("c", a, b)}})},
		{"pending entry owned twice", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", pel: pe(a), consumers: []rawConsumer{owner("c", a), owner("d", a)}})},
		{"duplicate consumer", streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", consumers: []rawConsumer{owner("c"), owner("c")}})},
	}
	// The base case is valid.
	if _, err := ParseDumpPayload(streamPayload(typ, [][]byte{goodNode}, meta, rawGroup{name: "g", pel: pe(a, b), consumers: []rawConsumer{owner("c", a), owner("d", b)}}), Limits{}); err != nil {
		t.Fatalf("valid stream: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDumpPayload(tt.p, Limits{})
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("ParseDumpPayload = %v, want ErrCorrupt", err)
			}
		})
	}
	// Stream sizes are limited like any collection's.
	var nodes [][]byte
	for i := range 20 {
		nodes = append(nodes, streamNode(uint64(i+1), 0, "1", "0", "1", "f", "0", "2", "0", "0", "v", "4"))
	}
	p := streamPayload(typ, nodes, []uint64{20, 20, 0, 1, 0, 0, 0, 20})
	if _, err := ParseDumpPayload(p, Limits{}); err != nil {
		t.Fatalf("20-node stream: %v", err)
	}
	if _, err := ParseDumpPayload(p, Limits{MaxElements: 19}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("20 entries with MaxElements 19: %v", err)
	}
}

// The writer splits streams into nodes as Redis does: at most 100 entries
// or about 4 KiB each.
func TestStreamWriterNodes(t *testing.T) {
	for _, tt := range []struct {
		entries, valueLen, wantNodes int
	}{
		{1, 1, 1}, {100, 1, 1}, {101, 1, 2}, {250, 1, 3}, {10, 1000, 3}, {2, 10000, 2},
	} {
		st := &Stream{}
		for i := range tt.entries {
			st.Entries = append(st.Entries, StreamEntry{ID: StreamID{uint64(i + 1), 0}, Fields: [][]byte{[]byte("f"), []byte(strings.Repeat("v", tt.valueLen))}})
		}
		st.Length, st.LastID = uint64(tt.entries), StreamID{uint64(tt.entries), 0}
		p, err := DumpPayload(&Value{Kind: KindStream, Stream: st}, false)
		if err != nil {
			t.Fatal(err)
		}
		if p[0] != typeStreamListpacks2 || int(p[1]) != tt.wantNodes {
			t.Errorf("%d entries of %d bytes: type %d, %d nodes, want %d", tt.entries, tt.valueLen, p[0], p[1], tt.wantNodes)
		}
		v, err := ParseDumpPayload(p, Limits{})
		if err != nil || canon(v) != canon(&Value{Kind: KindStream, Stream: st}) {
			t.Errorf("%d entries: round trip: %v", tt.entries, err)
		}
	}
}
