package command

import (
	"strings"
	"testing"
)

// RESP3 shapes of COMMAND INFO / DOCS that Redis 7.0 produces and the
// differential tests cannot compare whole (Redis lists subcommands in its
// hash order, which changes per process): subcommands are an array when
// there are some and an empty set when there are none; history is a set.
func TestCommandReplyShapesRESP3(t *testing.T) {
	e := newStrEnv(t)
	e.cl.Proto = 3
	tests := []struct {
		cmd, want string
	}{
		// The 10th field of a command with subcommands.
		{"COMMAND INFO slowlog", "*4\r\n*10\r\n$11\r\nslowlog|"},
		{"COMMAND DOCS ttl", "$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n2.8.0\r\n"},
	}
	for _, tt := range tests {
		if got := e.do(tt.cmd); !strings.Contains(got, tt.want) {
			t.Errorf("%s: reply lacks %q:\n%q", tt.cmd, tt.want, got)
		}
	}
	// ... and of one without: an empty set closes the entry.
	if got := e.do("COMMAND INFO ping"); !strings.HasSuffix(got, "~0\r\n") {
		t.Errorf("COMMAND INFO ping: ends %q", got[max(0, len(got)-20):])
	}
}

// Every version in a command's history has its note, and every command
// with metadata has a summary, so COMMAND DOCS never shows an empty text.
func TestProseCoversMetadata(t *testing.T) {
	for name, m := range cmdMetaData {
		p, ok := cmdProse[name]
		if !ok || p.Summary == "" {
			t.Errorf("%s: no summary in cmdProse", name)
			continue
		}
		if len(p.History) != len(m.History) {
			t.Errorf("%s: %d history notes for %d versions %v", name, len(p.History), len(m.History), m.History)
		}
	}
}

// The flags the executor acts on match those COMMAND INFO reports (taken
// from Redis): a command missing noscript would run inside scripts, one
// missing write would run in EVAL_RO, and so on.
func TestDispatchFlagsMatchMetadata(t *testing.T) {
	checked := []Flags{Write, ReadOnly, DenyOOM, Admin, PubSub, NoScript, Loading, Stale, Fast, NoAuth, MayReplicate, NoMulti, AllowBusy, Blocking}
	tab := NewTable()
	var cmds []*Command
	for _, c := range tab.cmds {
		cmds = append(cmds, c)
		for _, s := range c.Subs {
			cmds = append(cmds, s)
		}
	}
	for _, c := range cmds {
		m := infoOf(c)
		if m == nil || m.Flags == nil {
			continue
		}
		for _, f := range checked {
			name := f.Names()[0]
			if got, want := c.Flags&f != 0, hasFlag(m.Flags, name); got != want {
				t.Errorf("%s: flag %s is %v in the table, %v in Redis's metadata", c.Name, name, got, want)
			}
		}
	}
}
