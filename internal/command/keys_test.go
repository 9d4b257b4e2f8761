package command

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// The keys family runs through the same in-process executor as the string
// tests (strEnv in strings_test.go): exact reply bytes, a test-driven clock.

const (
	kOK      = "+OK\r\n"
	kNull    = "$-1\r\n"
	kZero    = ":0\r\n"
	kOne     = ":1\r\n"
	kSyntax  = "-ERR syntax error\r\n"
	kNotInt  = "-ERR value is not an integer or out of range\r\n"
	kDBRange = "-ERR DB index is out of range\r\n"
	kSame    = "-ERR source and destination objects are the same\r\n"
	kNoKey   = "-ERR no such key\r\n"
	kIntRng  = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
)

func kInt(n int64) string { return fmt.Sprintf(":%d\r\n", n) }

func kArray(items ...string) string {
	return fmt.Sprintf("*%d\r\n", len(items)) + strings.Join(items, "")
}

func kScanReply(cursor string, keys ...string) string {
	var b []string
	for _, k := range keys {
		b = append(b, bulk(k))
	}
	return "*2\r\n" + bulk(cursor) + kArray(b...)
}

// kStep is one command and its exact reply; advance moves the clock first.
type kStep struct {
	cmd, want string
	advance   int64
}

func runKSteps(t *testing.T, e *strEnv, steps []kStep) {
	t.Helper()
	for i, s := range steps {
		e.now += s.advance
		if got := e.do(s.cmd); got != s.want {
			t.Fatalf("step %d %q: got %q, want %q", i+1, s.cmd, got, s.want)
		}
	}
}

