package integration

// Unit tests of the harness itself (no server involved).

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestHarnessSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: []string{}},
		{in: "   ", want: []string{}},
		{in: "SET k v", want: []string{"SET", "k", "v"}},
		{in: "  SET\tk   v  ", want: []string{"SET", "k", "v"}},
		{in: `SET k "a b"`, want: []string{"SET", "k", "a b"}},
		{in: `SET k ""`, want: []string{"SET", "k", ""}},
		{in: `ECHO "\x41\x4a\xff\r\n\t\"\\\q"`, want: []string{"ECHO", "AJ\xff\r\n\t\"\\q"}},
		{in: `ECHO "\x4"`, want: []string{"ECHO", "x4"}},
		{in: `ECHO 'it\'s "raw" \n'`, want: []string{"ECHO", `it's "raw" \n`}},
		{in: `ECHO a"b c"`, want: []string{"ECHO", "ab c"}},
		{in: `ECHO "a"b`, bad: true},
		{in: `ECHO 'a'b`, bad: true},
		{in: `ECHO "abc`, bad: true},
		{in: `ECHO 'abc`, bad: true},
		{in: `ECHO "a\"`, bad: true},
	}
	for _, c := range cases {
		got, err := splitArgs(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("splitArgs(%q) = %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestHarnessUnescapeRaw(t *testing.T) {
	got := unescapeRaw(`*1\r\n$-5\r\n"x y"\\\x00\q`)
	want := "*1\r\n$-5\r\n\"x y\"\\\x00q"
	if string(got) != want {
		t.Errorf("unescapeRaw = %q, want %q", got, want)
	}
}

func TestHarnessReadReply(t *testing.T) {
	valid := []string{
		"+OK\r\n",
		"-ERR unknown command 'x'\r\n",
		":0\r\n", ":-12\r\n",
		"$-1\r\n", "$0\r\n\r\n", "$5\r\na\r\nbc\r\n",
		"*-1\r\n", "*0\r\n",
		"*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n_\r\n",
		"_\r\n", ",3.14\r\n", ",inf\r\n", ",-inf\r\n", ",nan\r\n", "#t\r\n", "#f\r\n",
		"!21\r\nSYNTAX invalid syntax\r\n",
		"=15\r\ntxt:Some string\r\n",
		"(3492890328409238509324850943850943825024385\r\n",
		"%2\r\n+first\r\n:1\r\n+second\r\n*1\r\n:2\r\n",
		"~2\r\n+a\r\n+b\r\n",
		">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
		"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n",
		"*1\r\n|1\r\n+a\r\n+b\r\n:7\r\n",
		"$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;0\r\n",
		"*?\r\n:1\r\n$?\r\n;1\r\nx\r\n;0\r\n.\r\n",
		"%?\r\n+a\r\n:1\r\n.\r\n",
	}
	for _, v := range valid {
		// Each reply followed by another one: exactly the first must be read.
		br := bufio.NewReaderSize(strings.NewReader(v+"+NEXT\r\n"), 16)
		r, raw, err := readReply(br)
		if err != nil {
			t.Errorf("readReply(%q): %v", v, err)
			continue
		}
		if string(raw) != v || string(r.raw) != v {
			t.Errorf("readReply(%q) raw = %q / %q", v, raw, r.raw)
		}
		next, _, err := readReply(br)
		if err != nil || string(next.raw) != "+NEXT\r\n" {
			t.Errorf("after %q: next reply %v, %v", v, next, err)
		}
	}

	r, _, _ := readReply(bufio.NewReader(strings.NewReader("|1\r\n+a\r\n+b\r\n:7\r\n")))
	if r.kind != ':' || r.attr == nil || string(r.attr.raw) != "|1\r\n+a\r\n+b\r\n" {
		t.Errorf("attribute not attached: %+v", r)
	}

	invalid := []string{
		"+OK\n", "?x\r\n", ":abc\r\n", "$3\r\nabcde\r\n", "$-2\r\n", "*-2\r\n",
		"#x\r\n", "_x\r\n", ",abc\r\n", "=3\r\nabc\r\n", "\r\n", "%-1\r\n",
	}
	for _, v := range invalid {
		if _, _, err := readReply(bufio.NewReader(strings.NewReader(v))); err == nil {
			t.Errorf("readReply(%q) accepted invalid input", v)
		}
	}
	incomplete := []string{"", "+OK", "$5\r\nab", "*2\r\n:1\r\n", "$?\r\n;1\r\nx\r\n"}
	for _, v := range incomplete {
		_, raw, err := readReply(bufio.NewReader(strings.NewReader(v)))
		if err == nil || !bytes.Equal(raw, []byte(v)) {
			t.Errorf("readReply(%q) = raw %q, err %v; want an error and all bytes", v, raw, err)
		}
	}
}

func TestHarnessParseCaseFile(t *testing.T) {
	src := "# comment\n\nSET k \"a b\"\r\n~ttl TTL k\n~raw  PING\\r\\n \n~sleep 10\n~newconn\n~read\n~noreply BLPOP l 0\n" +
		"~bogus x\n~sleep x\nSET \"k\n~read x\n"
	steps, errs := parseCaseFile("f.txt", []byte(src))
	want := []step{
		{op: "cmd", args: []string{"SET", "k", "a b"}, line: 3},
		{op: "cmd", mode: "~ttl", args: []string{"TTL", "k"}, line: 4},
		{op: "raw", raw: []byte("PING\r\n"), line: 5},
		{op: "sleep", ms: 10, line: 6},
		{op: "newconn", line: 7},
		{op: "read", line: 8},
		{op: "noreply", args: []string{"BLPOP", "l", "0"}, line: 9},
	}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(steps), len(want), steps)
	}
	for i, w := range want {
		g := steps[i]
		if g.op != w.op || g.mode != w.mode || !reflect.DeepEqual(g.args, w.args) ||
			!bytes.Equal(g.raw, w.raw) || g.ms != w.ms || g.line != w.line {
			t.Errorf("step %d = %+v, want %+v", i, g, w)
		}
	}
	if len(errs) != 4 {
		t.Errorf("got %d syntax errors, want 4: %v", len(errs), errs)
	}
}

