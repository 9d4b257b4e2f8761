package main

// End-to-end tests: they build the real binary, start it on free loopback
// ports and talk to it with go-redis (RESP2 and RESP3), redis-cli and raw
// sockets. redis-cli must be installed; without it these tests fail.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/enclavekv/enclavekv/internal/e2etest"
	"github.com/enclavekv/enclavekv/internal/enclave"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "enclavekv-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "enclavekv-server")
	// Every server these tests start shares one simulated platform, kept
	// out of the user's home.
	os.Setenv(enclave.SimSecretEnv, filepath.Join(dir, "sim-platform-secret"))
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building enclavekv-server: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) int { return e2etest.FreePort(t) }

// proc is a running server process.
type proc struct {
	cmd  *exec.Cmd
	port int
	out  e2etest.Output
	done chan struct{}
	err  error
}

func (p *proc) output() string { return p.out.String() }

func (p *proc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// start runs the server with args (a free port is added unless args set
// one) and waits until it accepts connections.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	hasPort, hasDir := false, false
	for _, a := range args {
		switch a {
		case "--port":
			hasPort = true
		case "--dir":
			hasDir = true
		}
	}
	// Snapshots (the default save points, SHUTDOWN) go to a directory of
	// the test's, never into the source tree.
	if !hasDir {
		args = append(args, "--dir", t.TempDir())
	}
	if !hasPort {
		p.port = freePort(t)
		args = append(args, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1")
	}
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.output(), "Ready to accept connections") {
		select {
		case <-p.done:
			t.Fatalf("server exited early: %v\n%s", p.err, p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready:\n%s", p.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

func client(t *testing.T, p *proc, protocol int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: protocol, DisableIdentity: false})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedis(t *testing.T) {
	p := start(t)
	for _, protocol := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", protocol), func(t *testing.T) {
			ctx := context.Background()
			c := client(t, p, protocol)
			if err := c.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Ping(ctx).Result(); err != nil || v != "PONG" {
				t.Fatalf("PING = %q, %v", v, err)
			}
			if err := c.Set(ctx, "k", "v", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: err = %v, want redis.Nil", err)
			}
			if ttl, err := c.TTL(ctx, "k").Result(); err != nil || ttl <= 50*time.Second {
				t.Fatalf("TTL = %v, %v", ttl, err)
			}
			if n, err := c.IncrBy(ctx, "n", 41).Result(); err != nil || n != 41 {
				t.Fatalf("INCRBY = %d, %v", n, err)
			}
			if f, err := c.IncrByFloat(ctx, "f", 10.5).Result(); err != nil || f != 10.5 {
				t.Fatalf("INCRBYFLOAT = %v, %v", f, err)
			}
			vals, err := c.MGet(ctx, "k", "missing", "n").Result()
			if err != nil || len(vals) != 3 || vals[0] != "v" || vals[1] != nil || vals[2] != "41" {
				t.Fatalf("MGET = %#v, %v", vals, err)
			}
			if err := c.Set(ctx, "w", "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Incr(ctx, "w").Result(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
				t.Fatalf("INCR on non-integer: %v", err)
			}
			pipe := c.Pipeline()
			for i := 0; i < 1000; i++ {
				pipe.Set(ctx, "p"+strconv.Itoa(i), i, 0)
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := c.DBSize(ctx).Result(); err != nil || n != 1000+4 {
				t.Fatalf("DBSIZE = %d, %v", n, err)
			}
		})
	}
}

// TestGoRedisConnectionOptions: what go-redis does on connect (HELLO with
// SETNAME, CLIENT SETINFO, SELECT) and replies that are maps in RESP3.
func TestGoRedisConnectionOptions(t *testing.T) {
	p := start(t)
	for _, protocol := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", protocol), func(t *testing.T) {
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: protocol, ClientName: "app-1", DB: 5})
			defer c.Close()
			if err := c.Set(ctx, "db5key", "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
			info, err := c.ClientInfo(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != "app-1" || info.DB != 5 || info.LibName != "go-redis(,"+runtime.Version()+")" || info.Resp != protocol {
				t.Fatalf("CLIENT INFO after connect: name=%q db=%d lib=%q resp=%d", info.Name, info.DB, info.LibName, info.Resp)
			}
			if n, err := c.Exists(ctx, "db5key").Result(); err != nil || n != 1 {
				t.Fatalf("EXISTS in db 5: %d, %v", n, err)
			}
			other := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: protocol})
			defer other.Close()
			if n, err := other.Exists(ctx, "db5key").Result(); err != nil || n != 0 {
				t.Fatalf("EXISTS in db 0: %d, %v", n, err)
			}
			cfg, err := c.ConfigGet(ctx, "maxmemory-p*").Result()
			if err != nil || cfg["maxmemory-policy"] != "noeviction" {
				t.Fatalf("CONFIG GET: %v, %v", cfg, err)
			}
			hello, err := c.Do(ctx, "HELLO", protocol).Result()
			if err != nil {
				t.Fatal(err)
			}
			// RESP3 HELLO is a map; RESP2 a flat array of 14.
			switch h := hello.(type) {
			case map[interface{}]interface{}:
				if protocol != 3 || h["proto"] != int64(3) || h["mode"] != "standalone" {
					t.Fatalf("HELLO %d: %#v", protocol, h)
				}
			case []interface{}:
				if protocol != 2 || len(h) != 14 {
					t.Fatalf("HELLO %d: %#v", protocol, h)
				}
			default:
				t.Fatalf("HELLO %d: %T", protocol, hello)
			}
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func redisCLI(t *testing.T, p *proc, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.port)}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRedisCLI(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli is required for the end-to-end tests (apt-get install -y redis-tools)")
	}
	p := start(t)
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("PING: %q", got)
	}
	if got := redisCLI(t, p, "from stdin", "-x", "SET", "xk"); got != "OK\n" {
		t.Fatalf("-x SET: %q", got)
	}
	if got := redisCLI(t, p, "", "GET", "xk"); got != "from stdin\n" {
		t.Fatalf("GET after -x: %q", got)
	}
	// Commands typed as in an interactive session, one per line.
	got := redisCLI(t, p, "SET a 1\nINCR a\nGET a\nECHO \"x y\"\n")
	if got != "OK\n2\n2\nx y\n" {
		t.Fatalf("interactive-style session: %q", got)
	}

	// --pipe mass insertion of 100,000 SETs.
	var mass bytes.Buffer
	for i := 0; i < 100000; i++ {
		k := "mass:" + strconv.Itoa(i)
		fmt.Fprintf(&mass, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n", len(k), k, len(strconv.Itoa(i)), i)
	}
	out := redisCLI(t, p, mass.String(), "--pipe")
	if !strings.Contains(out, "errors: 0, replies: 100000") {
		t.Fatalf("--pipe: %q", out)
	}
	if got := redisCLI(t, p, "", "GET", "mass:99999"); got != "99999\n" {
		t.Fatalf("GET after --pipe: %q", got)
	}

	// --scan walks every key exactly as SCAN returns them.
	out = redisCLI(t, p, "", "--scan", "--pattern", "mass:1234*")
	keys := strings.Fields(out)
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	want := []string{"mass:1234", "mass:12340", "mass:12349", "mass:12345"}
	for _, k := range want {
		if !seen[k] {
			t.Fatalf("--scan missed %s (got %d keys)", k, len(seen))
		}
	}
	if len(seen) != 11 {
		t.Fatalf("--scan --pattern mass:1234* returned %d distinct keys, want 11", len(seen))
	}
}

