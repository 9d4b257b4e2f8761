package integration

// A script running past busy-reply-threshold: other clients get BUSY, and
// SCRIPT KILL stops a script that has not written. The script that wrote
// (UNKILLABLE, then SHUTDOWN NOSAVE) is in cmd/enclavekv-server's tests:
// ending it stops the server.

import (
	"strings"
	"testing"
	"time"
)

func TestDiffBusyScript(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffDo(t, b, "CONFIG", "SET", "busy-reply-threshold", "100")
	t.Cleanup(func() { diffDo(t, b, "CONFIG", "SET", "busy-reply-threshold", "5000") })
	diffDo(t, b, "SCRIPT", "KILL") // nothing runs

	diffSend(t, a, "EVAL", "local i = 0 while true do i = i + 1 end", "0")
	time.Sleep(400 * time.Millisecond)
	diffDo(t, b, "GET", "x")
	diffDo(t, b, "PING")
	diffDo(t, b, "FUNCTION", "STATS")
	// The allow-busy commands run; a transaction queued meanwhile aborts.
	diffDo(t, b, "AUTH", "pw")
	diffDo(t, b, "WATCH", "x")
	diffDo(t, b, "UNWATCH")
	diffDo(t, b, "MULTI")
	diffDo(t, b, "INCR", "x")
	diffDo(t, b, "DISCARD")
	diffDo(t, b, "MULTI")
	diffDo(t, b, "EXEC")
	diffDo(t, b, "NOSUCHCOMMAND")
	diffDo(t, b, "GET")
	diffDo(t, b, "SHUTDOWN")
	diffDo(t, b, "SCRIPT", "KILL")
	diffRead(t, a) // the script's error
	diffDo(t, a, "PING")
	diffDo(t, b, "SCRIPT", "KILL")

	// A read-only script reading in a loop can be killed too, and clients
	// that connect meanwhile are answered.
	diffDo(t, b, "SET", "k", "v")
	diffSend(t, a, "EVAL", "while true do redis.call('get', KEYS[1]) end", "1", "k")
	time.Sleep(400 * time.Millisecond)
	c := newConnPair(t)
	diffDo(t, c, "GET", "k")
	diffDo(t, c, "SCRIPT", "KILL")
	diffRead(t, a)
	diffDo(t, c, "GET", "k")
}

// The same for a function: the BUSY text names FUNCTION KILL, SCRIPT KILL
// is refused, FUNCTION KILL stops it.
func TestDiffBusyFunction(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffDo(t, b, "CONFIG", "SET", "busy-reply-threshold", "100")
	t.Cleanup(func() {
		diffDo(t, b, "CONFIG", "SET", "busy-reply-threshold", "5000")
		diffDo(t, b, "FUNCTION", "FLUSH")
	})
	diffDo(t, b, "FUNCTION", "LOAD", "#!lua name=spinlib\nredis.register_function('spin', function()\n  local i = 0\n  while true do i = i + 1 end\nend)")
	diffDo(t, b, "FUNCTION", "KILL")
	diffSend(t, a, "FCALL", "spin", "0")
	time.Sleep(400 * time.Millisecond)
	diffDo(t, b, "GET", "x")
	// The running function, its command and how long it has run (the
	// duration differs between the servers: the shape is compared, and
	// enclavekv's reply checked).
	if _, sut := diffDoMode(t, b, "~any", "FUNCTION", "STATS"); sut.end == endReply {
		raw := string(sut.replies[0].raw)
		if !strings.Contains(raw, "$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:") {
			t.Errorf("FUNCTION STATS during a busy function: %q", raw)
		}
	}
	diffDo(t, b, "SCRIPT", "KILL")
	diffDo(t, b, "FUNCTION", "KILL")
	diffRead(t, a)
	diffDo(t, a, "PING")

	// An EVAL is not stopped by FUNCTION KILL.
	diffSend(t, a, "EVAL", "while true do end", "0")
	time.Sleep(400 * time.Millisecond)
	diffDo(t, b, "FUNCTION", "KILL")
	diffDo(t, b, "SCRIPT", "KILL")
	diffRead(t, a)
}
