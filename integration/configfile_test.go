package integration

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDiffConfigFileErrors starts the reference redis-server and
// enclavekv-server with the same broken config file and compares what a
// user sees: the exit status and the FATAL CONFIG FILE ERROR text (the
// line number, the line, the reason), byte for byte. Each file ends its
// good lines with the bad one, so a parser that stops early or late shows.
func TestDiffConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	included := filepath.Join(dir, "included.conf")
	if err := os.WriteFile(included, []byte("databases 4\nhz abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		conf string
		argv []string // extra arguments after the file
	}{
		{"unbalanced double quote", "port 7000\nport \"abc\n", nil},
		{"unbalanced single quote", "dir '/tmp\n", nil},
		{"closing quote not followed by space", "port \"1\"x\n", nil},
		{"bare quote", "\"unterminated\n", nil},
		{"integer parse", "# comment\n\nport \"abc\"\n", nil},
		{"port above range", "port 70000\n", nil},
		{"port negative", "port -1\n", nil},
		{"databases zero", "databases 0\n", nil},
		{"maxclients zero", "maxclients 0\n", nil},
		{"timeout negative", "timeout -5\n", nil},
		{"memory value", "maxmemory 10xb\n", nil},
		{"save one argument", "save 900 1\nsave 900\n", nil},
		{"save not a number", "save abc 1\n", nil},
		{"bool", "appendonly maybe\n", nil},
		{"enum loglevel", "loglevel loud\n", nil},
		{"enum maxmemory-policy", "maxmemory-policy lru\n", nil},
		{"unknown directive", "port 7000\nunknown-thing 1\n", nil},
		{"wrong arity", "tcp-keepalive 1 2\n", nil},
		{"buffer limit arity", "client-output-buffer-limit normal 0 0\n", nil},
		{"buffer limit class", "client-output-buffer-limit wrong 0 0 0\n", nil},
		{"hex escape in quotes", "requirepass \"\\x41\\x4\"x\n", nil},
		{"error inside an include", "port 7000\ninclude " + included + "\n", nil},
		{"bad override", "port 7000\n", []string{"--port", "abc"}},
		{"unknown override", "", []string{"--no-such-option", "1"}},
		{"override arity", "", []string{"--tcp-keepalive", "1", "2"}},
		{"crlf line ends", "port 7000\r\nloglevel loud\r\n", nil},
		{"tab separated", "port\t\"x\"\n", nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "c"+strings.Repeat("x", i)+".conf")
			if err := os.WriteFile(path, []byte(tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{path}, tc.argv...)
			refCode, refErr := runConfigCheck(t, refServer.bin, args)
			sutCode, sutErr := runConfigCheck(t, sutServer.bin, args)
			if refCode != 1 {
				t.Fatalf("redis-server exited %d, want 1: the case is not an error case\n%s", refCode, refErr)
			}
			if sutCode != refCode || sutErr != refErr {
				t.Errorf("config %q %q:\nredis-server (exit %d):\n%s\nenclavekv (exit %d):\n%s", tc.conf, tc.argv, refCode, refErr, sutCode, sutErr)
			}
		})
	}
}

