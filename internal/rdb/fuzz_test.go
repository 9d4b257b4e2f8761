package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// fuzzLimits keep a fuzz input from asking for much, so the fuzzer
// spends its time on structure rather than on big allocations.
var fuzzLimits = Limits{MaxStringLen: 1 << 20, MaxElements: 1 << 16}

// knownError reports whether err is one of the package's documented
// failures.
func knownError(err error) bool {
	for _, s := range []error{ErrCorrupt, ErrTruncated, ErrTooLarge, ErrNotRDB, ErrVersion, ErrChecksum, ErrDumpVersion, ErrModule, ErrFunction} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// checkReencode: whatever decodes must encode again, and decode to the
// same value (but for consumers' active time, which RDB 10 cannot hold).
func checkReencode(t *testing.T, v *Value) {
	t.Helper()
	if v.Stream != nil {
		for i := range v.Stream.Groups {
			for j := range v.Stream.Groups[i].Consumers {
				c := &v.Stream.Groups[i].Consumers[j]
				c.ActiveTimeMs = c.SeenTimeMs
			}
		}
	}
	for _, compress := range []bool{false, true} {
		p, err := DumpPayload(v, compress)
		if err != nil {
			t.Fatalf("a decoded %s does not encode: %v", v.Kind, err)
		}
		w, err := ParseDumpPayload(p, Limits{})
		if err != nil {
			t.Fatalf("a re-encoded %s does not decode: %v", v.Kind, err)
		}
		if a, b := canon(v), canon(w); a != b {
			t.Fatalf("re-encoding changed the value:\n%.500s\n%.500s", a, b)
		}
	}
}

// fuzzHandler re-encodes every entry it gets.
type fuzzHandler struct{ t *testing.T }

func (h fuzzHandler) Aux(k, v []byte) error                   { return nil }
func (h fuzzHandler) ResizeDB(db int, keys, exp uint64) error { return nil }
func (h fuzzHandler) EmptyKey(db int, key []byte) error       { return nil }
func (h fuzzHandler) Function(code []byte) error              { return nil }
func (h fuzzHandler) Entry(db int, key []byte, v *Value, exp int64, _ LRUInfo) error {
	checkReencode(h.t, v)
	return nil
}

// FuzzFunctionsPayload: any FUNCTION RESTORE payload parses or fails,
// and what parses re-encodes to the same payload.
func FuzzFunctionsPayload(f *testing.F) {
	f.Add(FunctionsPayload([][]byte{[]byte("#!lua name=a\nredis.register_function('f', function() end)")}))
	f.Add(FunctionsPayload(nil))
	f.Add([]byte{0xf5, 0x01, 'x', 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, p []byte) {
		codes, err := ParseFunctionsPayload(p, Limits{MaxStringLen: 1 << 20})
		if err != nil {
			return
		}
		if _, err := ParseFunctionsPayload(FunctionsPayload(codes), Limits{}); err != nil {
			t.Fatalf("re-encoded payload does not parse: %v", err)
		}
	})
}

// FuzzLoad: any input loads or fails with a known error, without panics
// or hangs; everything it yields re-encodes faithfully.
func FuzzLoad(f *testing.F) {
	for _, s := range loadSeeds() {
		f.Add(s)
	}
	f.Fuzz(runLoadOnce)
}

func runLoadOnce(t *testing.T, data []byte) {
	for _, r := range []io.Reader{bytes.NewReader(data), onlyReader{bytes.NewReader(data)}} {
		err := Load(r, fuzzHandler{t}, fuzzLimits)
		if err != nil && !knownError(err) {
			t.Fatalf("unexpected error: %v", err)
		}
	}
}

// FuzzParseDumpPayload: as FuzzLoad, for payloads. The footer is refitted
// to the mutated value, or the CRC would stop every mutation at the door.
func FuzzParseDumpPayload(f *testing.F) {
	for _, s := range payloadSeeds() {
		f.Add(s)
	}
	f.Fuzz(runPayloadOnce)
}

func runPayloadOnce(t *testing.T, data []byte) {
	inputs := [][]byte{data}
	if len(data) >= dumpFooterSize {
		fixed := bytes.Clone(data[:len(data)-8])
		inputs = append(inputs, binary.LittleEndian.AppendUint64(fixed, CRC64(fixed)))
	}
	for _, p := range inputs {
		v, err := ParseDumpPayload(p, fuzzLimits)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("unexpected error: %v", err)
			}
			continue
		}
		checkReencode(t, v)
	}
}

// loadSeeds are whole files: the golden ones and some written here.
func loadSeeds() [][]byte {
	var seeds [][]byte
	for _, name := range append(goldenFiles, "corrupt_ziplist.rdb") {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			seeds = append(seeds, b)
		}
	}
	data := []sampleKey{
		{0, "s", vStr("hello"), 0},
		{0, "lzf", vStr("abcabcabcabcabcabcabcabcabc"), 1700000000000},
		{0, "l", vList("a", "1", "-300", "100000"), 0},
		{1, "is", vSet("1", "2", "70000"), 0},
		{1, "hs", vSet("a", "b"), 0},
		{1, "h", vHash("f", "v", "n", "12"), 0},
		{2, "z", vZSet("m", 1.5, "n", inf(1)), 0},
		{2, "bz", vZSet(seqAny(130)...), 0},
		{2, "bh", vHash(seq("%d", 1, 260)...), 0},
	}
	for _, opts := range []WriterOptions{{Compress: true, Checksum: true}, {}} {
		var b bytes.Buffer
		w := NewWriter(&b, opts)
		w.Header()
		w.Aux("redis-ver", "7.0.15")
		for db := range 3 {
			w.SelectDB(db)
			for _, k := range data {
				if k.db == db {
					w.Entry([]byte(k.key), k.v, k.expire)
				}
			}
		}
		w.End()
		seeds = append(seeds, b.Bytes())
	}
	key := append([]byte{typeString}, append(rstr("k"), rstr("v")...)...)
	seeds = append(seeds,
		rdbFile(3, []byte{opExpireSec, 1, 2, 3, 4, opIdle, 5, opFreq, 6}, key),
		rdbFile(10, []byte{opSelectDB, 1, opResizeDB, 1, 0, opModuleAux, 1}),
	)
	return seeds
}

