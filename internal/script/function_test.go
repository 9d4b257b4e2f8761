package script

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/resp"
)

func contextCancelledAfter(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(d, cancel)
	return ctx, cancel
}

// callFn runs function name and returns its reply.
func callFn(e *Engine, name string) string {
	w := &resp.Writer{Proto: 2}
	e.CallFunction(name, nil, nil, noCall, w, RunOptions{})
	return string(w.Buf)
}

// libState is what the engine holds: library name -> its function names.
func libState(e *Engine) map[string][]string {
	out := map[string][]string{}
	for _, l := range e.Libraries() {
		var names []string
		for _, f := range l.Functions {
			names = append(names, f.Name)
		}
		out[l.Name] = names
	}
	return out
}

// TestLibraryLifecycle walks one engine through loads, replaces, deletes
// and flushes, checking after each step that failures changed nothing.
func TestLibraryLifecycle(t *testing.T) {
	e := newTestEngine(t)
	steps := []struct {
		name    string
		do      func() error
		wantErr string
		state   map[string][]string
		calls   map[string]string // function -> reply
	}{
		{
			name:  "load",
			do:    loadStep(e, lib("lib1", "redis.register_function('f1', function() return 1 end)"), false),
			state: map[string][]string{"lib1": {"f1"}},
			calls: map[string]string{"f1": ":1\r\n", "F1": ":1\r\n"},
		},
		{
			name:    "load again",
			do:      loadStep(e, lib("lib1", "redis.register_function('f1', function() return 9 end)"), false),
			wantErr: "ERR Library 'lib1' already exists",
			state:   map[string][]string{"lib1": {"f1"}},
			calls:   map[string]string{"f1": ":1\r\n"},
		},
		{
			name:    "function name taken, case ignored",
			do:      loadStep(e, lib("lib2", "redis.register_function('F1', function() return 2 end)"), false),
			wantErr: "ERR Function F1 already exists",
			state:   map[string][]string{"lib1": {"f1"}},
		},
		{
			name:    "replace with failing code",
			do:      loadStep(e, lib("lib1", "redis.register_function('f9', function() end)\nlocal x = nil + 1"), true),
			wantErr: "ERR Error registering functions: ERR user_function:3: attempt to perform arithmetic on a nil value",
			state:   map[string][]string{"lib1": {"f1"}},
			calls:   map[string]string{"f1": ":1\r\n", "f9": "-ERR Function not found\r\n"},
		},
		{
			name:    "replace with nothing registered",
			do:      loadStep(e, lib("lib1", "return 1"), true),
			wantErr: "ERR No functions registered",
			state:   map[string][]string{"lib1": {"f1"}},
		},
		{
			name:    "replace with compile error",
			do:      loadStep(e, lib("lib1", "return end"), true),
			wantErr: "ERR Error compiling function: user_function:2: '<eof>' expected near 'end'",
			state:   map[string][]string{"lib1": {"f1"}},
		},
		{
			name:  "replace",
			do:    loadStep(e, lib("lib1", "redis.register_function('f2', function() return 2 end)"), true),
			state: map[string][]string{"lib1": {"f2"}},
			calls: map[string]string{"f1": "-ERR Function not found\r\n", "f2": ":2\r\n"},
		},
		{
			name:  "second library",
			do:    loadStep(e, lib("lib2", "redis.register_function('h', function() return 'h' end)\nredis.register_function('g', function() return 'g' end)"), false),
			state: map[string][]string{"lib1": {"f2"}, "lib2": {"g", "h"}},
			calls: map[string]string{"g": "$1\r\ng\r\n", "H": "$1\r\nh\r\n"},
		},
		{
			name:    "replace taking another library's name",
			do:      loadStep(e, lib("lib1", "redis.register_function('g', function() end)"), true),
			wantErr: "ERR Function g already exists",
			state:   map[string][]string{"lib1": {"f2"}, "lib2": {"g", "h"}},
			calls:   map[string]string{"f2": ":2\r\n", "g": "$1\r\ng\r\n"},
		},
		{
			name:    "delete is case-sensitive",
			do:      func() error { return e.DeleteLibrary("LIB1") },
			wantErr: "ERR Library not found",
			state:   map[string][]string{"lib1": {"f2"}, "lib2": {"g", "h"}},
		},
		{
			name:  "delete",
			do:    func() error { return e.DeleteLibrary("lib1") },
			state: map[string][]string{"lib2": {"g", "h"}},
			calls: map[string]string{"f2": "-ERR Function not found\r\n", "g": "$1\r\ng\r\n"},
		},
		{
			name:  "names of a deleted library are free",
			do:    loadStep(e, lib("lib3", "redis.register_function('F2', function() return 3 end)"), false),
			state: map[string][]string{"lib2": {"g", "h"}, "lib3": {"F2"}},
			calls: map[string]string{"f2": ":3\r\n"},
		},
		{
			name:  "flush",
			do:    func() error { e.FlushLibraries(); return nil },
			state: map[string][]string{},
			calls: map[string]string{"g": "-ERR Function not found\r\n"},
		},
		{
			name:  "load after flush",
			do:    loadStep(e, lib("lib2", "redis.register_function('g', function() return 'again' end)"), false),
			state: map[string][]string{"lib2": {"g"}},
			calls: map[string]string{"g": "$5\r\nagain\r\n"},
		},
	}
	for _, s := range steps {
		err := s.do()
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != s.wantErr {
			t.Errorf("%s: error %q, want %q", s.name, gotErr, s.wantErr)
		}
		if got := libState(e); !reflect.DeepEqual(got, s.state) {
			t.Errorf("%s: libraries %v, want %v", s.name, got, s.state)
		}
		nf := 0
		for _, fs := range s.state {
			nf += len(fs)
		}
		if e.LibraryCount() != len(s.state) || e.FunctionCount() != nf {
			t.Errorf("%s: counts %d libraries %d functions, want %d %d", s.name, e.LibraryCount(), e.FunctionCount(), len(s.state), nf)
		}
		for fn, want := range s.calls {
			if got := callFn(e, fn); got != want {
				t.Errorf("%s: FCALL %s = %q, want %q", s.name, fn, got, want)
			}
		}
	}
}