func dialRaw(t *testing.T, p *proc) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func TestInlineAndPipelining(t *testing.T) {
	p := start(t)
	c := dialRaw(t, p)
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if line, _ := r.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("inline PING: %q", line)
	}
	// Thousands of pipelined commands in one write, replies in order.
	var req bytes.Buffer
	const n = 5000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&req, "*2\r\n$4\r\nECHO\r\n$%d\r\n%d\r\n", len(strconv.Itoa(i)), i)
	}
	if _, err := c.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		hdr, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		val, _ := r.ReadString('\n')
		if hdr != fmt.Sprintf("$%d\r\n", len(strconv.Itoa(i))) || val != strconv.Itoa(i)+"\r\n" {
			t.Fatalf("reply %d = %q %q", i, hdr, val)
		}
	}
}

func TestProtocolErrorCloses(t *testing.T) {
	p := start(t)
	c := dialRaw(t, p)
	if _, err := c.Write([]byte("*1\r\n$-5\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	line, _ := r.ReadString('\n')
	if line != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q", line)
	}
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("connection stayed open after a protocol error")
	}
	// The server is still fine for others.
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("PING after protocol error: %q", got)
	}
}

func TestConfigFileAndOverrides(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	inc := filepath.Join(dir, "inc.conf")
	if err := os.WriteFile(inc, []byte("databases 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "redis.conf")
	// The include comes after the save lines on purpose: as in Redis 7.0, an
	// include ends "reading the config file" for the lines after it, so a
	// later save line would replace the earlier ones instead of adding to
	// them (redis-server prints "300 10" for the other order too).
	body := fmt.Sprintf("# comment\nport 1\nbind \"127.0.0.1\"\nsave 900 1\nsave 300 10\ninclude %s\nmaxclients 2\n", inc)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, conf, "--port", strconv.Itoa(port))
	p.port = port
	if got := redisCLI(t, p, "", "CONFIG", "GET", "databases"); got != "databases\n4\n" {
		t.Fatalf("databases from include: %q", got)
	}
	if got := redisCLI(t, p, "", "CONFIG", "GET", "save"); got != "save\n900 1 300 10\n" {
		t.Fatalf("multi-line save: %q", got)
	}
	if got := redisCLI(t, p, "", "SELECT", "4"); got != "ERR DB index is out of range\n\n" { // redis-cli ends an error with an empty line
		t.Fatalf("SELECT 4 with 4 databases: %q", got)
	}
	// maxclients 2: the third connection is refused with Redis's error.
	// The redis-cli connections above may not be reaped yet, so the first
	// two are retried until they are served.
	for i := 0; i < 2; i++ {
		deadline := time.Now().Add(5 * time.Second)
		for {
			c := dialRaw(t, p)
			c.Write([]byte("PING\r\n"))
			if line, _ := bufio.NewReader(c).ReadString('\n'); line == "+PONG\r\n" {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("client %d never served", i+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c3 := dialRaw(t, p)
	line, _ := bufio.NewReader(c3).ReadString('\n')
	if line != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q", line)
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown option", []string{"--no-such-option", "1"}, "Bad directive or wrong number of arguments"},
		{"bad integer", []string{"--port", "abc"}, "argument couldn't be parsed into an integer"},
		{"missing file", []string{"/nonexistent/redis.conf"}, "Fatal error, can't open config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(binPath, tt.args...).CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want code 1\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Fatalf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := exec.Command(binPath, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v=0.1.0") {
		t.Fatalf("--version: %v %q", err, out)
	}
	out, err = exec.Command(binPath, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Usage:") {
		t.Fatalf("--help: %v %q", err, out)
	}
}

func TestUnixSocketOnly(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "ekv.sock")
	p := start(t, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700")
	st, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("socket mode %v, want 0700", st.Mode().Perm())
	}
	out, err := exec.Command("redis-cli", "-s", sock, "PING").CombinedOutput()
	if err != nil || string(out) != "PONG\n" {
		t.Fatalf("PING over unix socket: %v %q", err, out)
	}
	// As in Redis: a unix-socket client is flagged U, both addresses are
	// "<path>:0".
	out, err = exec.Command("redis-cli", "-s", sock, "CLIENT", "INFO").CombinedOutput()
	if err != nil || !strings.Contains(string(out), " addr="+sock+":0 laddr="+sock+":0 ") || !strings.Contains(string(out), " flags=U ") {
		t.Fatalf("CLIENT INFO over unix socket: %v %q", err, out)
	}
	if !strings.Contains(p.output(), "Ready to accept connections unix") {
		t.Fatalf("missing unix ready line:\n%s", p.output())
	}
	if strings.Contains(p.output(), "Ready to accept connections tcp") {
		t.Fatalf("port 0 still listened on TCP:\n%s", p.output())
	}
}

func TestIdleTimeout(t *testing.T) {
	p := start(t, "--timeout", "1")
	c := dialRaw(t, p)
	r := bufio.NewReader(c)
	c.Write([]byte("PING\r\n"))
	if line, _ := r.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("PING: %q", line)
	}
	start := time.Now()
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("idle client not closed")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("idle client closed after %v", d)
	}
}

func TestSignalShutdown(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "ekv.pid")
	logfile := filepath.Join(dir, "ekv.log")
	p := &proc{done: make(chan struct{})}
	p.port = freePort(t)
	p.cmd = exec.Command(binPath, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--pidfile", pidfile, "--logfile", logfile, "--dir", dir)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logfile)
		if strings.Contains(string(b), "Ready to accept connections") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready; log:\n%s\nstdout:\n%s", b, p.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(p.cmd.Process.Pid) {
		t.Fatalf("pidfile: %q %v", b, err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if p.err != nil {
		t.Fatalf("exit after SIGTERM: %v", p.err)
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Fatalf("pidfile left behind: %v", err)
	}
	logb, _ := os.ReadFile(logfile)
	// Every line goes to the log file, in Redis's order and levels.
	order := []string{
		"# oO0OoO0OoO0Oo enclavekv is starting", "# Configuration loaded", "# Server initialized",
		"* Ready to accept connections tcp", "# Received SIGTERM scheduling shutdown...",
		"# User requested shutdown...", "# Saving the final RDB snapshot before exiting.", "* DB saved on disk",
		"* Removing the pid file.", "# enclavekv is now ready to exit, bye bye...",
	}
	log := string(logb)
	at := 0
	for _, want := range order {
		i := strings.Index(log[at:], want)
		if i < 0 {
			t.Fatalf("log lacks %q after byte %d:\n%s", want, at, log)
		}
		at += i + len(want)
	}
	if n := strings.Count(log, "Ready to accept connections"); n != 1 {
		t.Errorf("%d ready lines, want 1 (one per kind of listener):\n%s", n, log)
	}
	if out := p.output(); out != "" {
		t.Errorf("with a logfile nothing goes to stdout, got:\n%s", out)
	}
}

// Start-up failures print what redis-server prints: one line or one FATAL
// block, and exit 1.
func TestStartupFailures(t *testing.T) {
	dir := t.TempDir()
	noBind := filepath.Join(dir, "nobind.conf")
	if err := os.WriteFile(noBind, []byte("bind\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		want     string
		starting bool // the "is starting" lines come first
	}{
		{"nowhere to listen", []string{"--port", "0"}, "# Configured to not listen anywhere, exiting.", true},
		{"bind without addresses", []string{noBind, "--port", strconv.Itoa(freePort(t))}, "# Configured to not listen anywhere, exiting.", true},
		{"bad value", []string{"--port", "x"}, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***", false},
		{"missing file", []string{filepath.Join(dir, "nope.conf")}, "# Fatal error, can't open config file '" + filepath.Join(dir, "nope.conf") + "': No such file or directory", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(binPath, tt.args...).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want 1\n%s", err, out)
			}
			if n := strings.Count(string(out), tt.want); n != 1 {
				t.Errorf("%q printed %d times:\n%s", tt.want, n, out)
			}
			if got := strings.Contains(string(out), "is starting"); got != tt.starting {
				t.Errorf("start-up lines printed: %v, want %v:\n%s", got, tt.starting, out)
			}
			if strings.Contains(tt.want, "can't open") && strings.Contains(string(out), "FATAL CONFIG FILE ERROR") {
				t.Errorf("an unreadable file is a log line, not the FATAL block:\n%s", out)
			}
		})
	}
}

// TestDefaultBindIsLoopback starts the server with no bind option: it must
// listen on 127.0.0.1 and ::1 only, never on every interface. The kernel's
// socket tables say where it listens; no traffic leaves loopback.
func TestDefaultBindIsLoopback(t *testing.T) {
	port := freePort(t)
	p := start(t, "--port", strconv.Itoa(port))
	p.port = port
	if got := redisCLI(t, p, "", "CONFIG", "GET", "bind"); got != "bind\n127.0.0.1 -::1\n" {
		t.Fatalf("CONFIG GET bind: %q", got)
	}
	listening := listenAddrs(t, port)
	if len(listening) == 0 {
		t.Fatalf("no listening socket found for port %d", port)
	}
	for _, a := range listening {
		if a != "127.0.0.1" && a != "::1" {
			t.Errorf("listens on %s:%d; want loopback only (all: %v)", a, port, listening)
		}
	}
}

// listenAddrs reads /proc/net/tcp{,6} for the local addresses of the
// sockets in LISTEN state on port.
func listenAddrs(t *testing.T, port int) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // no IPv6 on this machine
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "0A" { // 0A = TCP_LISTEN
				continue
			}
			hostHex, portHex, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(portHex, 16, 16); !ok || err != nil || int(p) != port {
				continue
			}
			raw, err := hex.DecodeString(hostHex)
			if err != nil {
				t.Fatalf("%s: %q", f, fields[1])
			}
			// The kernel prints each 32-bit word in host (little-endian) order.
			for i := 0; i+4 <= len(raw); i += 4 {
				raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
			}
			out = append(out, net.IP(raw).String())
		}
	}
	return out
}

