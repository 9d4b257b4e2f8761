package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goldenFiles are the RDB files real Redis servers wrote (testdata/).
var goldenFiles = []string{
	"redis-7.0.15-all-types.rdb",
	"redis-5.0.7-all-types.rdb",
	"encodings.rdb",
	"hash-zipmap.rdb",
	"hash-ziplist.rdb",
	"list-quicklist.rdb",
	"zset-ziplist.rdb",
	"corrupt_empty_keys.rdb",
}

func loadFile(t *testing.T, path string) *collector {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector()
	if err := Load(bytes.NewReader(b), c, Limits{}); err != nil {
		t.Fatalf("Load %s: %v", path, err)
	}
	return c
}

// copyToDir copies testdata/name into dir as dump.rdb.
func copyToDir(t *testing.T, name, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every golden file decodes to what redis-server 7.0 holds after loading
// it.
func TestCompatGoldenFiles(t *testing.T) {
	requireRedis(t, "redis-server")
	for _, name := range goldenFiles {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyToDir(t, name, dir)
			rs := startRedis(t, dir, "dump.rdb")
			want := redisState(t, rs.respConn)
			if len(want) == 0 && name != "corrupt_empty_keys.rdb" {
				t.Fatal("redis-server loaded no keys")
			}
			got := loadFile(t, filepath.Join("testdata", name))
			// Redis drops keys whose expiry has passed when it loads a
			// file; the golden files' expiries were a year out when they
			// were written and are in the past by now.
			for k, st := range got.state {
				if st.ExpireMs != 0 && st.ExpireMs <= time.Now().UnixMilli() {
					delete(got.state, k)
				}
			}
			compareStates(t, got.state, want)
			if n := strings.Count(rs.log(), "skipping empty key"); n != len(got.empty) {
				t.Errorf("redis skipped %d empty keys, Load reported %d: %v", n, len(got.empty), got.empty)
			}
		})
	}
}

// A file from Writer passes redis-check-rdb and loads in redis-server
// 7.0 to the same data, with every option combination.
func TestCompatWriterFile(t *testing.T) {
	requireRedis(t, "redis-server", "redis-check-rdb")
	data := sampleData(time.Now().UnixMilli() + 24*3600*1000) // expiries in the future
	want := sampleState(data)
	for _, opts := range []WriterOptions{{Compress: true, Checksum: true}, {}} {
		t.Run(fmt.Sprintf("compress=%v,checksum=%v", opts.Compress, opts.Checksum), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "dump.rdb")
			if err := os.WriteFile(path, writeFile(t, data, opts), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("redis-check-rdb", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "RDB looks OK") {
				t.Fatalf("redis-check-rdb: %v\n%s", err, out)
			}
			rs := startRedis(t, dir, "dump.rdb")
			compareStates(t, redisState(t, rs.respConn), want)

			// And back: what Redis saves of it loads here to the same.
			rs.must(t, "SAVE") // over the file it loaded
			compareStates(t, loadFile(t, path).state, want)
		})
	}
}