func TestKeysCommands(t *testing.T) {
	tests := []struct {
		name  string
		steps []kStep
	}{
		{"del unlink exists touch", []kStep{
			{cmd: "MSET a 1 b 2 c 3", want: kOK},
			{cmd: "EXISTS a b nosuch a", want: kInt(3)},
			{cmd: "DEL a a nosuch", want: kOne},
			{cmd: "UNLINK b c b", want: kInt(2)},
			{cmd: "EXISTS a b c", want: kZero},
			{cmd: "SET t v", want: kOK},
			{cmd: "TOUCH t t nosuch", want: kInt(2)},
			{cmd: "DEL", want: "-ERR wrong number of arguments for 'del' command\r\n"},
			{cmd: "EXISTS", want: "-ERR wrong number of arguments for 'exists' command\r\n"},
		}},
		{"type", []kStep{
			{cmd: "SET s v", want: kOK},
			{cmd: "TYPE s", want: "+string\r\n"},
			{cmd: "TYPE nosuch", want: "+none\r\n"},
			{cmd: "TYPE a b", want: "-ERR wrong number of arguments for 'type' command\r\n"},
		}},
		{"keys", []kStep{
			{cmd: "MSET hello 1 hallo 2 other 3", want: kOK},
			{cmd: "KEYS h?llo*x", want: "*0\r\n"},
			{cmd: "KEYS oth*", want: kArray(bulk("other"))},
			{cmd: "KEYS h[e]llo", want: kArray(bulk("hello"))},
			{cmd: "KEYS", want: "-ERR wrong number of arguments for 'keys' command\r\n"},
		}},
		{"randomkey", []kStep{
			{cmd: "RANDOMKEY", want: kNull},
			{cmd: "SET only v", want: kOK},
			{cmd: "RANDOMKEY", want: bulk("only")},
			{cmd: "PEXPIRE only 10", want: kOne},
			{cmd: "RANDOMKEY", want: kNull, advance: 10},
			{cmd: "DBSIZE", want: kZero},
		}},
		{"rename", []kStep{
			{cmd: "RENAME nosuch x", want: kNoKey},
			{cmd: "RENAME nosuch nosuch", want: kNoKey},
			{cmd: "RENAMENX nosuch x", want: kNoKey},
			{cmd: "SET a va", want: kOK},
			{cmd: "RENAME a a", want: kOK},
			{cmd: "RENAMENX a a", want: kZero},
			{cmd: "EXPIRE a 100", want: kOne},
			{cmd: "RENAME a b", want: kOK},
			{cmd: "EXISTS a", want: kZero},
			{cmd: "TTL b", want: kInt(100)},
			{cmd: "SET c vc", want: kOK},
			{cmd: "RENAMENX b c", want: kZero},
			{cmd: "RENAME b c", want: kOK},
			{cmd: "GET c", want: bulk("va")},
			{cmd: "TTL c", want: kInt(100)},
			{cmd: "RENAMENX c d", want: kOne},
		}},
		{"move", []kStep{
			{cmd: "SET k v", want: kOK},
			{cmd: "MOVE k 0", want: kSame},
			{cmd: "MOVE nosuch 0", want: kSame},
			{cmd: "MOVE k 16", want: kDBRange},
			{cmd: "MOVE k -1", want: kDBRange},
			{cmd: "MOVE k abc", want: kNotInt},
			{cmd: "MOVE k 99999999999", want: kIntRng},
			{cmd: "MOVE nosuch 1", want: kZero},
			{cmd: "PEXPIRE k 5000", want: kOne},
			{cmd: "MOVE k 1", want: kOne},
			{cmd: "EXISTS k", want: kZero},
			{cmd: "SET k again", want: kOK},
			{cmd: "MOVE k 1", want: kZero},
			{cmd: "SELECT 1", want: kOK},
			{cmd: "GET k", want: bulk("v")},
			{cmd: "PTTL k", want: kInt(5000)},
		}},
		{"copy", []kStep{
			{cmd: "SET src v", want: kOK},
			{cmd: "COPY src src", want: kSame},
			{cmd: "COPY src src DB 0", want: kSame},
			{cmd: "COPY src src FOO", want: kSyntax},
			{cmd: "COPY src x DB", want: kSyntax},
			{cmd: "COPY src x DB 16", want: kDBRange},
			{cmd: "COPY src src DB abc", want: kNotInt},
			{cmd: "COPY src x DB 4294967296", want: kIntRng},
			{cmd: "COPY nosuch x", want: kZero},
			{cmd: "COPY src dst", want: kOne},
			{cmd: "COPY src dst", want: kZero},
			{cmd: "SET src v2", want: kOK},
			{cmd: "COPY src dst REPLACE", want: kOne},
			{cmd: "GET dst", want: bulk("v2")},
			{cmd: "COPY src src DB 1", want: kOne},
			{cmd: "EXPIRE src 50", want: kOne},
			{cmd: "COPY src withttl", want: kOne},
			{cmd: "TTL withttl", want: kInt(50)},
			{cmd: "SELECT 1", want: kOK},
			{cmd: "GET src", want: bulk("v2")},
		}},
		{"dbsize flush", []kStep{
			{cmd: "MSET a 1 b 2 c 3", want: kOK},
			{cmd: "DBSIZE", want: kInt(3)},
			{cmd: "FLUSHDB foo", want: kSyntax},
			{cmd: "FLUSHDB ASYNC x", want: kSyntax},
			{cmd: "FLUSHDB async", want: kOK},
			{cmd: "DBSIZE", want: kZero},
			{cmd: "SET a 1", want: kOK},
			{cmd: "FLUSHDB SYNC", want: kOK},
			{cmd: "SELECT 2", want: kOK},
			{cmd: "SET a 1", want: kOK},
			{cmd: "FLUSHALL nope", want: kSyntax},
			{cmd: "FLUSHALL", want: kOK},
			{cmd: "DBSIZE", want: kZero},
			{cmd: "DBSIZE x", want: "-ERR wrong number of arguments for 'dbsize' command\r\n"},
		}},
		{"swapdb", []kStep{
			{cmd: "SET a db0", want: kOK},
			{cmd: "SWAPDB 0 1", want: kOK},
			{cmd: "GET a", want: kNull},
			{cmd: "SWAPDB 0 0", want: kOK},
			{cmd: "SWAPDB 1 0", want: kOK},
			{cmd: "GET a", want: bulk("db0")},
			{cmd: "SWAPDB 0 16", want: kDBRange},
			{cmd: "SWAPDB -1 0", want: kDBRange},
			{cmd: "SWAPDB a 0", want: "-ERR invalid first DB index\r\n"},
			{cmd: "SWAPDB 99999999999 x", want: "-ERR invalid first DB index\r\n"},
			{cmd: "SWAPDB 0 a", want: "-ERR invalid second DB index\r\n"},
			{cmd: "SWAPDB 16 a", want: "-ERR invalid second DB index\r\n"},
		}},
		{"object", []kStep{
			{cmd: "OBJECT ENCODING nosuch", want: kNull},
			{cmd: "OBJECT IDLETIME nosuch", want: kNull},
			{cmd: "OBJECT FREQ nosuch", want: kNull},
			{cmd: "SET i 123", want: kOK},
			{cmd: "OBJECT ENCODING i", want: bulk("int")},
			{cmd: "OBJECT REFCOUNT i", want: kInt(math.MaxInt32)},
			{cmd: "SET e hello", want: kOK},
			{cmd: "OBJECT ENCODING e", want: bulk("embstr")},
			{cmd: "OBJECT REFCOUNT e", want: kOne},
			{cmd: "APPEND e x", want: kInt(6)},
			{cmd: "OBJECT ENCODING e", want: bulk("raw")},
			{cmd: "SET r " + strings.Repeat("x", 45), want: kOK},
			{cmd: "OBJECT ENCODING r", want: bulk("raw")},
			{cmd: "COPY i i2", want: kOne},
			{cmd: "OBJECT REFCOUNT i2", want: kOne},
			{cmd: "OBJECT ENCODING i2", want: bulk("int")},
			{cmd: "OBJECT IDLETIME e", want: kInt(3), advance: 3_000},
			{cmd: "OBJECT IDLETIME e", want: kInt(3)},
			{cmd: "GET e", want: bulk("hellox")},
			{cmd: "OBJECT IDLETIME e", want: kZero},
			{cmd: "OBJECT FREQ e", want: "-" + ErrLFUNotSelected + "\r\n"},
			{cmd: "OBJECT foo", want: "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"},
			{cmd: "OBJECT ENCODING", want: "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
			{cmd: "OBJECT", want: "-ERR wrong number of arguments for 'object' command\r\n"},
			{cmd: "OBJECT HELP x", want: "-ERR wrong number of arguments for 'object|help' command\r\n"},
		}},
		{"expire options", []kStep{
			{cmd: "SET k v", want: kOK},
			{cmd: "EXPIRE k 100 FOO", want: "-ERR Unsupported option FOO\r\n"},
			{cmd: "EXPIRE k abc FOO", want: "-ERR Unsupported option FOO\r\n"},
			{cmd: "EXPIRE k abc NX XX", want: "-" + ErrNXXXGTLT + "\r\n"},
			{cmd: "EXPIRE k 1 NX GT", want: "-" + ErrNXXXGTLT + "\r\n"},
			{cmd: "EXPIRE k 1 NX LT", want: "-" + ErrNXXXGTLT + "\r\n"},
			{cmd: "EXPIRE k 1 GT LT", want: "-ERR GT and LT options at the same time are not compatible\r\n"},
			{cmd: "EXPIRE k abc", want: kNotInt},
			{cmd: "EXPIRE k 100 XX", want: kZero},
			{cmd: "EXPIRE k 100 GT", want: kZero},
			{cmd: "EXPIRE k 100 LT", want: kOne},
			{cmd: "EXPIRE k 200 NX", want: kZero},
			{cmd: "EXPIRE k 200 GT", want: kOne},
			{cmd: "EXPIRE k 200 GT", want: kZero},
			{cmd: "EXPIRE k 150 gt", want: kZero},
			{cmd: "EXPIRE k 150 lt", want: kOne},
			{cmd: "EXPIRE k 300 XX", want: kOne},
			{cmd: "TTL k", want: kInt(300)},
			{cmd: "PERSIST k", want: kOne},
			{cmd: "PERSIST k", want: kZero},
			{cmd: "EXPIRE k 10 NX", want: kOne},
			{cmd: "PERSIST nosuch", want: kZero},
			{cmd: "EXPIRE nosuch 10", want: kZero},
		}},
		{"expire overflow", []kStep{
			{cmd: "SET k v", want: kOK},
			{cmd: "EXPIRE k 9223372036854776", want: "-ERR invalid expire time in 'expire' command\r\n"},
			{cmd: "EXPIRE k 9223372036854775", want: "-ERR invalid expire time in 'expire' command\r\n"},
			{cmd: "EXPIRE k -9223372036854776", want: "-ERR invalid expire time in 'expire' command\r\n"},
			{cmd: "PEXPIRE k 9223372036854775807", want: "-ERR invalid expire time in 'pexpire' command\r\n"},
			{cmd: "EXPIREAT k 9223372036854776", want: "-ERR invalid expire time in 'expireat' command\r\n"},
			{cmd: "EXPIRE nosuch 9223372036854776", want: "-ERR invalid expire time in 'expire' command\r\n"},
			{cmd: "EXPIREAT k 9223372036854775", want: kOne},
			{cmd: "EXPIRETIME k", want: kInt(9223372036854775)},
			{cmd: "PEXPIREAT k 9223372036854775807", want: kOne},
			{cmd: "PEXPIRETIME k", want: kInt(math.MaxInt64)},
			{cmd: "EXPIRETIME k", want: kInt(9223372036854776)},
			{cmd: "EXPIRE k -9223372036854775", want: kOne},
			{cmd: "EXISTS k", want: kZero},
		}},
		{"expire in the past deletes", []kStep{
			{cmd: "SET k v", want: kOK},
			{cmd: "EXPIRE k 0", want: kOne},
			{cmd: "EXISTS k", want: kZero},
			{cmd: "SET k v", want: kOK},
			{cmd: "EXPIREAT k 1", want: kOne},
			{cmd: "EXISTS k", want: kZero},
			{cmd: "SET k v", want: kOK},
			{cmd: "PEXPIREAT k -5 LT", want: kOne},
			{cmd: "EXISTS k", want: kZero},
			{cmd: "SET k v", want: kOK},
			{cmd: "EXPIRE k -1 GT", want: kZero},
			{cmd: "EXISTS k", want: kOne},
		}},
		{"ttl family", []kStep{
			{cmd: "TTL nosuch", want: kInt(-2)},
			{cmd: "PEXPIRETIME nosuch", want: kInt(-2)},
			{cmd: "SET k v", want: kOK},
			{cmd: "TTL k", want: kInt(-1)},
			{cmd: "EXPIRETIME k", want: kInt(-1)},
			{cmd: "PEXPIRE k 1500", want: kOne},
			{cmd: "TTL k", want: kInt(2)},
			{cmd: "PTTL k", want: kInt(1500)},
			{cmd: "PTTL k", want: kInt(1000), advance: 500},
			{cmd: "TTL k", want: kInt(1), advance: 1},
			{cmd: "PEXPIRETIME k", want: kInt(1_700_000_001_500)},
			{cmd: "EXPIRETIME k", want: kInt(1_700_000_002)},
			{cmd: "TTL k", want: kInt(-2), advance: 999},
			{cmd: "EXISTS k", want: kZero},
		}},
		{"scan", []kStep{
			{cmd: "SCAN 0", want: kScanReply("0")},
			{cmd: "SCAN -1", want: kScanReply("0")},
			{cmd: "SCAN x", want: "-ERR invalid cursor\r\n"},
			{cmd: "SCAN 18446744073709551616", want: "-ERR invalid cursor\r\n"},
			{cmd: "SCAN 0 COUNT 0", want: kSyntax},
			{cmd: "SCAN 0 COUNT x", want: kNotInt},
			{cmd: "SCAN 0 MATCH", want: kSyntax},
			{cmd: "SCAN 0 FOO bar", want: kSyntax},
			{cmd: "SET one v", want: kOK},
			{cmd: "SCAN 0 COUNT 100", want: kScanReply("0", "one")},
			{cmd: "SCAN 0 MATCH o* TYPE STRING", want: kScanReply("0", "one")},
			{cmd: "SCAN 0 TYPE list", want: kScanReply("0")},
			{cmd: "SCAN 0 MATCH x*", want: kScanReply("0")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runKSteps(t, newStrEnv(t), tt.steps)
		})
	}
}

func TestKeysNonStringValues(t *testing.T) {
	e := newStrEnv(t)
	e.x.KS.DBs[0].SetObject([]byte("l"), fakeList{}, e.now)
	runKSteps(t, e, []kStep{
		{cmd: "TYPE l", want: "+list\r\n"},
		{cmd: "OBJECT ENCODING l", want: bulk("listpack")},
		{cmd: "OBJECT REFCOUNT l", want: kOne},
		{cmd: "EXPIRE l 10", want: kOne},
		{cmd: "COPY l l2", want: kOne},
		{cmd: "TYPE l2", want: "+list\r\n"},
		{cmd: "TTL l2", want: kInt(10)},
		{cmd: "RENAME l2 l3", want: kOK},
		{cmd: "SET s v", want: kOK},
		{cmd: "SCAN 0 TYPE list MATCH l3", want: kScanReply("0", "l3")},
		{cmd: "SCAN 0 TYPE string", want: kScanReply("0", "s")},
	})
}

func TestKeysBinaryArguments(t *testing.T) {
	e := newStrEnv(t)
	do := func(args ...string) string {
		b := make([][]byte, len(args))
		for i := range args {
			b[i] = []byte(args[i])
		}
		return e.doArgs(b...)
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"SET", "a\x00b", "v"}, kOK},
		{[]string{"EXISTS", "a\x00b", "a"}, kOne},
		{[]string{"RENAME", "a\x00b", "c\x00d"}, kOK},
		{[]string{"KEYS", "c\x00*"}, kArray(bulk("c\x00d"))},
		{[]string{"EXPIRE", "c\x00d", "10", "x\x00y"}, "-ERR Unsupported option x\r\n"},
		{[]string{"EXPIRE", "c\x00d", "10", "a\r\nb"}, "-ERR Unsupported option a  b\r\n"},
		{[]string{"SCAN", ""}, kScanReply("0", "c\x00d")},
		{[]string{"SCAN", "0", "TYPE", "string\x00junk"}, kScanReply("0", "c\x00d")},
		{[]string{"SET", "", "empty"}, kOK},
		// "*" matches the empty key (Redis skips matching for it); "**" does not.
		{[]string{"KEYS", "**"}, kArray(bulk("c\x00d"))},
		{[]string{"SCAN", "0", "MATCH", "**"}, kScanReply("0", "c\x00d")},
		{[]string{"DEL", "c\x00d"}, kOne},
		{[]string{"KEYS", "*"}, kArray(bulk(""))},
		{[]string{"SCAN", "0", "MATCH", "*"}, kScanReply("0", "")},
		{[]string{"SCAN", "0", "MATCH", ""}, kScanReply("0", "")},
	}
	for _, s := range steps {
		if got := do(s.args...); got != s.want {
			t.Fatalf("%q: got %q, want %q", s.args, got, s.want)
		}
	}
}

