package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// rdbFile frames body as an RDB file of version ver: header, body, EOF,
// and (version 5 on) the CRC-64.
func rdbFile(ver int, body ...[]byte) []byte {
	b := []byte("REDIS")
	b = append(b, []byte{'0' + byte(ver/1000%10), '0' + byte(ver/100%10), '0' + byte(ver/10%10), '0' + byte(ver%10)}...)
	for _, p := range body {
		b = append(b, p...)
	}
	b = append(b, opEOF)
	if ver >= 5 {
		b = binary.LittleEndian.AppendUint64(b, CRC64(b))
	}
	return b
}

// payload frames a type and body as a DUMP payload of RDB version 10.
func payload(typ byte, body []byte) []byte {
	return payloadVer(typ, body, Version)
}

func payloadVer(typ byte, body []byte, ver uint16) []byte {
	p := append([]byte{typ}, body...)
	p = binary.LittleEndian.AppendUint16(p, ver)
	return binary.LittleEndian.AppendUint64(p, CRC64(p))
}

// rstr is an RDB string, raw.
func rstr(s string) []byte { return append(appendLen(nil, uint64(len(s))), s...) }

// blob wraps a compact encoding as the RDB string that carries it.
func blob(b []byte) []byte { return append(appendLen(nil, uint64(len(b))), b...) }

// makeZiplist builds a valid ziplist of string entries; a canonical
// integer 0..12 becomes an immediate integer entry.
func makeZiplist(elems ...string) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, tail := 0, zlHeaderSize
	for _, e := range elems {
		start := len(zl)
		if prev < zlBigPrevlen {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, zlBigPrevlen), uint32(prev))
		}
		if v, ok := parseInt([]byte(e)); ok && v >= 0 && v <= 12 {
			zl = append(zl, 0xf1+byte(v))
		} else if len(e) < 64 {
			zl = append(append(zl, byte(len(e))), e...)
		} else {
			zl = append(append(zl, 0x40|byte(len(e)>>8), byte(len(e))), e...)
		}
		prev, tail = len(zl)-start, start
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(elems)))
	return zl
}

func makeListpack(elems ...string) []byte {
	lb := newListpack(nil)
	for _, e := range elems {
		lb.add([]byte(e))
	}
	return lb.finish()
}

func makeZipmap(kv ...string) []byte {
	zm := []byte{byte(len(kv) / 2)}
	for i, s := range kv {
		zm = append(zm, byte(len(s)))
		if i%2 == 1 {
			zm = append(zm, 0) // free
		}
		zm = append(zm, s...)
	}
	return append(zm, zmEnd)
}

// edit returns a copy of b changed by f.
func edit(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }

// Valid inputs for the table below (decoding them must succeed).
func TestCraftedValid(t *testing.T) {
	tests := []struct {
		name string
		p    []byte
		want *Value
	}{
		{"ziplist list", payload(typeListZiplist, blob(makeZiplist("a", "7", strings.Repeat("x", 300)))), vList("a", "7", strings.Repeat("x", 300))},
		{"ziplist hash", payload(typeHashZiplist, blob(makeZiplist("f", "v", "g", "1"))), vHash("f", "v", "g", "1")},
		{"ziplist zset", payload(typeZSetZiplist, blob(makeZiplist("a", "1.5", "b", "inf"))), nil},
		{"quicklist v1", payload(typeListQuicklist, append(appendLen(nil, 2), append(blob(makeZiplist("a")), blob(makeZiplist("b", "c"))...)...)), vList("a", "b", "c")},
		{"listpack set (RDB 11)", payload(typeSetListpack, blob(makeListpack("a", "1", "-300"))), vSet("a", "1", "-300")},
		{"zipmap", payload(typeHashZipmap, blob(makeZipmap("f1", "v1", "f2", "v2"))), vHash("f1", "v1", "f2", "v2")},
		{"string scores", payload(typeZSet, append(append(appendLen(nil, 3), append(rstr("a"), 3, '1', '.', '5')...), append(append(rstr("b"), scorePosInf), append(rstr("c"), scoreNegInf)...)...)), vZSet("a", 1.5, "b", inf(1), "c", inf(-1))},
		{"linked list", payload(typeList, append(appendLen(nil, 2), append(rstr("x"), rstr("y")...)...)), vList("x", "y")},
		{"RDB 11 payload", payloadVer(typeString, rstr("v11"), 11), vStr("v11")},
		{"lzf string", payload(typeString, []byte{0xc3, 5, 6, 1, 'a', 'b', 0x40, 1}), vStr("ababab")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseDumpPayload(tt.p, Limits{})
			if err != nil {
				t.Fatalf("ParseDumpPayload: %v", err)
			}
			if tt.want != nil && canon(v) != canon(tt.want) {
				t.Errorf("got %s, want %s", canon(v), canon(tt.want))
			}
		})
	}
}

