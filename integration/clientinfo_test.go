package integration

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// volatileClientFields are the CLIENT INFO/LIST fields that legitimately
// differ between two servers (ids, addresses, ages, buffer sizes) — and the
// Redis 7.2 fields lib-name/lib-ver, which enclavekv shows because it has
// CLIENT SETINFO (issue 2) and Redis 7.0 has neither.
var volatileClientFields = regexp.MustCompile(`\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|rbs|rbp|obl|tot-mem)=\S*`)

func maskClientLine(s string) string {
	s = volatileClientFields.ReplaceAllString(s, "$1=*")
	s = strings.ReplaceAll(s, " lib-name= lib-ver=", "")
	return s
}

// clientText returns the text of a CLIENT INFO/LIST reply (bulk or RESP3
// verbatim), masked.
func clientText(t *testing.T, r *result) string {
	t.Helper()
	if len(r.replies) != 1 || (r.replies[0].kind != '$' && r.replies[0].kind != '=') {
		t.Fatalf("not a bulk reply: %s", r)
	}
	d := string(r.replies[0].data)
	if r.replies[0].kind == '=' {
		d = strings.TrimPrefix(d, "txt:")
	}
	return maskClientLine(d)
}

// TestDiffClientInfoFields compares CLIENT INFO and CLIENT LIST lines field
// by field with only the volatile fields masked: flags, db, the current
// command (cmd=client|info while it runs), user, resp, multi, events.
func TestDiffClientInfoFields(t *testing.T) {
	diffFlushAll(t)
	a, b := newConnPair(t), newConnPair(t)
	steps := [][]string{
		{"CLIENT", "INFO"},
		{"SELECT", "3"},
		{"CLIENT", "SETNAME", "alpha"},
		{"CLIENT", "INFO"},
		{"CLIENT", "NO-EVICT", "on"},
		{"CLIENT", "INFO"},
		{"HELLO", "3"},
		{"CLIENT", "INFO"},
	}
	for _, st := range steps {
		if st[0] != "CLIENT" || st[1] != "INFO" {
			if st[0] == "HELLO" {
				diffDoMode(t, a, "~any", st...) // carries the connection id
			} else {
				diffDo(t, a, st...)
			}
			continue
		}
		ref, sut := a.ref.do(st...), a.sut.do(st...)
		if r, s := clientText(t, ref), clientText(t, sut); r != s {
			t.Errorf("%q:\nredis:     %s\nenclavekv: %s", st, r, s)
		}
	}
	// b's last command is what CLIENT LIST shows for it.
	diffDo(t, b, "PING")
	ref, sut := b.ref.do("CLIENT", "LIST", "TYPE", "normal"), b.sut.do("CLIENT", "LIST", "TYPE", "normal")
	if r, s := clientText(t, ref), clientText(t, sut); r != s {
		t.Errorf("CLIENT LIST TYPE normal:\nredis:\n%s\nenclavekv:\n%s", r, s)
	}
	for _, args := range [][]string{
		{"CLIENT", "LIST", "ID", "0", "-5"},
		{"CLIENT", "LIST", "ID", "abc"},
		{"CLIENT", "LIST", "TYPE", "replica"},
		{"CLIENT", "LIST", "TYPE", "pubsub"},
		{"CLIENT", "PAUSE", "10", "all", "extra"},
		{"CLIENT", "PAUSE", "10", "nope"},
	} {
		diffDo(t, b, args...)
	}
}

// TestDiffMonitorClient: a MONITOR client is listed as a normal client,
// may not touch the keyspace any more, and sees its own commands, with the
// database they leave it in.
func TestDiffMonitorClient(t *testing.T) {
	diffFlushAll(t)
	m, other := newConnPair(t), newConnPair(t)
	diffDo(t, m, "MONITOR")
	ref, sut := other.ref.do("CLIENT", "LIST", "TYPE", "normal"), other.sut.do("CLIENT", "LIST", "TYPE", "normal")
	if r, s := strings.Count(clientText(t, ref), "\n"), strings.Count(clientText(t, sut), "\n"); r != s {
		t.Errorf("CLIENT LIST TYPE normal with a monitor: redis %d lines, enclavekv %d", r, s)
	}
	diffDo(t, other, "CLIENT", "LIST", "TYPE", "replica")
	diffDo(t, m, "GET", "k") // refused: a monitor counts as a replica
	diffDo(t, m, "SET", "k", "v")
	diffDo(t, m, "PING")
	diffDo(t, other, "SELECT", "2")
	// The monitor's feed: its own PING (the refused GET and SET are not
	// fed), then the other client's SELECT 2, shown in db 2.
	feedLine := regexp.MustCompile(`^\d+\.\d+ \[(\d+) [^\]]*\] (.*)$`)
	feed := func(c *respConn) []string {
		var out []string
		for _, r := range c.readUntilQuiet(300 * time.Millisecond).replies {
			mm := feedLine.FindStringSubmatch(r.line)
			if mm == nil {
				t.Fatalf("monitor feed line %q", r.line)
			}
			out = append(out, "["+mm[1]+"] "+mm[2])
		}
		return out
	}
	if r, s := feed(m.ref), feed(m.sut); strings.Join(r, "|") != strings.Join(s, "|") {
		t.Errorf("monitor feed:\nredis:     %q\nenclavekv: %q", r, s)
	}
}
