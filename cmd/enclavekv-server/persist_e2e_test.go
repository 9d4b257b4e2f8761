package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitOutput waits until the server's log shows want (count times).
func waitOutput(t *testing.T, p *proc, want string, count int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.output(), want) < count {
		if time.Now().After(deadline) {
			t.Fatalf("server log never showed %q %d times:\n%s", want, count, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func kill9(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	<-p.done
}

// The acceptance scenario: save points, a write, the background save, a
// crash, a restart: the data is back, and nothing in dir shows it.
func TestSnapshotSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--dir", dir)
	lib := "#!lua name=privatelib\nredis.register_function('privatefn', function(keys) return redis.call('get', keys[1]) end)"
	if got := redisCLI(t, p, "", "FUNCTION", "LOAD", lib); got != "privatelib\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	if got := redisCLI(t, p, "", "CONFIG", "SET", "save", "1 1"); got != "OK\n" {
		t.Fatalf("CONFIG SET save: %q", got)
	}
	redisCLI(t, p, "", "SET", "confidential-key", "confidential-value-4711")
	redisCLI(t, p, "", "HSET", "user:1", "name", "alice-in-enclave", "age", "33")
	redisCLI(t, p, "", "SET", "ttl-key", "x", "EX", "1000")
	waitOutput(t, p, "Background saving terminated with success", 1)
	if !strings.Contains(p.output(), "Background saving started") || !strings.Contains(p.output(), "DB saved on disk") {
		t.Fatalf("save log lines missing:\n%s", p.output())
	}
	kill9(t, p)

	// The host sees no key or value in any file the server wrote.
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("dir: %v, %d files", err, len(ents))
	}
	for _, de := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, de.Name()))
		for _, s := range []string{"confidential-key", "confidential-value-4711", "alice-in-enclave", "user:1", "REDIS00", "privatelib", "privatefn"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in the clear", de.Name(), s)
			}
		}
	}

	p2 := start(t, "--dir", dir)
	if !strings.Contains(p2.output(), "DB loaded from disk") {
		t.Errorf("no load line:\n%s", p2.output())
	}
	if got := redisCLI(t, p2, "", "GET", "confidential-key"); got != "confidential-value-4711\n" {
		t.Fatalf("GET after restart: %q", got)
	}
	if got := redisCLI(t, p2, "", "HGET", "user:1", "name"); got != "alice-in-enclave\n" {
		t.Fatalf("HGET after restart: %q", got)
	}
	if ttl, _ := strconv.Atoi(strings.TrimSpace(redisCLI(t, p2, "", "TTL", "ttl-key"))); ttl < 900 || ttl > 1000 {
		t.Fatalf("TTL after restart: %d", ttl)
	}
	// Function libraries are part of the sealed snapshot.
	if got := redisCLI(t, p2, "", "FCALL", "privatefn", "1", "confidential-key"); got != "confidential-value-4711\n" {
		t.Fatalf("FCALL after restart: %q", got)
	}
}