func inf(sign int) float64 {
	if sign > 0 {
		return 1 / zero()
	}
	return -1 / zero()
}

func zero() float64 { return 0 }

// Bad payloads, each refused with the right sentinel.
func TestCorruptPayloads(t *testing.T) {
	zl := makeZiplist("a", "b", "c")
	lp := makeListpack("a", "b")
	is := appendIntset(nil, []int64{1, 2, 3})
	zm := makeZipmap("f", "v")
	tests := []struct {
		name string
		p    []byte
		want error
	}{
		// Footer.
		{"too short", []byte{1, 2, 3}, ErrDumpVersion},
		{"version 12", payloadVer(typeString, rstr("x"), 12), ErrDumpVersion},
		{"bad CRC", edit(payload(typeString, rstr("x")), func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrChecksum},
		{"bad CRC is a version error too", edit(payload(typeString, rstr("x")), func(b []byte) []byte { b[1] ^= 1; return b }), ErrDumpVersion},
		// Framing.
		{"unknown type", payload(8, rstr("x")), ErrCorrupt},
		{"opcode as type", payload(opEOF, nil), ErrCorrupt},
		{"trailing bytes", payload(typeString, append(rstr("x"), 0)), ErrCorrupt},
		{"truncated string", payload(typeString, []byte{5, 'a'}), ErrTruncated},
		{"bad length encoding", payload(typeString, []byte{0x82}), ErrCorrupt},
		{"bad string encoding", payload(typeString, []byte{0xc4}), ErrCorrupt},
		{"special encoding as count", payload(typeList, []byte{0xc0}), ErrCorrupt},
		{"module", payload(typeModule2, appendLen(nil, 12345)), ErrModule},
		// LZF.
		{"lzf short output", payload(typeString, []byte{0xc3, 2, 5, 0, 'a'}), ErrCorrupt},
		{"lzf long output", payload(typeString, []byte{0xc3, 3, 1, 1, 'a', 'b'}), ErrCorrupt},
		{"lzf ref before start", payload(typeString, []byte{0xc3, 2, 3, 0x20, 0x05}), ErrCorrupt},
		{"lzf literal past input", payload(typeString, []byte{0xc3, 2, 3, 0x05, 'a'}), ErrCorrupt},
		{"lzf ref cut short", payload(typeString, []byte{0xc3, 3, 5, 0, 'a', 0xe0}), ErrCorrupt},
		// Empty and duplicate collections.
		{"empty list", payload(typeList, []byte{0}), ErrCorrupt},
		{"empty listpack hash", payload(typeHashListpack, blob(makeListpack())), ErrCorrupt},
		{"duplicate set member", payload(typeSet, append([]byte{2}, append(rstr("a"), rstr("a")...)...)), ErrCorrupt},
		{"duplicate hash field", payload(typeHash, append([]byte{2}, append(append(rstr("f"), rstr("1")...), append(rstr("f"), rstr("2")...)...)...)), ErrCorrupt},
		{"duplicate zset member", payload(typeZSet2, append([]byte{2}, append(append(rstr("m"), make([]byte, 8)...), append(rstr("m"), make([]byte, 8)...)...)...)), ErrCorrupt},
		{"NaN binary score", payload(typeZSet2, append([]byte{1}, append(rstr("m"), 0, 0, 0, 0, 0, 0, 0xf8, 0x7f)...)), ErrCorrupt},
		{"NaN string score", payload(typeZSet, append([]byte{1}, append(rstr("m"), scoreNaN)...)), ErrCorrupt},
		{"bad string score", payload(typeZSet, append([]byte{1}, append(rstr("m"), 3, 'a', 'b', 'c')...)), ErrCorrupt},
		{"duplicate listpack set member", payload(typeSetListpack, blob(makeListpack("a", "a"))), ErrCorrupt},
		{"duplicate listpack hash field", payload(typeHashListpack, blob(makeListpack("f", "1", "f", "2"))), ErrCorrupt},
		{"odd listpack hash", payload(typeHashListpack, blob(makeListpack("f", "1", "g"))), ErrCorrupt},
		{"NaN listpack score", payload(typeZSetListpack, blob(makeListpack("m", "nan"))), ErrCorrupt},
		{"text listpack score", payload(typeZSetListpack, blob(makeListpack("m", "one"))), ErrCorrupt},
		{"odd ziplist zset", payload(typeZSetZiplist, blob(makeZiplist("a", "1", "b"))), ErrCorrupt},
		{"duplicate ziplist hash field", payload(typeHashZiplist, blob(makeZiplist("f", "1", "f", "2"))), ErrCorrupt},
		{"bad quicklist container", payload(typeListQuicklist2, append([]byte{1, 3}, blob(lp)...)), ErrCorrupt},
		{"empty quicklist node", payload(typeListQuicklist2, []byte{1, 2, 0}), ErrCorrupt},
		// Ziplists.
		{"ziplist short", payload(typeListZiplist, blob(zl[:8])), ErrCorrupt},
		{"ziplist zlbytes", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[0]++; return b }))), ErrCorrupt},
		{"ziplist no terminator", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[len(b)-1] = 0; return b }))), ErrCorrupt},
		{"ziplist tail offset", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[4]++; return b }))), ErrCorrupt},
		{"ziplist tail past end", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[5] = 9; return b }))), ErrCorrupt},
		{"ziplist count", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[8] = 4; return b }))), ErrCorrupt},
		{"ziplist prevlen", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[13] = 9; return b }))), ErrCorrupt},
		{"ziplist string past end", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[11] = 60; return b }))), ErrCorrupt},
		{"ziplist 32-bit string past end", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[11] = 0x80; return b }))), ErrCorrupt},
		{"ziplist bad encoding", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[11] = 0xc5; return b }))), ErrCorrupt},
		{"ziplist early terminator", payload(typeListZiplist, blob(edit(zl, func(b []byte) []byte { b[13] = zlEnd; return b }))), ErrCorrupt},
		{"ziplist int past end", payload(typeListZiplist, blob(edit(makeZiplist("a"), func(b []byte) []byte { b[11] = 0xe0; return b }))), ErrCorrupt},
		{"ziplist big prevlen past end", payload(typeListZiplist, blob(edit(makeZiplist("a"), func(b []byte) []byte { b[10] = zlBigPrevlen; return b }))), ErrCorrupt},
		// Listpacks.
		{"listpack short", payload(typeHashListpack, blob(lp[:5])), ErrCorrupt},
		{"listpack total bytes", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[0]--; return b }))), ErrCorrupt},
		{"listpack no terminator", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[len(b)-1] = 1; return b }))), ErrCorrupt},
		{"listpack count", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[4] = 3; return b }))), ErrCorrupt},
		{"listpack bad encoding", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[6] = 0xf5; return b }))), ErrCorrupt},
		{"listpack backlen", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[8] = 3; return b }))), ErrCorrupt},
		{"listpack string past end", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[6] = 0xbf; return b }))), ErrCorrupt},
		{"listpack 32-bit string past end", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[6] = 0xf0; return b }))), ErrCorrupt},
		{"listpack terminator inside", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[9] = lpEnd; return b }))), ErrCorrupt},
		{"listpack int past end", payload(typeHashListpack, blob(edit(lp, func(b []byte) []byte { b[9] = 0xf4; return b }))), ErrCorrupt},
		// Intsets.
		{"intset short", payload(typeSetIntset, blob(is[:7])), ErrCorrupt},
		{"intset width", payload(typeSetIntset, blob(edit(is, func(b []byte) []byte { b[0] = 3; return b }))), ErrCorrupt},
		{"intset size", payload(typeSetIntset, blob(edit(is, func(b []byte) []byte { b[4] = 4; return b }))), ErrCorrupt},
		{"intset huge count", payload(typeSetIntset, blob(edit(is, func(b []byte) []byte { b[7] = 0x80; return b }))), ErrCorrupt},
		{"intset unsorted", payload(typeSetIntset, blob(edit(is, func(b []byte) []byte { b[8] = 9; return b }))), ErrCorrupt},
		{"intset duplicate", payload(typeSetIntset, blob(edit(is, func(b []byte) []byte { b[10] = 1; return b }))), ErrCorrupt},
		{"intset empty", payload(typeSetIntset, blob([]byte{2, 0, 0, 0, 0, 0, 0, 0})), ErrCorrupt},
		// Zipmaps.
		{"zipmap short", payload(typeHashZipmap, blob([]byte{0})), ErrCorrupt},
		{"zipmap no terminator", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[len(b)-1] = 0; return b }))), ErrCorrupt},
		{"zipmap count", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[0] = 2; return b }))), ErrCorrupt},
		{"zipmap field past end", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[1] = 50; return b }))), ErrCorrupt},
		{"zipmap big length past end", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[3] = zmBigLen; return b }))), ErrCorrupt},
		{"zipmap free past end", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[4] = 9; return b }))), ErrCorrupt},
		{"zipmap value length 255", payload(typeHashZipmap, blob(edit(zm, func(b []byte) []byte { b[3] = zmEnd; return b }))), ErrCorrupt},
		{"zipmap empty", payload(typeHashZipmap, blob([]byte{0, zmEnd})), ErrCorrupt},
		{"zipmap duplicate", payload(typeHashZipmap, blob(makeZipmap("f", "1", "f", "2"))), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseDumpPayload(tt.p, Limits{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseDumpPayload = %v, %v; want %v", v, err, tt.want)
			}
			// Only footer problems are version errors: RESTORE tells them
			// apart from bad data.
			if isVer := errors.Is(err, ErrDumpVersion); isVer != (tt.want == ErrDumpVersion || tt.want == ErrChecksum) {
				t.Errorf("errors.Is(%v, ErrDumpVersion) = %v", err, isVer)
			}
		})
	}
}

