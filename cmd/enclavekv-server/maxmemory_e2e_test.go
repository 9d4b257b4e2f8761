package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// infoField reads one field of INFO section as an integer.
func infoField(t *testing.T, c *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	return fieldOf(t, info, section, field)
}

// fieldOf reads an integer field from an INFO reply.
func fieldOf(t *testing.T, info, section, field string) int64 {
	t.Helper()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// fill writes n keys of size bytes in pipelines of 1000 and returns the
// first error a command got.
func fill(t *testing.T, c *redis.Client, prefix string, n, size int) error {
	t.Helper()
	ctx := context.Background()
	val := strings.Repeat("x", size)
	for i := 0; i < n; i += 1000 {
		pipe := c.Pipeline()
		for j := i; j < min(i+1000, n); j++ {
			pipe.Set(ctx, fmt.Sprintf("%s:%d", prefix, j), val, 0)
		}
		cmds, _ := pipe.Exec(ctx)
		for _, cmd := range cmds {
			if err := cmd.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Under allkeys-lru the server keeps writing past maxmemory by evicting,
// stays within it, and keeps the keys written last. The limit is set 16 MB
// above what the server uses empty, and 64 MB are written.
func TestMaxmemoryEvictsLRU(t *testing.T) {
	p := start(t, "--save", "")
	c := client(t, p, 2)
	ctx := context.Background()
	base := infoField(t, c, "memory", "used_memory")
	limit := base + 16<<20
	if err := c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := fill(t, c, "k", 64<<10, 1000); err != nil {
		t.Fatalf("a write failed under allkeys-lru: %v", err)
	}
	// One transaction: the background cycle may evict between two reads.
	var stats *redis.StringCmd
	var size *redis.IntCmd
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		stats, size = p.Info(ctx, "stats"), p.DBSize(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	evicted, n := fieldOf(t, stats.Val(), "stats", "evicted_keys"), size.Val()
	used := infoField(t, c, "memory", "used_memory")
	t.Logf("limit %d MB: kept %d keys, evicted %d, used_memory %d", limit>>20, n, evicted, used)
	if evicted == 0 || n == 0 || evicted+n != 64<<10 {
		t.Errorf("kept %d keys and evicted %d of %d", n, evicted, 64<<10)
	}
	// A key is roughly 1.1 KB: the limit holds at least 8 MB of them.
	if n < 8<<10 {
		t.Errorf("only %d keys kept within %d bytes", n, limit)
	}
	if used > limit+limit/10 {
		t.Errorf("used_memory %d is over maxmemory %d", used, limit)
	}
	if c.Exists(ctx, fmt.Sprintf("k:%d", 64<<10-1)).Val() != 1 {
		t.Error("the last key written was evicted")
	}
}

// Under noeviction writes are refused once the limit is reached, and
// accepted again as soon as keys are deleted or flushed.
func TestMaxmemoryNoEvictionRecovers(t *testing.T) {
	p := start(t, "--save", "")
	c := client(t, p, 2)
	ctx := context.Background()
	base := infoField(t, c, "memory", "used_memory")
	if err := c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(base+8<<20, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	err := fill(t, c, "k", 32<<10, 1000)
	if err == nil || !strings.HasPrefix(err.Error(), "OOM command not allowed when used memory > 'maxmemory'") {
		t.Fatalf("writing 32 MB under an 8 MB limit: %v", err)
	}
	if got := infoField(t, c, "stats", "evicted_keys"); got != 0 {
		t.Errorf("noeviction evicted %d keys", got)
	}
	if err := c.Get(ctx, "k:0").Err(); err != nil {
		t.Errorf("a read was refused: %v", err)
	}
	var keys []string
	for i := 0; i < 4000; i++ {
		keys = append(keys, fmt.Sprintf("k:%d", i))
	}
	if err := c.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "after-del", "v", 0).Err(); err != nil {
		t.Errorf("SET after deleting 4 MB: %v", err)
	}
	if err := fill(t, c, "more", 64<<10, 1000); err == nil {
		t.Fatal("the limit was not reached again")
	}
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "after-flush", "v", 0).Err(); err != nil {
		t.Errorf("SET after FLUSHALL: %v", err)
	}
}
