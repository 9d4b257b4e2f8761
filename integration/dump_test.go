package integration

// DUMP and RESTORE across the two servers: a payload DUMPed by real Redis
// 7.0 RESTOREs in enclavekv, and the reverse, to the same value and the
// same encoding; corrupt payloads get Redis's errors.

import (
	"strconv"
	"strings"
	"testing"
)

func TestDiffDumpRestoreAcrossServers(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	big := func(prefix string, n int, withScore bool) []string {
		var out []string
		for i := 0; i < n; i++ {
			if withScore {
				out = append(out, strconv.Itoa(i), prefix+strconv.Itoa(i))
			} else {
				out = append(out, prefix+strconv.Itoa(i))
			}
		}
		return out
	}
	setup := [][]string{
		{"SET", "s:short", "hello"},
		{"SET", "s:int", "12345"},
		{"SET", "s:negint", "-9000000000"},
		{"SET", "s:long", strings.Repeat("compressible ", 100)},
		{"SET", "s:bin", "a\x00b\xffc\r\n"},
		{"RPUSH", "l:small", "a", "b", "1", "-2"},
		append([]string{"RPUSH", "l:big"}, big("element-", 600, false)...),
		{"SADD", "set:ints", "1", "2", "3", "-70000", "9223372036854775807"},
		{"SADD", "set:strs", "a", "b", "c"},
		append([]string{"SADD", "set:big"}, big("m", 600, false)...),
		{"HSET", "h:small", "f1", "v1", "f2", "2"},
		append([]string{"HSET", "h:big"}, big("field", 400, false)...),
		{"ZADD", "z:small", "1.5", "a", "-inf", "b", "inf", "c", "1e10", "d"},
		append([]string{"ZADD", "z:big"}, big("member", 300, true)...),
	}
	reads := map[byte][]string{
		's': {"GET"}, 'l': {"LRANGE", "", "0", "-1"}, 'h': {"HGETALL"}, 'z': {"ZRANGE", "", "0", "-1", "WITHSCORES"},
	}
	for _, cmd := range setup {
		diffDo(t, a, cmd...)
	}
	for _, cmd := range setup {
		key := cmd[1]
		for _, from := range []string{"ref", "sut"} {
			src := a.ref
			if from == "sut" {
				src = a.sut
			}
			r := src.do("DUMP", key)
			if len(r.replies) != 1 || r.replies[0].kind != '$' {
				t.Fatalf("DUMP %s on %s: %+v", key, from, r)
			}
			payload := string(r.replies[0].data)
			dst := key + ":from-" + from
			diffDo(t, a, "RESTORE", dst, "0", payload)
			diffDo(t, a, "OBJECT", "ENCODING", dst)
			diffDo(t, a, "TYPE", dst)
			if strings.HasPrefix(key, "set:") {
				diffDoMode(t, a, "~sorted", "SMEMBERS", dst)
				continue
			}
			rd := append([]string(nil), reads[key[0]]...)
			if len(rd) == 1 {
				rd = append(rd, dst)
			} else {
				rd[1] = dst
			}
			if key[0] == 'h' {
				diffDoMode(t, a, "~sorted", rd...)
			} else {
				diffDo(t, a, rd...)
			}
			// A damaged payload: the checksum catches it.
			bad := []byte(payload)
			bad[len(bad)/2] ^= 0x20
			diffDo(t, a, "RESTORE", dst+":bad", "0", string(bad))
			diffDo(t, a, "RESTORE", dst+":short", "0", payload[:len(payload)-3])
		}
	}
	// Options and errors.
	payload := string(a.ref.do("DUMP", "s:short").replies[0].data)
	for _, cmd := range [][]string{
		{"RESTORE", "s:short", "0", payload},
		{"RESTORE", "s:short", "0", payload, "REPLACE"},
		{"RESTORE", "x", "-1", payload},
		{"RESTORE", "x", "abc", payload},
		{"RESTORE", "x", "0", payload, "IDLETIME", "-1"},
		{"RESTORE", "x", "0", payload, "FREQ", "300"},
		{"RESTORE", "x", "0", payload, "IDLETIME", "10", "FREQ", "3"},
		{"RESTORE", "x", "0", payload, "BOGUS"},
		{"RESTORE", "x", "0", payload, "IDLETIME"},
		{"RESTORE", "x", "0", "garbage"},
		{"RESTORE", "x", "0", ""},
		{"RESTORE", "ttl", "100000", payload},
		{"RESTORE", "abs-past", "1000", payload, "ABSTTL"},
		{"EXISTS", "abs-past"},
		{"RESTORE", "idle", "0", payload, "IDLETIME", "1000"},
		{"OBJECT", "IDLETIME", "idle"},
		{"DUMP", "nosuchkey"},
		{"DUMP"},
	} {
		diffDo(t, a, cmd...)
	}
	diffDoMode(t, a, "~ttl", "TTL", "ttl")
	diffDo(t, a, "FLUSHALL")
}

// RESTORE onto a key a client waits on wakes the client.
func TestDiffRestoreWakesBlocked(t *testing.T) {
	diffFlushAll(t)
	a, w := newConnPair(t), newConnPair(t)
	diffDo(t, w, "RPUSH", "src", "x", "y")
	payload := string(w.ref.do("DUMP", "src").replies[0].data)
	diffSend(t, a, "BLPOP", "q", "0")
	diffNoReply(t, a, quiet)
	diffDo(t, w, "RESTORE", "q", "0", payload)
	diffRead(t, a)
	diffDo(t, w, "LRANGE", "q", "0", "-1")
	diffDo(t, w, "FLUSHALL")
}
