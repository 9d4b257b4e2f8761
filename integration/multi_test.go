package integration

// Transactions with several clients: WATCH against other clients' changes,
// pushes inside a transaction waking blocked clients only after EXEC,
// CLIENT PAUSE WRITE and EXEC, and what CLIENT LIST shows mid-transaction.
// Each step runs on both servers and the replies are compared byte for
// byte.

import (
	"strings"
	"testing"
	"time"
)

// Another client's write to a watched key fails the EXEC; its reads, and
// writes to other keys, do not.
func TestDiffWatchOtherClient(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	steps := []struct {
		name  string
		other []string // b's command between a's WATCH and a's MULTI
	}{
		{"read", []string{"GET", "w"}},
		{"write other key", []string{"SET", "x", "1"}},
		{"set", []string{"SET", "w", "2"}},
		{"append", []string{"APPEND", "w", "z"}},
		{"expire", []string{"EXPIRE", "w", "100"}},
		{"persist", []string{"PERSIST", "w"}},
		{"del", []string{"DEL", "w"}},
		{"rename onto", []string{"RENAME", "x", "w"}},
		{"lpush other type", []string{"LPUSH", "w", "1"}},
		{"flushall", []string{"FLUSHALL"}},
	}
	for _, st := range steps {
		diffDo(t, a, "SET", "w", "1")
		diffDo(t, a, "SET", "x", "1")
		diffDo(t, a, "WATCH", "w")
		diffDo(t, b, st.other...)
		diffDo(t, a, "MULTI")
		diffDo(t, a, "INCR", "n")
		diffDo(t, a, "EXEC")
		diffDo(t, a, "GET", "n")
		diffDo(t, a, "DEL", "w", "x", "n")
	}
	// A change to the same key name in another database is no change.
	diffDo(t, a, "SET", "w", "1")
	diffDo(t, a, "WATCH", "w")
	diffDo(t, b, "SELECT", "1")
	diffDo(t, b, "SET", "w", "other db")
	diffDo(t, b, "DEL", "w")
	diffDo(t, b, "SELECT", "0")
	diffDo(t, a, "MULTI")
	diffDo(t, a, "GET", "w")
	diffDo(t, a, "EXEC")
	// A watch taken in database 1 sees changes there, whatever database
	// the client selects afterwards.
	diffDo(t, a, "SELECT", "1")
	diffDo(t, a, "WATCH", "w")
	diffDo(t, a, "SELECT", "0")
	diffDo(t, b, "SELECT", "1")
	diffDo(t, b, "SET", "w", "x")
	diffDo(t, b, "SELECT", "0")
	diffDo(t, a, "MULTI")
	diffDo(t, a, "PING")
	diffDo(t, a, "EXEC")
	diffDo(t, a, "FLUSHALL")
}

// Two clients race on WATCH/MULTI/EXEC over one counter: exactly one of
// each pair of competing transactions succeeds.
func TestDiffWatchRace(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffDo(t, a, "SET", "counter", "0")
	for i := 0; i < 5; i++ {
		diffDo(t, a, "WATCH", "counter")
		diffDo(t, b, "WATCH", "counter")
		diffDo(t, a, "GET", "counter")
		diffDo(t, b, "GET", "counter")
		diffDo(t, a, "MULTI")
		diffDo(t, b, "MULTI")
		diffDo(t, a, "INCR", "counter")
		diffDo(t, b, "INCR", "counter")
		diffDo(t, b, "EXEC")
		diffDo(t, a, "EXEC")
	}
	diffDo(t, a, "GET", "counter")
}