func loadStep(e *Engine, code string, replace bool) func() error {
	return func() error {
		_, err := e.LoadLibrary([]byte(code), replace)
		return err
	}
}

func TestFunctionInfo(t *testing.T) {
	e := newTestEngine(t)
	code := lib("info", `
redis.register_function{function_name='Ro', callback=function() end, flags={'allow-stale', 'NO-WRITES'}, description='reads'}
redis.register_function{function_name='empty', callback=function() end, description=''}
redis.register_function('plain', function() end)`)
	if name, err := e.LoadLibrary([]byte(code), false); err != nil || name != "info" {
		t.Fatalf("LoadLibrary = %q, %v", name, err)
	}
	tests := []struct {
		name  string
		info  FunctionInfo
		flags Flags
	}{
		{"ro", FunctionInfo{Name: "Ro", Description: "reads", HasDescription: true, Flags: []string{"no-writes", "allow-stale"}}, Flags{Shebang: true, NoWrites: true, AllowStale: true}},
		{"EMPTY", FunctionInfo{Name: "empty", HasDescription: true}, Flags{Shebang: true}},
		{"plain", FunctionInfo{Name: "plain"}, Flags{Shebang: true}},
	}
	for _, tc := range tests {
		got, ok := e.Function(tc.name)
		if !ok || !reflect.DeepEqual(got, tc.info) {
			t.Errorf("Function(%q) = %#v, %v; want %#v", tc.name, got, ok, tc.info)
		}
		if f := got.ScriptFlags(); f != tc.flags {
			t.Errorf("Function(%q).ScriptFlags() = %+v, want %+v", tc.name, f, tc.flags)
		}
	}
	if _, ok := e.Function("nosuch"); ok {
		t.Error("Function(nosuch) found")
	}
	// Kelvin sign: Redis folds ASCII only.
	if _, ok := e.Function("\u212Aro"); ok {
		t.Error("a non-ASCII letter matched")
	}
	libs := e.Libraries()
	if len(libs) != 1 || libs[0].Code != code || libs[0].Engine != "LUA" {
		t.Fatalf("Libraries() = %#v", libs)
	}
	names := []string{}
	for _, f := range libs[0].Functions {
		names = append(names, f.Name)
	}
	if !sort.StringsAreSorted(names) || len(names) != 3 {
		t.Errorf("functions %v, want 3 sorted", names)
	}
	// The result is a copy.
	libs[0].Functions[0].Flags = append(libs[0].Functions[0].Flags, "x")
	libs[0].Functions[0].Name = "changed"
	if again := e.Libraries(); again[0].Functions[0].Name == "changed" || len(again[0].Functions[0].Flags) != 2 {
		t.Errorf("Libraries() shares its state: %#v", again[0].Functions[0])
	}
}