// A small file with a bit of everything, written by Writer.
func smallFile(t *testing.T) []byte {
	return writeFile(t, []sampleKey{
		{0, "s", vStr("hello"), 0},
		{0, "n", vStr("123"), 1700000000000},
		{0, "l", vList("a", "1", strings.Repeat("z", 30)), 0},
		{1, "set", vSet("1", "2"), 0},
		{1, "sset", vSet("a", "b"), 0},
		{1, "h", vHash("f", "v"), 0},
		{2, "z", vZSet("m", 1.5), 0},
		{2, "bigz", vZSet(seqAny(130)...), 0}, // past the listpack threshold
	}, WriterOptions{Compress: true, Checksum: true})
}

// Every prefix of a valid file fails cleanly.
func TestTruncatedFile(t *testing.T) {
	b := smallFile(t)
	if err := Load(bytes.NewReader(b), newCollector(), Limits{}); err != nil {
		t.Fatalf("the whole file: %v", err)
	}
	for n := range len(b) {
		for _, r := range []io.Reader{bytes.NewReader(b[:n]), onlyReader{bytes.NewReader(b[:n])}} {
			err := Load(r, newCollector(), Limits{})
			if err == nil {
				t.Fatalf("prefix of %d bytes loaded", n)
			}
			if n >= 9 && !errors.Is(err, ErrTruncated) {
				t.Fatalf("prefix of %d bytes: %v, want ErrTruncated", n, err)
			}
		}
	}
}