// payloadSeeds are DUMP payloads of every encoding.
func payloadSeeds() [][]byte {
	var seeds [][]byte
	for _, v := range []*Value{
		vStr("hello"), vStr("12345"), vStr("abcabcabcabcabcabcabcabcabc"),
		vList("a", "1", "-300", "100000", "x"), vSet("1", "2", "70000"), vSet("a", "b"),
		vHash("f", "v", "n", "12"), vHash(seq("%d", 1, 260)...), vZSet("m", 1.5, "n", inf(1)), vZSet(seqAny(130)...),
	} {
		for _, c := range []bool{false, true} {
			p, _ := DumpPayload(v, c)
			seeds = append(seeds, p)
		}
	}
	seeds = append(seeds,
		payload(typeListZiplist, blob(makeZiplist("a", "7", "xyz"))),
		payload(typeHashZiplist, blob(makeZiplist("f", "v", "g", "1"))),
		payload(typeZSetZiplist, blob(makeZiplist("a", "1.5", "b", "2"))),
		payload(typeListQuicklist, append([]byte{2}, append(blob(makeZiplist("a")), blob(makeZiplist("b", "c"))...)...)),
		payload(typeListQuicklist2, append([]byte{2, qlPlain}, append(rstr("plain"), append([]byte{qlPacked}, blob(makeListpack("a", "b"))...)...)...)),
		payload(typeSetListpack, blob(makeListpack("a", "1", "-300"))),
		payload(typeHashZipmap, blob(makeZipmap("f1", "v1", "f2", "v2"))),
		payload(typeZSet, append([]byte{2}, append(append(rstr("a"), 3, '1', '.', '5'), append(rstr("b"), scorePosInf)...)...)),
		payload(typeList, append([]byte{2}, append(rstr("x"), rstr("y")...)...)),
		payload(typeSet, append([]byte{2}, append(rstr("x"), rstr("y")...)...)),
		payload(typeHash, append([]byte{1}, append(rstr("x"), rstr("y")...)...)),
	)
	// Streams: written here (several nodes, groups), and crafted in the
	// older and newer encodings.
	r := rand.New(rand.NewPCG(5, 6))
	st := sampleStream(r, 1700000000000)
	st.Entries = st.Entries[:150]
	st.Length, st.LastID = 150, st.Entries[149].ID
	st.Groups = st.Groups[:2]
	st.Groups[0].LastID = st.Entries[10].ID
	if p, err := DumpPayload(&Value{Kind: KindStream, Stream: st}, true); err == nil {
		seeds = append(seeds, p)
	}
	pel := []PendingEntry{{ID: StreamID{5, 0}, DeliveryTimeMs: 1000, DeliveryCount: 2}}
	for _, typ := range []byte{typeStreamListpacks, typeStreamListpacks3} {
		meta := []uint64{2, 6, 0}
		if typ != typeStreamListpacks {
			meta = append(meta, 5, 0, 5, 1, 3)
		}
		seeds = append(seeds, streamPayload(typ, [][]byte{goodNode}, meta,
			rawGroup{"g", StreamID{5, 0}, 1, pel, []rawConsumer{{"c", 7, 8, []StreamID{{5, 0}}}}}))
	}
	// The stream of the golden file, as its DUMP payload.
	if b, err := os.ReadFile(filepath.Join("testdata", "redis-7.0.15-all-types.rdb")); err == nil {
		if i := bytes.Index(b, []byte("\x08stream:1")); i > 0 {
			end := bytes.Index(b[i:], []byte("\x08list:big"))
			if end > 0 {
				seeds = append(seeds, payload(b[i-1], b[i+9:i+end-1]))
			}
		}
	}
	return seeds
}

// The seeds are what they claim to be: valid data (but for the few
// deliberately bad ones), so that the fuzzer starts from deep inside.
func TestFuzzSeeds(t *testing.T) {
	for i, p := range payloadSeeds() {
		if _, err := ParseDumpPayload(p, Limits{}); err != nil {
			t.Errorf("payload seed %d: %v", i, err)
		}
	}
	bad := 0
	for _, b := range loadSeeds() {
		if err := Load(bytes.NewReader(b), plainHandler{}, Limits{}); err != nil {
			bad++
		}
	}
	if bad != 2 { // corrupt_ziplist.rdb and the module AUX one
		t.Errorf("%d file seeds fail to load, want 2", bad)
	}
	stream := false
	for _, p := range payloadSeeds() {
		stream = stream || p[0] == typeStreamListpacks2
	}
	if !stream {
		t.Error("no stream among the payload seeds")
	}
}

// TestWriteFuzzCorpus regenerates the checked-in seed corpus when
// ENCLAVEKV_GEN_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("ENCLAVEKV_GEN_CORPUS") != "1" {
		t.Skip("set ENCLAVEKV_GEN_CORPUS=1 to regenerate testdata/fuzz")
	}
	write := func(target string, i int, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range loadSeeds() {
		write("FuzzLoad", i, s)
	}
	for i, s := range payloadSeeds() {
		write("FuzzParseDumpPayload", i, s)
	}
}
