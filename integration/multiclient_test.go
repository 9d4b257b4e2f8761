package integration

// Differential tests with several clients, written with the helpers of
// helpers_test.go. Each newConnPair is one client on each server.

import (
	"testing"
	"time"
)

// One client's writes are seen by another, in the other's selected database.
func TestDiffTwoClientsShareData(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)

	diffDo(t, a, "SET", "shared", "from-a")
	diffDo(t, b, "GET", "shared")
	diffDo(t, b, "APPEND", "shared", "+b")
	diffDo(t, a, "GET", "shared")
	diffDo(t, b, "SELECT", "3")
	diffDo(t, b, "SET", "shared", "db3")
	diffDo(t, a, "GET", "shared")
	diffDo(t, a, "SELECT", "3")
	diffDo(t, a, "GET", "shared")
}

// CLIENT PAUSE WRITE holds another client's write until the pause ends,
// while reads still run; both servers answer the held write afterwards.
func TestDiffTwoClientsPause(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)

	diffDo(t, a, "CLIENT", "PAUSE", "400", "WRITE")
	start := time.Now()
	diffDo(t, b, "GET", "k") // reads are not paused
	diffDo(t, b, "SET", "k", "v")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("a write during CLIENT PAUSE WRITE was answered after %v; want it held until the pause ends", d)
	}
	diffDo(t, a, "GET", "k")
	// CLIENT UNPAUSE is not a write, so it runs during a write pause and
	// ends it at once. (Under a pause of ALL it would itself be held: Redis
	// 7.0 exempts no command from it.)
	diffDo(t, a, "CLIENT", "PAUSE", "10000", "WRITE")
	start = time.Now()
	diffDo(t, a, "CLIENT", "UNPAUSE")
	diffDo(t, b, "INCR", "n")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a write after CLIENT UNPAUSE took %v; want it answered at once", d)
	}
	// A pause of ALL holds reads too, until it ends by itself.
	diffDo(t, a, "CLIENT", "PAUSE", "300")
	start = time.Now()
	diffDo(t, b, "GET", "k")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("a read during CLIENT PAUSE ALL was answered after %v; want it held", d)
	}
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
