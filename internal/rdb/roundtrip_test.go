package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type sampleKey struct {
	db     int
	key    string
	v      *Value
	expire int64
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// sampleData covers every kind and the boundaries of every encoding the
// writer chooses: integer-encoded strings, LZF, listpack entry encodings,
// quicklist node splits, intset widths and the intset/listpack/hash table
// thresholds. Expiries are relative to base.
func sampleData(base int64) []sampleKey {
	r := rand.New(rand.NewPCG(1, 2))
	var ks []sampleKey
	add := func(db int, key string, v *Value, expire int64) {
		ks = append(ks, sampleKey{db, key, v, expire})
	}
	// Strings.
	for i, s := range []string{"", "hello", "0", "-1", "127", "128", "-128", "-129", "32767", "32768",
		"-32768", "-32769", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "+5", "-0", " 1", "1 ",
		"12345678901", "-1234567890", strings.Repeat("a", 20), strings.Repeat("a", 21), strings.Repeat("ab", 50000),
		"bin\x00\x01\xff\xfe", string(randBytes(r, 50000)), strings.Repeat("x", readChunk+1)} {
		add(0, fmt.Sprintf("str:%d", i), vStr(s), 0)
	}
	add(0, "\x00bin\xffkey", vStr("binary key"), 0)
	add(0, "", vStr("empty key"), 0)
	add(0, strings.Repeat("k", 1000), vStr("long key"), 0)
	add(0, "exp:ms", vStr("x"), base+123_456)
	add(0, "exp:far", vStr("x"), base+100*365*24*3600*1000)

	// Lists.
	ints := []string{"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "32768",
		"-32768", "-32769", "8388607", "8388608", "-8388608", "-8388609", "2147483647", "2147483648",
		"-2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808", "007", "-0"}
	add(0, "list:ints", vList(ints...), 0)
	var sized []string
	for _, n := range []int{0, 1, 63, 64, 65, 4095, 4096, 4097, 9000, 17000, 2_100_000} { // and 2- to 4-byte back lengths
		sized = append(sized, strings.Repeat("s", n))
	}
	add(0, "list:sizes", vList(sized...), 0)
	add(0, "list:small", vList("a", "b", "c", "1", "2", "3"), 0)
	add(0, "list:big", vList(seq("element-%d", 1, 10000)...), base+1000)
	var rl []string
	for range 300 {
		rl = append(rl, string(randBytes(r, r.IntN(200))))
	}
	add(1, "list:random", vList(rl...), 0)

	// Sets.
	add(0, "set:int16", vSet("1", "-5", "300", "-32768", "32767"), 0)
	add(0, "set:int32", vSet("1", "65536", "-2147483648"), 0)
	add(0, "set:int64", vSet("1", "4294967296", "-9223372036854775808", "9223372036854775807"), 0)
	add(0, "set:512ints", vSet(seq("%d", 1, 512)...), 0)
	add(0, "set:513ints", vSet(seq("%d", 1, 513)...), 0)
	add(0, "set:mixed", vSet("1", "2", "a"), 0)
	add(0, "set:noncanon", vSet("1", "01"), 0)
	add(0, "set:big", vSet(seq("member-%d", 1, 1000)...), 0)

	// Hashes.
	add(0, "hash:small", vHash("f1", "v1", "f2", "2", "", "", "f3", "3.5"), 0)
	var h128, h129 []string
	for i := 1; i <= 129; i++ {
		if i <= 128 {
			h128 = append(h128, fmt.Sprintf("f%d", i), fmt.Sprintf("%d", i*1000))
		}
		h129 = append(h129, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	add(0, "hash:128", vHash(h128...), 0)
	add(0, "hash:129", vHash(h129...), 0)
	add(0, "hash:val64", vHash("f", strings.Repeat("v", 64)), 0)
	add(0, "hash:val65", vHash("f", strings.Repeat("v", 65)), 0)
	add(0, "hash:field65", vHash(strings.Repeat("f", 65), "v"), 0)
	add(15, "hash:bin", vHash("\x00\xff", "\xff\x00", "k", string(randBytes(r, 100))), base+5)

	// Sorted sets.
	add(0, "zset:special", vZSet("inf", math.Inf(1), "-inf", math.Inf(-1), "zero", 0.0, "negzero", math.Copysign(0, -1),
		"big", 1e10, "tenth", 0.1, "third", 1.0/3, "huge", 1e300, "tiny", 5e-324, "neg", -2.5,
		"maxint", float64(1<<53), "beyond", float64(1<<60), "max", math.MaxFloat64), 0)
	var z128, z129 []any
	for i := 1; i <= 129; i++ {
		if i <= 128 {
			z128 = append(z128, fmt.Sprintf("m%d", i), float64(i%7)+0.5)
		}
		z129 = append(z129, fmt.Sprintf("m%d", i), float64(i))
	}
	add(0, "zset:128", vZSet(z128...), 0)
	add(0, "zset:129", vZSet(z129...), 0)
	add(0, "zset:long", vZSet(strings.Repeat("m", 65), 1.0, "short", 2.0), 0)
	add(0, "zset:ties", vZSet("b", 1.0, "a", 1.0, "c", 1.0, "10", 1.0, "9", 1.0), 0)
	var zr []any
	for i := range 1000 {
		zr = append(zr, fmt.Sprintf("r%d", i), r.NormFloat64()*1e6)
	}
	add(1, "zset:big", vZSet(zr...), 0)

	// Streams.
	add(0, "stream:empty", &Value{Kind: KindStream, Stream: &Stream{LastID: StreamID{5, 5}, FirstID: StreamID{3, 0},
		MaxDeletedID: StreamID{5, 5}, EntriesAdded: 3}}, 0)
	add(0, "stream:big", &Value{Kind: KindStream, Stream: sampleStream(r, base)}, base+60_000)
	return ks
}

// sampleStream has entries over several nodes (by count and by size),
// with and without the master's fields, and groups with pending entries.
func sampleStream(r *rand.Rand, base int64) *Stream {
	st := &Stream{}
	ms := uint64(base)
	for i := range 400 {
		if i%7 == 0 {
			ms += uint64(r.IntN(1000))
		}
		id := StreamID{ms, uint64(i % 7)}
		var f [][]byte
		switch {
		case i%3 == 0:
			f = [][]byte{[]byte("temp"), []byte(strconv.Itoa(i)), []byte("hum"), []byte("1.5")}
		case i%3 == 1:
			f = [][]byte{[]byte("temp"), []byte("-12"), []byte("x\x00y"), randBytes(r, r.IntN(300))}
		default:
			f = [][]byte{[]byte(strconv.Itoa(i)), []byte("")}
		}
		st.Entries = append(st.Entries, StreamEntry{ID: id, Fields: f})
	}
	st.Length = uint64(len(st.Entries))
	st.LastID = StreamID{ms + 10, 0}
	st.FirstID = st.Entries[0].ID
	st.MaxDeletedID = StreamID{ms + 1, 0}
	st.EntriesAdded = 410
	mk := func(name string, last StreamID, read int64, owners map[string][]int) StreamGroup {
		g := StreamGroup{Name: []byte(name), LastID: last, EntriesRead: read}
		for _, c := range []string{"alice", "bob", "carol"} {
			con := Consumer{Name: []byte(c), SeenTimeMs: base + int64(len(c)), ActiveTimeMs: base + int64(len(c))}
			for _, i := range owners[c] {
				id := st.Entries[i].ID
				g.PEL = append(g.PEL, PendingEntry{ID: id, DeliveryTimeMs: base + int64(i), DeliveryCount: uint64(i % 3)})
				con.PEL = append(con.PEL, id)
			}
			g.Consumers = append(g.Consumers, con)
		}
		slices.SortFunc(g.PEL, func(a, b PendingEntry) int { return compareIDs(a.ID, b.ID) })
		return g
	}
	st.Groups = []StreamGroup{
		mk("g1", st.Entries[10].ID, 11, map[string][]int{"alice": {1, 5, 9}, "bob": {2}}),
		mk("g2", StreamID{}, -1, nil),
		mk("g3-\xff", st.LastID, 410, map[string][]int{"carol": {399}}),
	}
	return st
}

// writeFile writes data as an RDB file: its databases in order.
func writeFile(t *testing.T, data []sampleKey, opts WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(w.Header())
	check(w.Aux("redis-ver", "7.0.15"))
	check(w.Aux("redis-bits", "64"))
	check(w.Aux("ctime", strconv.FormatInt(1700000000, 10)))
	for db := range 16 {
		var keys, expires uint64
		for _, k := range data {
			if k.db == db {
				keys++
				if k.expire != 0 {
					expires++
				}
			}
		}
		if keys == 0 {
			continue
		}
		check(w.SelectDB(db))
		check(w.ResizeDB(keys, expires))
		for _, k := range data {
			if k.db == db {
				check(w.Entry([]byte(k.key), k.v, k.expire))
			}
		}
	}
	check(w.End())
	return buf.Bytes()
}

func sampleState(data []sampleKey) dbState {
	st := dbState{}
	for _, k := range data {
		st[fmt.Sprintf("%d/%s", k.db, k.key)] = keyState{canon(k.v), k.expire}
	}
	return st
}

func TestRoundTripFile(t *testing.T) {
	data := sampleData(1_700_000_000_000)
	want := sampleState(data)
	for _, opts := range []WriterOptions{{}, {Compress: true}, {Checksum: true}, {Compress: true, Checksum: true}} {
		t.Run(fmt.Sprintf("compress=%v,checksum=%v", opts.Compress, opts.Checksum), func(t *testing.T) {
			b := writeFile(t, data, opts)
			if string(b[:9]) != "REDIS0010" {
				t.Errorf("header %q", b[:9])
			}
			trailer := b[len(b)-8:]
			if zero := bytes.Equal(trailer, make([]byte, 8)); zero == opts.Checksum {
				t.Errorf("trailer %x with Checksum=%v", trailer, opts.Checksum)
			}
			c := newCollector()
			if err := Load(bytes.NewReader(b), c, Limits{}); err != nil {
				t.Fatalf("Load: %v", err)
			}
			compareStates(t, c.state, want)
			if c.aux["redis-ver"] != "7.0.15" || c.aux["ctime"] != "1700000000" {
				t.Errorf("AUX fields %v", c.aux)
			}
		})
	}
}

func TestRoundTripDumpPayload(t *testing.T) {
	for _, k := range sampleData(0) {
		for _, compress := range []bool{false, true} {
			p, err := DumpPayload(k.v, compress)
			if err != nil {
				t.Fatalf("%s: DumpPayload: %v", k.key, err)
			}
			v, err := ParseDumpPayload(p, Limits{})
			if err != nil {
				t.Fatalf("%s: ParseDumpPayload: %v", k.key, err)
			}
			if got, want := canon(v), canon(k.v); got != want {
				t.Errorf("%s (compress=%v):\n got %.300s\nwant %.300s", k.key, compress, got, want)
			}
		}
	}
}

// Compression shrinks what compresses and leaves the rest alone.
func TestWriterCompression(t *testing.T) {
	v := vStr(strings.Repeat("abc", 1000))
	plain, _ := DumpPayload(v, false)
	packed, _ := DumpPayload(v, true)
	if len(packed) >= len(plain)/10 {
		t.Errorf("compressed payload %d bytes, plain %d", len(packed), len(plain))
	}
	r := rand.New(rand.NewPCG(3, 4))
	v = &Value{Kind: KindString, Str: randBytes(r, 1000)}
	plain, _ = DumpPayload(v, false)
	packed, _ = DumpPayload(v, true)
	if !bytes.Equal(plain, packed) {
		t.Errorf("incompressible string changed under compression")
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		v    *Value
		want error
	}{
		{"stream length", &Value{Kind: KindStream, Stream: &Stream{Length: 1}}, nil},
		{"stream without Stream", &Value{Kind: KindStream}, nil},
		{"stream order", &Value{Kind: KindStream, Stream: &Stream{Length: 2, LastID: StreamID{9, 9},
			Entries: []StreamEntry{{ID: StreamID{2, 0}}, {ID: StreamID{1, 0}}}}}, nil},
		{"stream odd fields", &Value{Kind: KindStream, Stream: &Stream{Length: 1, LastID: StreamID{9, 9},
			Entries: []StreamEntry{{ID: StreamID{2, 0}, Fields: [][]byte{[]byte("f")}}}}}, nil},
		{"stream last ID", &Value{Kind: KindStream, Stream: &Stream{Length: 1, LastID: StreamID{1, 0},
			Entries: []StreamEntry{{ID: StreamID{2, 0}}}}}, nil},
		{"stream duplicate group", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g")}, {Name: []byte("g")}}}}, nil},
		{"stream unowned PEL", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"), PEL: []PendingEntry{{ID: StreamID{1, 1}}}}}}}, nil},
		{"stream PEL owned twice", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"), PEL: []PendingEntry{{ID: StreamID{1, 1}}},
			Consumers: []Consumer{{Name: []byte("a"), PEL: []StreamID{{1, 1}}}, {Name: []byte("b"), PEL: []StreamID{{1, 1}}}}}}}}, nil},
		{"stream consumer owns unknown", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"),
			Consumers: []Consumer{{Name: []byte("a"), PEL: []StreamID{{1, 1}}}}}}}}, nil},
		{"stream duplicate consumer", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"),
			Consumers: []Consumer{{Name: []byte("a")}, {Name: []byte("a")}}}}}}, nil},
		{"stream duplicate PEL", &Value{Kind: KindStream, Stream: &Stream{Groups: []StreamGroup{{Name: []byte("g"), PEL: []PendingEntry{{ID: StreamID{1, 1}}, {ID: StreamID{1, 1}}},
			Consumers: []Consumer{{Name: []byte("a"), PEL: []StreamID{{1, 1}}}}}}}}, nil},
		{"NaN score", vZSet("a", math.NaN()), nil},
		{"NaN score, big zset", vZSet(append(seqAny(200), "a", math.NaN())...), nil},
		{"duplicate intset member", vSet("1", "1"), nil},
		{"unknown kind", &Value{Kind: 42}, nil},
		{"nil value", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, WriterOptions{})
			err := w.Entry([]byte("k"), tt.v, 0)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Entry = %v, want an error (%v)", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("a failed Entry wrote %d bytes", buf.Len())
			}
			if _, err := DumpPayload(tt.v, false); err == nil {
				t.Errorf("DumpPayload succeeded")
			}
			// The writer stays usable.
			if err := w.Entry([]byte("k"), vStr("v"), 0); err != nil {
				t.Errorf("Entry after a failed one: %v", err)
			}
		})
	}
	// Empty collections: nothing is written (Redis would skip the key);
	// DumpPayload refuses (Redis refuses to restore one).
	for _, v := range []*Value{{Kind: KindList}, {Kind: KindSet}, {Kind: KindHash}, {Kind: KindZSet}} {
		var buf bytes.Buffer
		if err := NewWriter(&buf, WriterOptions{}).Entry([]byte("k"), v, 0); err != nil || buf.Len() != 0 {
			t.Errorf("empty %s: Entry = %v, wrote %d bytes", v.Kind, err, buf.Len())
		}
		if _, err := DumpPayload(v, false); err == nil {
			t.Errorf("empty %s: DumpPayload succeeded", v.Kind)
		}
	}
}