// onlyReader hides everything but Read, to test the buffered path.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestTruncatedPayload(t *testing.T) {
	for _, v := range []*Value{vStr(strings.Repeat("ab", 100)), vList("a", "b"), vHash(seq("%d", 1, 260)...), vZSet(seqAny(130)...), vSet("1", "2"), vSet("a", "b")} {
		p, _ := DumpPayload(v, true)
		for n := range len(p) {
			// Refit the footer so that the truncated value is what fails.
			cut := payloadVer(p[0], p[1:max(n, 1)], Version)
			if n < 1 {
				cut = p[:0]
			}
			if _, err := ParseDumpPayload(cut, Limits{}); err == nil && n < len(p)-dumpFooterSize {
				t.Fatalf("%s cut to %d bytes parsed", v.Kind, n)
			}
		}
	}
}

// Any single bit flip in a checksummed file is caught.
func TestBitFlips(t *testing.T) {
	b := smallFile(t)
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		if err := Load(bytes.NewReader(c), newCollector(), Limits{}); err == nil {
			t.Fatalf("flip of bit %d loaded", i)
		}
	}
	// In the data (not the header or trailer) and with nothing else wrong,
	// it is a checksum error.
	c := bytes.Clone(b)
	i := bytes.Index(c, []byte("hello"))
	c[i] ^= 0x20
	if err := Load(bytes.NewReader(c), newCollector(), Limits{}); !errors.Is(err, ErrChecksum) {
		t.Errorf("flip in a value: %v, want ErrChecksum", err)
	}
	p, _ := DumpPayload(vHash("f", "v", "g", strings.Repeat("w", 100)), true)
	for i := range len(p) * 8 {
		c := bytes.Clone(p)
		c[i/8] ^= 1 << (i % 8)
		if _, err := ParseDumpPayload(c, Limits{}); err == nil {
			t.Fatalf("payload flip of bit %d parsed", i)
		}
	}
}

