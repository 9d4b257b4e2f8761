package integration

// Keyspace notifications: a subscriber on __key*__:* records what every
// command publishes, on both servers, and the events are compared one by
// one. After each command the writer publishes to a "mark" channel the
// subscriber also listens to, so the events of one command are exactly
// those read before the mark.

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func diffEvents(t *testing.T, flags string, cmds []string) {
	t.Helper()
	diffFlushAll(t)
	w, sub := newConnPair(t), newConnPair(t)
	diffDo(t, w, "CONFIG", "SET", "notify-keyspace-events", flags)
	defer diffDo(t, w, "CONFIG", "SET", "notify-keyspace-events", "")
	diffDo(t, sub, "SUBSCRIBE", "mark")
	diffDo(t, sub, "PSUBSCRIBE", "__key*__:*")
	for i, line := range cmds {
		if ms, ok := strings.CutPrefix(line, "~sleep "); ok {
			n, _ := strconv.Atoi(ms)
			time.Sleep(time.Duration(n) * time.Millisecond)
			continue
		}
		mode := ""
		if rest, ok := strings.CutPrefix(line, "~any "); ok {
			mode, line = "~any", rest // a random reply; its events still compare
		}
		args, err := splitArgs(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		diffDoMode(t, w, mode, args...)
		diffDo(t, w, "PUBLISH", "mark", strconv.Itoa(i))
		for n := 0; n < 64; n++ {
			ref, _ := diffRead(t, sub)
			if t.Failed() {
				t.Fatalf("events of %q differ (see above)", line)
			}
			if len(ref.replies) == 1 && strings.Contains(string(ref.replies[0].raw), "$4\r\nmark\r\n") {
				break
			}
		}
	}
}

func TestDiffNotifyGenericAndStrings(t *testing.T) {
	diffEvents(t, "KEA", []string{
		"SET s v", "SET s v EX 100", "SET s v KEEPTTL", "SET s v NX", "SET s v XX PX 100000", "SET s w GET",
		"SETNX s2 v", "SETNX s2 v", "SETEX s3 100 v", "PSETEX s4 100000 v", "GETSET s x", "GETDEL s4", "GETDEL nosuch",
		"GETEX s3 PERSIST", "GETEX s3 EX 100", "GETEX s3", "MSET a 1 b 2", "MSETNX a 1 c 3", "MSETNX c 3 d 4",
		"APPEND a x", "APPEND new x", "SETRANGE b 3 yy", "SETRANGE b 0 \"\"",
		"INCR n", "DECR n", "INCRBY n 5", "DECRBY n 2", "INCRBYFLOAT f 1.5",
		"DEL a b nosuch", "UNLINK c", "EXPIRE d 100", "PEXPIRE d 100000", "EXPIREAT d 99999999999", "PEXPIREAT d 99999999999000",
		"EXPIRE d 100 NX", "PERSIST d", "PERSIST d", "EXPIRE d -1", "EXISTS d",
		"SET r v", "RENAME r r2", "RENAMENX r2 r3", "SET r4 x", "RENAMENX r3 r4", "RENAME r3 r4",
		"MOVE r4 1", "SELECT 1", "MOVE r4 0", "SELECT 0", "COPY r4 r5", "COPY r4 r5 REPLACE", "COPY r4 r6 DB 2",
		"SET t v PX 50", "~sleep 120", "GET t",
		"SET u v PX 1", "~sleep 20", "EXISTS u",
		"FLUSHDB", "SWAPDB 0 1", "FLUSHALL",
	})
}

func TestDiffNotifyCollections(t *testing.T) {
	// A DUMP of the string "hello" made by Redis 7.0.
	restore := `RESTORE rr 0 "\x00\x05hello\n\x00cr\xdfve4 \n"`
	diffEvents(t, "KEA", []string{
		restore, restore + " REPLACE", strings.Replace(restore, " 0 ", " 1 ", 1) + " REPLACE ABSTTL", "EXISTS rr",
		"LPUSH l a b c", "RPUSH l d", "LPUSHX l z", "RPUSHX l y", "LPUSHX nol x", "LPOP l", "RPOP l 2", "LSET l 0 q",
		"LINSERT l BEFORE q p", "LINSERT l BEFORE nope p", "LREM l 1 p", "LTRIM l 0 0", "RPOPLPUSH l l2", "LMOVE l2 l3 LEFT RIGHT",
		"RPUSH m 1 2", "LMPOP 1 m LEFT COUNT 5", "RPUSH m 1 2", "BLPOP m 1", "BRPOP m 1", "RPUSH m 1", "BLMOVE m m2 RIGHT LEFT 1",
		"RPUSH k 1 2 3", "LTRIM k 5 10", "RPUSH k 1", "LREM k 0 1",
		"HSET h f v g w", "HSETNX h f v", "HSETNX h x v", "HMSET h a 1", "HINCRBY h n 1", "HINCRBYFLOAT h fl 1.5",
		"HDEL h f nosuch", "HDEL h g a n fl x",
		"SADD s a b c", "SADD s a", "SREM s a", "SMOVE s s2 b", "~any SPOP s", "SADD s x y z", "~any SPOP s 2", "~any SPOP s 5",
		"SADD s1 a b", "SADD s2 b c", "SINTERSTORE d s1 s2", "SUNIONSTORE d s1 s2", "SDIFFSTORE d s1 s2", "SINTERSTORE d s1 nosuch",
		"SINTERSTORE d s1 nosuch",
		"ZADD z 1 a 2 b", "ZADD z INCR 5 a", "ZADD z XX 3 b", "ZADD z NX 3 b", "ZINCRBY z 1 b", "ZREM z a nosuch",
		"ZADD z 1 a 2 c 3 d", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 2 2", "ZREMRANGEBYLEX z - +",
		"ZADD z 1 a 2 b 3 c", "ZPOPMIN z", "ZPOPMAX z", "ZMPOP 1 z MIN", "ZADD z 1 a", "BZPOPMIN z 1", "ZADD z 1 a", "BZPOPMAX z 1",
		"ZADD z1 1 a 2 b", "ZADD z2 1 b", "ZUNIONSTORE zd 2 z1 z2", "ZINTERSTORE zd 2 z1 z2", "ZDIFFSTORE zd 2 z1 z2",
		"ZRANGESTORE zd z1 0 -1", "ZRANGESTORE zd z1 5 6", "ZINTERSTORE zd 2 z1 nosuch",
		"RPUSH sl 3 1 2", "SORT sl STORE sd", "SORT nosuch STORE sd", "SORT nosuch STORE sd",
		"DUMP sl",
	})
}

// The n (new key) and m (key miss) classes are outside A.
func TestDiffNotifyNewAndMiss(t *testing.T) {
	diffEvents(t, "KEnm", []string{
		"SET a 1", "SET a 2", "GET nosuch", "GET a", "LRANGE nol 0 -1", "HGET noh f", "EXISTS nosuch", "TYPE nosuch",
		"LPUSH l x", "RENAME a b", "INCR c", "SADD s x", "MGET a b c",
		"OBJECT ENCODING nosuch", "OBJECT FREQ nosuch", "MEMORY USAGE nosuch",
		"SUNIONSTORE d s nos", "SINTERSTORE d s nos", "SDIFFSTORE d nos s", "ZADD z 1 m", "ZUNIONSTORE zd 2 z noz", "ZINTERSTORE zd 2 z noz", "ZDIFFSTORE zd 2 z noz",
	})
}

func TestDiffNotifyBitmaps(t *testing.T) {
	diffEvents(t, "KEA", []string{
		"SETBIT b 7 1", "SETBIT b 7 1", "SETBIT b 7 0", "SETBIT b 100 0", "GETBIT b 7", "BITCOUNT b",
		"SET a x", "BITOP AND d a b", "BITOP OR d nosuch nosuch2", "BITOP NOT d a",
		"BITFIELD f set u8 0 1", "BITFIELD f set u8 0 1", "BITFIELD f get u8 0", "BITFIELD f overflow fail incrby u8 0 1000",
		"BITFIELD g overflow fail incrby u8 0 1000", "BITFIELD_RO f get u8 0",
	})
}
