package command

import (
	"strconv"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// strEnv runs commands in-process against a fresh keyspace, with a clock the
// test controls. It returns raw RESP replies so tests compare exact bytes.
type strEnv struct {
	t   *testing.T
	x   *Executor
	cl  *Client
	now int64
}

func newStrEnv(t *testing.T) *strEnv {
	t.Helper()
	ks := keyspace.New(16)
	return &strEnv{
		t:   t,
		x:   &Executor{Table: NewTable(), KS: ks, State: NewState(config.New())},
		cl:  &Client{ID: 1, Proto: 2, User: "default", Authed: true},
		now: 1_700_000_000_000,
	}
}

// do runs one command given as a redis-cli-style line split on spaces.
func (e *strEnv) do(line string) string {
	e.t.Helper()
	var args [][]byte
	for _, f := range strings.Fields(line) {
		args = append(args, []byte(f))
	}
	return e.doArgs(args...)
}

func (e *strEnv) doArgs(args ...[]byte) string {
	w := &resp.Writer{Proto: e.cl.Proto}
	e.x.Exec(e.cl, args, w, e.now)
	return string(w.Buf)
}

// fakeList is a non-string value, so WRONGTYPE paths can be tested before
// the other types exist.
type fakeList struct{}

func (fakeList) Kind() keyspace.Kind    { return keyspace.KindList }
func (fakeList) Encoding() string       { return "listpack" }
func (fakeList) Clone() keyspace.Object { return fakeList{} }

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

func TestStringCommands(t *testing.T) {
	const (
		ok       = "+OK\r\n"
		null     = "$-1\r\n"
		notInt   = "-ERR value is not an integer or out of range\r\n"
		notFloat = "-ERR value is not a valid float\r\n"
		syntax   = "-ERR syntax error\r\n"
		wrong    = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
	)
	type step struct{ cmd, want string }
	tests := []struct {
		name  string
		steps []step
	}{
		{"set/get", []step{{"GET k", null}, {"SET k v", ok}, {"GET k", bulk("v")}, {"STRLEN k", ":1\r\n"}}},
		{"set nx xx", []step{{"SET k v XX", null}, {"SET k v NX", ok}, {"SET k w NX", null}, {"SET k w XX", ok}, {"GET k", bulk("w")}}},
		{"set get option", []step{{"SET k a GET", null}, {"SET k b GET", bulk("a")}, {"SET k c NX GET", bulk("b")}, {"GET k", bulk("b")}}},
		{"set option errors", []step{{"SET k v NX XX", syntax}, {"SET k v EX 1 PX 1", syntax}, {"SET k v EX", syntax}, {"SET k v EX x", notInt},
			{"SET k v EX 0", "-ERR invalid expire time in 'set' command\r\n"}, {"SET k v KEEPTTL EX 1", syntax}}},
		{"incr family", []step{{"INCR n", ":1\r\n"}, {"INCRBY n 9", ":10\r\n"}, {"DECRBY n 20", ":-10\r\n"}, {"DECR n", ":-11\r\n"},
			{"SET n 9223372036854775807", ok}, {"INCR n", "-ERR increment or decrement would overflow\r\n"},
			{"SET n x", ok}, {"INCR n", notInt}, {"INCRBY n x", notInt}}},
		{"incrbyfloat", []step{{"INCRBYFLOAT f 10.5", bulk("10.5")}, {"INCRBYFLOAT f 0.1", bulk("10.6")},
			{"INCRBYFLOAT f -5.0e3", bulk("-4989.39999999999999991")}, {"INCRBYFLOAT f x", notFloat},
			{"INCRBYFLOAT g 0x10", bulk("16")}, {"INCRBYFLOAT g 0b1", notFloat}, {"INCRBYFLOAT g 1_0", notFloat},
			{"INCRBYFLOAT g inf", "-ERR increment would produce NaN or Infinity\r\n"}}},
		{"append/ranges", []step{{"APPEND k Hello", ":5\r\n"}, {"APPEND k World", ":10\r\n"}, {"GETRANGE k 0 4", bulk("Hello")},
			{"GETRANGE k -5 -1", bulk("World")}, {"GETRANGE k 7 2", bulk("")}, {"SETRANGE k 5 _", ":10\r\n"}, {"GET k", bulk("Hello_orld")},
			{"SETRANGE k -1 x", "-ERR offset is out of range\r\n"}, {"SETRANGE k 536870912 x", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
			{"SETRANGE e 0 ''", ":2\r\n"}}},
		{"mset/msetnx", []step{{"MSET a 1 b 2", ok}, {"MGET a b c", "*3\r\n" + bulk("1") + bulk("2") + null}, {"MSETNX a 9 z 9", ":0\r\n"},
			{"MSETNX y 1 z 2", ":1\r\n"}, {"MSET a", "-ERR wrong number of arguments for 'mset' command\r\n"}}},
		{"getdel/getset", []step{{"GETSET k 1", null}, {"GETSET k 2", bulk("1")}, {"GETDEL k", bulk("2")}, {"GETDEL k", null}}},
		{"lcs", []step{{"SET a ohmytext", ok}, {"SET b mynewtext", ok}, {"LCS a b", bulk("mytext")}, {"LCS a b LEN", ":6\r\n"},
			{"LCS a b LEN IDX", "-ERR If you want both the length and indexes, please just use IDX.\r\n"}}},
		{"unknown command", []step{{"NOSUCH a b", "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStrEnv(t)
			for _, s := range tt.steps {
				if got := e.do(s.cmd); got != s.want {
					t.Errorf("%s:\n got %q\nwant %q", s.cmd, got, s.want)
				}
			}
		})
	}

	// Every string command refuses a key of another type with WRONGTYPE.
	t.Run("wrongtype", func(t *testing.T) {
		e := newStrEnv(t)
		e.x.KS.DBs[0].SetObject([]byte("l"), fakeList{}, e.now)
		for _, cmd := range []string{"GET l", "SET l v GET", "GETSET l v", "GETDEL l", "GETEX l", "APPEND l x", "STRLEN l",
			"INCR l", "DECR l", "INCRBY l 1", "DECRBY l 1", "INCRBYFLOAT l 1", "GETRANGE l 0 1", "SETRANGE l 0 x"} {
			if got := e.do(cmd); got != wrong {
				t.Errorf("%s: got %q, want WRONGTYPE", cmd, got)
			}
		}
		if got := e.do("LCS l l"); got != "-ERR The specified keys must contain string values\r\n" {
			t.Errorf("LCS on a list: got %q", got)
		}
		// MGET answers nil for it; SET replaces it.
		if got := e.do("MGET l"); got != "*1\r\n$-1\r\n" {
			t.Errorf("MGET on a list: got %q", got)
		}
		if got := e.do("SET l v"); got != ok {
			t.Errorf("SET over a list: got %q", got)
		}
	})
}

// Expiry options are computed from the clock the caller passes in, and a
// key past its time is gone on the next access without any background work.
func TestStringExpiryUsesGivenClock(t *testing.T) {
	e := newStrEnv(t)
	if got := e.do("SET k v PX 1500"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	e.now += 1499
	if got := e.do("GET k"); got != bulk("v") {
		t.Fatalf("GET before expiry: %q", got)
	}
	e.now += 1
	if got := e.do("GET k"); got != "$-1\r\n" {
		t.Fatalf("GET at expiry: %q", got)
	}
	ex := strconv.FormatInt(e.now/1000+10, 10)
	e.do("SET k v EXAT " + ex)
	e.now += 10_000
	if got := e.do("GET k"); got != "$-1\r\n" {
		t.Fatalf("GET after EXAT: %q", got)
	}
	// GETEX PERSIST removes the TTL: the key outlives its old deadline.
	e.do("SET k v EX 1")
	e.do("GETEX k PERSIST")
	e.now += 5000
	if got := e.do("GET k"); got != bulk("v") {
		t.Fatalf("GET after GETEX PERSIST: %q", got)
	}
}

// RESP3 changes only the reply types Redis changes (LCS IDX is a map).
func TestStringRESP3(t *testing.T) {
	e := newStrEnv(t)
	e.cl.Proto = 3
	e.do("SET a ohmytext")
	e.do("SET b mynewtext")
	got := e.do("LCS a b IDX MINMATCHLEN 4")
	if !strings.HasPrefix(got, "%2\r\n") {
		t.Errorf("LCS IDX in RESP3 should be a map: %q", got)
	}
	if got := e.do("GET nosuch"); got != "_\r\n" {
		t.Errorf("RESP3 null: %q", got)
	}
}
