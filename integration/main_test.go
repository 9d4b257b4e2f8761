package integration

// Server lifecycle for the differential tests: TestMain builds
// enclavekv-server, starts it and the reference redis-server on free
// loopback ports with identical options, and stops both at the end.
//
// Environment:
//
//	ENCLAVEKV_DIFF_SELFTEST=1  self-test of the harness: the "enclavekv" side
//	                           is a second redis-server, so every case must
//	                           pass. Use it to check new cases or harness
//	                           changes; the default is enclavekv vs redis.
//	ENCLAVEKV_BIN=path         use this enclavekv-server binary instead of
//	                           building ./cmd/enclavekv-server (e.g. a -race
//	                           build).
//	REDIS_SERVER=path          reference server (default: redis-server on PATH).
//
// A missing redis-server, a failed build or a server that does not start
// make the test binary fail; nothing is ever skipped.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/manifest"
)

// serverArgs are given to both servers, after --port and --bind.
var serverArgs = []string{"--save", "", "--appendonly", "no", "--enable-debug-command", "yes"}

const (
	startTimeout = 30 * time.Second
	stopTimeout  = 5 * time.Second
)

// Per-side extra arguments, set up by setupServers: enclavekv runs with a
// test manifest that lets the host set every option (these tests compare
// Redis behaviour, not the manifest's protection, which
// cmd/enclavekv-server's tests cover), and redis-server gets the maxmemory
// that enclavekv's manifest makes the default.
var (
	sutBinPath string
	sutExtra   []string
	refExtra   []string
)

// withExtra adds bin's extra arguments to args.
func withExtra(bin string, args []string) []string {
	if bin == sutBinPath {
		return insertArgs(args, sutExtra)
	}
	return insertArgs(args, refExtra)
}

// withManifest adds only enclavekv's extra arguments: tests of config
// files compare what each server makes of the same file, so the reference
// gets nothing that would override it.
func withManifest(bin string, args []string) []string {
	if bin == sutBinPath {
		return insertArgs(args, sutExtra)
	}
	return append([]string{}, args...)
}

// insertArgs puts extra after the config file if there is one (a trailing
// "-" must stay last).
func insertArgs(args, extra []string) []string {
	i := 0
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		i = 1
	}
	out := append([]string{}, args[:i]...)
	out = append(out, extra...)
	return append(out, args[i:]...)
}

var (
	refServer *server // reference redis-server
	sutServer *server // enclavekv-server (a second redis-server with ENCLAVEKV_DIFF_SELFTEST=1)
)

// server is one running server process.
type server struct {
	name    string
	bin     string
	addr    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited and been waited for
	waitErr error
	stopped sync.Once
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) (code int) {
	tmp, err := os.MkdirTemp("", "enclavekv-diff-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	defer stopServers()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "integration: panic in TestMain: %v\n", r)
			code = 1
		}
	}()

	// Ctrl-C or a kill of the test binary: stop the servers first. (A panic
	// in a test or a -timeout ends the process without running defers; the
	// servers then die through their parent-death signal, see spawner.)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "integration: %v: stopping servers\n", s)
		stopServers()
		os.Exit(1)
	}()

	if err := setupServers(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "integration: FAIL:", err)
		return 1
	}
	return m.Run()
}

func selfTest() bool { return os.Getenv("ENCLAVEKV_DIFF_SELFTEST") == "1" }

func setupServers(tmp string) error {
	redisBin := os.Getenv("REDIS_SERVER")
	if redisBin == "" {
		p, err := exec.LookPath("redis-server")
		if err != nil {
			return errors.New("redis-server (the reference server) is not on PATH; install redis-server 7.0 or set REDIS_SERVER")
		}
		redisBin = p
	}

	sutName, sutBin := "enclavekv", os.Getenv("ENCLAVEKV_BIN")
	switch {
	case selfTest():
		sutName, sutBin = "redis-selftest", redisBin
		fmt.Fprintln(os.Stderr, "integration: ENCLAVEKV_DIFF_SELFTEST=1: comparing redis-server with a second redis-server")
	case sutBin == "":
		b, err := buildEnclavekv(tmp)
		if err != nil {
			return err
		}
		sutBin = b
	}
	if !selfTest() {
		sutBinPath = sutBin
		mf, err := writeTestManifest(tmp)
		if err != nil {
			return err
		}
		sutExtra = []string{"--manifest", mf}
		// enclavekv's default maxmemory: 3/4 of the enclave heap.
		refExtra = []string{"--maxmemory", strconv.FormatInt(manifest.Default().HeapSize/4*3, 10)}
		// Keep the simulated platform's secret out of the user's home.
		os.Setenv(enclave.SimSecretEnv, filepath.Join(tmp, "sim-platform-secret"))
	}

	var err error
	if refServer, err = startServer("redis", redisBin, tmp); err != nil {
		return err
	}
	if sutServer, err = startServer(sutName, sutBin, tmp); err != nil {
		return err
	}
	return nil
}

