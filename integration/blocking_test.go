package integration

// Blocking commands with several clients: who is served, in what order,
// what wakes a waiter, and what ends a wait. Each step runs on both
// servers and the replies are compared byte for byte.

import (
	"strings"
	"testing"
	"time"
)

const quiet = 150 * time.Millisecond

// A push wakes the waiter, which gets the element; the pusher sees the
// length before the pop.
func TestDiffBlockedPopServedByPush(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffSend(t, a, "BLPOP", "k1", "k2", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, b, "CLIENT", "LIST", "TYPE", "pubsub")
	diffDo(t, b, "RPUSH", "k2", "x", "y")
	diffRead(t, a)
	diffDo(t, b, "LRANGE", "k2", "0", "-1")
	diffDo(t, a, "PING")
}

// First come, first served among clients waiting on one key; one element
// serves one client.
func TestDiffBlockedFIFO(t *testing.T) {
	diffFlushAll(t)
	a, b, c, w := newConnPair(t), newConnPair(t), newConnPair(t), newConnPair(t)
	diffSend(t, a, "BRPOP", "q", "0")
	diffNoReply(t, a, quiet)
	diffSend(t, b, "BRPOP", "q", "0")
	diffNoReply(t, b, quiet)
	diffSend(t, c, "BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5")
	diffNoReply(t, c, quiet)
	diffDo(t, w, "RPUSH", "q", "1")
	diffRead(t, a)
	diffNoReply(t, b, quiet)
	diffDo(t, w, "RPUSH", "q", "2", "3", "4")
	diffRead(t, b)
	diffRead(t, c)
	diffDo(t, w, "EXISTS", "q")
}

// A timeout gives a null array once the time is up, not before.
func TestDiffBlockedTimeout(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	start := time.Now()
	diffDo(t, a, "BLPOP", "none", "0.3")
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("BLPOP 0.3 took %v", d)
	}
	diffDo(t, a, "BZPOPMIN", "none", "0.05")
	diffDo(t, a, "BLMOVE", "none", "dst", "LEFT", "LEFT", "0.05")
}

// BLMOVE served by a push moves the element to its destination, which in
// turn can serve a client waiting there.
func TestDiffBlockedMoveChain(t *testing.T) {
	diffFlushAll(t)
	a, b, w := newConnPair(t), newConnPair(t), newConnPair(t)
	diffSend(t, a, "BLMOVE", "src", "mid", "RIGHT", "LEFT", "0")
	diffNoReply(t, a, quiet)
	diffSend(t, b, "BLPOP", "mid", "0")
	diffNoReply(t, b, quiet)
	diffDo(t, w, "LPUSH", "src", "v")
	diffRead(t, a)
	diffRead(t, b)
	diffDo(t, w, "EXISTS", "src", "mid")
}

// What else wakes a waiter: a key renamed, moved or swapped onto the key,
// and sorted sets for BZPOPMIN. A key of another type does not.
func TestDiffBlockedWakeups(t *testing.T) {
	diffFlushAll(t)
	a, w := newConnPair(t), newConnPair(t)

	diffSend(t, a, "BLPOP", "target", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "SET", "target", "string")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "DEL", "target")
	diffDo(t, w, "RPUSH", "other", "renamed")
	diffDo(t, w, "RENAME", "other", "target")
	diffRead(t, a)

	diffSend(t, a, "BLPOP", "target", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "SELECT", "1")
	diffDo(t, w, "RPUSH", "target", "moved")
	diffDo(t, w, "MOVE", "target", "0")
	diffRead(t, a)

	diffSend(t, a, "BLPOP", "target", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "RPUSH", "target", "swapped")
	diffDo(t, w, "SWAPDB", "0", "1")
	diffRead(t, a)
	diffDo(t, w, "SELECT", "0")

	diffSend(t, a, "BZPOPMAX", "zs", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "RPUSH", "zs", "not-a-zset")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "DEL", "zs")
	diffDo(t, w, "ZADD", "zs", "1", "a", "2", "b")
	diffRead(t, a)
	diffDo(t, w, "ZRANGE", "zs", "0", "-1", "WITHSCORES")

	diffSend(t, a, "BZMPOP", "0", "2", "z1", "z2", "MIN", "COUNT", "10")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "ZADD", "z2", "5", "x", "3", "y")
	diffRead(t, a)
	diffDo(t, w, "FLUSHALL")
}

// A client that disconnects while waiting leaves no trace: the next push
// stays in the list.
func TestDiffBlockedDisconnect(t *testing.T) {
	diffFlushAll(t)
	a, w := newConnPair(t), newConnPair(t)
	diffSend(t, a, "BLPOP", "gone", "0")
	diffNoReply(t, a, quiet)
	a.close()
	time.Sleep(quiet)
	diffDo(t, w, "RPUSH", "gone", "kept")
	diffDo(t, w, "LRANGE", "gone", "0", "-1")
	diffDo(t, w, "DEL", "gone")
}

// CLIENT UNBLOCK ends a wait with the timeout reply or an error; requests
// pipelined behind the wait then run.
func TestDiffClientUnblock(t *testing.T) {
	diffFlushAll(t)
	a, w := newConnPair(t), newConnPair(t)
	idOf := func(c *respConn) string {
		r := c.do("CLIENT", "ID")
		return strings.TrimSpace(r.replies[0].line)
	}
	refID, sutID := idOf(a.ref), idOf(a.sut)
	unblock := func(mode ...string) {
		diffDoEach(t, w, func(c *respConn) []string {
			id := sutID
			if c == w.ref {
				id = refID
			}
			return append([]string{"CLIENT", "UNBLOCK", id}, mode...)
		})
	}
	unblock() // not blocked: 0
	diffSend(t, a, "BLPOP", "x", "0")
	diffSend(t, a, "PING")
	diffNoReply(t, a, quiet)
	diffDoMode(t, w, "~info", "CLIENT", "LIST")
	unblock("TIMEOUT")
	diffRead(t, a)
	diffRead(t, a)
	diffSend(t, a, "BZPOPMIN", "x", "0")
	diffNoReply(t, a, quiet)
	unblock("ERROR")
	diffRead(t, a)
	unblock("bogus")
}
