package integration

// Differential tests of the collection types that the line format cannot
// express: cursor iterations whose cursors differ between servers (only
// what the iteration returns must agree) and large values.

import (
	"fmt"
	"sort"
	"testing"
)

// scanAll runs an HSCAN-style iteration (cmd key cursor [args...]) to its
// end on one connection and returns the set of elements seen (fields, for
// HSCAN: every other element) and the number of calls.
func scanAll(t *testing.T, c *respConn, cmd, key string, step int, args ...string) (map[string]bool, int) {
	t.Helper()
	seen := map[string]bool{}
	cursor := "0"
	for calls := 1; ; calls++ {
		r := c.do(append([]string{cmd, key, cursor}, args...)...)
		if r.end != endReply || len(r.replies) != 1 || len(r.replies[0].elems) != 2 {
			t.Fatalf("%s: unexpected reply (end %v, %d replies)", cmd, r.end, len(r.replies))
		}
		top := r.replies[0]
		for i := 0; i < len(top.elems[1].elems); i += step {
			seen[string(top.elems[1].elems[i].data)] = true
		}
		cursor = string(top.elems[0].data)
		if cursor == "0" {
			return seen, calls
		}
		if calls > 100000 {
			t.Fatalf("%s never ended", cmd)
		}
	}
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A hash past the listpack limit (512 fields by default): the hashtable's order is its own on
// each server, so contents are compared as sets; HSCAN returns every field
// on both, in several calls.
func TestDiffLargeHash(t *testing.T) {
	diffFlushAll(t)
	p := newConnPair(t)
	args := []string{"HSET", "big"}
	for i := 0; i < 600; i++ {
		args = append(args, fmt.Sprintf("field:%d", i), fmt.Sprintf("value:%d", i))
	}
	diffDo(t, p, args...)
	diffDo(t, p, "OBJECT", "ENCODING", "big")
	diffDo(t, p, "HLEN", "big")
	diffDoMode(t, p, "~sorted", "HGETALL", "big")
	diffDoMode(t, p, "~sorted", "HKEYS", "big")
	diffDoMode(t, p, "~sorted", "HVALS", "big")
	diffDo(t, p, "HGET", "big", "field:599")
	diffDoMode(t, p, "~sorted", "HRANDFIELD", "big", "600")
	diffDoMode(t, p, "~sorted", "HRANDFIELD", "big", "1000")
	diffDoMode(t, p, "~any", "HRANDFIELD", "big", "150", "WITHVALUES")

	for _, c := range []*respConn{p.ref, p.sut} {
		seen, calls := scanAll(t, c, "HSCAN", "big", 2, "COUNT", "20")
		if len(seen) != 600 || calls < 2 {
			t.Errorf("HSCAN COUNT 20 on %s: %d fields in %d calls, want 600 in several", c.name, len(seen), calls)
		}
		seen, _ = scanAll(t, c, "HSCAN", "big", 2, "MATCH", "field:1?")
		if got := keysOf(seen); len(got) != 10 || got[0] != "field:10" || got[9] != "field:19" {
			t.Errorf("HSCAN MATCH field:1? on %s: %v", c.name, got)
		}
	}

	// HRANDFIELD with a positive count below the size: distinct fields.
	r := p.sut.do("HRANDFIELD", "big", "150")
	distinct := map[string]bool{}
	for _, e := range r.replies[0].elems {
		distinct[string(e.data)] = true
	}
	if len(r.replies[0].elems) != 150 || len(distinct) != 150 {
		t.Errorf("HRANDFIELD big 150: %d replies, %d distinct", len(r.replies[0].elems), len(distinct))
	}
	diffDo(t, p, "DEL", "big")
}

// Large sets: hashtables whose order is each server's own.
func TestDiffLargeSet(t *testing.T) {
	diffFlushAll(t)
	p := newConnPair(t)
	a, b := []string{"SADD", "a"}, []string{"SADD", "b"}
	for i := 0; i < 1000; i++ {
		a = append(a, fmt.Sprintf("m%d", i))
		if i%3 == 0 {
			b = append(b, fmt.Sprintf("m%d", i))
		}
	}
	diffDo(t, p, a...)
	diffDo(t, p, b...)
	diffDo(t, p, "OBJECT", "ENCODING", "a")
	diffDo(t, p, "SCARD", "a")
	for _, cmd := range [][]string{
		{"SMEMBERS", "a"}, {"SINTER", "a", "b"}, {"SUNION", "a", "b"}, {"SDIFF", "a", "b"},
		{"SRANDMEMBER", "a", "2000"},
	} {
		diffDoMode(t, p, "~sorted", cmd...)
	}
	diffDo(t, p, "SINTERCARD", "2", "a", "b")
	diffDo(t, p, "SINTERCARD", "2", "a", "b", "LIMIT", "100")
	diffDo(t, p, "SDIFFSTORE", "d", "a", "b")
	diffDo(t, p, "SINTERSTORE", "d", "a", "b")
	for _, c := range []*respConn{p.ref, p.sut} {
		seen, calls := scanAll(t, c, "SSCAN", "a", 1, "COUNT", "50")
		if len(seen) != 1000 || calls < 2 {
			t.Errorf("SSCAN COUNT 50 on %s: %d members in %d calls", c.name, len(seen), calls)
		}
	}
	// Distinct random members, and SPOP removes what it returns.
	r := p.sut.do("SRANDMEMBER", "a", "300")
	if got := distinctData(r.replies[0]); got != 300 {
		t.Errorf("SRANDMEMBER a 300: %d distinct", got)
	}
	for _, c := range []*respConn{p.ref, p.sut} {
		r := c.do("SPOP", "a", "400")
		if got := distinctData(r.replies[0]); got != 400 {
			t.Errorf("SPOP a 400 on %s: %d distinct", c.name, got)
		}
	}
	diffDo(t, p, "SCARD", "a")
	diffDo(t, p, "DEL", "a", "b", "d")
}

func distinctData(r *reply) int {
	m := map[string]bool{}
	for _, e := range r.elems {
		m[string(e.data)] = true
	}
	if len(m) != len(r.elems) {
		return -len(r.elems)
	}
	return len(m)
}

// A long list: ranges, indexes and removals far from both ends.
func TestDiffLongList(t *testing.T) {
	diffFlushAll(t)
	p := newConnPair(t)
	args := []string{"RPUSH", "l"}
	for i := 0; i < 3000; i++ {
		args = append(args, fmt.Sprintf("e%d", i%100))
	}
	diffDo(t, p, args...)
	for _, cmd := range [][]string{
		{"LLEN", "l"}, {"LINDEX", "l", "1500"}, {"LINDEX", "l", "-1234"},
		{"LRANGE", "l", "1000", "1010"}, {"LRANGE", "l", "-5", "-1"},
		{"LPOS", "l", "e42", "RANK", "-3"}, {"LPOS", "l", "e42", "COUNT", "0", "MAXLEN", "1000"},
		{"LREM", "l", "5", "e7"}, {"LREM", "l", "-5", "e8"}, {"LINSERT", "l", "AFTER", "e99", "new"},
		{"LSET", "l", "2000", "set"}, {"LTRIM", "l", "100", "-100"}, {"LRANGE", "l", "0", "-1"},
		{"LMPOP", "1", "l", "RIGHT", "COUNT", "50"}, {"LLEN", "l"}, {"OBJECT", "ENCODING", "l"},
	} {
		diffDo(t, p, cmd...)
	}
	diffDo(t, p, "DEL", "l")
}

// A large sorted set (a skiplist): its order is defined, so whole replies
// compare byte for byte; only ZSCAN's cursors and random picks differ.
func TestDiffLargeZSet(t *testing.T) {
	diffFlushAll(t)
	p := newConnPair(t)
	args := []string{"ZADD", "z"}
	for i := 0; i < 700; i++ {
		args = append(args, fmt.Sprint(i%37), fmt.Sprintf("m%03d", i))
	}
	diffDo(t, p, args...)
	for _, cmd := range [][]string{
		{"OBJECT", "ENCODING", "z"}, {"ZCARD", "z"}, {"ZRANK", "z", "m350"}, {"ZREVRANK", "z", "m350"},
		{"ZRANGE", "z", "100", "120", "WITHSCORES"}, {"ZRANGE", "z", "-10", "-1", "REV"},
		{"ZRANGEBYSCORE", "z", "(5", "7", "LIMIT", "3", "10"}, {"ZREVRANGEBYSCORE", "z", "30", "(20", "WITHSCORES", "LIMIT", "5", "5"},
		{"ZCOUNT", "z", "10", "(20"}, {"ZADD", "lex", "0", "a", "0", "b", "0", "c"}, {"ZRANGEBYLEX", "lex", "(a", "+"},
		{"ZINCRBY", "z", "100", "m001"}, {"ZRANGE", "z", "-3", "-1", "WITHSCORES"},
		{"ZREMRANGEBYRANK", "z", "0", "49"}, {"ZREMRANGEBYSCORE", "z", "(30", "+inf"}, {"ZCARD", "z"},
		{"ZUNIONSTORE", "u", "2", "z", "lex", "WEIGHTS", "2", "1"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
		{"ZINTER", "2", "z", "u", "WITHSCORES", "AGGREGATE", "MAX"}, {"ZDIFF", "2", "u", "z"},
		{"ZPOPMIN", "z", "5"}, {"ZPOPMAX", "z", "5"}, {"ZMPOP", "1", "z", "MAX", "COUNT", "3"},
		{"ZRANDMEMBER", "z", "10000", "WITHSCORES"},
	} {
		diffDo(t, p, cmd...)
	}
	for _, c := range []*respConn{p.ref, p.sut} {
		n := c.do("ZCARD", "z").replies[0].line
		seen, calls := scanAll(t, c, "ZSCAN", "z", 2, "COUNT", "20")
		if fmt.Sprint(len(seen)) != n || calls < 2 {
			t.Errorf("ZSCAN on %s: %d members of %s in %d calls", c.name, len(seen), n, calls)
		}
	}
	diffDo(t, p, "DEL", "z", "lex", "u")
}