// Declared sizes far beyond the input fail at its end having allocated
// little, through both the buffered and the in-memory paths.
func TestHugeDeclaredLengths(t *testing.T) {
	huge := []byte{len32, 0xff, 0xff, 0xff, 0xf0} // 4 GiB - 16
	tests := []struct {
		name string
		body []byte
	}{
		{"string", append([]byte{typeString}, append(rstr("k"), huge...)...)},
		{"key", append([]byte{typeString}, huge...)},
		{"list count", append([]byte{typeList}, append(rstr("k"), huge...)...)},
		{"set count", append([]byte{typeSet}, append(rstr("k"), huge...)...)},
		{"zset count", append([]byte{typeZSet2}, append(rstr("k"), huge...)...)},
		{"hash count", append([]byte{typeHash}, append(rstr("k"), huge...)...)},
		{"quicklist nodes", append([]byte{typeListQuicklist2}, append(rstr("k"), huge...)...)},
		{"listpack blob", append([]byte{typeHashListpack}, append(rstr("k"), huge...)...)},
		{"lzf input", append([]byte{typeString}, append(rstr("k"), append([]byte{0xc3}, append(huge, 4)...)...)...)},
		{"lzf output", append([]byte{typeString}, append(rstr("k"), append([]byte{0xc3, 2}, append(huge, 0, 'a')...)...)...)},
		{"stream nodes", append([]byte{typeStreamListpacks2}, append(rstr("k"), huge...)...)},
		{"AUX", append([]byte{opAux}, huge...)},
	}
	lim := Limits{MaxStringLen: 8 << 30, MaxElements: 8 << 30}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := rdbFile(10, tt.body)
			for _, mk := range []func() io.Reader{
				func() io.Reader { return bytes.NewReader(f) },
				func() io.Reader { return onlyReader{bytes.NewReader(f)} },
			} {
				var err error
				alloc := allocated(func() { err = Load(mk(), newCollector(), lim) })
				if err == nil {
					t.Fatal("loaded")
				}
				if alloc > 4<<20 {
					t.Errorf("allocated %d bytes (%v)", alloc, err)
				}
			}
			// With the default limits, the lengths are refused outright.
			if err := Load(bytes.NewReader(f), newCollector(), Limits{}); err == nil {
				t.Fatal("loaded with default limits")
			}
		})
	}
}

