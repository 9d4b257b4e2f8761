package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"golang.org/x/sys/unix"
)

// startServer runs a Server on a unix socket in a temp dir (no TCP port), with
// extra config pairs, and stops it when the test ends.
func startServer(t *testing.T, pairs ...[2]string) (*Server, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "ekv.sock")
	args := []string{"--port", "0", "--unixsocket", sock}
	for _, p := range pairs {
		args = append(args, "--"+p[0], p[1])
	}
	cfg, err := config.Parse(args, nil)
	if err != nil {
		t.Fatalf("config %q: %v", args, err)
	}
	s := New(cfg, NewLogger(io.Discard))
	if err := s.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	go s.Serve()
	t.Cleanup(s.Close)
	return s, sock
}

// startTCPServer is startServer listening on a free 127.0.0.1 port too.
func startTCPServer(t *testing.T, pairs ...[2]string) (*Server, int, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s, sock := startServer(t, append(pairs, [2]string{"port", fmt.Sprint(port)}, [2]string{"bind", "127.0.0.1"})...)
	return s, port, sock
}

func dial(t *testing.T, sock string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// readAll reads until the server closes the connection.
func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	return string(b)
}

// readUntilClosed is readAll for a connection the server may reset (it
// closed while our data was still unread on its side).
func readUntilClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	return string(b)
}

// waitClients polls until the server has n clients: the event loop adds and
// forgets connections on its own time, not when the test's dial or close
// returns.
func waitClients(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Clients()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("server has %d clients, want %d", len(s.Clients()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPipelineOfThousands(t *testing.T) {
	_, sock := startServer(t)
	c := dial(t, sock)
	const n = 20000
	var req bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&req, "*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$%d\r\nk%d\r\n",
			len(fmt.Sprint(i))+1, i, len(fmt.Sprint(i))+1, i)
	}
	go c.Write(req.Bytes())
	r := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		for _, want := range []string{"+OK\r\n", "$1\r\n", "v\r\n"} {
			line, err := r.ReadString('\n')
			if err != nil || line != want {
				t.Fatalf("reply %d: got %q, %v; want %q", i, line, err, want)
			}
		}
	}
}

// Protocol errors get Redis's text, then the connection is closed, and
// the server forgets the client.
func TestProtocolErrorsClose(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n"},
		{"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"SET a \"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"PING\r\n*1\r\nx\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n"},
	}
	s, sock := startServer(t)
	for _, tt := range tests {
		c := dial(t, sock)
		c.Write([]byte(tt.in))
		if got := readAll(t, c); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
	waitClients(t, s, 0)
}

// A limit on one request closes the connection without hurting others.
func TestQueryBufferLimit(t *testing.T) {
	s, sock := startServer(t, [2]string{"client-query-buffer-limit", "1mb"})
	other := dial(t, sock)
	c := dial(t, sock)
	// A bulk of 4 MB is allowed by proto-max-bulk-len but not by the query
	// buffer limit; Redis drops such a client without a reply.
	c.Write([]byte("*2\r\n$4\r\nECHO\r\n$4000000\r\n"))
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for i := 0; i < 40; i++ {
		if _, err := c.Write(chunk); err != nil {
			break
		}
	}
	// The server closes with our unread bytes in its socket, so the kernel
	// may answer with a reset instead of an orderly close; both are a close.
	if got := readUntilClosed(t, c); got != "" {
		t.Errorf("client over the query buffer limit got %q, want a silent close", got[:min(len(got), 80)])
	}
	other.Write([]byte("PING\r\n"))
	buf := make([]byte, 7)
	if _, err := io.ReadFull(other, buf); err != nil || string(buf) != "+PONG\r\n" {
		t.Errorf("other client: %q, %v", buf, err)
	}
	other.Close()
	waitClients(t, s, 0)
}

// The limit's boundary is Redis's: a big bulk counts its data and CRLF, so
// a bulk of exactly the limit is over it and one two bytes shorter is not.
func TestQueryBufferLimitBoundary(t *testing.T) {
	const limit = 1 << 20
	_, sock := startServer(t, [2]string{"client-query-buffer-limit", fmt.Sprint(limit)}, [2]string{"proto-max-bulk-len", fmt.Sprint(limit)})
	for _, tt := range []struct {
		size   int
		closed bool
	}{{limit - 2, false}, {limit - 1, true}, {limit, true}} {
		c := dial(t, sock)
		go fmt.Fprintf(c, "*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", tt.size, strings.Repeat("q", tt.size))
		if tt.closed {
			if b, _ := io.ReadAll(c); len(b) != 0 {
				t.Errorf("ECHO of %d bytes with a %d limit: got %d reply bytes, want a close", tt.size, limit, len(b))
			}
		} else {
			want := fmt.Sprintf("$%d\r\n%s\r\n", tt.size, strings.Repeat("q", tt.size))
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
				t.Errorf("ECHO of %d bytes with a %d limit: %v, reply intact: %v", tt.size, limit, err, string(got) == want)
			}
		}
		c.Close()
	}
}