func mustReply(t *testing.T, s string) *result {
	t.Helper()
	r, _, err := readReply(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return &result{replies: []*reply{r}}
}

func TestHarnessCompareModes(t *testing.T) {
	cases := []struct {
		mode, a, b string
		ok         bool
	}{
		{"", "+OK\r\n", "+OK\r\n", true},
		{"", "+OK\r\n", "+Ok\r\n", false},
		{"~ttl", ":100\r\n", ":99\r\n", true},
		{"~ttl", ":100\r\n", ":98\r\n", false},
		{"~ttl", "*2\r\n:5\r\n$1\r\na\r\n", "*2\r\n:6\r\n$1\r\na\r\n", true},
		{"~ttl", "*2\r\n:5\r\n$1\r\na\r\n", "*2\r\n:5\r\n$1\r\nb\r\n", false},
		{"~any", ":1\r\n", ":2\r\n", true},
		{"~any", "$1\r\na\r\n", "$-1\r\n", false},
		{"~any", "$1\r\na\r\n", "+a\r\n", false},
		{"~sorted", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", true},
		{"~sorted", "*2\r\n$1\r\na\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", false},
		{"~sorted", "~2\r\n+a\r\n+b\r\n", "*2\r\n+b\r\n+a\r\n", false},
		{"~sorted", "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n", true},
		{"~sorted", "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n", false},
		{"~err", "-ERR a\r\n", "-ERR b\r\n", true},
		{"~err", "-ERR a\r\n", "-WRONGTYPE a\r\n", false},
		{"~err", "-ERR a\r\n", "+OK\r\n", false},
		{"~info", "$1\r\na\r\n", ":1\r\n", true},
	}
	for _, c := range cases {
		st := step{op: "cmd", mode: c.mode}
		if ok, why := compareResults(st, mustReply(t, c.a), mustReply(t, c.b)); ok != c.ok {
			t.Errorf("%s %q vs %q: ok=%v (%s), want %v", c.mode, c.a, c.b, ok, why, c.ok)
		}
	}
	// Outcomes other than one reply must be identical.
	closed := &result{end: endClosed}
	if ok, _ := compareResults(step{op: "cmd"}, closed, &result{end: endClosed}); !ok {
		t.Error("two closed connections should match")
	}
	if ok, _ := compareResults(step{op: "cmd", mode: "~any"}, closed, mustReply(t, "+OK\r\n")); ok {
		t.Error("closed vs reply should not match")
	}
}
