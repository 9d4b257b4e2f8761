package integration

// Pub/Sub between clients: delivery to channel, pattern and shard
// subscribers in RESP2 and RESP3, order among subscribers, subscribers
// that leave, and the pubsub output-buffer limit. Each step runs on both
// servers and the replies are compared byte for byte.

import (
	"strings"
	"testing"
	"time"
)

func TestDiffPubSubDelivery(t *testing.T) {
	diffFlushAll(t)
	s2, s3, pat, pat2, pub := newConnPair(t), newConnPair(t), newConnPair(t), newConnPair(t), newConnPair(t)
	diffDoMode(t, s3, "~any", "HELLO", "3")
	diffDo(t, s2, "SUBSCRIBE", "news")
	diffDo(t, s3, "SUBSCRIBE", "news")
	// One pattern per connection: the order in which a message reaches
	// several patterns of one client is Redis's hash table order.
	diffDo(t, pat, "PSUBSCRIBE", "n*")
	diffDo(t, pat2, "PSUBSCRIBE", "ne?s")
	diffDo(t, pub, "PUBSUB", "NUMSUB", "news")
	diffDo(t, pub, "PUBSUB", "NUMPAT")

	// Two channel subscribers and two matching patterns: 4 receivers.
	diffDo(t, pub, "PUBLISH", "news", "hello")
	diffRead(t, s2)
	diffRead(t, s3)
	diffRead(t, pat)
	diffRead(t, pat2)
	diffDo(t, pub, "PUBLISH", "nothing-here", "x")
	diffRead(t, pat)
	diffNoReply(t, s2, quiet)
	diffDo(t, pub, "PUBLISH", "other", "x")
	diffNoReply(t, pat, quiet)

	// Messages arrive in publishing order, between a RESP3 client's own
	// replies.
	diffDo(t, pub, "PUBLISH", "news", "1")
	diffDo(t, pub, "PUBLISH", "news", "2")
	diffRead(t, s3)
	diffDo(t, s3, "SET", "k", "v")
	diffRead(t, s3)
	diffDo(t, s3, "GET", "k")
	diffRead(t, s2)
	diffRead(t, s2)
	for i := 0; i < 2; i++ {
		diffRead(t, pat)
		diffRead(t, pat2)
	}

	// Shard channels reach only their own subscribers.
	diffDo(t, s2, "SSUBSCRIBE", "news")
	diffDo(t, pub, "SPUBLISH", "news", "sharded")
	diffRead(t, s2)
	diffNoReply(t, pat, quiet)
	diffDo(t, pub, "PUBSUB", "SHARDNUMSUB", "news")

	// A subscriber that leaves is no longer counted or written to.
	s3.close()
	time.Sleep(quiet)
	diffDo(t, pub, "PUBSUB", "NUMSUB", "news")
	diffDo(t, pub, "PUBLISH", "news", "after")
	diffRead(t, s2)
	diffRead(t, pat)
	diffRead(t, pat2)
	diffDo(t, pat, "PUNSUBSCRIBE", "n*")
	diffDo(t, pub, "PUBSUB", "NUMPAT")
	diffDo(t, pub, "PUBLISH", "news", "last")
	diffRead(t, s2)
	diffRead(t, pat2)
	diffNoReply(t, pat, quiet)
	diffDoMode(t, pub, "~sorted", "PUBSUB", "CHANNELS")
}

// floodSetup sets the pubsub output limit (restored when t ends) and
// subscribes a client that never reads to "flood"; it returns a publisher.
func floodSetup(t *testing.T, limit string) *connPair {
	diffFlushAll(t)
	adm, slow, pub := newConnPair(t), newConnPair(t), newConnPair(t)
	diffDo(t, adm, "CONFIG", "SET", "client-output-buffer-limit", limit)
	t.Cleanup(func() { diffDo(t, adm, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60") })
	diffDo(t, slow, "SUBSCRIBE", "flood")
	return pub
}

// A subscriber that does not read its messages is disconnected once its
// unsent output passes the pubsub class's hard limit, instead of growing
// the server's memory without bound.
func TestDiffPubSubOutputLimit(t *testing.T) {
	pub := floodSetup(t, "pubsub 1mb 0 0")
	big := strings.Repeat("x", 256<<10)
	// Far more than loopback's socket buffers can absorb.
	// The two servers drop the subscriber at slightly different moments,
	// so the counts on the way are not compared.
	zero := func(r *result) bool { return len(r.replies) == 1 && string(r.replies[0].raw) == ":0\r\n" }
	dropped := false
	for i := 0; i < 200 && !dropped; i++ {
		ref, sut := diffDoMode(t, pub, "~info", "PUBLISH", "flood", big)
		dropped = zero(ref) && zero(sut)
	}
	if !dropped {
		t.Fatal("the subscriber that does not read was not disconnected")
	}
	time.Sleep(quiet)
	diffDo(t, pub, "PUBLISH", "flood", "x")
	diffDo(t, pub, "PUBSUB", "NUMSUB", "flood")
	diffDo(t, pub, "CLIENT", "LIST", "TYPE", "pubsub") // nobody left
}

// Over the soft limit, a subscriber is disconnected only once it stayed
// there longer than the limit's seconds.
func TestDiffPubSubSoftLimit(t *testing.T) {
	pub := floodSetup(t, "pubsub 0 1mb 1")
	big := strings.Repeat("x", 1<<20)
	for i := 0; i < 16; i++ {
		diffDo(t, pub, "PUBLISH", "flood", big) // over the soft limit, not yet long enough
	}
	// Redis counts the time in whole seconds: after more than 2 s any
	// rounding has passed the 1 s allowed.
	time.Sleep(3 * time.Second)
	diffDoMode(t, pub, "~info", "PUBLISH", "flood", "x") // this message finds it over for too long
	time.Sleep(quiet)
	diffDo(t, pub, "PUBSUB", "NUMSUB", "flood")
	if _, sut := diffDo(t, pub, "PUBLISH", "flood", "y"); len(sut.replies) != 1 || string(sut.replies[0].raw) != ":0\r\n" {
		t.Fatalf("subscriber still connected: %s", sut)
	}
}

// CLIENT REPLY OFF does not silence pub/sub (Redis 7.0 delivers), and
// CLIENT PAUSE WRITE holds PUBLISH until the pause ends.
func TestDiffPubSubReplyOffAndPause(t *testing.T) {
	diffFlushAll(t)
	sub, pub := newConnPair(t), newConnPair(t)
	diffSend(t, sub, "CLIENT", "REPLY", "OFF")
	diffSend(t, sub, "SUBSCRIBE", "quiet")
	diffRead(t, sub) // the confirmation comes all the same
	diffDo(t, pub, "PUBLISH", "quiet", "still delivered")
	diffRead(t, sub)

	diffDo(t, pub, "CLIENT", "PAUSE", "300", "WRITE")
	diffSend(t, pub, "PUBLISH", "quiet", "held")
	diffNoReply(t, pub, 100*time.Millisecond)
	diffRead(t, pub) // answered once the pause ends
	diffRead(t, sub)
}
