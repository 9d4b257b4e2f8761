package integration

// Streams beyond a case file: blocking XREAD and XREADGROUP with several
// clients, values carried between the servers by DUMP/RESTORE, DEBUG
// RELOAD, keyspace events, and a random workload compared step by step.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// XREAD BLOCK is served by the next XADD; "$" means entries after the
// last one at the time of the call; a missing key waits too.
func TestDiffStreamBlockedXRead(t *testing.T) {
	diffFlushAll(t)
	a, b, w := newConnPair(t), newConnPair(t), newConnPair(t)
	diffDo(t, w, "XADD", "s", "1-1", "f", "v")
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "nokey", "$", "$")
	diffNoReply(t, a, quiet)
	diffSend(t, b, "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "nokey", "0")
	diffNoReply(t, b, quiet)
	diffDo(t, w, "XADD", "s", "2-1", "f", "w")
	diffRead(t, a)
	diffNoReply(t, b, quiet)
	diffDo(t, w, "XADD", "nokey", "5-1", "a", "1", "b", "2")
	diffRead(t, b)

	// XDEL, XTRIM and a type change do not serve a waiter.
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XDEL", "s", "1-1")
	diffDo(t, w, "XTRIM", "s", "MAXLEN", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "DEL", "s")
	diffDo(t, w, "SET", "s", "string")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "DEL", "s")
	diffDo(t, w, "XADD", "s", "1-1", "f", "v") // not after the ID waited for
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "5-1", "f", "v")
	diffRead(t, a)

	// XSETID moves the last ID without an entry: the waiter keeps
	// waiting, and the next XADD serves it.
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XSETID", "s", "5-5")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "5-6", "f", "v")
	diffRead(t, a)

	// An XADD whose entry its own MAXLEN trims away still wakes the
	// waiter, with nothing to read; a stream renamed onto the key wakes
	// it too.
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "MAXLEN", "0", "5-7", "f", "v")
	diffRead(t, a)
	diffDo(t, w, "XADD", "other", "9-1", "g", "h")
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "RENAME", "other", "s")
	diffRead(t, a)

	// A timeout past the end of time waits for ever, as in Redis 7.0.
	diffSend(t, a, "XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "9-2", "f", "v")
	diffRead(t, a)

	// RESP3 waiters get a map.
	diffDoMode(t, a, "~any", "HELLO", "3")
	diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "10-0", "x", "y")
	diffRead(t, a)
	diffDoMode(t, a, "~any", "HELLO", "2")

	// Timeouts, BLOCK inside MULTI and in scripts: a null array.
	start := time.Now()
	diffDo(t, a, "XREAD", "BLOCK", "200", "STREAMS", "s", "$")
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("XREAD BLOCK 200 took %v", d)
	}
	diffDo(t, a, "MULTI")
	diffDo(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	diffDo(t, a, "EXEC")
	diffDo(t, a, "EVAL", "return redis.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$')", "0")

	// CLIENT UNBLOCK, with and without ERROR.
	idOf := func(c *respConn) string { return strings.TrimSpace(c.do("CLIENT", "ID").replies[0].line) }
	refID, sutID := idOf(a.ref), idOf(a.sut)
	for _, mode := range []string{"TIMEOUT", "ERROR"} {
		diffSend(t, a, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
		diffNoReply(t, a, quiet)
		diffDoEach(t, w, func(c *respConn) []string {
			id := sutID
			if c == w.ref {
				id = refID
			}
			return []string{"CLIENT", "UNBLOCK", id, mode}
		})
		diffRead(t, a)
	}
	diffDo(t, a, "PING")
}

// XREADGROUP BLOCK: new entries go to the waiting consumers in the order
// they came, and are recorded as pending; a destroyed group or a deleted
// key ends the wait with an error.
func TestDiffStreamBlockedXReadGroup(t *testing.T) {
	diffFlushAll(t)
	a, b, w := newConnPair(t), newConnPair(t), newConnPair(t)
	diffDo(t, w, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	diffSend(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	diffNoReply(t, a, quiet)
	diffSend(t, b, "XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0", "NOACK", "STREAMS", "s", ">")
	diffNoReply(t, b, quiet)
	diffDo(t, w, "XADD", "s", "1-1", "f", "v")
	diffRead(t, a)
	diffNoReply(t, b, quiet)
	diffDo(t, w, "XADD", "s", "2-1", "f", "v")
	diffRead(t, b)
	diffDo(t, w, "XPENDING", "s", "g")
	diffDo(t, w, "XINFO", "GROUPS", "s")

	// Nor does XSETID wake a group reader.
	diffSend(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XSETID", "s", "2-5")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "2-6", "f", "v")
	diffRead(t, a)

	// A waiter on ">" is served only past the group's last delivered ID.
	diffSend(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XGROUP", "SETID", "s", "g", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XADD", "s", "3-1", "f", "v")
	diffRead(t, a)

	diffSend(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "XGROUP", "DESTROY", "s", "g")
	diffRead(t, a)

	diffDo(t, w, "XGROUP", "CREATE", "s", "g", "$")
	diffSend(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "DEL", "s")
	diffRead(t, a)
	diffDo(t, a, "PING")

	// A history read never waits.
	diffDo(t, w, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	diffDo(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", "0")
	diffDo(t, a, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "50", "STREAMS", "s", ">")
}

// A stream made by one server is RESTOREd by the other to the same entries,
// groups, consumers and pending entries (times included).
func TestDiffStreamDumpRestore(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "10")
	defer diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "100")
	for i := 1; i <= 95; i++ {
		args := []string{"XADD", "s", strconv.Itoa(i) + "-1", "f", strconv.Itoa(i)}
		if i%7 == 0 {
			args = append(args, "other", "field")
		}
		diffDo(t, a, args...)
	}
	diffDo(t, a, "XDEL", "s", "3-1", "50-1")
	diffDo(t, a, "XGROUP", "CREATE", "s", "g1", "0")
	diffDo(t, a, "XGROUP", "CREATE", "s", "g2", "40")
	diffDo(t, a, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s", ">")
	diffDo(t, a, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">")
	diffDo(t, a, "XREADGROUP", "GROUP", "g2", "carol", "COUNT", "2", "STREAMS", "s", ">")
	diffDo(t, a, "XGROUP", "CREATECONSUMER", "s", "g2", "dave")
	diffDo(t, a, "XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
	diffDo(t, a, "XADD", "gone", "1-1", "a", "b")
	diffDo(t, a, "XDEL", "gone", "1-1")
	for _, key := range []string{"s", "empty", "gone"} {
		for _, dir := range []struct {
			name     string
			src, dst *respConn
		}{{"redis->enclavekv", a.ref, a.sut}, {"enclavekv->redis", a.sut, a.ref}} {
			r := dir.src.do("DUMP", key)
			if r.end != endReply || r.replies[0].kind != '$' || r.replies[0].null {
				t.Fatalf("DUMP %s (%s): %s", key, dir.name, r)
			}
			moved := key + ":" + dir.name
			if rr := dir.dst.do("RESTORE", moved, "0", string(r.replies[0].data)); rr.end != endReply || string(rr.replies[0].raw) != "+OK\r\n" {
				t.Fatalf("RESTORE %s: %s", moved, rr)
			}
			mirror := a.ref
			if dir.dst == a.ref {
				mirror = a.sut
			}
			mirror.do("COPY", key, moved)
			diffDo(t, a, "XINFO", "STREAM", moved, "FULL", "COUNT", "0")
			diffDo(t, a, "XINFO", "GROUPS", moved)
			diffDo(t, a, "XADD", moved, "100000-1", "more", "x")
			diffDo(t, a, "XLEN", moved)
		}
	}
}

// DEBUG RELOAD writes and reads the snapshot: streams come back whole.
func TestDiffStreamReload(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	for i := 1; i <= 250; i++ {
		diffDo(t, a, "XADD", "s", fmt.Sprintf("%d-%d", i/3, i%3), "k", strconv.Itoa(i*i))
	}
	diffDo(t, a, "XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "0")
	diffDo(t, a, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "30", "STREAMS", "s", ">")
	diffDo(t, a, "XACK", "s", "g", "0-1", "1-0")
	diffDo(t, a, "XSETID", "s", "900-0", "ENTRIESADDED", "300", "MAXDELETEDID", "2-0")
	diffDo(t, a, "XGROUP", "CREATE", "e", "g", "$", "MKSTREAM")
	diffDo(t, a, "DEBUG", "RELOAD")
	diffDo(t, a, "EVAL", xinfoFullWithoutTimes, "1", "s")
	diffDo(t, a, "EVAL", xinfoFullWithoutTimes, "1", "e")
	diffDo(t, a, "XREADGROUP", "GROUP", "g", "c2", "COUNT", "5", "STREAMS", "s", ">")
	diffDo(t, a, "XPENDING", "s", "g")
}

// xinfoFullWithoutTimes is XINFO STREAM FULL with the delivery and
// seen times zeroed: each server stamps them with its own clock.
const xinfoFullWithoutTimes = `
local r = redis.call('XINFO', 'STREAM', KEYS[1], 'FULL', 'COUNT', '0')
for i = 1, #r, 2 do
  if r[i] == 'groups' then
    for _, g in ipairs(r[i+1]) do
      for j = 1, #g, 2 do
        if g[j] == 'pending' then
          for _, p in ipairs(g[j+1]) do p[3] = 0 end
        elseif g[j] == 'consumers' then
          for _, c in ipairs(g[j+1]) do
            for k = 1, #c, 2 do
              if c[k] == 'seen-time' then c[k+1] = 0 end
              if c[k] == 'pending' then
                for _, p in ipairs(c[k+1]) do p[2] = 0 end
              end
            end
          end
        end
      end
    end
  end
end
return r`

func TestDiffNotifyStreams(t *testing.T) {
	cmds := []string{
		"XADD s 1-1 f v", "XADD s MAXLEN 1 2-1 f v", "XADD s NOMKSTREAM 3-1 f v", "XADD nomk NOMKSTREAM * f v",
		"XADD s 1-1 f v", "XDEL s 1-1", "XDEL s 3-1", "XDEL s 9-9", "XTRIM s MAXLEN 5", "XTRIM s MAXLEN 0",
		"XSETID s 10-0", "XSETID nokey 1-1",
		"XGROUP CREATE s g $", "XGROUP CREATE s g $", "XGROUP CREATE m g $ MKSTREAM", "XGROUP SETID s g 0",
		"XGROUP CREATECONSUMER s g c", "XGROUP CREATECONSUMER s g c", "XGROUP DELCONSUMER s g c",
		"XGROUP DELCONSUMER s g nobody", "XGROUP DESTROY s g", "XGROUP DESTROY s g",
		"XADD s 11-0 f v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >",
		"XREADGROUP GROUP g alice STREAMS s 0", "XREADGROUP GROUP g bob STREAMS s >",
		"XACK s g 11-0", "XREADGROUP GROUP g alice STREAMS s 0",
		"XCLAIM s g carol 0 11-0 FORCE", "XAUTOCLAIM s g dave 0 0", "XAUTOCLAIM s g erin 3600000 0",
		"XRANGE s - +", "XRANGE nokey - +", "XREAD STREAMS nokey 0", "XLEN nokey", "XINFO STREAM s",
		"XPENDING s g", "DEL s m",
	}
	diffEvents(t, "KEA", cmds)
	diffEvents(t, "Kt", cmds)
	diffEvents(t, "Km", []string{"XRANGE nokey - +", "XREVRANGE nokey + -", "XLEN nokey", "XREAD STREAMS nokey 0", "XINFO STREAM nokey", "XPENDING nokey g"})
}

// A random workload of stream commands on a few keys, compared step by
// step: IDs are explicit so that both servers get the same ones.
func TestDiffStreamRandom(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "7")
	defer diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "100")
	r := rand.New(rand.NewPCG(7, 11))
	keys := []string{"s1", "s2", "s3"}
	ms := map[string]int{}
	for _, k := range keys {
		diffDo(t, a, "XGROUP", "CREATE", k, "g", "0", "MKSTREAM")
	}
	id := func() string { return fmt.Sprintf("%d-%d", r.IntN(300), r.IntN(3)) }
	for step := 0; step < 3000 && !t.Failed(); step++ {
		k := keys[r.IntN(len(keys))]
		var args []string
		switch n := r.IntN(20); {
		case n < 7:
			ms[k] += 1 + r.IntN(3)
			args = []string{"XADD", k, fmt.Sprintf("%d-%d", ms[k], r.IntN(2)), "f", strconv.Itoa(r.IntN(100))}
			if r.IntN(5) == 0 {
				args = append(args[:2], append([]string{"MAXLEN", "~", strconv.Itoa(r.IntN(30))}, args[2:]...)...)
			}
		case n < 9:
			args = []string{"XDEL", k, id(), id()}
		case n < 10:
			if r.IntN(2) == 0 {
				args = []string{"XTRIM", k, "MAXLEN", strconv.Itoa(10 + r.IntN(40))}
			} else {
				args = []string{"XTRIM", k, "MINID", "~", id()}
			}
		case n < 12:
			args = []string{"XREADGROUP", "GROUP", "g", "c" + strconv.Itoa(r.IntN(3)), "COUNT", strconv.Itoa(1 + r.IntN(4)), "STREAMS", k, ">"}
		case n < 13:
			args = []string{"XREADGROUP", "GROUP", "g", "c" + strconv.Itoa(r.IntN(3)), "STREAMS", k, "0"}
		case n < 14:
			args = []string{"XACK", k, "g", id(), id(), id()}
		case n < 15:
			args = []string{"XCLAIM", k, "g", "c" + strconv.Itoa(r.IntN(3)), "0", id(), id(), "JUSTID"}
		case n < 16:
			args = []string{"XAUTOCLAIM", k, "g", "c" + strconv.Itoa(r.IntN(3)), "0", id(), "COUNT", strconv.Itoa(1 + r.IntN(5)), "JUSTID"}
		case n < 17:
			args = []string{"XRANGE", k, id(), "+", "COUNT", strconv.Itoa(r.IntN(10))}
		case n < 18:
			args = []string{"XREVRANGE", k, "+", id()}
		case n < 19:
			args = []string{"XINFO", "GROUPS", k}
		default:
			args = []string{"XINFO", "STREAM", k}
		}
		diffDo(t, a, args...)
		if step%100 == 99 {
			for _, k := range keys {
				diffDo(t, a, "XPENDING", k, "g")
				diffDo(t, a, "XLEN", k)
			}
		}
	}
}

// Deleted entries and nodes left without a live entry survive saving and
// loading, as Redis keeps its listpacks: after DEBUG RELOAD or a RESTORE,
// approximate trimming and XINFO's node counts still agree.
func TestDiffStreamLayoutSurvivesReload(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	for i := 1; i <= 60; i++ {
		diffDo(t, a, "XADD", "s", fmt.Sprintf("1-%d", i), "f", "v")
	}
	for i := 1; i <= 10; i++ {
		diffDo(t, a, "XDEL", "s", fmt.Sprintf("1-%d", i))
	}
	diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "2")
	for i := 1; i <= 7; i++ {
		diffDo(t, a, "XADD", "e", fmt.Sprintf("%d-0", i), "f", "v")
	}
	diffDo(t, a, "XDEL", "e", "4-0")
	diffDo(t, a, "XTRIM", "e", "MINID", "4") // a node with no live entry left
	diffDo(t, a, "CONFIG", "SET", "stream-node-max-entries", "100")
	diffDo(t, a, "DEBUG", "RELOAD")
	for _, k := range []string{"s", "e"} {
		diffDo(t, a, "XINFO", "STREAM", k)
		diffDo(t, a, "MEMORY", "USAGE", k)
	}
	// Each server's DUMP restored by the other keeps the layout too.
	for _, dir := range []struct{ src, dst *respConn }{{a.ref, a.sut}, {a.sut, a.ref}} {
		r := dir.src.do("DUMP", "e")
		if rr := dir.dst.do("RESTORE", "e2", "0", string(r.replies[0].data), "REPLACE"); rr.end != endReply || string(rr.replies[0].raw) != "+OK\r\n" {
			t.Fatalf("RESTORE: %s", rr)
		}
		mirror := a.ref
		if dir.dst == a.ref {
			mirror = a.sut
		}
		mirror.do("COPY", "e", "e2", "REPLACE")
		diffDo(t, a, "XINFO", "STREAM", "e2")
	}
	for i := 61; i <= 101; i++ {
		diffDo(t, a, "XADD", "s", fmt.Sprintf("1-%d", i), "f", "v")
	}
	diffDo(t, a, "XINFO", "STREAM", "s")
	diffDo(t, a, "XTRIM", "s", "MAXLEN", "~", "1")
	diffDo(t, a, "XLEN", "s")
	diffDo(t, a, "XRANGE", "e", "-", "+")
	diffDo(t, a, "XTRIM", "e", "MAXLEN", "~", "0")
	diffDo(t, a, "XINFO", "STREAM", "e")
}
