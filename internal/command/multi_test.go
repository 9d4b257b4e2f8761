package command

import (
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// txEnv is strEnv with a second client and the keyspace's change hook wired
// to the WATCH registry, as the server wires it.
func newTxEnv(t *testing.T) (*strEnv, *strEnv) {
	a := newStrEnv(t)
	a.x.KS.OnModify = func(db *keyspace.DB, key string) {
		if a.x.State.Watching() {
			a.x.State.KeyTouched(db, key)
		}
	}
	b := &strEnv{t: t, x: a.x, cl: &Client{ID: 2, Proto: 2, User: "default", Authed: true}, now: a.now}
	return a, b
}

// Queued arguments must not alias the connection's read buffer, which the
// next read overwrites.
func TestMultiQueueCopiesArguments(t *testing.T) {
	a, _ := newTxEnv(t)
	a.do("MULTI")
	buf := []byte("SETkeyvalue")
	if got := a.doArgs(buf[:3], buf[3:6], buf[6:]); got != "+QUEUED\r\n" {
		t.Fatalf("SET in MULTI: %q", got)
	}
	copy(buf, "XXXXXXXXXXX")
	if got, want := a.do("EXEC"), "*1\r\n+OK\r\n"; got != want {
		t.Fatalf("EXEC: %q, want %q", got, want)
	}
	if got := a.do("GET key"); got != bulk("value") {
		t.Fatalf("GET key after EXEC: %q", got)
	}
}

// The WATCH registry: who is dirtied by which change, and that a finished
// transaction leaves no registration behind.
func TestWatchRegistry(t *testing.T) {
	tests := []struct {
		name  string
		setup []string // by a before WATCH
		watch string
		other []string // by b after WATCH
		adv   int64    // clock moved before EXEC
		want  string   // EXEC's reply
	}{
		{"untouched", []string{"SET k 1"}, "WATCH k", []string{"GET k"}, 0, "*1\r\n+PONG\r\n"},
		{"written", []string{"SET k 1"}, "WATCH k", []string{"SET k 2"}, 0, "*-1\r\n"},
		{"missing then created", nil, "WATCH k", []string{"SET k 1"}, 0, "*-1\r\n"},
		{"one of several", []string{"SET k 1"}, "WATCH a b k", []string{"INCR k"}, 0, "*-1\r\n"},
		{"other db", []string{"SET k 1"}, "WATCH k", []string{"SELECT 3", "SET k 2"}, 0, "*1\r\n+PONG\r\n"},
		{"expires before EXEC", []string{"SET k 1 PX 10"}, "WATCH k", nil, 20, "*-1\r\n"},
		{"expired when watched, reclaimed", []string{"SET k 1 PX 10"}, "", []string{"GET k"}, 0, "*1\r\n+PONG\r\n"},
		{"expired when watched, rewritten", []string{"SET k 1 PX 10"}, "", []string{"SET k 2"}, 0, "*-1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newTxEnv(t)
			for _, c := range tt.setup {
				a.do(c)
			}
			watch := tt.watch
			if watch == "" { // watch after the key has expired
				a.now += 20
				b.now = a.now
				watch = "WATCH k"
			}
			if got := a.do(watch); got != "+OK\r\n" {
				t.Fatalf("%s: %q", watch, got)
			}
			for _, c := range tt.other {
				b.do(c)
			}
			a.now += tt.adv
			a.do("MULTI")
			a.do("PING")
			if got := a.do("EXEC"); got != tt.want {
				t.Fatalf("EXEC: %q, want %q", got, tt.want)
			}
			if a.x.State.Watching() || len(a.cl.watching) != 0 || a.cl.DirtyCAS || a.cl.Multi != nil {
				t.Fatalf("state left after EXEC: registry %d keys, client watches %d, dirty %v, multi %v",
					len(a.x.State.watched), len(a.cl.watching), a.cl.DirtyCAS, a.cl.Multi != nil)
			}
		})
	}
}

// Every way out of a transaction drops the client's watches: UNWATCH,
// DISCARD, RESET, EXECABORT, and the client going away.
func TestWatchReleased(t *testing.T) {
	for _, end := range []string{"UNWATCH", "DISCARD", "RESET", "EXECABORT", "GONE"} {
		t.Run(end, func(t *testing.T) {
			a, _ := newTxEnv(t)
			a.do("WATCH k1 k2")
			switch end {
			case "UNWATCH":
				a.do("UNWATCH")
			case "DISCARD":
				a.do("MULTI")
				a.do("DISCARD")
			case "RESET":
				a.do("RESET")
			case "EXECABORT":
				a.do("MULTI")
				a.do("NOSUCH")
				if got := a.do("EXEC"); !strings.HasPrefix(got, "-EXECABORT") {
					t.Fatalf("EXEC: %q", got)
				}
			case "GONE":
				a.do("MULTI")
				a.x.State.ClientGone(a.cl)
			}
			if a.x.State.Watching() || len(a.cl.watching) != 0 || a.cl.Multi != nil {
				t.Fatalf("after %s: registry %d keys, client watches %d, multi %v", end, len(a.x.State.watched), len(a.cl.watching), a.cl.Multi != nil)
			}
		})
	}
}