// Files Redis saves with functions, or with LRU/LFU eviction metadata.
func TestCompatRedisSaves(t *testing.T) {
	dir := t.TempDir()
	rs := startRedis(t, dir, "dump.rdb")
	rs.must(t, "SET", "k", "v")
	rs.must(t, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	rs.must(t, "GET", "k")
	rs.must(t, "SAVE")
	c := loadFile(t, filepath.Join(dir, "dump.rdb"))
	if lru := c.lru["0/k"]; lru.Freq < 0 || lru.IdleSeconds != -1 {
		t.Errorf("LFU file: LRU info %+v, want a frequency", lru)
	}
	rs.must(t, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	rs.must(t, "SAVE")
	c = loadFile(t, filepath.Join(dir, "dump.rdb"))
	if lru := c.lru["0/k"]; lru.IdleSeconds < 0 || lru.Freq != -1 {
		t.Errorf("LRU file: LRU info %+v, want an idle time", lru)
	}
	rs.must(t, "FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
	rs.must(t, "SAVE")
	b, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Load(bytes.NewReader(b), newCollector(), Limits{}); !errors.Is(err, ErrFunction) {
		t.Errorf("file with a function library, handler without Function: %v, want ErrFunction", err)
	}
	lib := "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"
	fc := &functionCollector{collector: newCollector()}
	if err := Load(bytes.NewReader(b), fc, Limits{}); err != nil || len(fc.codes) != 1 || fc.codes[0] != lib {
		t.Fatalf("file with a function library: %v, libraries %q", err, fc.codes)
	}

	// FUNCTION DUMP payloads both ways: Redis's parses here, ours
	// restores in Redis.
	dump := rs.must(t, "FUNCTION", "DUMP").([]byte)
	codes, err := ParseFunctionsPayload(dump, Limits{})
	if err != nil || len(codes) != 1 || string(codes[0]) != lib {
		t.Fatalf("Redis's FUNCTION DUMP: %v, %q", err, codes)
	}
	other := "#!lua name=other\nredis.register_function('g', function() return 2 end)"
	rs.must(t, "FUNCTION", "FLUSH")
	rs.must(t, "FUNCTION", "RESTORE", FunctionsPayload([][]byte{[]byte(lib), []byte(other)}))
	if got := rs.must(t, "FCALL", "g", "0"); got != int64(2) {
		t.Errorf("FCALL g after restoring our payload: %v", got)
	}

	// A file we write with libraries: Redis loads them.
	var out bytes.Buffer
	w := NewWriter(&out, WriterOptions{Compress: true, Checksum: true})
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	if err := w.Function([]byte(other)); err != nil {
		t.Fatal(err)
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, "dump.rdb"), out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rs2 := startRedis(t, dir2, "dump.rdb")
	if got := rs2.must(t, "FCALL", "g", "0"); got != int64(2) {
		t.Errorf("FCALL g in Redis after loading our file: %v", got)
	}
}

// functionCollector is a collector that also takes function libraries.
type functionCollector struct {
	*collector
	codes []string
}

func (c *functionCollector) Function(code []byte) error {
	c.codes = append(c.codes, string(code))
	return nil
}

func TestFunctionsPayloadErrors(t *testing.T) {
	good := FunctionsPayload([][]byte{[]byte("#!lua name=a\nredis.register_function('f', function() end)")})
	bad := append([]byte(nil), good...)
	bad[3] ^= 0xff
	notFunc := append([]byte{0}, good[1:]...) // a string value's type byte
	tests := []struct {
		name    string
		p       []byte
		version bool // ErrDumpVersion expected, else a body error
	}{
		{"short", []byte{1, 2, 3}, true},
		{"checksum", bad, true},
		{"not a library", withFooter(notFunc[:len(notFunc)-10]), false},
	}
	for _, tc := range tests {
		_, err := ParseFunctionsPayload(tc.p, Limits{})
		if err == nil || errors.Is(err, ErrDumpVersion) != tc.version {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if codes, err := ParseFunctionsPayload(FunctionsPayload(nil), Limits{}); err != nil || len(codes) != 0 {
		t.Errorf("empty payload: %v %q", err, codes)
	}
}

// withFooter adds a valid DUMP footer to body.
func withFooter(body []byte) []byte {
	p := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), Version)
	return binary.LittleEndian.AppendUint64(p, CRC64(p))
}

// redisSamples builds keys of every type and encoding in a live server,
// by commands, and returns their names.
func redisSamples(t *testing.T, rc *respConn) []string {
	cmds := [][]any{
		{"SET", "str:int", "12345"},
		{"SET", "str:raw", "hello world"},
		{"SET", "str:lzf", strings.Repeat("compress me ", 100)},
		{"SET", "str:bin", "\x00\x01\xff"},
		{"RPUSH", "list:listpack", "a", "b", "1", "-5", "100000"},
		{"SET", "set:dummy", "x"},
		{"SADD", "set:intset", "1", "2", "-3", "4294967296"},
		{"SADD", "set:hashtable", "a", "b", "c"},
		{"HSET", "hash:listpack", "f1", "v1", "f2", "2"},
		{"ZADD", "zset:listpack", "1", "a", "2.5", "b", "-inf", "c", "1e10", "d"},
		{"XADD", "stream", "1-1", "f", "v"},
		{"XADD", "stream", "2-0", "f", "v2", "g", "w"},
		{"XADD", "stream", "3-0", "other", "x"},
		{"XGROUP", "CREATE", "stream", "grp", "0"},
		{"XREADGROUP", "GROUP", "grp", "alice", "COUNT", "2", "STREAMS", "stream", ">"},
		{"XGROUP", "CREATE", "stream", "grp2", "$"},
		{"XDEL", "stream", "2-0"},
	}
	for _, c := range cmds {
		rc.must(t, c...)
	}
	for i := range 1000 {
		rc.must(t, "RPUSH", "list:quicklist", fmt.Sprintf("element-%d", i))
		rc.must(t, "HSET", "hash:big", fmt.Sprintf("field-%d", i), fmt.Sprintf("value-%d", i))
		rc.must(t, "ZADD", "zset:skiplist", float64(i)/3, fmt.Sprintf("m-%d", i))
		rc.must(t, "SADD", "set:big", fmt.Sprintf("member-%d", i))
	}
	rc.must(t, "RPUSH", "list:quicklist", strings.Repeat("big element ", 1000))
	rc.must(t, "DEL", "set:dummy")
	var keys []string
	for _, k := range rc.must(t, "KEYS", "*").([]any) {
		keys = append(keys, string(k.([]byte)))
	}
	return keys
}

// DUMP payloads from redis-server 7.0 parse here to what the server holds.
func TestCompatDumpFromRedis(t *testing.T) {
	rs := startRedis(t, t.TempDir(), "none.rdb", "--enable-debug-command", "yes")
	keys := redisSamples(t, rs.respConn)
	encodings := map[string]bool{}
	for _, k := range keys {
		enc := rs.must(t, "OBJECT", "ENCODING", k).([]byte)
		encodings[string(enc)] = true
		p := rs.must(t, "DUMP", k).([]byte)
		v, err := ParseDumpPayload(p, Limits{})
		if err != nil {
			t.Errorf("%s (%s): %v", k, enc, err)
			continue
		}
		if got, want := canon(v), canon(redisValue(t, rs.respConn, []byte(k))); got != want {
			t.Errorf("%s (%s):\n got %.400s\nwant %.400s", k, enc, got, want)
		}
	}
	for _, enc := range []string{"int", "embstr", "raw", "listpack", "quicklist", "intset", "hashtable", "skiplist", "stream"} {
		if !encodings[enc] {
			t.Errorf("no sample had encoding %s", enc)
		}
	}
}

// Payloads from DumpPayload RESTORE in redis-server 7.0 to the same data.
func TestCompatRestoreInRedis(t *testing.T) {
	rs := startRedis(t, t.TempDir(), "none.rdb")
	for i, k := range sampleData(0) {
		for _, compress := range []bool{false, true} {
			p, err := DumpPayload(k.v, compress)
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("k%d-%v", i, compress)
			if _, err := rs.do("RESTORE", key, 0, p); err != nil {
				t.Errorf("%s: RESTORE: %v", k.key, err)
				continue
			}
			if got, want := canon(redisValue(t, rs.respConn, []byte(key))), canon(k.v); got != want {
				t.Errorf("%s (compress=%v):\n got %.300s\nwant %.300s", k.key, compress, got, want)
			}
		}
	}
	// Plain quicklist nodes (for elements of 1 GiB and more; the threshold
	// is lowered to reach it).
	old := plainThreshold
	plainThreshold = 100
	p, err := DumpPayload(vList("a", strings.Repeat("P", 100), "b", strings.Repeat("Q", 5000)), true)
	plainThreshold = old
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.do("RESTORE", "plain", 0, p); err != nil {
		t.Errorf("RESTORE of a list with plain nodes: %v", err)
	} else if got := canon(redisValue(t, rs.respConn, []byte("plain"))); got != canon(vList("a", strings.Repeat("P", 100), "b", strings.Repeat("Q", 5000))) {
		t.Errorf("list with plain nodes: %.200s", got)
	}
	// Redis 7.0 deep-checks payloads when told to; ours pass that too.
	rs.must(t, "CONFIG", "SET", "sanitize-dump-payload", "yes")
	for i, k := range sampleData(0) {
		p, _ := DumpPayload(k.v, true)
		if _, err := rs.do("RESTORE", fmt.Sprintf("s%d", i), 0, p); err != nil {
			t.Errorf("%s: RESTORE with sanitize-dump-payload yes: %v", k.key, err)
		}
	}
}

// Streams saved before Redis 7.0 (encoding version 1) lack the first ID,
// entries-added and each group's entries-read: Redis 7.0 derives them when
// loading, and so must Load.
func TestCompatOldStreams(t *testing.T) {
	requireRedis(t, "redis-server")
	node := streamNode(5, 0,
		"3", "1", "1", "f", "0",
		"2", "0", "0", "v", "4", // 5-0
		"2", "1", "0", "v", "4", // 6-0
		"3", "2", "0", "v", "4", // 7-0, deleted
		"0", "3", "0", "1", "g", "w", "6") // 8-0
	var groups []rawGroup
	for i, last := range []StreamID{{0, 0}, {1, 0}, {5, 0}, {6, 0}, {7, 0}, {8, 0}, {9, 0}} {
		groups = append(groups, rawGroup{name: fmt.Sprintf("g%d", i), last: last})
	}
	full := streamPayload(typeStreamListpacks, [][]byte{node}, []uint64{3, 8, 0}, groups...)
	empty := streamPayload(typeStreamListpacks, nil, []uint64{0, 8, 0}, groups...)
	var body []byte
	for _, kv := range []struct {
		key string
		p   []byte
	}{{"full", full}, {"empty", empty}} {
		v := kv.p[:len(kv.p)-dumpFooterSize]
		body = append(body, v[0])
		body = append(body, rstr(kv.key)...)
		body = append(body, v[1:]...)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	if err := os.WriteFile(path, rdbFile(9, body), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := startRedis(t, dir, "dump.rdb")
	want := redisState(t, rs.respConn)
	if len(want) != 2 {
		t.Fatalf("redis-server loaded %d keys\n%s", len(want), rs.log())
	}
	compareStates(t, loadFile(t, path).state, want)
	if testing.Verbose() {
		t.Logf("%s\n%s", want["0/full"].Val, want["0/empty"].Val)
	}
}