func TestKeysResp3(t *testing.T) {
	e := newStrEnv(t)
	e.cl.Proto = 3
	runKSteps(t, e, []kStep{
		{cmd: "RANDOMKEY", want: "_\r\n"},
		{cmd: "OBJECT ENCODING nosuch", want: "_\r\n"},
		{cmd: "TYPE nosuch", want: "+none\r\n"},
		{cmd: "SET k v", want: kOK},
		{cmd: "SCAN 0", want: kScanReply("0", "k")},
		{cmd: "KEYS *", want: kArray(bulk("k"))},
		{cmd: "TTL k", want: kInt(-1)},
	})
}

// TestKeysStats checks keyspace hits/misses, expired_keys and the dirty
// counter, command by command, against what Redis 7.0 counts.
func TestKeysStats(t *testing.T) {
	tests := []struct {
		cmd                 string
		hits, misses, dirty int64
		expired             int64
		setup               []string
		clock               int64 // advance before cmd
	}{
		{cmd: "EXISTS a nosuch a", hits: 2, misses: 1},
		{cmd: "TYPE a", hits: 1},
		{cmd: "TYPE nosuch", misses: 1},
		{cmd: "TTL a", hits: 1},
		{cmd: "PTTL nosuch", misses: 1},
		{cmd: "EXPIRETIME a", hits: 1},
		{cmd: "OBJECT ENCODING a", hits: 1},
		{cmd: "OBJECT FREQ a", hits: 1},
		{cmd: "OBJECT IDLETIME nosuch", misses: 1},
		{cmd: "TOUCH a nosuch", hits: 1, misses: 1},
		{cmd: "COPY a b", hits: 1, dirty: 1},
		{cmd: "COPY nosuch b", misses: 1},
		{cmd: "KEYS *"},
		{cmd: "SCAN 0"},
		{cmd: "SCAN 0 TYPE string", hits: 1},
		{cmd: "SCAN 0 MATCH x* TYPE string"},
		{cmd: "RANDOMKEY"},
		{cmd: "DEL a nosuch", dirty: 1},
		{cmd: "UNLINK a a", dirty: 1},
		{cmd: "RENAME a b", dirty: 1},
		{cmd: "RENAME a a"},
		{cmd: "RENAMENX a b", dirty: 1},
		{cmd: "MOVE a 1", dirty: 1},
		{cmd: "EXPIRE a 10", dirty: 1},
		{cmd: "EXPIRE a 10 XX"},
		{cmd: "EXPIRE a -1", dirty: 1},
		{cmd: "PERSIST a"},
		{cmd: "PERSIST a", setup: []string{"EXPIRE a 10"}, dirty: 1},
		{cmd: "FLUSHDB", setup: []string{"SET b 1", "SET c 1"}, dirty: 3},
		{cmd: "FLUSHALL", setup: []string{"SELECT 2", "SET b 1", "SELECT 0"}, dirty: 3},
		{cmd: "FLUSHALL", setup: []string{"FLUSHALL"}, dirty: 1},
		{cmd: "SWAPDB 0 1", dirty: 1},
		{cmd: "SWAPDB 0 0", dirty: 1},
		{cmd: "DBSIZE"},
		// Lazy expiry: counted as expired, not as a change.
		{cmd: "EXISTS a", setup: []string{"PEXPIRE a 5"}, clock: 5, misses: 1, expired: 1},
		{cmd: "DEL a", setup: []string{"PEXPIRE a 5"}, clock: 5, expired: 1},
		{cmd: "SCAN 0 TYPE string", setup: []string{"PEXPIRE a 5"}, clock: 5, misses: 1, expired: 1},
		{cmd: "SCAN 0", setup: []string{"PEXPIRE a 5"}, clock: 5, expired: 1},
		{cmd: "RANDOMKEY", setup: []string{"PEXPIRE a 5"}, clock: 5, expired: 1},
		{cmd: "RENAME a b", setup: []string{"PEXPIRE a 5"}, clock: 5, expired: 1},
		{cmd: "EXPIRE a 100", setup: []string{"PEXPIRE a 5"}, clock: 5, expired: 1},
	}
	for _, tt := range tests {
		name := tt.cmd
		if len(tt.setup) > 0 {
			name = strings.Join(tt.setup, ";") + ";" + tt.cmd
		}
		t.Run(name, func(t *testing.T) {
			e := newStrEnv(t)
			e.do("SET a 1")
			for _, s := range tt.setup {
				e.do(s)
			}
			e.now += tt.clock
			st := &e.x.KS.Stats
			*st = keyspace.Stats{}
			e.do(tt.cmd)
			if st.Hits != tt.hits || st.Misses != tt.misses || st.Dirty != tt.dirty || st.ExpiredKeys != tt.expired {
				t.Fatalf("hits/misses/dirty/expired = %d/%d/%d/%d, want %d/%d/%d/%d",
					st.Hits, st.Misses, st.Dirty, st.ExpiredKeys, tt.hits, tt.misses, tt.dirty, tt.expired)
			}
		})
	}
}

