package integration

// Differential tests with several clients, written with the helpers of
// helpers_test.go. Each newConnPair is one client on each server.

import (
	"testing"
	"time"
)

// One client's writes are seen by another, and a write by one client
// aborts another client's WATCHed transaction.
func TestDiffTwoClientsWatch(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)

	diffDo(t, a, "SET", "shared", "from-a")
	diffDo(t, b, "GET", "shared")
	diffDo(t, b, "APPEND", "shared", "+b")
	diffDo(t, a, "GET", "shared")

	diffDo(t, a, "WATCH", "shared")
	diffDo(t, b, "SET", "shared", "changed-by-b")
	diffDo(t, a, "MULTI")
	diffDo(t, a, "SET", "shared", "from-a-tx")
	diffDo(t, a, "EXEC") // *-1: the transaction was aborted
	diffDo(t, a, "GET", "shared")

	// Without interference the transaction runs.
	diffDo(t, a, "WATCH", "shared")
	diffDo(t, a, "MULTI")
	diffDo(t, a, "INCR", "counter")
	diffDo(t, a, "EXEC")
	diffDo(t, b, "GET", "counter")
}

// PUBLISH by one client is delivered to a subscribed client, in RESP2 and
// as a RESP3 push message.
func TestDiffTwoClientsPubSub(t *testing.T) {
	diffFlushAll(t)
	sub, pub, sub3 := newConnPair(t), newConnPair(t), newConnPair(t)

	diffDo(t, sub, "SUBSCRIBE", "news", "sport") // first reply...
	diffRead(t, sub)                             // ...and the second one
	diffDoMode(t, sub3, "~any", "HELLO", "3")
	diffDo(t, sub3, "SUBSCRIBE", "news")

	diffDo(t, pub, "PUBLISH", "news", "hello") // :2
	diffRead(t, sub)                           // *3 message news hello
	diffRead(t, sub3)                          // >3 message news hello
	diffDo(t, pub, "PUBLISH", "nobody", "x")   // :0
	diffNoReply(t, sub, 100*time.Millisecond)

	diffDo(t, sub, "PING") // allowed in subscribed mode: *2 pong ""
	diffDo(t, sub, "GET", "k")
	// Name the channels: a bare UNSUBSCRIBE replies in hash-table order.
	diffDo(t, sub, "UNSUBSCRIBE", "news", "sport")
	diffRead(t, sub)
}

// One client kills another; the victim's connection is closed.
func TestDiffTwoClientsKill(t *testing.T) {
	diffFlushAll(t)
	victim, killer := newConnPair(t), newConnPair(t)

	diffDo(t, victim, "CLIENT", "SETNAME", "victim")
	diffDo(t, victim, "CLIENT", "GETNAME")
	// The victim's address differs per server: build the command per side.
	diffDoEach(t, killer, func(c *respConn) []string {
		return []string{"CLIENT", "KILL", "ADDR", victim.conn(c).LocalAddr()}
	})
	ref, _ := diffDo(t, victim, "PING") // both: <closed>
	if ref.end != endClosed {
		t.Errorf("reference server did not close the killed client: %s", ref)
	}
	diffDo(t, killer, "CLIENT", "KILL", "ADDR", "127.0.0.1:1") // no such client
	diffDo(t, killer, "PING")
}