// allocated reports the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLimits(t *testing.T) {
	p, _ := DumpPayload(vList(seq("e%d", 1, 100)...), false)
	if _, err := ParseDumpPayload(p, Limits{MaxElements: 99}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 elements with MaxElements 99: %v", err)
	}
	if _, err := ParseDumpPayload(p, Limits{MaxElements: 100}); err != nil {
		t.Errorf("100 elements with MaxElements 100: %v", err)
	}
	p, _ = DumpPayload(vStr(strings.Repeat("x", 100)), false)
	if _, err := ParseDumpPayload(p, Limits{MaxStringLen: 99}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 bytes with MaxStringLen 99: %v", err)
	}
	p, _ = DumpPayload(vStr(strings.Repeat("x", 100)), true)
	if _, err := ParseDumpPayload(p, Limits{MaxStringLen: 99}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 LZF bytes with MaxStringLen 99: %v", err)
	}
	for _, v := range []*Value{bigHash(), bigZSet(), vSet(seq("%d", 1, 600)...), vSet(seq("s%d", 1, 600)...), vList(seq("%d", 1, 5000)...)} {
		p, _ := DumpPayload(v, false)
		if _, err := ParseDumpPayload(p, Limits{MaxElements: 10}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s with MaxElements 10: %v", v.Kind, err)
		}
	}
	f := rdbFile(10, []byte{opSelectDB, 16})
	if err := Load(bytes.NewReader(f), newCollector(), Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("SELECTDB 16 of 16: %v", err)
	}
	if err := Load(bytes.NewReader(f), newCollector(), Limits{MaxDB: 17}); err != nil {
		t.Errorf("SELECTDB 16 of 17: %v", err)
	}
}