// TestScanCommandGuarantee runs full SCANs with small COUNTs while keys are
// added and removed between calls: every key present for the whole scan
// must be returned.
func TestScanCommandGuarantee(t *testing.T) {
	for _, tc := range []struct {
		name         string
		stable, add  int
		removeExtras bool
		count        string
	}{
		{"growing", 100, 25, false, "3"},
		{"shrinking", 30, 0, true, "5"},
		{"default count", 200, 10, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newStrEnv(t)
			for i := 0; i < tc.stable; i++ {
				e.do(fmt.Sprintf("SET stable:%d v", i))
			}
			if tc.removeExtras {
				for i := 0; i < 2000; i++ {
					e.do(fmt.Sprintf("SET extra:%d v", i))
				}
			}
			seen := map[string]bool{}
			cursor, extra, calls := "0", 0, 0
			for {
				cmd := "SCAN " + cursor
				if tc.count != "" {
					cmd += " COUNT " + tc.count
				}
				next, keys := parseScanReply(t, e.do(cmd))
				for _, k := range keys {
					seen[k] = true
				}
				calls++
				if next == "0" {
					break
				}
				if calls > 100000 {
					t.Fatal("scan does not end")
				}
				cursor = next
				for i := 0; i < tc.add && extra < 5000; i++ {
					e.do(fmt.Sprintf("SET extra:%d v", extra))
					extra++
				}
				if tc.removeExtras {
					for i := 0; i < 50 && extra < 2000; i++ {
						e.do(fmt.Sprintf("DEL extra:%d", extra))
						extra++
					}
				}
			}
			for i := 0; i < tc.stable; i++ {
				if !seen[fmt.Sprintf("stable:%d", i)] {
					t.Fatalf("stable:%d missed after %d calls", i, calls)
				}
			}
		})
	}
}