func seqAny(n int) []any {
	var out []any
	for i := range n {
		out = append(out, fmt.Sprintf("m%d", i), float64(i))
	}
	return out
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A write error sticks: every later call returns it.
func TestWriterStickyError(t *testing.T) {
	w := NewWriter(&failWriter{n: 12}, WriterOptions{Checksum: true})
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	if err := w.Entry([]byte("key"), vStr("value"), 0); err == nil {
		t.Fatal("Entry past the writer's capacity succeeded")
	}
	for _, err := range []error{w.SelectDB(1), w.Aux("a", "b"), w.ResizeDB(1, 1), w.Entry([]byte("k"), vStr("v"), 0), w.End()} {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after a write error: %v", err)
		}
	}
}

// The writer's chosen encodings, checked byte-wise where Redis's choice is
// known.
func TestWriterEncodings(t *testing.T) {
	tests := []struct {
		name string
		v    *Value
		typ  byte
	}{
		{"int string", vStr("12"), typeString},
		{"small hash", vHash("a", "1"), typeHashListpack},
		{"big hash", bigHash(), typeHash},
		{"small zset", vZSet("a", 1.0), typeZSetListpack},
		{"big zset", bigZSet(), typeZSet2},
		{"int set", vSet("1", "2"), typeSetIntset},
		{"string set", vSet("a"), typeSet},
		{"list", vList("a"), typeListQuicklist2},
	}
	for _, tt := range tests {
		p, err := DumpPayload(tt.v, false)
		if err != nil {
			t.Fatal(err)
		}
		if p[0] != tt.typ {
			t.Errorf("%s: type %d, want %d", tt.name, p[0], tt.typ)
		}
	}
	// Integer strings take the shortest integer encoding.
	for s, want := range map[string]string{"12": "c00c", "-129": "c17fff", "100000": "c2a0860100", "2147483648": "0a32313437343833363438"} {
		p, _ := DumpPayload(vStr(s), false)
		if got := fmt.Sprintf("%x", p[1:len(p)-10]); got != want {
			t.Errorf("string %s encoded as %s, want %s", s, got, want)
		}
	}
}

