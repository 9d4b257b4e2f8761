package integration

// maxmemory: with a limit neither server can meet (1 byte), what is
// refused, what still runs, which keys are evicted and what is published
// about them must match exactly. How much either server keeps under a
// realistic limit is measured in cmd/enclavekv-server's tests and
// bench/, not compared here: the two count memory differently.

import (
	"testing"
)

// withMaxmemory sets maxmemory and the policy on both servers and puts
// back each server's own settings when the test ends.
func withMaxmemory(t *testing.T, limit, policy string) {
	t.Helper()
	p := restoreMaxmemory(t)
	diffDo(t, p, "CONFIG", "SET", "maxmemory-policy", policy)
	diffDo(t, p, "CONFIG", "SET", "maxmemory", limit)
}

// restoreMaxmemory puts back each server's own maxmemory settings when the
// test ends (enclavekv's default is the enclave's heap size, Redis's 0).
func restoreMaxmemory(t *testing.T) *connPair {
	t.Helper()
	p := newConnPair(t)
	get := func(c *respConn, name string) string {
		r := c.do("CONFIG", "GET", name)
		if r.end != endReply || len(r.replies[0].elems) != 2 {
			t.Fatalf("CONFIG GET %s on %s: %s", name, c.addr, r)
		}
		return string(r.replies[0].elems[1].data)
	}
	saved := map[*respConn][2]string{}
	for _, c := range []*respConn{p.ref, p.sut} {
		saved[c] = [2]string{get(c, "maxmemory"), get(c, "maxmemory-policy")}
	}
	t.Cleanup(func() {
		q := &connPair{}
		q.open(t)
		defer q.close()
		for _, c := range []*respConn{q.ref, q.sut} {
			s := saved[p.conn(c)]
			c.do("CONFIG", "SET", "maxmemory", s[0], "maxmemory-policy", s[1])
		}
	})
	return p
}

func TestDiffMaxmemoryNoEviction(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	diffDo(t, a, "SET", "k", "v")
	diffDo(t, a, "RPUSH", "l", "a", "b")
	diffDo(t, a, "FUNCTION", "LOAD", "#!lua name=oomlib\n"+
		"redis.register_function('w', function(keys) return redis.call('set', keys[1], 'x') end)\n"+
		"redis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"+
		"redis.register_function{function_name='ok', callback=function(keys) return redis.call('set', keys[1], 'y') end, flags={'allow-oom'}}")
	t.Cleanup(func() { diffDo(t, a, "FUNCTION", "FLUSH") })
	withMaxmemory(t, "1", "noeviction")

	for _, cmd := range [][]string{
		// Commands that may grow the dataset are refused ...
		{"SET", "k2", "v"}, {"SET", "k", "w"}, {"INCR", "n"}, {"APPEND", "k", "x"}, {"LPUSH", "l", "c"},
		{"HSET", "h", "f", "v"}, {"SADD", "s", "m"}, {"ZADD", "z", "1", "m"}, {"SETRANGE", "k", "0", "x"},
		{"RESTORE", "r", "0", "\x00\x01v\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		// ... reads, deletions and shrinking writes are not.
		{"GET", "k"}, {"LPOP", "l"}, {"EXPIRE", "k", "100"}, {"PERSIST", "k"}, {"DBSIZE"}, {"PING"},
		// A script without flags runs, and is stopped at its first write;
		// declared flags decide before it starts.
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "k"},
		{"EVAL", "redis.call('get', KEYS[1]); return redis.pcall('set', KEYS[1], 'x')", "1", "k"},
		{"EVAL", "#!lua\nreturn redis.call('set', KEYS[1], 'x')", "1", "k"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'z')", "1", "k"},
		{"FCALL", "w", "1", "k"}, {"FCALL", "r", "1", "k"}, {"FCALL_RO", "r", "1", "k"}, {"FCALL", "ok", "1", "k"},
		{"GET", "k"},
		// In a transaction everything but EXEC and DISCARD is refused,
		// and the transaction then aborts.
		{"MULTI"}, {"GET", "k"}, {"SET", "k", "v"}, {"EXEC"},
		{"MULTI"}, {"DISCARD"},
		{"DEL", "k", "l"}, {"DBSIZE"},
	} {
		diffDo(t, a, cmd...)
	}
}

// A transaction queued before memory ran out: EXEC is refused when it
// holds a write that needs memory, and runs when it holds only reads.
func TestDiffMaxmemoryQueuedTransaction(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffDo(t, a, "SET", "k", "v")
	diffDo(t, a, "MULTI")
	diffDo(t, a, "SET", "k", "w")
	diffDo(t, b, "MULTI")
	diffDo(t, b, "GET", "k")
	withMaxmemory(t, "1", "noeviction")
	diffDo(t, a, "EXEC")
	diffDo(t, b, "EXEC")
}

// Evicted keys are announced (class e) and gone; a volatile policy
// evicts only keys with an expiry and then refuses writes.
func TestDiffMaxmemoryEvictedEvents(t *testing.T) {
	restoreMaxmemory(t)
	diffEvents(t, "KEe", []string{
		"SET a 1",
		"SET v 2 EX 1000",
		"CONFIG SET maxmemory-policy volatile-lru",
		"CONFIG SET maxmemory 1",
		"GET a",
		"SET b 3",
		"EXISTS v",
		"CONFIG SET maxmemory-policy allkeys-lru",
		"GET nosuch",
		"EXISTS a",
	})
}