// A connection cut in the middle of a command leaves nothing behind.
func TestCutMidCommand(t *testing.T) {
	s, sock := startServer(t)
	for _, part := range []string{"*3\r\n$3\r\nSET\r\n$1\r\nk", "*2\r\n$4\r\nECHO\r\n$100\r\nabc", "PIN", "*"} {
		c := dial(t, sock)
		c.Write([]byte(part))
		c.Close()
	}
	waitClients(t, s, 0)
	c := dial(t, sock)
	c.Write([]byte("EXISTS k\r\nQUIT\r\n"))
	if got := readAll(t, c); got != ":0\r\n+OK\r\n" {
		t.Errorf("after cut commands: %q", got)
	}
}

func TestMaxClients(t *testing.T) {
	s, sock := startServer(t, [2]string{"maxclients", "2"})
	a, b := dial(t, sock), dial(t, sock)
	waitClients(t, s, 2)
	c := dial(t, sock)
	if got := readAll(t, c); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("third client: %q", got)
	}
	for _, x := range []net.Conn{a, b} {
		x.Write([]byte("PING\r\n"))
		buf := make([]byte, 7)
		if _, err := io.ReadFull(x, buf); err != nil || string(buf) != "+PONG\r\n" {
			t.Errorf("client within the limit: %q, %v", buf, err)
		}
	}
}

// Random bytes never crash the server or wedge it: every connection ends
// with a close or an open socket that still answers the next client.
func TestGarbageInput(t *testing.T) {
	s, sock := startServer(t)
	inputs := []string{
		"\x00\x01\x02\xff\r\n", "*\r\n", "$\r\n", "*-1\r\n*0\r\n", "*1\r\n$0\r\n\r\n", "*2\r\n$1\r\na\r\n$-1\r\n",
		strings.Repeat("*", 70000), "\r\n\r\n\r\n", "*1\r\n$1\r\nab\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n",
	}
	for _, in := range inputs {
		c := dial(t, sock)
		c.Write([]byte(in))
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		io.ReadAll(c)
		c.Close()
	}
	waitClients(t, s, 0)
	c := dial(t, sock)
	c.Write([]byte("PING\r\nQUIT\r\n"))
	if got := readAll(t, c); got != "+PONG\r\n+OK\r\n" {
		t.Errorf("server after garbage: %q", got)
	}
}