// Lists are cut into 8 KiB listpack nodes, with plain nodes for elements
// past the packed threshold (lowered here to reach it).
func TestWriterListNodes(t *testing.T) {
	defer func(old int) { plainThreshold = old }(plainThreshold)
	plainThreshold = 1000
	big := strings.Repeat("P", 1000)
	tests := []struct {
		list  []string
		nodes []byte // container of each node
	}{
		{[]string{"a"}, []byte{qlPacked}},
		{seq("%04d", 1000, 3000), []byte{qlPacked}},                              // ints: 2001 entries of 4 bytes
		{slicesRepeat([]string{strings.Repeat("x", 100)}, 79), []byte{qlPacked}}, // 79 * 103 + 7 bytes
		{slicesRepeat([]string{strings.Repeat("x", 100)}, 80), []byte{qlPacked, qlPacked}},
		{[]string{big}, []byte{qlPlain}},
		{[]string{"a", big, big, "b", "c"}, []byte{qlPacked, qlPlain, qlPlain, qlPacked}},
	}
	for i, tt := range tests {
		v := vList(tt.list...)
		p, err := DumpPayload(v, false)
		if err != nil {
			t.Fatal(err)
		}
		s := newSource(bytes.NewReader(p[1:len(p)-dumpFooterSize]), Limits{})
		n, _ := s.len()
		var containers []byte
		for range n {
			c, _ := s.len()
			containers = append(containers, byte(c))
			if _, err := s.str(); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(containers, tt.nodes) {
			t.Errorf("list %d: nodes %v, want %v", i, containers, tt.nodes)
		}
		w, err := ParseDumpPayload(p, Limits{})
		if err != nil || canon(w) != canon(v) {
			t.Errorf("list %d: round trip: %v", i, err)
		}
	}
}

// One Writer reuses its scratch buffers from value to value; values of
// every shape in a row must still come out whole, and a small sorted set
// given out of order is written in listpack order (score, then member).
func TestWriterScratchReuse(t *testing.T) {
	big := make([]string, 0, 400)
	for i := 0; i < 200; i++ {
		big = append(big, fmt.Sprint("f", i), strings.Repeat("v", i))
	}
	vals := []struct {
		key string
		v   *Value
	}{
		{"z1", vZSet("b", 2.0, "c", 1.0, "a", 1.0)},
		{"h-big", vHash(big...)},
		{"h-small", vHash("x", "1", "y", "2")},
		{"z2", vZSet("a", 1.0, "b", 2.5)},
		{"ints", vSet("3", "1", "2")},
		{"l", vList("p", "q", strings.Repeat("r", 9000))},
		{"z3", vZSet("m", -1.0)},
	}
	var b bytes.Buffer
	w := NewWriter(&b, WriterOptions{Compress: true, Checksum: true})
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	for _, kv := range vals {
		if err := w.Entry([]byte(kv.key), kv.v, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	c := &keyCollector{collector: *newCollector(), vals: map[string]*Value{}}
	if err := Load(bytes.NewReader(b.Bytes()), c, Limits{}); err != nil {
		t.Fatal(err)
	}
	for _, kv := range vals {
		got := c.vals["0/"+kv.key]
		if got == nil || canon(got) != canon(kv.v) {
			t.Errorf("%s: got %.200s, want %.200s", kv.key, canon(got), canon(kv.v))
		}
	}
	var order []string
	for _, m := range c.vals["0/z1"].ZSet {
		order = append(order, string(m.Member))
	}
	if strings.Join(order, ",") != "a,c,b" {
		t.Errorf("listpack order %v, want a,c,b", order)
	}
}