// Pushes inside MULTI wake a blocked client only after EXEC, with the
// list as EXEC left it: emptied again inside the transaction, the waiter
// keeps waiting.
func TestDiffBlockedServedAfterExec(t *testing.T) {
	diffFlushAll(t)
	a, b, w := newConnPair(t), newConnPair(t), newConnPair(t)
	diffSend(t, a, "BLPOP", "q", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "MULTI")
	diffDo(t, w, "RPUSH", "q", "1", "2")
	diffNoReply(t, a, quiet) // queued, not run
	diffDo(t, w, "LPOP", "q")
	diffDo(t, w, "EXEC")
	diffRead(t, a) // gets "2", the element left after EXEC

	diffSend(t, a, "BLPOP", "q", "0")
	diffNoReply(t, a, quiet)
	diffSend(t, b, "BZPOPMIN", "z", "0")
	diffNoReply(t, b, quiet)
	diffDo(t, w, "MULTI")
	diffDo(t, w, "RPUSH", "q", "x")
	diffDo(t, w, "ZADD", "z", "1", "m")
	diffDo(t, w, "DEL", "q")
	diffDo(t, w, "EXEC")
	diffNoReply(t, a, quiet) // q was emptied inside the transaction
	diffRead(t, b)
	diffDo(t, w, "RPUSH", "q", "later")
	diffRead(t, a)
	diffDo(t, w, "EXISTS", "q", "z")
}

// CLIENT PAUSE WRITE holds an EXEC whose transaction writes, and a write
// being queued, but not a read-only transaction.
func TestDiffPauseHoldsWritingExec(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	diffDo(t, b, "MULTI")
	diffDo(t, b, "GET", "k")
	diffDo(t, a, "CLIENT", "PAUSE", "300", "WRITE")
	start := time.Now()
	diffDo(t, b, "EXEC")
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("a read-only EXEC during CLIENT PAUSE WRITE took %v; want it answered at once", d)
	}
	diffDo(t, a, "CLIENT", "UNPAUSE")

	diffDo(t, b, "MULTI")
	diffDo(t, b, "GET", "k")
	diffDo(t, a, "CLIENT", "PAUSE", "300", "WRITE")
	start = time.Now()
	diffDo(t, b, "SET", "k", "v")
	diffDo(t, b, "EXEC")
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("a writing transaction during CLIENT PAUSE WRITE was answered after %v; want it held", d)
	}
	diffDo(t, a, "GET", "k")
}

// CLIENT INFO shows an open transaction (flag x, multi=N) and a client
// whose watched key changed (flag d) as Redis does.
func TestDiffClientInfoTransaction(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	fields := func() {
		t.Helper()
		ref, sut := diffDoMode(t, a, "~any", "CLIENT", "INFO")
		for _, f := range []string{"flags=", "multi=", "cmd="} {
			if got, want := infoField(sut, f), infoField(ref, f); got != want {
				t.Errorf("CLIENT INFO %s%s, want %s%s", f, got, f, want)
			}
		}
	}
	fields()
	diffDo(t, a, "SET", "w", "1")
	diffDo(t, a, "WATCH", "w")
	fields()
	diffDo(t, b, "SET", "w", "2")
	fields()
	diffDo(t, a, "MULTI")
	diffDo(t, a, "SET", "x", "1")
	diffDo(t, a, "GET", "x")
	// CLIENT INFO itself is queued inside MULTI; ask from outside.
	ref, sut := diffDoMode(t, b, "~any", "CLIENT", "LIST")
	for _, f := range []string{"flags=", "multi="} {
		if got, want := clientListField(sut, "cmd=get", f), clientListField(ref, "cmd=get", f); got != want {
			t.Errorf("CLIENT LIST %s%s for the client in MULTI, want %s%s\n%s\n%s", f, got, f, want, ref.replies[0].data, sut.replies[0].data)
		}
	}
	diffDo(t, a, "EXEC")
	fields()
}

// infoField returns the value of field (e.g. "flags=") in a CLIENT INFO
// reply.
func infoField(r *result, field string) string {
	if r == nil || len(r.replies) == 0 {
		return "<no reply>"
	}
	for _, kv := range strings.Fields(string(r.replies[0].data)) {
		if strings.HasPrefix(kv, field) {
			return kv[len(field):]
		}
	}
	return "<missing>"
}

// clientListField returns field's value on the CLIENT LIST line that
// contains marker.
func clientListField(r *result, marker, field string) string {
	if r == nil || len(r.replies) == 0 {
		return "<no reply>"
	}
	for _, line := range strings.Split(string(r.replies[0].data), "\n") {
		if !strings.Contains(line, " "+marker+" ") {
			continue
		}
		for _, kv := range strings.Fields(line) {
			if strings.HasPrefix(kv, field) {
				return kv[len(field):]
			}
		}
	}
	return "<missing>"
}
