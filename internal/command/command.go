// Package command is the command table and the handlers for every Redis
// command enclavekv serves. A handler parses and validates its arguments
// completely before it touches the keyspace, then appends its reply.
//
// Each family (strings, keys, connection, server, ...) lives in its own file
// with its registration table at the top. Reply texts live in errors.go.
// The package knows nothing about sockets: the server hands it a Ctx with the
// arguments, the client's state and a reply writer.
package command

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// Flags describe a command for dispatch and for COMMAND INFO.
type Flags uint32

const (
	Write Flags = 1 << iota
	ReadOnly
	DenyOOM
	Admin
	PubSub
	NoScript
	Loading
	Stale
	SkipMonitor
	SkipSlowlog
	Fast
	NoAuth
	MayReplicate
	NoMulti
	AllowBusy
	Blocking
	Protected // refused unless enable-debug-command (DEBUG)
	Sentinel
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{Write, "write"}, {ReadOnly, "readonly"}, {DenyOOM, "denyoom"}, {Admin, "admin"},
	{PubSub, "pubsub"}, {NoScript, "noscript"}, {Blocking, "blocking"}, {Loading, "loading"},
	{Stale, "stale"}, {SkipMonitor, "skip_monitor"}, {SkipSlowlog, "skip_slowlog"},
	{Fast, "fast"}, {NoAuth, "no_auth"}, {MayReplicate, "may_replicate"},
	{NoMulti, "no_multi"}, {AllowBusy, "allow_busy"},
}

// Names lists the flag names COMMAND INFO reports, in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// Handler runs one command.
type Handler func(c *Ctx)

// Command is one entry of the command table.
type Command struct {
	Name     string // lower case; "parent|sub" for subcommands
	Arity    int    // Redis convention: negative means "at least -Arity"
	Flags    Flags
	FirstKey int
	LastKey  int
	Step     int
	Handler  Handler
	// Categories are the ACL categories without '@' (COMMAND INFO).
	Categories []string
	// Doc is the COMMAND DOCS data.
	Doc Doc
	// Subs holds subcommands by lower-case name (CLIENT, CONFIG, ...).
	Subs   map[string]*Command
	Parent *Command

	Stats CmdStats
}

// CmdStats are the per-command counters INFO commandstats reports.
type CmdStats struct {
	Calls, Usec, Rejected, Failed atomic.Int64
}

// Doc is a command's documentation for COMMAND DOCS.
type Doc struct {
	Summary    string
	Since      string
	Group      string
	Complexity string
	Args       []Arg
}

// Arg is one argument of a command's syntax (COMMAND DOCS), as redis-cli
// uses it for hints.
type Arg struct {
	Name     string
	Type     string // string, integer, double, key, pattern, unix-time, pure-token, oneof, block
	Token    string
	Optional bool
	Multiple bool
	Args     []Arg
}

// FullName is "parent|sub" for subcommands, as Redis 7.0 names them in errors.
func (cmd *Command) FullName() string { return cmd.Name }

// Table is the set of commands by lower-case name.
type Table struct {
	cmds map[string]*Command
}

// NewTable builds the table of every command this package implements.
func NewTable() *Table {
	t := &Table{cmds: make(map[string]*Command)}
	for _, family := range families {
		for _, cmd := range family {
			t.add(cmd)
		}
	}
	return t
}

func (t *Table) add(cmd *Command) {
	if cmd.Step == 0 && cmd.FirstKey != 0 {
		cmd.Step = 1
	}
	for _, sub := range cmd.Subs {
		sub.Parent = cmd
		if sub.Step == 0 && sub.FirstKey != 0 {
			sub.Step = 1
		}
	}
	t.cmds[cmd.Name] = cmd
}

// families is filled by each family file's init.
var families [][]*Command

func register(cmds ...*Command) { families = append(families, cmds) }

// Lookup finds a top-level command by name, case-insensitively, without
// allocating.
func (t *Table) Lookup(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t.cmds[strings.ToLower(string(name))]
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t.cmds[string(buf[:len(name)])]
}

// All returns every top-level command sorted by name.
func (t *Table) All() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Len is the number of top-level commands.
func (t *Table) Len() int { return len(t.cmds) }

// Resolve finds the command args name, descending into subcommands. On
// failure it returns the error reply Redis gives.
func (t *Table) Resolve(args [][]byte) (*Command, string) {
	cmd := t.Lookup(args[0])
	if cmd == nil {
		return nil, unknownCommand(args)
	}
	if cmd.Subs != nil && len(args) >= 2 {
		sub := cmd.Subs[strings.ToLower(string(args[1]))]
		if sub == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%.128s'. Try %s HELP.", cstr(args[1]), strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity {
		return nil, fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.Name)
	}
	return cmd, ""
}

// cstr cuts b at its first NUL byte, as Redis's %s formatting of an
// argument does.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func unknownCommand(args [][]byte) string {
	var sb strings.Builder
	for _, a := range args[1:] {
		if sb.Len() >= 128 {
			break
		}
		s := cstr(a)
		if room := 128 - sb.Len(); len(s) > room {
			s = s[:room]
		}
		sb.WriteByte('\'')
		sb.WriteString(s)
		sb.WriteString("' ")
	}
	return fmt.Sprintf("ERR unknown command '%.128s', with args beginning with: %s", cstr(args[0]), sb.String())
}

// Ctx is everything a handler sees while it runs one command.
type Ctx struct {
	Args   [][]byte
	W      *resp.Writer
	Client *Client
	KS     *keyspace.Keyspace
	DB     *keyspace.DB
	Now    int64 // Unix ms
	Srv    Server
	Cmd    *Command
	Table  *Table
	St     *State

	x       *Executor // for EXEC, which runs commands
	errored bool      // an error reply was written (failed_calls)
}

// Error writes an error reply and counts it for INFO errorstats.
func (c *Ctx) Error(msg string) {
	c.errored = true
	if c.St != nil {
		c.St.CountError(msg)
	}
	c.W.Error(msg)
}

// Errorf formats an error reply.
func (c *Ctx) Errorf(format string, a ...any) { c.Error(fmt.Sprintf(format, a...)) }

// Errored reports whether the handler replied with an error.
func (c *Ctx) Errored() bool { return c.errored }

// ResetError clears the error mark before the next command.
func (c *Ctx) ResetError() { c.errored = false }

// WrongArity writes Redis's arity error for the current command.
func (c *Ctx) WrongArity() {
	c.Errorf("ERR wrong number of arguments for '%s' command", c.Cmd.Name)
}

// SyntaxError writes "ERR syntax error".
func (c *Ctx) SyntaxError() { c.Error(ErrSyntax) }

// Write counts changes for save points / INFO (server.dirty).
func (c *Ctx) Dirty(n int64) { c.KS.Stats.Dirty += n }
