package script

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/resp"
)

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func noCall(args [][]byte, proto int) []byte { return []byte("-ERR no commands in this test\r\n") }

func run(t *testing.T, e *Engine, sha string, opts RunOptions) (string, bool) {
	t.Helper()
	w := &resp.Writer{Proto: 2}
	isErr := e.Run(sha, nil, nil, noCall, w, opts)
	return string(w.Buf), isErr
}

func TestLoadExistsFlushLen(t *testing.T) {
	e := newTestEngine(t)
	body := []byte("return 1")
	sum := sha1.Sum(body)
	want := hex.EncodeToString(sum[:])

	tests := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"empty cache", func(t *testing.T) {
			if e.Len() != 0 || e.Exists(want) {
				t.Fatalf("Len=%d Exists=%v on a new engine", e.Len(), e.Exists(want))
			}
		}},
		{"load returns sha1", func(t *testing.T) {
			sha, err := e.Load(body)
			if err != nil || sha != want {
				t.Fatalf("Load = %q, %v; want %q", sha, err, want)
			}
			if !e.Exists(want) || !e.Exists(strings.ToUpper(want)) || e.Len() != 1 {
				t.Fatalf("after Load: Exists=%v Len=%d", e.Exists(want), e.Len())
			}
		}},
		{"load twice caches once", func(t *testing.T) {
			if _, err := e.Load(body); err != nil {
				t.Fatal(err)
			}
			if e.Len() != 1 {
				t.Fatalf("Len = %d after loading the same body twice", e.Len())
			}
		}},
		{"run by upper-case sha", func(t *testing.T) {
			if got, isErr := run(t, e, strings.ToUpper(want), RunOptions{}); got != ":1\r\n" || isErr {
				t.Fatalf("Run = %q, %v", got, isErr)
			}
		}},
		{"compile error not cached", func(t *testing.T) {
			_, err := e.Load([]byte("return +"))
			if err == nil || !strings.HasPrefix(err.Error(), "ERR Error compiling script (new function): user_script:1: ") {
				t.Fatalf("Load error = %v", err)
			}
			if e.Len() != 1 {
				t.Fatalf("Len = %d after a failed Load", e.Len())
			}
		}},
		{"flush", func(t *testing.T) {
			e.Flush()
			if e.Len() != 0 || e.Exists(want) {
				t.Fatalf("after Flush: Len=%d Exists=%v", e.Len(), e.Exists(want))
			}
			got, isErr := run(t, e, want, RunOptions{})
			if got != "-NOSCRIPT No matching script. Please use EVAL.\r\n" || !isErr {
				t.Fatalf("Run after Flush = %q, %v", got, isErr)
			}
		}},
		{"works after flush", func(t *testing.T) {
			sha, err := e.Load([]byte("return redis.sha1hex('x')"))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := run(t, e, sha, RunOptions{}); got != "$40\r\n11f6ad8ec52a2984abaafd7c3b516503785c2072\r\n" {
				t.Fatalf("Run = %q", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.do)
	}
}

func TestShebang(t *testing.T) {
	tests := []struct {
		body    string
		flags   Flags
		wantErr string
	}{
		{body: "return 1", flags: Flags{}},
		{body: "#!lua\nreturn 1", flags: Flags{Shebang: true}},
		{body: "#!lua flags=no-writes,allow-oom\nreturn 1", flags: Flags{Shebang: true, NoWrites: true, AllowOOM: true}},
		{body: "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1", flags: Flags{Shebang: true, AllowStale: true, NoCluster: true, AllowCrossSlot: true}},
		{body: "#!lua flags=\nreturn 1", flags: Flags{Shebang: true}},
		{body: "#!lua flags=bogus\nreturn 1", wantErr: "ERR Unexpected flag in script shebang: bogus"},
		{body: "#!lua name=foo\nreturn 1", wantErr: "ERR Unknown lua shebang option: name=foo"},
		{body: "#!python\nreturn 1", wantErr: "ERR Unexpected engine in script shebang: #!python"},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			e := newTestEngine(t)
			sha, err := e.Load([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Load error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, ok := e.ScriptFlags(sha)
			if !ok || f != tc.flags {
				t.Fatalf("flags = %+v, %v; want %+v", f, ok, tc.flags)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name   string
		script string
		line   string
	}{
		{"busy loop", "local i = 0\nwhile true do i = i + 1 end", ""},
		{"pcall cannot swallow the kill", "local i = 0\nwhile true do\n  pcall(function() i = i + 1 end)\nend", ""},
		{"redis.pcall loop", "while true do redis.pcall('ping') end", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t)
			sha, err := e.Load([]byte(tc.script))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			got, isErr := run(t, e, sha, RunOptions{Ctx: ctx})
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Run took %v after cancel", d)
			}
			prefix := "-ERR Script killed by user with SCRIPT KILL... script: " + sha + ", on @user_script:"
			if !isErr || !strings.HasPrefix(got, prefix) {
				t.Fatalf("Run = %q, %v; want prefix %q", got, isErr, prefix)
			}
			// The engine must be usable afterwards, without the old context.
			sha2, _ := e.Load([]byte("return 'alive'"))
			if got, _ := run(t, e, sha2, RunOptions{}); got != "$5\r\nalive\r\n" {
				t.Fatalf("Run after kill = %q", got)
			}
		})
	}
}

func TestGlobalsDoNotLeak(t *testing.T) {
	e := newTestEngine(t)
	steps := []struct {
		script string
		want   string
	}{
		{"rawset(string, 'x', 1)", "-ERR Attempt to modify a readonly table script:"},
		{"table.insert(redis, 1)", "-ERR user_script:1: Attempt to modify a readonly table script:"},
		{"setmetatable(_G, nil)", "-ERR user_script:1: Attempt to modify a readonly table script:"},
		{"getmetatable(_G).__newindex = nil", "-ERR user_script:1: Attempt to modify a readonly table script:"},
		{"getmetatable('').__index.upper = nil", "-ERR user_script:1: Attempt to modify a readonly table script:"},
		{"return ('abc'):upper()", "$3\r\nABC\r\n"},
		{"return #KEYS", ":0\r\n"},
	}
	for _, s := range steps {
		sha, err := e.Load([]byte(s.script))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := run(t, e, sha, RunOptions{})
		if !strings.HasPrefix(got, s.want) {
			t.Errorf("%s: got %q, want prefix %q", s.script, got, s.want)
		}
	}
}

func TestLog(t *testing.T) {
	e := newTestEngine(t)
	sha, err := e.Load([]byte("redis.log(redis.LOG_NOTICE, 'a', 1.5, {}, 'b') redis.log(redis.LOG_DEBUG, 'd')"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	var levels []int
	run(t, e, sha, RunOptions{Log: func(level int, msg string) {
		levels = append(levels, level)
		lines = append(lines, msg)
	}})
	if len(lines) != 2 || lines[0] != "a 1.5 b" || levels[0] != LogNotice || lines[1] != "d" || levels[1] != LogDebug {
		t.Fatalf("log lines %q levels %v", lines, levels)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-1, "-1"}, {0.1, "0.1"}, {0.1 + 0.2, "0.3"},
		{1e15, "1e+15"}, {123456789012345678, "1.2345678901235e+17"}, {1e100, "1e+100"},
		{1e-5, "1e-05"}, {0.0001, "0.0001"}, {100000000000000, "100000000000000"},
	}
	for _, tc := range tests {
		if got := formatNumber(tc.f); got != tc.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}