// SHUTDOWN saves when asked (or with save points), NOSAVE does not;
// SAVE, BGSAVE and LASTSAVE answer as Redis does.
func TestShutdownSaveAndCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := start(t, "--dir", dir, "--save", "")
	c := redis.NewClient(&redis.Options{Addr: p.addr()})
	defer c.Close()
	c.Set(ctx, "a", "1", 0)
	if v, err := c.Save(ctx).Result(); err != nil || v != "OK" {
		t.Fatalf("SAVE: %q %v", v, err)
	}
	last, err := c.LastSave(ctx).Result()
	if err != nil || time.Since(time.Unix(last, 0)) > time.Minute {
		t.Fatalf("LASTSAVE: %d %v", last, err)
	}
	if v, err := c.BgSave(ctx).Result(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE: %q %v", v, err)
	}
	waitOutput(t, p, "Background saving terminated with success", 1)
	if err := c.Do(ctx, "BGSAVE", "NOW").Err(); err == nil || err.Error() != "ERR syntax error" {
		t.Fatalf("BGSAVE NOW: %v", err)
	}
	info := c.Info(ctx, "persistence").Val()
	for _, want := range []string{"rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:ok", "rdb_saves:2", "rdb_changes_since_last_save:0"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence lacks %q:\n%s", want, info)
		}
	}
	c.Set(ctx, "b", "2", 0)
	_ = c.Do(ctx, "SHUTDOWN", "SAVE").Err() // the connection closes
	<-p.done
	if !strings.Contains(p.output(), "Saving the final RDB snapshot before exiting.") {
		t.Errorf("no final save line:\n%s", p.output())
	}

	p2 := start(t, "--dir", dir, "--save", "")
	c2 := redis.NewClient(&redis.Options{Addr: p2.addr()})
	defer c2.Close()
	if v := c2.MGet(ctx, "a", "b").Val(); len(v) != 2 || v[0] != "1" || v[1] != "2" {
		t.Fatalf("after SHUTDOWN SAVE: %v", v)
	}
	c2.Set(ctx, "c", "3", 0)
	_ = c2.Do(ctx, "SHUTDOWN", "NOSAVE").Err()
	<-p2.done

	p3 := start(t, "--dir", dir)
	if got := redisCLI(t, p3, "", "EXISTS", "a", "b", "c"); got != "2\n" {
		t.Fatalf("after SHUTDOWN NOSAVE, EXISTS a b c = %q, want 2", got)
	}
}