// TestDiffConfigFileOpenError compares the message for a config file, or
// an included file, that does not exist. Redis logs it (on stdout, behind
// the usual log prefix) rather than printing the FATAL banner.
func TestDiffConfigFileOpenError(t *testing.T) {
	dir := t.TempDir()
	withInclude := filepath.Join(dir, "inc.conf")
	if err := os.WriteFile(withInclude, []byte("include /nonexistent/x.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"/nonexistent/redis.conf"}, {withInclude}} {
		refCode, refOut := runConfigCheckOut(t, refServer.bin, args)
		sutCode, sutOut := runConfigCheckOut(t, sutServer.bin, args)
		want := openErrorLine(refOut)
		if want == "" || refCode != 1 {
			t.Fatalf("redis-server %q: exit %d, no open error in\n%s", args, refCode, refOut)
		}
		if got := openErrorLine(sutOut); sutCode != 1 || got != want {
			t.Errorf("%q: redis-server exit 1 %q; enclavekv exit %d %q\n%s", args, want, sutCode, got, sutOut)
		}
	}
}

var openErrRe = regexp.MustCompile(`Fatal error, can't open config file .*`)

func openErrorLine(out string) string { return openErrRe.FindString(out) }

// runConfigCheck runs bin with args and --port 0 and returns its exit code
// and standard error. Port 0 keeps a server whose config is (wrongly)
// accepted from listening: it exits at once, "Configured to not listen
// anywhere".
func runConfigCheck(t *testing.T, bin string, args []string) (int, string) {
	t.Helper()
	code, _, stderr := runBounded(t, bin, args)
	return code, stderr
}

func runConfigCheckOut(t *testing.T, bin string, args []string) (int, string) {
	t.Helper()
	code, stdout, stderr := runBounded(t, bin, args)
	return code, stdout + stderr
}

func runBounded(t *testing.T, bin string, args []string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(withManifest(bin, args), "--port", "0")...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not exit within 10s", bin, args)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return code, stdout.String(), stderr.String()
}

// TestDiffConfigFileAccepted starts both servers on a unix socket with the
// same config file and arguments, and compares what CONFIG GET then says
// about the options the file set: the parsing rules (quotes, multi-line
// save, a lone "" that resets, one quoted argument split into several,
// command-line overrides after the file) must come out the same.
func TestDiffConfigFileAccepted(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.conf")
	if err := os.WriteFile(inc, []byte("save \"\"\nhz 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		conf string
		argv []string
		get  []string
	}{
		{"quotes and case", "PORT 0\nmaxclients \"77\"\nloglevel 'VERBOSE'\n", nil, []string{"maxclients", "loglevel"}},
		{"save lines add up", "save 900 1\nsave 300 10\n", nil, []string{"save"}},
		{"save empty resets mid-file", "save 900 1\nsave \"\"\nsave 7 7\n", nil, []string{"save"}},
		{"save empty last", "save 900 1\nsave \"\"\n", nil, []string{"save"}},
		{"save empty in an include", "save 900 1\ninclude " + inc + "\n", nil, []string{"save", "hz"}},
		{"save as one quoted argument", "save \"900  1   300 10\"\n", nil, []string{"save"}},
		{"save override", "save 900 1\n", []string{"--save", "60", "5"}, []string{"save"}},
		{"save override empty", "save 900 1\n", []string{"--save", ""}, []string{"save"}},
		{"save override one argument", "", []string{"--save", "900 1"}, []string{"save"}},
		{"bind as one quoted argument", "bind \"127.0.0.1 -::1\"\n", nil, []string{"bind"}},
		{"memory units", "maxmemory 1gb\nproto-max-bulk-len 1mb\nclient-query-buffer-limit 2mb\n", nil, []string{"maxmemory", "proto-max-bulk-len", "client-query-buffer-limit"}},
		{"buffer limits", "client-output-buffer-limit pubsub 64mb 16mb 90\n", nil, []string{"client-output-buffer-limit"}},
		{"keyspace events", "notify-keyspace-events KEA\n", nil, []string{"notify-keyspace-events"}},
		{"timeouts", "timeout 30\ntcp-keepalive 60\n", []string{"--timeout", "31"}, []string{"timeout", "tcp-keepalive"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "ok"+strings.Repeat("x", i)+".conf")
			if err := os.WriteFile(path, []byte(tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{path}, tc.argv...)
			ref := configGetFrom(t, refServer.bin, filepath.Join(dir, "r.sock"), args, tc.get)
			sut := configGetFrom(t, sutServer.bin, filepath.Join(dir, "s.sock"), args, tc.get)
			if ref != sut {
				t.Errorf("config %q %q:\nredis-server: %s\nenclavekv:    %s", tc.conf, tc.argv, ref, sut)
			}
		})
	}
}

// configGetFrom starts bin with args on a unix socket only, asks CONFIG GET
// for each name, and stops it. It returns "name=value ..." in the order
// asked (Redis's reply order is its hash order).
func configGetFrom(t *testing.T, bin, sock string, args, names []string) string {
	t.Helper()
	_ = os.Remove(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(withManifest(bin, args), "--port", "0", "--unixsocket", sock, "--daemonize", "no")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
	}()
	var nc net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		if nc, err = net.Dial("unix", sock); err == nil {
			break
		}
		select {
		case <-done:
			t.Fatalf("%s %q exited:\n%s", bin, args, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %q: no socket: %v\n%s", bin, args, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(nc)
	var parts []string
	for _, name := range names {
		if _, err := nc.Write(encodeCommand([]string{"CONFIG", "GET", name})); err != nil {
			t.Fatal(err)
		}
		r, _, err := readReply(br)
		if err != nil || len(r.elems) != 2 {
			t.Fatalf("%s CONFIG GET %s: %v %v", bin, name, r, err)
		}
		parts = append(parts, name+"="+string(r.elems[1].data))
	}
	_, _ = nc.Write(encodeCommand([]string{"SHUTDOWN", "NOSAVE"}))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return strings.Join(parts, " ")
}
