package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The error texts below were taken from redis-server 7.0.15 given the same
// input; integration/configfile_test.go compares the two binaries live.

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		line string
		want []string // nil: unbalanced
	}{
		{"", []string{}},
		{"   ", []string{}},
		{"port 6379", []string{"port", "6379"}},
		{"  save\t900   1 ", []string{"save", "900", "1"}},
		{`requirepass "a b"`, []string{"requirepass", "a b"}},
		{`x "tab\there\nnl\r\a\b\\\"q"`, []string{"x", "tab\there\nnl\r\a\b\\\"q"}},
		{`x "\x41\x7a\x4"`, []string{"x", "Azx4"}}, // \x4" is no hex escape: \x is x
		{`x "\q"`, []string{"x", "q"}},
		{`x 'it\'s' 'a\nb'`, []string{"x", "it's", `a\nb`}},
		{`x ""`, []string{"x", ""}},
		{`x ''`, []string{"x", ""}},
		// A quote inside a bare word opens a quoted part that is glued to
		// the letters before it, as sdssplitargs does.
		{`a"b c"`, []string{"ab c"}},
		{`x "unterminated`, nil},
		{`x 'unterminated`, nil},
		{`x "a"b`, nil},
		{`x 'a'b`, nil},
		{`x "a"` + "\t" + `b`, []string{"x", "a", "b"}},
	}
	for _, tt := range tests {
		got, ok := splitArgs(tt.line)
		if tt.want == nil {
			if ok {
				t.Errorf("splitArgs(%q) = %q, want unbalanced", tt.line, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", tt.line, got, ok, tt.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustGet(t *testing.T, c *Config, name string) string {
	t.Helper()
	kv := c.Get(name)
	if len(kv) != 1 {
		t.Fatalf("CONFIG GET %s: %q", name, kv)
	}
	return kv[0][1]
}

func TestParseFileAndOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.inc", "databases 4\n")
	writeFile(t, dir, "b.inc", "hz 20\n")
	tests := []struct {
		name  string
		conf  string // "" = no file
		argv  []string
		stdin string
		want  map[string]string
	}{
		{"defaults", "", nil, "", map[string]string{
			"port": "6379", "bind": "127.0.0.1 -::1", "databases": "16", "timeout": "0",
			"tcp-keepalive": "300", "maxclients": "10000", "loglevel": "notice",
			"proto-max-bulk-len": "536870912", "client-query-buffer-limit": "1073741824",
			"save": "3600 1 300 100 60 10000", "unixsocketperm": "0",
		}},
		{"quoted and commented", "# a comment\n  port \"7000\"\nbind '127.0.0.1'\n\n  # indented comment\nloglevel VERBOSE\n", nil, "", map[string]string{
			"port": "7000", "bind": "127.0.0.1", "loglevel": "verbose",
		}},
		{"multi-arg save lines add up", "save 900 1\nsave 300 10\n", nil, "", map[string]string{"save": "900 1 300 10"}},
		{"save empty clears", "save \"\"\n", nil, "", map[string]string{"save": ""}},
		{"overrides win", "port 7000\n", []string{"--port", "7001", "--save", "60", "5"}, "", map[string]string{"port": "7001", "save": "60 5"}},
		{"--save alone means none", "", []string{"--save"}, "", map[string]string{"save": ""}},
		{"--save before another option", "", []string{"--save", "--port", "7002"}, "", map[string]string{"save": "", "port": "7002"}},
		{"option names are case-insensitive", "PORT 7003\nMaxClients 5\n", nil, "", map[string]string{"port": "7003", "maxclients": "5"}},
		{"include", "include " + filepath.Join(dir, "a.inc") + "\n", nil, "", map[string]string{"databases": "4"}},
		{"include glob", "include " + filepath.Join(dir, "*.inc") + "\n", nil, "", map[string]string{"databases": "4", "hz": "20"}},
		{"memory units", "maxmemory 1gb\nproto-max-bulk-len 1mb\n", nil, "", map[string]string{"maxmemory": "1073741824", "proto-max-bulk-len": "1048576"}},
		{"stdin", "", []string{"-"}, "port 7004\n", map[string]string{"port": "7004"}},
		{"crlf", "port 7005\r\ndatabases 2\r\n", nil, "", map[string]string{"port": "7005", "databases": "2"}},
		{"unixsocket", "unixsocket /tmp/x.sock\nunixsocketperm 700\nport 0\n", nil, "", map[string]string{"unixsocket": "/tmp/x.sock", "unixsocketperm": "700", "port": "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			if tt.conf != "" {
				args = append(args, writeFile(t, t.TempDir(), "redis.conf", tt.conf))
			}
			args = append(args, tt.argv...)
			c, err := Parse(args, strings.NewReader(tt.stdin))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for k, v := range tt.want {
				if got := mustGet(t, c, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		conf string
		argv []string
		line int
		text string
		msg  string
	}{
		{"port 7000\nport \"abc\n", nil, 2, `port "abc`, "Unbalanced quotes in configuration line"},
		{"port \"1\"x\n", nil, 1, `port "1"x`, "Unbalanced quotes in configuration line"},
		{"#\nport abc\n", nil, 2, "port abc", "argument couldn't be parsed into an integer"},
		{"port 70000\n", nil, 1, "port 70000", "argument must be between 0 and 65535 inclusive"},
		{"databases 0\n", nil, 1, "databases 0", "argument must be between 1 and 2147483647 inclusive"},
		{"maxclients 0\n", nil, 1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
		{"maxmemory 10xb\n", nil, 1, "maxmemory 10xb", "argument must be a memory value"},
		{"save 900\n", nil, 1, "save 900", "Invalid save parameters"},
		{"appendonly maybe\n", nil, 1, "appendonly maybe", "argument must be 'yes' or 'no'"},
		{"loglevel loud\n", nil, 1, "loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"unknown-thing 1\n", nil, 1, "unknown-thing 1", "Bad directive or wrong number of arguments"},
		{"tcp-keepalive 1 2\n", nil, 1, "tcp-keepalive 1 2", "wrong number of arguments"},
		{"client-output-buffer-limit normal 0 0\n", nil, 1, "client-output-buffer-limit normal 0 0", "Wrong number of arguments in buffer limit configuration."},
		// Command-line options become lines after the file's.
		{"port 7000\n", []string{"--port", "abc"}, 3, `port "abc"`, "argument couldn't be parsed into an integer"},
	}
	for _, tt := range tests {
		path := writeFile(t, t.TempDir(), "redis.conf", tt.conf)
		_, err := Parse(append([]string{path}, tt.argv...), nil)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%q %q: err = %v, want a FileError", tt.conf, tt.argv, err)
			continue
		}
		want := &FileError{Line: tt.line, LineText: tt.text, Msg: tt.msg}
		if *fe != *want {
			t.Errorf("%q %q:\n got %#v\nwant %#v", tt.conf, tt.argv, fe, want)
		}
	}
	// The banner as redis-server prints it.
	fe := &FileError{Line: 2, LineText: `port "abc"`, Msg: "argument couldn't be parsed into an integer"}
	want := "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n"
	if fe.Error() != want {
		t.Errorf("banner:\n%q\nwant\n%q", fe.Error(), want)
	}
}

func TestParseOpenErrorsAndIncludeLoop(t *testing.T) {
	_, err := Parse([]string{"/nonexistent/redis.conf"}, nil)
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Error() != "Fatal error, can't open config file '/nonexistent/redis.conf': No such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop.conf")
	writeFile(t, dir, "loop.conf", "include "+loop+"\n")
	_, err = Parse([]string{loop}, nil)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Msg != "Too many nested include directives" {
		t.Errorf("include loop: %v", err)
	}
}

func TestSetIsAtomic(t *testing.T) {
	tests := []struct {
		pairs [][2]string
		err   string // "" = success
	}{
		{[][2]string{{"maxclients", "100"}, {"timeout", "5"}}, ""},
		{[][2]string{{"maxclients", "200"}, {"timeout", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{[][2]string{{"maxclients", "300"}, {"no-such", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'no-such'"},
		{[][2]string{{"maxclients", "300"}, {"MAXCLIENTS", "400"}}, "ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter"},
		{[][2]string{{"maxclients", "300"}, {"databases", "4"}}, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{[][2]string{{"save", "900 1 300"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", "900 1 300 10"}}, ""},
	}
	c := New()
	for _, tt := range tests {
		before := c.Get("*")
		err := c.Set(tt.pairs)
		if tt.err == "" {
			if err != nil {
				t.Errorf("Set %q: %v", tt.pairs, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.err {
			t.Errorf("Set %q: err = %v, want %q", tt.pairs, err, tt.err)
		}
		if after := c.Get("*"); !reflect.DeepEqual(before, after) {
			t.Errorf("Set %q failed but changed the configuration", tt.pairs)
		}
	}
	if mustGet(t, c, "maxclients") != "100" || mustGet(t, c, "timeout") != "5" || mustGet(t, c, "save") != "900 1 300 10" {
		t.Errorf("after the sets: maxclients=%s timeout=%s save=%s", mustGet(t, c, "maxclients"), mustGet(t, c, "timeout"), mustGet(t, c, "save"))
	}
}

func TestSetHookFailureRollsBack(t *testing.T) {
	c := New()
	calls := 0
	c.OnChange("maxclients", func(c *Config) error {
		calls++
		if c.Int("maxclients") == 13 {
			return errors.New("unlucky")
		}
		return nil
	})
	err := c.Set([][2]string{{"maxclients", "13"}})
	if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'maxclients') - unlucky" {
		t.Fatalf("err = %v", err)
	}
	if got := c.Int("maxclients"); got != 10000 {
		t.Errorf("maxclients after a failed hook = %d, want 10000", got)
	}
	if calls != 2 { // once with the new value, once again after the rollback
		t.Errorf("hook ran %d times, want 2", calls)
	}
}

func TestGetPatterns(t *testing.T) {
	c := New()
	tests := []struct {
		patterns []string
		want     [][2]string
	}{
		{[]string{"PORT"}, [][2]string{{"PORT", "6379"}}},
		{[]string{"port", "port"}, [][2]string{{"port", "6379"}}},
		{[]string{"no-such"}, nil},
		{[]string{"maxmemory-p*"}, [][2]string{{"maxmemory-policy", "noeviction"}}},
		{[]string{"databa?es", "data*"}, [][2]string{{"databases", "16"}}},
	}
	for _, tt := range tests {
		if got := c.Get(tt.patterns...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get %q = %q, want %q", tt.patterns, got, tt.want)
		}
	}
	// An alias found by a glob is reported under the registry name, once.
	for _, kv := range c.Get("*") {
		if strings.HasPrefix(kv[0], "slave-") && len(c.Get(kv[0])) != 1 {
			t.Errorf("%s listed but not gettable", kv[0])
		}
	}
}

func TestRewriteKeepsFileAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "redis.conf", "# my settings\nport 7000\nmaxclients 50\nmaxclients 60\n")
	c, err := Parse([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set([][2]string{{"maxclients", "70"}, {"timeout", "9"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rewrite(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"# my settings\n", "port 7000\n", "maxclients 70\n", rewriteSignature + "\n", "timeout 9\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "maxclients 60") || strings.Count(text, "maxclients") != 1 {
		t.Errorf("the second maxclients line should be gone:\n%s", text)
	}
	// The rewritten file parses to the same values.
	c2, err := Parse([]string{path}, nil)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(c.Get("*"), c2.Get("*")) {
		t.Errorf("rewritten configuration differs after a re-parse")
	}
	if err := New().Rewrite(); err == nil || err.Error() != "ERR The server is running without a config file" {
		t.Errorf("rewrite without a file: %v", err)
	}
}

// FuzzSplitArgs checks that any line splits without panicking and that
// splitting is stable: joining the arguments back with repr quoting and
// splitting again gives the same arguments.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"port 6379", `x "a\x41\n" 'b\'c'`, `"unbalanced`, "\x00", `a"b c"`, "save 900 1\t300 10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, ok := splitArgs(line)
		if !ok {
			return
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = repr(a)
		}
		again, ok := splitArgs(strings.Join(parts, " "))
		if !ok || !reflect.DeepEqual(again, args) {
			t.Fatalf("split(%q) = %q; re-split of the quoted form = %q, %v", line, args, again, ok)
		}
	})
}

// FuzzParseConfig feeds arbitrary config file contents to the parser: it
// must return a configuration or a FileError/OpenError, never panic, and
// an accepted configuration must survive CONFIG REWRITE and re-parse to the
// same values.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"port 7000\nsave 900 1\nsave 300 10\n",
		"bind \"127.0.0.1\" '-::1'\nmaxmemory 1gb\n",
		"client-output-buffer-limit pubsub 32mb 8mb 60\n",
		"rename-command CONFIG \"\"\n",
		"port \"abc\n",
		"include /nonexistent\n",
		"loglevel verbose\r\nhz 1000\r\n",
		"notify-keyspace-events KEA\nlatency-tracking-info-percentiles 50 99.9\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Contains(body, "include") || strings.Contains(body, "logfile") ||
			strings.Contains(body, "dir") || strings.Contains(body, "file") {
			return // no file system side effects from fuzzed input
		}
		dir := t.TempDir()
		path := writeFile(t, dir, "redis.conf", body)
		c, err := Parse([]string{path}, nil)
		if err != nil {
			var fe *FileError
			var oe *OpenError
			if !errors.As(err, &fe) && !errors.As(err, &oe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := c.Rewrite(); err != nil {
			t.Fatalf("rewrite of an accepted config: %v", err)
		}
		c2, err := Parse([]string{path}, nil)
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("rewritten config does not parse: %v\n%s", err, data)
		}
		if !reflect.DeepEqual(c.Get("*"), c2.Get("*")) {
			t.Fatalf("rewrite changed the configuration")
		}
	})
}