// Crafted files: opcodes, versions and trailers.
func TestCraftedFiles(t *testing.T) {
	key := append([]byte{typeString}, append(rstr("k"), rstr("v")...)...)
	tests := []struct {
		name string
		file []byte
		want error
		lru  LRUInfo
		exp  int64
	}{
		{"version 1, no trailer", rdbFile(1, key), nil, noLRU, 0},
		{"version 11", rdbFile(11, key), nil, noLRU, 0},
		{"version 12", rdbFile(12, key), ErrVersion, noLRU, 0},
		{"version 0", rdbFile(0, key), ErrVersion, noLRU, 0},
		{"bad signature", append([]byte("RODIS"), rdbFile(10, key)[5:]...), ErrNotRDB, noLRU, 0},
		{"bad version digits", append([]byte("REDIS00a9"), rdbFile(10, key)[9:]...), ErrNotRDB, noLRU, 0},
		{"empty", nil, ErrNotRDB, noLRU, 0},
		{"checksum 0 is not checked", append(rdbFile(4, key)[:0:0], append(rdbFile(10, key)[:len(rdbFile(10, key))-8], make([]byte, 8)...)...), nil, noLRU, 0},
		{"bad checksum", edit(rdbFile(10, key), func(b []byte) []byte { b[len(b)-3]++; return b }), ErrChecksum, noLRU, 0},
		{"missing trailer", rdbFile(10, key)[:len(rdbFile(10, key))-8], ErrTruncated, noLRU, 0},
		{"expiry in seconds", rdbFile(10, []byte{opExpireSec, 0x10, 0, 0, 0}, key), nil, noLRU, 16000},
		{"expiry in ms", rdbFile(10, []byte{opExpireMs, 1, 2, 0, 0, 0, 0, 0, 0}, key), nil, noLRU, 513},
		{"expiry at 0", rdbFile(10, []byte{opExpireMs, 0, 0, 0, 0, 0, 0, 0, 0}, key), nil, noLRU, -1},
		{"negative expiry", rdbFile(10, []byte{opExpireMs, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, key), nil, noLRU, -1},
		{"LRU idle", rdbFile(10, []byte{opIdle, 0x41, 0x00}, key), nil, LRUInfo{IdleSeconds: 256, Freq: -1}, 0},
		{"LFU freq", rdbFile(10, []byte{opFreq, 7}, key), nil, LRUInfo{IdleSeconds: -1, Freq: 7}, 0},
		{"module aux", rdbFile(10, []byte{opModuleAux, 1, 2, 3}, key), ErrModule, noLRU, 0},
		{"module value", rdbFile(10, []byte{typeModule2}, rstr("k"), []byte{1}), ErrModule, noLRU, 0},
		{"function", rdbFile(10, []byte{opFunction2}, rstr("#!lua name=x"), key), ErrFunction, noLRU, 0},
		{"function pre-GA", rdbFile(10, []byte{opFunctionPreGA}, rstr("x"), key), ErrFunction, noLRU, 0},
		{"unknown type", rdbFile(10, []byte{22}, rstr("k")), ErrCorrupt, noLRU, 0},
		{"slot info (RDB 12)", rdbFile(10, []byte{244}, rstr("k")), ErrCorrupt, noLRU, 0},
		{"select and resize", rdbFile(10, []byte{opSelectDB, 3, opResizeDB, 1, 0}, key), nil, noLRU, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector()
			err := Load(bytes.NewReader(tt.file), c, Limits{})
			if !errors.Is(err, tt.want) || (err != nil) != (tt.want != nil) {
				t.Fatalf("Load = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			for k, st := range c.state {
				if st.ExpireMs != tt.exp {
					t.Errorf("%s: expiry %d, want %d", k, st.ExpireMs, tt.exp)
				}
				got, ok := c.lru[k]
				if !ok {
					got = noLRU
				}
				if got != tt.lru {
					t.Errorf("%s: LRU %+v, want %+v", k, got, tt.lru)
				}
			}
			if len(c.state) != 1 {
				t.Errorf("%d keys loaded", len(c.state))
			}
		})
	}
}

// Errors carry where they happened.
func TestErrorContext(t *testing.T) {
	bad := append([]byte{typeSetIntset}, append(rstr("mykey"), blob([]byte{3, 0, 0, 0, 0, 0, 0, 0})...)...)
	f := rdbFile(10, []byte{opSelectDB, 2}, bad)
	err := Load(bytes.NewReader(f), newCollector(), Limits{})
	var e *Error
	if !errors.As(err, &e) || string(e.Key) != "mykey" || e.DB != 2 || e.Offset != 11 {
		t.Fatalf("Load = %#v", err)
	}
	if s := err.Error(); !strings.Contains(s, `"mykey"`) || !strings.Contains(s, "intset") || !strings.Contains(s, "offset 11") {
		t.Errorf("error text %q lacks context", s)
	}
	// A handler's error stops Load and keeps its identity.
	errStop := errors.New("stop")
	err = Load(bytes.NewReader(smallFile(t)), stopHandler{errStop}, Limits{})
	if !errors.Is(err, errStop) {
		t.Errorf("Load with a failing handler: %v", err)
	}
}

type stopHandler struct{ err error }

func (h stopHandler) Aux(k, v []byte) error                           { return nil }
func (h stopHandler) ResizeDB(db int, keys, exp uint64) error         { return nil }
func (h stopHandler) Entry(int, []byte, *Value, int64, LRUInfo) error { return h.err }