// A plaintext dump.rdb in dir (which the host could have planted) stops
// the start with a message that explains the import path.
func TestPlaintextSnapshotRefused(t *testing.T) {
	dir := t.TempDir()
	rdbFile := "REDIS0010\xfa\x09redis-ver\x067.0.15\xfe\x00\xfb\x01\x00\x00\x01k\x01v\xff" + strings.Repeat("\x00", 8)
	os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte(rdbFile), 0o644)
	out, err := runFail(t, "--dir", dir, "--port", strconv.Itoa(freePort(t)))
	if err == nil {
		t.Fatal("server started with a plaintext dump.rdb")
	}
	for _, want := range []string{"Fatal error loading the DB", "plaintext RDB", "enclavekv rdb import"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// kill -9 at random moments of repeated saves: every restart finds a
// complete snapshot.
func TestCrashDuringSaves(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const keys = 30000
	p := start(t, "--dir", dir, "--save", "")
	c := redis.NewClient(&redis.Options{Addr: p.addr()})
	pipe := c.Pipeline()
	for i := 0; i < keys; i++ {
		pipe.Set(ctx, "key:"+strconv.Itoa(i), strings.Repeat("v", 100), 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	kill9(t, p)
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := 0; round < 6; round++ {
		p := start(t, "--dir", dir, "--save", "")
		c := redis.NewClient(&redis.Options{Addr: p.addr()})
		if n, err := c.DBSize(ctx).Result(); err != nil || n != keys {
			t.Fatalf("round %d: DBSIZE after restart = %d, %v; want %d (a complete snapshot)\n%s", round, n, err, keys, p.output())
		}
		c.Set(ctx, "key:0", "round"+strconv.Itoa(round), 0)
		c.BgSave(ctx)
		time.Sleep(time.Duration(rnd.IntN(60)) * time.Millisecond)
		c.Close()
		kill9(t, p)
	}
}

// runFail runs the server expecting it to exit by itself within 10 s, and
// returns its output.
func runFail(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), nil
	}
}

// redis-cli --rdb fetches a plaintext RDB of the live data (SYNC), which
// redis-check-rdb accepts; enclavekv rdb import brings such a file into
// another instance.
func TestRedisCLIRdbAndImport(t *testing.T) {
	for _, tool := range []string{"redis-cli", "redis-check-rdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required (apt-get install -y redis-tools)", tool)
		}
	}
	p := start(t, "--save", "")
	redisCLI(t, p, "", "SET", "str", "value")
	redisCLI(t, p, "", "RPUSH", "list", "a", "b", "c")
	redisCLI(t, p, "", "HSET", "hash", "f", "v")
	redisCLI(t, p, "", "ZADD", "zset", "1.5", "m")
	redisCLI(t, p, "", "SADD", "set", "1", "2")
	redisCLI(t, p, "", "SET", "ttl", "v", "EX", "500")
	redisCLI(t, p, "", "XADD", "stream", "1-1", "f", "v")
	redisCLI(t, p, "", "XADD", "stream", "2-1", "f", "w")
	redisCLI(t, p, "", "XGROUP", "CREATE", "stream", "grp", "0")
	redisCLI(t, p, "", "XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">")
	redisCLI(t, p, "", "FUNCTION", "LOAD", "#!lua name=implib\nredis.register_function('impfn', function() return 'imported' end)")
	out := filepath.Join(t.TempDir(), "backup.rdb")
	if got := redisCLI(t, p, "", "--rdb", out); !strings.Contains(got, "Transfer finished with success") {
		t.Fatalf("redis-cli --rdb: %s", got)
	}
	if b, err := exec.Command("redis-check-rdb", out).CombinedOutput(); err != nil || !strings.Contains(string(b), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, b)
	}
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("server after SYNC: %q", got)
	}

	// Import into a second instance, which seals it.
	dir := t.TempDir()
	q := start(t, "--dir", dir, "--save", "")
	tool := buildTool(t)
	cmd := exec.Command(tool, "rdb", "import", "--port", strconv.Itoa(q.port), out)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "restored 7 keys") || !strings.Contains(string(b), "and 1 function libraries") {
		t.Fatalf("enclavekv rdb import: %v\n%s", err, b)
	}
	for _, c := range [][2]string{{"GET str", "value\n"}, {"LRANGE list 0 -1", "a\nb\nc\n"}, {"HGET hash f", "v\n"}, {"ZSCORE zset m", "1.5\n"}, {"SCARD set", "2\n"},
		{"XRANGE stream - +", "1-1\nf\nv\n2-1\nf\nw\n"}, {"XPENDING stream grp", "1\n1-1\n1-1\nalice\n1\n"}} {
		if got := redisCLI(t, q, "", strings.Fields(c[0])...); got != c[1] {
			t.Errorf("%s after import: %q, want %q", c[0], got, c[1])
		}
	}
	if ttl, _ := strconv.Atoi(strings.TrimSpace(redisCLI(t, q, "", "TTL", "ttl"))); ttl < 400 || ttl > 500 {
		t.Errorf("TTL after import: %d", ttl)
	}
	if got := redisCLI(t, q, "", "FCALL", "impfn", "0"); got != "imported\n" {
		t.Errorf("FCALL after import: %q", got)
	}
	sealed, _ := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if len(sealed) == 0 || bytes.Contains(sealed, []byte("value")) || bytes.HasPrefix(sealed, []byte("REDIS")) {
		t.Fatalf("import did not leave a sealed snapshot (%d bytes)", len(sealed))
	}
	// A corrupt file imports nothing.
	raw, _ := os.ReadFile(out)
	raw[len(raw)/2] ^= 0xff
	bad := filepath.Join(t.TempDir(), "bad.rdb")
	os.WriteFile(bad, raw, 0o600)
	r := start(t, "--save", "")
	if b, err := exec.Command(tool, "rdb", "import", "--port", strconv.Itoa(r.port), bad).CombinedOutput(); err == nil {
		t.Fatalf("corrupt file imported:\n%s", b)
	}
	if got := redisCLI(t, r, "", "DBSIZE"); got != "0\n" {
		t.Fatalf("DBSIZE after a refused import: %q", got)
	}
}

// buildTool builds the operator's tool once per test binary.
func buildTool(t *testing.T) string {
	t.Helper()
	toolOnce.Do(func() {
		toolPath = filepath.Join(filepath.Dir(binPath), "enclavekv")
		if b, err := exec.Command("go", "build", "-o", toolPath, "../enclavekv").CombinedOutput(); err != nil {
			toolErr = fmt.Errorf("building enclavekv: %v\n%s", err, b)
		}
	})
	if toolErr != nil {
		t.Fatal(toolErr)
	}
	return toolPath
}

var (
	toolOnce sync.Once
	toolPath string
	toolErr  error
)
