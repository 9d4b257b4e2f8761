package integration

import (
	"bytes"
	"context"
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
	cmd := exec.CommandContext(ctx, bin, append(append([]string{}, args...), "--port", "0")...)
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