// parseScanReply decodes a RESP2 SCAN reply.
func parseScanReply(t *testing.T, r string) (string, []string) {
	t.Helper()
	lines := strings.Split(r, "\r\n")
	if len(lines) < 4 || lines[0] != "*2" {
		t.Fatalf("bad SCAN reply %q", r)
	}
	cursor := lines[2]
	var n int
	fmt.Sscanf(lines[3], "*%d", &n)
	var keys []string
	for i := 0; i < n; i++ {
		keys = append(keys, lines[5+2*i])
	}
	return cursor, keys
}

func TestObjectPolicies(t *testing.T) {
	t.Run("lfu", func(t *testing.T) {
		e := newStrEnv(t)
		e.x.KS.LFU = true
		runKSteps(t, e, []kStep{
			{cmd: "SET k v", want: kOK},
			{cmd: "OBJECT FREQ k", want: kInt(5)},
			{cmd: "GET k", want: bulk("v")},
			{cmd: "OBJECT FREQ k", want: kInt(6)},
			{cmd: "OBJECT FREQ k", want: kInt(4), advance: 2 * 60_000},
			{cmd: "OBJECT IDLETIME k", want: "-" + ErrLFUSelected + "\r\n"},
			{cmd: "OBJECT IDLETIME nosuch", want: kNull},
		})
	})
	t.Run("no shared integers with maxmemory and an LRU policy", func(t *testing.T) {
		e := newStrEnv(t)
		e.do("SET k 100")
		if got := e.do("OBJECT REFCOUNT k"); got != kInt(math.MaxInt32) {
			t.Fatalf("default: %q", got)
		}
		if err := e.x.State.Config.Set([][2]string{{"maxmemory", "100mb"}, {"maxmemory-policy", "allkeys-lru"}}); err != nil {
			t.Fatal(err)
		}
		if got := e.do("OBJECT REFCOUNT k"); got != kOne {
			t.Fatalf("allkeys-lru: %q", got)
		}
		if err := e.x.State.Config.Set([][2]string{{"maxmemory-policy", "volatile-ttl"}}); err != nil {
			t.Fatal(err)
		}
		if got := e.do("OBJECT REFCOUNT k"); got != kInt(math.MaxInt32) {
			t.Fatalf("volatile-ttl: %q", got)
		}
	})
	t.Run("help", func(t *testing.T) {
		e := newStrEnv(t)
		got := e.do("OBJECT HELP")
		if !strings.HasPrefix(got, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") ||
			!strings.HasSuffix(got, "+HELP\r\n+    Prints this help.\r\n") {
			t.Fatalf("OBJECT HELP = %q", got)
		}
	})
}

func TestParseScanCursor(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"17", 17, true}, {"007", 7, true}, {"+5", 5, true}, {"-0", 0, true},
		{"-1", math.MaxUint64, true}, {"18446744073709551615", math.MaxUint64, true},
		{"-18446744073709551615", 1, true}, {"", 0, true}, {"\x00", 0, true}, {"5\x00x", 5, true},
		{"18446744073709551616", 0, false}, {"-18446744073709551616", 0, false},
		{" 1", 0, false}, {"\t1", 0, false}, {"1 ", 0, false}, {"x", 0, false}, {"+", 0, false},
		{"-", 0, false}, {"0x10", 0, false}, {"1.5", 0, false}, {"1e3", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