// Keys with a TTL are reclaimed by the active cycle without any client
// touching them, and DEBUG SET-ACTIVE-EXPIRE 0 pauses that.
func TestActiveExpiry(t *testing.T) {
	s, sock := startServer(t, [2]string{"hz", "100"})
	c := dial(t, sock)
	var req bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&req, "SET k%d v PX 50\r\n", i)
	}
	req.WriteString("SET keep v\r\n")
	c.Write(req.Bytes())
	r := bufio.NewReader(c)
	for i := 0; i < 1001; i++ {
		if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
			t.Fatalf("SET %d: %q %v", i, line, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.Lock()
		n := s.Keyspace().DBs[0].Len()
		s.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d keys left; the active expiry cycle should have removed the 1000 expired keys", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A pipeline whose replies pass the mid-batch flush size must get every
// reply once its client reads: when the output drains, the requests still
// buffered run without waiting for more input. The test makes the order
// that once lost them: the loop stops the pipeline on a full socket, then,
// within the same turn (stretched by another client's DEBUG SLEEP), the
// client drains the socket before the end-of-turn flush.
func TestBigPipelinedRepliesNeverStall(t *testing.T) {
	// Over TCP: loopback socket buffers grow to megabytes, so a drained
	// socket takes all the rest of the output at once.
	s, port, _ := startTCPServer(t, [2]string{"enable-debug-command", "yes"})
	dialTCP := func() net.Conn {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	setup := dialTCP()
	value := strings.Repeat("v", 100<<10)
	fmt.Fprintf(setup, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n", len(value), value)
	if line, _ := bufio.NewReader(setup).ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("SET: %q", line)
	}
	const gets = 100 // 10 MB of replies
	pipe := strings.Repeat("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", gets) + "*2\r\n$4\r\nECHO\r\n$3\r\nend\r\n"
	want := len(fmt.Sprintf("$%d\r\n%s\r\n", len(value), value))*gets + len("$3\r\nend\r\n")
	for it := 0; it < 3; it++ {
		a, x := dialTCP(), dialTCP()
		s.mu.Lock()
		a.Write([]byte(pipe))
		x.Write([]byte("DEBUG SLEEP 0.3\r\n"))
		time.Sleep(50 * time.Millisecond) // both requests are in before the turn
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond) // the turn is in the sleep: drain now
		_ = a.SetDeadline(time.Now().Add(3 * time.Second))
		n, err := io.CopyN(io.Discard, a, int64(want))
		if err != nil {
			t.Fatalf("round %d: %d of %d reply bytes, then %v", it, n, want, err)
		}
		a.Close()
		x.Close()
	}
}

// Nothing runs after SHUTDOWN: a write that another client sent in the
// meantime is never applied (a final save made by the shutdown would not
// hold it) and never acknowledged.
func TestNothingRunsAfterShutdown(t *testing.T) {
	s, sock := startServer(t)
	a, b := dial(t, sock), dial(t, sock)
	waitClients(t, s, 2)
	// Holding the command lock keeps the loop from running either request
	// until both are in: b's write is then served after the SHUTDOWN.
	s.mu.Lock()
	a.Write([]byte("SHUTDOWN NOSAVE\r\nSET after-a 1\r\n"))
	time.Sleep(50 * time.Millisecond)
	b.Write([]byte("SET after-b 1\r\n"))
	time.Sleep(50 * time.Millisecond)
	s.mu.Unlock()
	if got := readUntilClosed(t, b); got != "" {
		t.Errorf("a client got %q after SHUTDOWN", got)
	}
	readUntilClosed(t, a)
	<-s.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"after-a", "after-b"} {
		if s.ks.DBs[0].Exists([]byte(k), time.Now().UnixMilli()) {
			t.Errorf("%s: a write sent after SHUTDOWN ran", k)
		}
	}
}

// The idle timeout counts any input as activity: a client uploading a big
// value slowly is not disconnected, as in Redis.
func TestSlowUploadIsNotIdle(t *testing.T) {
	_, sock := startServer(t, [2]string{"timeout", "1"})
	c := dial(t, sock)
	value := strings.Repeat("u", 64<<10)
	req := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n", len(value), value)
	// 2.5 s of upload in small pieces, longer than the timeout.
	const pieces = 25
	step := len(req) / pieces
	for i := 0; i < pieces; i++ {
		end := (i + 1) * step
		if i == pieces-1 {
			end = len(req)
		}
		if _, err := c.Write([]byte(req[i*step : end])); err != nil {
			t.Fatalf("write piece %d: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "+OK\r\n" {
		t.Fatalf("after a slow upload: %q, %v", buf, err)
	}
}

// Out of file descriptors, a pending connection is taken with the spare
// descriptor, told Redis's max-clients error and closed, so that the
// listening socket stops being ready (no busy loop), and the spare is
// reopened for the next time.
func TestAcceptOutOfDescriptors(t *testing.T) {
	s, sock := startServer(t)
	s.mu.Lock() // the loop must not accept the connection first
	c, err := net.Dial("unix", sock)
	if err != nil {
		s.mu.Unlock()
		t.Fatal(err)
	}
	defer c.Close()
	ls := &s.loop.lsocks[0]
	before := s.loop.spareFD
	s.acceptFailed(ls, syscall.EMFILE, time.Now().UnixMilli())
	after := s.loop.spareFD
	s.mu.Unlock()
	if before < 0 || after < 0 {
		t.Fatalf("spare descriptor before %d, after %d", before, after)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if got := readAll(t, c); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("refused client got %q", got)
	}
}

// Protected mode refuses clients from outside loopback while the default
// user has no password. (Tests stay on loopback, so the decision is tested
// on addresses, not on connections.)
func TestProtectedMode(t *testing.T) {
	s, _ := startServer(t)
	v4 := func(a, b, c, d byte) unix.Sockaddr { return &unix.SockaddrInet4{Addr: [4]byte{a, b, c, d}} }
	v6 := func(ip string) unix.Sockaddr {
		sa := &unix.SockaddrInet6{}
		copy(sa.Addr[:], net.ParseIP(ip).To16())
		return sa
	}
	tests := []struct {
		name    string
		conf    [][2]string
		peer    unix.Sockaddr
		refused bool
	}{
		{"loopback v4", nil, v4(127, 0, 0, 1), false},
		{"loopback v4 range", nil, v4(127, 1, 2, 3), false},
		{"loopback v6", nil, v6("::1"), false},
		{"remote v4", nil, v4(192, 0, 2, 7), true},
		{"remote v6", nil, v6("2001:db8::1"), true},
		{"v4-mapped loopback", nil, v6("::ffff:127.0.0.1"), false},
		{"protected-mode no", [][2]string{{"protected-mode", "no"}}, v4(192, 0, 2, 7), false},
		{"password set", [][2]string{{"requirepass", "secret"}}, v4(192, 0, 2, 7), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = s.cfg.Set([][2]string{{"protected-mode", "yes"}, {"requirepass", ""}})
			if tt.conf != nil {
				if err := s.cfg.Set(tt.conf); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.protectedFrom(tt.peer); got != tt.refused {
				t.Errorf("refused = %v, want %v", got, tt.refused)
			}
		})
	}
	if !strings.HasPrefix(command.ErrProtectedMode, "DENIED Redis is running in protected mode") {
		t.Errorf("reply text: %q", command.ErrProtectedMode[:40])
	}
}

// Close right after Serve, before the loop has even started, returns: the
// loop must see the stop before its first sleep (once a hang).
func TestCloseRightAfterServe(t *testing.T) {
	for i := 0; i < 50; i++ {
		cfg, err := config.Parse([]string{"--port", "0", "--unixsocket", filepath.Join(t.TempDir(), "s.sock")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := New(cfg, NewLogger(io.Discard))
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		go s.Serve()
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Close did not return", i)
		}
	}
}

// After a signal's stop (closeLocked with the lock held, as StopOnSignal
// does), a request already read but not yet run is neither run nor
// answered.
func TestNothingRunsAfterSignalStop(t *testing.T) {
	s, sock := startServer(t)
	a := dial(t, sock)
	waitClients(t, s, 1)
	s.mu.Lock()
	a.Write([]byte("SET late 1\r\n"))
	time.Sleep(50 * time.Millisecond) // the loop has the event in hand, waiting for the lock
	s.closeLocked()
	s.mu.Unlock()
	if got := readUntilClosed(t, a); got != "" {
		t.Errorf("a request after the stop was answered: %q", got)
	}
	<-s.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ks.DBs[0].Exists([]byte("late"), time.Now().UnixMilli()) {
		t.Error("a request after the stop ran")
	}
}

// A MONITOR client is not held by CLIENT PAUSE, as Redis exempts replicas
// (a monitor is one) from pauses.
func TestMonitorNotPaused(t *testing.T) {
	_, sock := startServer(t)
	m, other := dial(t, sock), dial(t, sock)
	rm, ro := bufio.NewReader(m), bufio.NewReader(other)
	m.Write([]byte("MONITOR\r\n"))
	if line, _ := rm.ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", line)
	}
	other.Write([]byte("CLIENT PAUSE 5000 ALL\r\n"))
	if line, _ := ro.ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE: %q", line)
	}
	_ = m.SetReadDeadline(time.Now().Add(2 * time.Second))
	m.Write([]byte("PING\r\n"))
	if line, err := rm.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("PING from a monitor during a pause: %q, %v", line, err)
	}
	other.Write([]byte("CLIENT UNPAUSE\r\n"))
}

// The accept path of protected mode: a client that is not local gets the
// DENIED reply and is closed, counted in rejected_connections and not in
// total_connections_received. Tests may only use loopback, so the server
// is told that loopback peers are remote.
func TestProtectedModeRefusesRemote(t *testing.T) {
	s, port, sock := startTCPServer(t)
	s.mu.Lock()
	s.localPeer = func(unix.Sockaddr) bool { return false }
	s.mu.Unlock()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if got := readUntilClosed(t, c); got != "-"+command.ErrProtectedMode+"\r\n" {
		t.Errorf("remote client got %q", got[:min(len(got), 60)])
	}
	// A unix-socket client is local whatever the address check says.
	u := dial(t, sock)
	u.Write([]byte("INFO stats\r\n"))
	r := bufio.NewReader(u)
	var size int
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "$") {
		t.Fatalf("INFO: %q, %v", line, err)
	} else {
		fmt.Sscanf(line, "$%d", &size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	info := string(body)
	for _, want := range []string{"total_connections_received:1\r\n", "rejected_connections:1\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO stats lacks %q:\n%s", want, info)
		}
	}
}
