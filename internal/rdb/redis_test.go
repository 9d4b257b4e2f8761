package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The differential tests run against real redis-server 7.0. Without it
// they skip, unless ENCLAVEKV_REQUIRE_REDIS=1 says the environment must
// have it, where they fail.
func requireRedis(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ENCLAVEKV_REQUIRE_REDIS") == "1" {
				t.Fatalf("%s not on PATH and ENCLAVEKV_REQUIRE_REDIS=1", tool)
			}
			t.Skipf("%s not on PATH", tool)
		}
	}
}

// redisServer is a redis-server started for one test on a free local port.
type redisServer struct {
	cmd *exec.Cmd
	dir string
	*respConn
}

// startRedis starts redis-server in dir, loading dbfile if it exists;
// extra are more "--option value" arguments.
func startRedis(t *testing.T, dir, dbfile string, extra ...string) *redisServer {
	t.Helper()
	requireRedis(t, "redis-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf := filepath.Join(dir, "redis.log")
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--dbfilename", dbfile, "--save", "", "--appendonly", "no",
		"--logfile", logf, "--daemonize", "no")
	cmd.Args = append(cmd.Args, extra...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	rs := &redisServer{cmd: cmd, dir: dir}
	t.Cleanup(func() {
		if rs.respConn != nil {
			rs.do("SHUTDOWN", "NOSAVE")
			rs.c.Close()
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			rs.respConn = &respConn{c: c, r: bufio.NewReader(c)}
			// LOADING replies come while the file loads; wait it out.
			for {
				if _, err := rs.do("PING"); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			return rs
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(logf)
			t.Fatalf("redis-server exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not come up on port %d", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// log returns what the server logged so far.
func (rs *redisServer) log() string {
	b, _ := os.ReadFile(filepath.Join(rs.dir, "redis.log"))
	return string(b)
}

// respConn is a minimal RESP2 client: enough to drive a test server
// with binary-safe arguments.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

type respError string

func (e respError) Error() string { return string(e) }

// do sends a command; replies are string (status), int64, []byte (bulk,
// nil for null), []any (array, nil for null) or a respError.
func (rc *respConn) do(args ...any) (any, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		var s []byte
		switch a := a.(type) {
		case string:
			s = []byte(a)
		case []byte:
			s = a
		case int:
			s = strconv.AppendInt(nil, int64(a), 10)
		case int64:
			s = strconv.AppendInt(nil, a, 10)
		case float64:
			s = strconv.AppendFloat(nil, a, 'g', -1, 64)
		default:
			panic(fmt.Sprintf("respConn: argument of type %T", a))
		}
		fmt.Fprintf(&b, "$%d\r\n", len(s))
		b.Write(s)
		b.WriteString("\r\n")
	}
	rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		return nil, err
	}
	return rc.reply()
}

func (rc *respConn) reply() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, respError(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return []byte(nil), err
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return []any(nil), err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = rc.reply(); err != nil {
				var re respError
				if !errors.As(err, &re) {
					return nil, err
				}
				out[i] = err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// must runs a command and fails the test on an error reply.
func (rc *respConn) must(t *testing.T, args ...any) any {
	t.Helper()
	r, err := rc.do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return r
}

// keyState is one key as a canonical string plus its expiry.
type keyState struct {
	Val      string
	ExpireMs int64
}

// dbState maps "db/key" to its state.
type dbState map[string]keyState

// redisState reads back every key of every database from the server.
func redisState(t *testing.T, rc *respConn) dbState {
	t.Helper()
	st := dbState{}
	for db := range 16 {
		rc.must(t, "SELECT", db)
		for _, k := range rc.must(t, "KEYS", "*").([]any) {
			key := k.([]byte)
			v := redisValue(t, rc, key)
			exp := rc.must(t, "PEXPIRETIME", key).(int64)
			if exp < 0 {
				exp = 0
			}
			st[fmt.Sprintf("%d/%s", db, key)] = keyState{canon(v), exp}
		}
	}
	rc.must(t, "SELECT", 0)
	return st
}

func bulks(r any) [][]byte {
	var out [][]byte
	for _, e := range r.([]any) {
		out = append(out, e.([]byte))
	}
	return out
}

// redisValue reads one key back into a Value.
func redisValue(t *testing.T, rc *respConn, key []byte) *Value {
	t.Helper()
	switch typ := rc.must(t, "TYPE", key).(string); typ {
	case "string":
		return &Value{Kind: KindString, Str: rc.must(t, "GET", key).([]byte)}
	case "list":
		return &Value{Kind: KindList, List: bulks(rc.must(t, "LRANGE", key, 0, -1))}
	case "set":
		return &Value{Kind: KindSet, Set: bulks(rc.must(t, "SMEMBERS", key))}
	case "hash":
		kv := bulks(rc.must(t, "HGETALL", key))
		return hashValue(kv)
	case "zset":
		kv := bulks(rc.must(t, "ZRANGE", key, 0, -1, "WITHSCORES"))
		v := &Value{Kind: KindZSet}
		for i := 0; i < len(kv); i += 2 {
			f, err := strconv.ParseFloat(string(kv[i+1]), 64)
			if err != nil {
				t.Fatalf("score %q: %v", kv[i+1], err)
			}
			v.ZSet = append(v.ZSet, ZMember{Member: kv[i], Score: f})
		}
		return v
	case "stream":
		return &Value{Kind: KindStream, Stream: redisStream(t, rc.must(t, "XINFO", "STREAM", key, "FULL", "COUNT", 0))}
	default:
		t.Fatalf("key %q of type %s", key, typ)
		return nil
	}
}

// fields turns a flat [name, value, ...] reply into a map.
func fields(r any) map[string]any {
	m := map[string]any{}
	a := r.([]any)
	for i := 0; i+1 < len(a); i += 2 {
		m[string(a[i].([]byte))] = a[i+1]
	}
	return m
}

func parseID(t *testing.T, r any) StreamID {
	t.Helper()
	s := string(r.([]byte))
	ms, seq, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("bad stream ID %q", s)
	}
	return StreamID{a, b}
}

// redisStream builds a Stream from XINFO STREAM key FULL.
func redisStream(t *testing.T, r any) *Stream {
	m := fields(r)
	st := &Stream{
		Length:       uint64(m["length"].(int64)),
		LastID:       parseID(t, m["last-generated-id"]),
		MaxDeletedID: parseID(t, m["max-deleted-entry-id"]),
		EntriesAdded: uint64(m["entries-added"].(int64)),
		FirstID:      parseID(t, m["recorded-first-entry-id"]),
	}
	for _, e := range m["entries"].([]any) {
		ea := e.([]any)
		st.Entries = append(st.Entries, StreamEntry{ID: parseID(t, ea[0]), Fields: bulks(ea[1])})
	}
	for _, g := range m["groups"].([]any) {
		gm := fields(g)
		sg := StreamGroup{Name: gm["name"].([]byte), LastID: parseID(t, gm["last-delivered-id"]), EntriesRead: -1}
		if n, ok := gm["entries-read"].(int64); ok {
			sg.EntriesRead = n
		}
		for _, p := range gm["pending"].([]any) {
			pa := p.([]any)
			sg.PEL = append(sg.PEL, PendingEntry{ID: parseID(t, pa[0]), DeliveryTimeMs: pa[2].(int64), DeliveryCount: uint64(pa[3].(int64))})
		}
		for _, c := range gm["consumers"].([]any) {
			cm := fields(c)
			seen := cm["seen-time"].(int64)
			active := seen // Redis 7.0 has no active-time; our reader sets it to seen-time
			if a, ok := cm["active-time"].(int64); ok {
				active = a
			}
			con := Consumer{Name: cm["name"].([]byte), SeenTimeMs: seen, ActiveTimeMs: active}
			for _, p := range cm["pending"].([]any) {
				con.PEL = append(con.PEL, parseID(t, p.([]any)[0]))
			}
			sg.Consumers = append(sg.Consumers, con)
		}
		st.Groups = append(st.Groups, sg)
	}
	return st
}

// collector is a Handler gathering everything Load reports.
type collector struct {
	state dbState
	aux   map[string]string
	empty []string
	lru   map[string]LRUInfo
}

func newCollector() *collector {
	return &collector{state: dbState{}, aux: map[string]string{}, lru: map[string]LRUInfo{}}
}

func (c *collector) Aux(k, v []byte) error {
	c.aux[string(k)] = string(v)
	return nil
}

func (c *collector) ResizeDB(db int, keys, expires uint64) error { return nil }

func (c *collector) Entry(db int, key []byte, v *Value, exp int64, lru LRUInfo) error {
	k := fmt.Sprintf("%d/%s", db, key)
	if _, dup := c.state[k]; dup {
		return fmt.Errorf("duplicate key %s", k)
	}
	c.state[k] = keyState{canon(v), exp}
	if lru != noLRU {
		c.lru[k] = lru
	}
	return nil
}

func (c *collector) EmptyKey(db int, key []byte) error {
	c.empty = append(c.empty, fmt.Sprintf("%d/%s", db, key))
	return nil
}

// compareStates reports every difference between two states.
func compareStates(t *testing.T, got, want dbState) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("key %s missing", k)
		case g.Val != w.Val:
			t.Errorf("key %s:\n got %.600s\nwant %.600s", k, g.Val, w.Val)
		case g.ExpireMs != w.ExpireMs:
			t.Errorf("key %s: expiry %d, want %d", k, g.ExpireMs, w.ExpireMs)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}