func TestScriptsAndFunctionsApart(t *testing.T) {
	e := newTestEngine(t)
	if _, err := e.LoadLibrary([]byte(lib("l", okFn)), false); err != nil {
		t.Fatal(err)
	}
	sha, err := e.Load([]byte("return 2"))
	if err != nil {
		t.Fatal(err)
	}
	e.Flush()
	if got := callFn(e, "f"); got != ":1\r\n" {
		t.Errorf("after SCRIPT FLUSH, FCALL f = %q", got)
	}
	sha, _ = e.Load([]byte("return 2"))
	e.FlushLibraries()
	if !e.Exists(sha) {
		t.Error("FUNCTION FLUSH dropped a script")
	}
	if got, _ := run(t, e, sha, RunOptions{}); got != ":2\r\n" {
		t.Errorf("EVALSHA after FUNCTION FLUSH = %q", got)
	}
}

func TestLoadTimeout(t *testing.T) {
	e := newTestEngine(t)
	start := time.Now()
	_, err := e.LoadLibraryWith([]byte(lib("spin", "while true do end")), LoadOptions{Timeout: 50 * time.Millisecond})
	if err == nil || err.Error() != "ERR Error registering functions: ERR FUNCTION LOAD timeout" {
		t.Fatalf("error = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("load took %v", d)
	}
	if _, err := e.LoadLibrary([]byte(lib("l", okFn)), false); err != nil {
		t.Fatalf("load after a timeout: %v", err)
	}
	if got := callFn(e, "f"); got != ":1\r\n" {
		t.Errorf("FCALL after a load timeout = %q", got)
	}
}

func TestLoadLog(t *testing.T) {
	e := newTestEngine(t)
	var lines []string
	_, err := e.LoadLibraryWith([]byte(lib("l", "redis.log(redis.LOG_NOTICE, 'loading', 1) "+okFn)), LoadOptions{Log: func(level int, msg string) {
		if level == LogNotice {
			lines = append(lines, msg)
		}
	}})
	if err != nil || len(lines) != 1 || lines[0] != "loading 1" {
		t.Fatalf("err %v, log %q", err, lines)
	}
}

func TestFunctionCancel(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"busy loop", "local i = 0\nwhile true do i = i + 1 end"},
		{"pcall cannot swallow the kill", "local i = 0\nwhile true do\n  pcall(function() i = i + 1 end)\nend"},
		{"redis.pcall loop", "while true do redis.pcall('ping') end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t)
			code := lib("l", "redis.register_function('spin', function()\n"+tc.body+"\nend)\n"+okFn)
			if _, err := e.LoadLibrary([]byte(code), false); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := contextCancelledAfter(50 * time.Millisecond)
			defer cancel()
			w := &resp.Writer{Proto: 2}
			start := time.Now()
			isErr := e.CallFunction("spin", nil, nil, noCall, w, RunOptions{Ctx: ctx})
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("call took %v after cancel", d)
			}
			prefix := "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:"
			if !isErr || !strings.HasPrefix(string(w.Buf), prefix) {
				t.Fatalf("got %q, %v; want prefix %q", w.Buf, isErr, prefix)
			}
			if got := callFn(e, "f"); got != ":1\r\n" {
				t.Fatalf("FCALL after kill = %q", got)
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		line string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a b  c", []string{"a", "b", "c"}, true},
		{"\ta\r\n", []string{"a"}, true},
		{`"a b" c`, []string{"a b", "c"}, true},
		{`"a\x41\n\"" 'it\'s'`, []string{"aA\n\"", "it's"}, true},
		{`x"y z"w`, nil, false},
		{`x"y z"`, []string{"xy z"}, true},
		{`"unterminated`, nil, false},
		{`'unterminated`, nil, false},
		{`"\xZZ"`, []string{"xZZ"}, true},
		{"a\vb", []string{"a\vb"}, true},
	}
	for _, tc := range tests {
		got, ok := splitArgs(tc.line)
		if ok != tc.ok || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}