// buildEnclavekv builds ./cmd/enclavekv-server of this module into dir.
func buildEnclavekv(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("go is not on PATH: cannot build enclavekv-server")
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside a module")
	}
	bin := filepath.Join(dir, "enclavekv-server")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/enclavekv-server")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building enclavekv-server failed: %v\n%s", err, out)
	}
	return bin, nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the server binds it; startServer retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var bindFailure = regexp.MustCompile(`(?i)address already in use|could not create server tcp listening socket|bind:`)

func startServer(name, bin, tmp string) (*server, error) {
	var lastErr error
	for attempt := 1; attempt <= 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := startServerOnPort(name, bin, tmp, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !bindFailure.MatchString(s.logTail(20)) {
			break
		}
		fmt.Fprintf(os.Stderr, "integration: %s could not bind port %d, retrying\n", name, port)
	}
	return nil, lastErr
}

func startServerOnPort(name, bin, tmp string, port int) (*server, error) {
	dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", name, port))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &server{
		name:    name,
		bin:     bin,
		addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		logPath: filepath.Join(dir, "server.log"),
		exited:  make(chan struct{}),
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return s, err
	}
	defer logFile.Close() // the child has its own copy
	args := withExtra(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, serverArgs...))
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir // working directory: where a server would put dump files
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	if err := spawn(s.cmd); err != nil {
		return s, fmt.Errorf("starting %s (%s): %v", name, bin, err)
	}
	registerServer(s)
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.exited:
			return s, fmt.Errorf("%s (%s %s) exited during startup: %v\n%s",
				name, bin, strings.Join(quoteArgs(args), " "), s.waitErr, s.logTail(30))
		default:
		}
		if c, err := dialResp(name, s.addr); err == nil {
			r := c.do("PING")
			c.Close()
			if r.end == endReply && string(r.replies[0].raw) == "+PONG\r\n" {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return s, fmt.Errorf("%s did not answer PING on %s within %v\n%s", name, s.addr, startTimeout, s.logTail(30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func quoteArgs(args []string) []string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"'") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return q
}

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop terminates the server (SIGTERM, then SIGKILL) and waits for it.
func (s *server) stop() {
	s.stopped.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			return
		case <-time.After(stopTimeout):
		}
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// logTail returns the last n lines of the server's log, for failure reports.
func (s *server) logTail(n int) string {
	if s == nil {
		return ""
	}
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- last lines of %s log (%s) ---\n", s.name, s.logPath)
	for _, l := range lines {
		sb.WriteString("    ")
		sb.Write(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}

var (
	serversMu  sync.Mutex
	allServers []*server
)

func registerServer(s *server) {
	serversMu.Lock()
	defer serversMu.Unlock()
	allServers = append(allServers, s)
}

func stopServers() {
	serversMu.Lock()
	list := append([]*server(nil), allServers...)
	serversMu.Unlock()
	var wg sync.WaitGroup
	for _, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stop()
		}()
	}
	wg.Wait()
}

// The servers are started from one goroutine locked to its OS thread for
// the life of the process. Their parent-death signal (see setDeathSignal) is
// tied to the thread that forked them, so with a dedicated, never-exiting
// thread they are killed exactly when the test process dies, even when it
// dies without running TestMain's defers (a panicking test, -timeout).
var (
	spawnOnce sync.Once
	spawnReq  chan spawnRequest
)

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReq = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for req := range spawnReq {
				setDeathSignal(req.cmd)
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error)
	spawnReq <- spawnRequest{cmd: cmd, done: done}
	return <-done
}

// writeTestManifest writes the built-in manifest with every option and
// directive in host_options.
func writeTestManifest(dir string) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal(manifest.DefaultBytes(), &doc); err != nil {
		return "", err
	}
	var all []string
	for _, n := range config.Names() {
		if config.Canonical(n) == n {
			all = append(all, n)
		}
	}
	doc["host_options"] = append(all, "rename-command", "user", "loadmodule")
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "test-manifest.json")
	return path, os.WriteFile(path, data, 0o644)
}
