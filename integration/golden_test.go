package integration

// The golden RDB files written by real Redis (internal/rdb/testdata):
// redis-server 7.0 loads each one at start, enclavekv gets the same keys
// by RESTORE (what `enclavekv rdb import` does), and every key is then
// read back from both and compared: type, encoding, expiry and content —
// streams with their groups, consumers and pending entries included.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/rdb"
)

// The golden files, as internal/rdb keeps them (copied from
// ../shared/testdata/rdb, which a clean clone does not have).
const goldenDir = "../internal/rdb/testdata"

func TestGoldenRDBLoadsLikeRedis(t *testing.T) {
	if selfTest() {
		t.Skip("needs enclavekv")
	}
	for _, file := range []string{"redis-7.0.15-all-types.rdb", "redis-5.0.7-all-types.rdb"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(goldenDir, file))
			if err != nil {
				t.Fatalf("golden file: %v", err)
			}
			ref := startRedisWithFile(t, raw)
			diffFlushAll(t)
			sut, err := dialResp(sutServer.name, sutServer.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer sut.Close()
			loader := &restorer{t: t, c: sut, now: time.Now().UnixMilli()}
			if err := rdb.Load(bytes.NewReader(raw), loader, rdb.Limits{}); err != nil {
				t.Fatalf("reading %s: %v", file, err)
			}
			if loader.streams == 0 {
				t.Fatalf("%s holds no stream", file)
			}
			p := &connPair{ref: ref, sut: sut}
			for _, db := range []string{"0", "3"} {
				diffDo(t, p, "SELECT", db)
				diffDo(t, p, "DBSIZE")
				keys := ref.do("KEYS", "*")
				var names []string
				for _, k := range keys.replies[0].elems {
					names = append(names, string(k.data))
				}
				sort.Strings(names)
				if len(names) == 0 {
					t.Fatalf("db %s: redis loaded no keys", db)
				}
				t.Logf("db %s: %d keys", db, len(names))
				for _, k := range names {
					compareKey(t, p, k)
				}
			}
			diffDo(t, p, "SELECT", "0")
		})
	}
}

// compareKey reads key whole from both servers.
func compareKey(t *testing.T, p *connPair, key string) {
	t.Helper()
	r := p.ref.do("TYPE", key)
	typ := r.replies[0].line
	diffDo(t, p, "TYPE", key)
	diffDo(t, p, "OBJECT", "ENCODING", key)
	diffDoMode(t, p, "~ttl", "PTTL", key)
	switch typ {
	case "string":
		diffDo(t, p, "GET", key)
	case "list":
		diffDo(t, p, "LRANGE", key, "0", "-1")
	case "set":
		diffDoMode(t, p, "~sorted", "SMEMBERS", key)
	case "hash":
		diffDoMode(t, p, "~sorted", "HKEYS", key)
		diffDo(t, p, "HLEN", key)
		for _, f := range p.ref.do("HKEYS", key).replies[0].elems {
			diffDo(t, p, "HGET", key, string(f.data))
		}
	case "zset":
		diffDo(t, p, "ZRANGE", key, "0", "-1", "WITHSCORES")
	case "stream":
		diffDo(t, p, "XINFO", "STREAM", key, "FULL", "COUNT", "0")
		diffDo(t, p, "XINFO", "GROUPS", key)
		diffDo(t, p, "XRANGE", key, "-", "+")
	default:
		t.Errorf("key %s of type %q", key, typ)
	}
}

// startRedisWithFile runs a redis-server that loads raw as its dump.rdb;
// it is stopped when the test ends.
func startRedisWithFile(t *testing.T, raw []byte) *respConn {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	bin := os.Getenv("REDIS_SERVER")
	if bin == "" {
		bin = "redis-server"
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := dialResp("redis-golden", addr)
		if err == nil {
			if r := c.do("PING"); r.end == endReply && r.replies[0].line == "PONG" {
				t.Cleanup(func() { c.Close() })
				return c
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server with the golden file did not answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// restorer RESTOREs every key of an RDB file into enclavekv, as the
// rdb import tool does.
type restorer struct {
	t       *testing.T
	c       *respConn
	now     int64
	db      int
	streams int
}

func (r *restorer) Aux(k, v []byte) error                   { return nil }
func (r *restorer) ResizeDB(db int, keys, exp uint64) error { return nil }
func (r *restorer) Function(code []byte) error              { return errors.New("no functions expected") }

func (r *restorer) Entry(db int, key []byte, v *rdb.Value, exp int64, _ rdb.LRUInfo) error {
	if exp != 0 && exp <= r.now {
		return nil // expired: Redis drops it when loading too
	}
	if v.Kind == rdb.KindStream {
		r.streams++
	}
	if db != r.db {
		if res := r.c.do("SELECT", strconv.Itoa(db)); res.end != endReply || res.replies[0].line != "OK" {
			return fmt.Errorf("SELECT %d: %s", db, res)
		}
		r.db = db
	}
	payload, err := rdb.DumpPayload(v, false)
	if err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	args := []string{"RESTORE", string(key), "0", string(payload)}
	if exp != 0 {
		args = []string{"RESTORE", string(key), strconv.FormatInt(exp, 10), string(payload), "ABSTTL"}
	}
	if res := r.c.do(args...); res.end != endReply || res.replies[0].line != "OK" {
		return fmt.Errorf("RESTORE %q: %s", key, res)
	}
	return nil
}