// maxclients beyond what the system allows (fs.nr_open caps even root) is
// lowered at start with Redis's warnings, and CONFIG SET cannot raise it
// past that again.
func TestMaxClientsFitOpenFilesLimit(t *testing.T) {
	p := start(t, "--maxclients", "4000000000")
	out := p.output()
	m := regexp.MustCompile(`maxclients has been reduced to (\d+) to compensate for low ulimit`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "You requested maxclients of 4000000000 requiring at least 4000000032 max file descriptors.") {
		t.Fatalf("no reduction logged:\n%s", out)
	}
	if got := redisCLI(t, p, "", "CONFIG", "GET", "maxclients"); got != "maxclients\n"+m[1]+"\n" {
		t.Fatalf("CONFIG GET maxclients: %q, log says %s", got, m[1])
	}
	want := "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with " + m[1] + "\n\n"
	if got := redisCLI(t, p, "", "CONFIG", "SET", "maxclients", "4000000000"); got != want {
		t.Fatalf("CONFIG SET maxclients too high: %q", got)
	}
	if got := redisCLI(t, p, "", "CONFIG", "SET", "maxclients", "100"); got != "OK\n" {
		t.Fatalf("CONFIG SET maxclients 100: %q", got)
	}
}

// CONFIG SET port and bind move the TCP listeners at once; a port that
// cannot be bound fails the whole CONFIG SET with Redis's text and changes
// nothing, the server still listening where it was.
func TestConfigSetPortAndBind(t *testing.T) {
	p := start(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	want := "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\n\n"
	if got := redisCLI(t, p, "", "CONFIG", "SET", "hz", "20", "port", busyPort); got != want {
		t.Fatalf("CONFIG SET to a busy port: %q", got)
	}
	if got := redisCLI(t, p, "", "CONFIG", "GET", "hz"); got != "hz\n10\n" {
		t.Fatalf("a failed CONFIG SET changed hz: %q", got)
	}
	newPort := freePort(t)
	if got := redisCLI(t, p, "", "CONFIG", "SET", "port", strconv.Itoa(newPort)); got != "OK\n" {
		t.Fatalf("CONFIG SET port: %q", got)
	}
	old := p.port
	p.port = newPort
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("PING on the new port: %q", got)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(old), time.Second); err == nil {
		c.Close()
		t.Fatalf("the old port %d still accepts connections", old)
	}
	want = "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\n\n"
	if got := redisCLI(t, p, "", "CONFIG", "SET", "bind", "127.0.0.1 127.0.0.1"); got != want { // the second cannot be bound
		t.Fatalf("CONFIG SET bind that cannot be bound: %q", got)
	}
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("PING after a failed rebind: %q", got)
	}
	if got := redisCLI(t, p, "", "CONFIG", "SET", "bind", "127.0.0.1 -::1"); got != "OK\n" {
		t.Fatalf("CONFIG SET bind: %q", got)
	}
	if got := redisCLI(t, p, "", "PING"); got != "PONG\n" {
		t.Fatalf("PING after the rebind: %q", got)
	}
}
