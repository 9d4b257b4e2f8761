package command

import (
	"fmt"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// Server is what commands need from the server around them: the client
// registry and the process. Everything else they reach through the keyspace
// and State.
type Server interface {
	// Clients lists connected clients in ID order.
	Clients() []*Client
	// Kill closes c after its current command (itself: after the reply).
	Kill(c *Client)
	// Pause stops serving clients' commands until untilMs (Unix ms);
	// writeOnly pauses only commands that may write.
	Pause(untilMs int64, writeOnly bool)
	Unpause()
	// Monitor turns c into a monitor.
	Monitor(c *Client)
	// Shutdown asks the server to stop; it returns an error text when it
	// refuses (then the client gets it as a reply).
	Shutdown(opts ShutdownOpts) string
	// Info returns the server-wide figures INFO prints.
	Info() ServerInfo
	// ResetStats zeroes the server's counters (CONFIG RESETSTAT).
	ResetStats()
	// Unblock ends the wait of the client with this id if it is blocked
	// (CLIENT UNBLOCK): with a timeout reply, or an UNBLOCKED error.
	Unblock(id int64, withError bool) bool
	// ServeBusy is called again and again while a script or function has
	// run past busy-reply-threshold: it runs the requests other clients
	// sent meanwhile through Exec (which answers all but the allow-busy
	// commands with BUSY) and returns at once. self is the client running
	// the script.
	ServeBusy(self *Client)
}

// ShutdownOpts are SHUTDOWN's flags.
type ShutdownOpts struct {
	Save, NoSave, Now, Force, Abort bool
}

// Executor runs commands: lookup, arity and permission checks, the handler,
// and the bookkeeping Redis does around every call (stats, slowlog, monitor).
type Executor struct {
	Table *Table
	KS    *keyspace.Keyspace
	State *State
	Srv   Server

	// ctxs are reused handler contexts, one per nesting level (a command
	// that runs commands, like EXEC, nests), so that running a command
	// allocates nothing. A handler must not keep its *Ctx after returning.
	ctxs  []*Ctx
	depth int
}

// monoBase anchors monoNanos.
var monoBase = time.Now()

// monoNanos reads the monotonic clock only: timing a command needs no wall
// time, and one clock read is half the cost of time.Now.
func monoNanos() int64 { return int64(time.Since(monoBase)) }

// Exec runs one command for client and appends its reply to w. The caller
// holds the command lock.
func (x *Executor) Exec(cl *Client, args [][]byte, w *resp.Writer, now int64) {
	if x.depth == len(x.ctxs) {
		x.ctxs = append(x.ctxs, new(Ctx))
	}
	ctx := x.ctxs[x.depth]
	x.depth++
	defer func() { x.depth-- }()
	x.exec(ctx, cl, args, w, now)
}

func (x *Executor) exec(ctx *Ctx, cl *Client, args [][]byte, w *resp.Writer, now int64) {
	cl.LastActive = now
	*ctx = Ctx{Args: args, W: w, Client: cl, KS: x.KS, Now: now, Srv: x.Srv, Table: x.Table, St: x.State, x: x}
	skipped := false
	mark := len(w.Buf)
	switch cl.Reply {
	case ReplySkip:
		cl.Reply = ReplySkipThis
	}
	cmd, errMsg := x.Table.Resolve(args)
	if cmd == nil {
		x.reject(ctx, x.arityTarget(args), errMsg, mark)
		return
	}
	ctx.Cmd = cmd
	if cmd.Flags&Protected != 0 && !x.State.DebugAllowed(cl) {
		x.reject(ctx, cmd, ErrDebugDisabled, mark)
		return
	}
	// After the arity and protection checks, as Redis orders them.
	if !cl.Authed && cmd.Flags&NoAuth == 0 {
		x.reject(ctx, cmd, ErrNoAuth, mark)
		return
	}
	// While a script is busy only allow-busy commands run (SCRIPT KILL,
	// AUTH, MULTI ...), as in Redis.
	if run := x.State.busy; run != nil && cl != run.self && cl != run.c.Client && cmd.Flags&AllowBusy == 0 {
		x.reject(ctx, cmd, run.BusyError(), mark)
		return
	}
	// The command being run is the client's current one for CLIENT
	// INFO/LIST, as Redis sets c->lastcmd before calling it.
	cl.LastCmd = cmd.Name
	// A MONITOR client counts as a replica in Redis and may not touch the
	// keyspace any more.
	if cl.Monitor && cmd.Flags&(Write|ReadOnly|MayReplicate) != 0 {
		x.State.Stats.Rejected.Add(1)
		x.reject(ctx, cmd, ErrReplicaKeyspace, mark)
		return
	}
	// Memory is freed, or found missing, before each command a client
	// sends (not those an EXEC or a script runs, nor during a busy script).
	if x.depth == 1 && x.State.busy == nil {
		oom := !x.State.freeMemory(x.KS, now)
		if oom && oomRejects(cl, cmd) {
			x.reject(ctx, cmd, ErrOOM, mark)
			return
		}
		if isScriptCall(cmd) {
			x.State.evict.scriptOOM = oom
		}
	}
	// After a failed background save, writes (and PING, as in Redis) are
	// refused until a save succeeds, so that clients learn that what
	// they write is not being persisted.
	if p := x.State.Persist; p != nil && p.WritesRefused() &&
		(cmd.Flags&Write != 0 || cmd.Name == "ping" || cmd.Name == "exec" && cl.Multi != nil && cl.Multi.flags&Write != 0) {
		x.reject(ctx, cmd, ErrMisconf, mark)
		return
	}
	// Checked when a command arrives, as Redis does: the commands an EXEC
	// runs were accepted when queued, whatever SUBSCRIBE did since.
	if cl.Proto < 3 && cl.PubSub() && !cl.InExec && !allowedInSubscribedMode(cmd) {
		x.reject(ctx, cmd, fmt.Sprintf(ErrSubscribedMode, cmd.Name), mark)
		return
	}
	if cl.Multi != nil && queuesIn(cmd) {
		if cmd.Flags&NoMulti != 0 {
			x.reject(ctx, cmd, ErrNotInMulti, mark)
			return
		}
		// A transaction bound to fail keeps nothing, as Redis does: a
		// client pipelining a long one need not hold it all in memory.
		if !cl.Multi.aborted && !cl.DirtyCAS {
			cl.Multi.add(cmd, args)
		}
		w.Simple("QUEUED")
		x.finishReply(cl, w, mark, skipped)
		*ctx = Ctx{}
		return
	}
	ctx.DB = x.KS.DBs[cl.DBIndex]
	start := monoNanos()
	cmd.Handler(ctx)
	dur := time.Duration(monoNanos() - start)
	us := dur.Microseconds()
	cmd.Stats.Calls.Add(1)
	cmd.Stats.Usec.Add(us)
	if ctx.errored {
		cmd.Stats.Failed.Add(1)
	}
	x.State.Stats.Commands.Add(1)
	if x.State.latencyTracking.Load() {
		x.State.recordLatency(cmd, dur.Nanoseconds())
	}
	logged := args
	if cmd.Flags&(SkipSlowlog|SkipMonitor|Admin) != SkipSlowlog|SkipMonitor|Admin {
		logged = redactArgs(cmd, args)
	}
	if cmd.Flags&SkipSlowlog == 0 {
		x.State.Slowlog.Observe(cl, logged, now, us)
	}
	x.State.Latency.Observe("command", now, dur)
	// The reply is settled (CLIENT REPLY) before the MONITOR feed, which a
	// monitoring client may append to its own output after it.
	x.finishReply(cl, w, mark, skipped)
	// Monitors see the command after it ran (with secrets redacted), with
	// the client's database as it is afterwards (SELECT 2 shows [2 ...]).
	if cmd.Flags&(SkipMonitor|Admin) == 0 && len(x.State.monitors) > 0 {
		x.State.feedMonitors(cl, cl.DBIndex, logged, time.Now().Add(-dur).UnixMicro())
	}
	*ctx = Ctx{} // drop references to the arguments and the client
}

// reject answers a command refused before it could run with msg. cmd, when
// known, counts the rejection (INFO commandstats rejected_calls); a
// transaction being queued is marked to abort at EXEC, as in Redis.
func (x *Executor) reject(ctx *Ctx, cmd *Command, msg string, mark int) {
	cl := ctx.Client
	if cmd != nil && cmd.Name == "exec" {
		// A refused EXEC ends the transaction, and says why in Redis's
		// words: the reason without its ERR code.
		x.State.DiscardTx(cl)
		msg = ErrExecAbortBecause + strings.TrimPrefix(msg, "ERR ")
	}
	ctx.Error(msg)
	if cmd == nil || ctx.Cmd == nil {
		x.State.Stats.Rejected.Add(1)
	}
	if cmd != nil {
		cmd.Stats.Rejected.Add(1)
	}
	if cl.Multi != nil {
		cl.Multi.aborted = true
	}
	x.finishReply(cl, ctx.W, mark, false)
	*ctx = Ctx{}
}

// arityTarget finds the command a rejected request named, when it exists
// and only its arity was wrong, so that INFO commandstats counts the
// rejection (rejected_calls) as Redis does.
func (x *Executor) arityTarget(args [][]byte) *Command {
	cmd := x.Table.Lookup(args[0])
	if cmd == nil {
		return nil
	}
	if cmd.Subs != nil && len(args) >= 2 {
		return cmd.Subs[strings.ToLower(string(args[1]))]
	}
	return cmd
}

// redacted replaces secrets in the slow log and the MONITOR feed.
var redacted = []byte("(redacted)")

// redactArgs returns args with passwords and sensitive config values
// replaced by "(redacted)", as Redis does for AUTH, HELLO ... AUTH and
// CONFIG SET of sensitive options. args itself is returned when there is
// nothing to hide.
func redactArgs(cmd *Command, args [][]byte) [][]byte {
	var hide []int
	switch cmd.Name {
	case "auth":
		for i := 1; i < len(args); i++ {
			hide = append(hide, i)
		}
	case "hello":
		for i := 2; i < len(args); i++ {
			switch {
			case eqFold(args[i], "auth") && i+2 < len(args):
				hide = append(hide, i+1, i+2)
				i += 2
			case eqFold(args[i], "setname"):
				i++
			}
		}
	case "config|set":
		for i := 2; i+1 < len(args); i += 2 {
			if config.IsSensitive(string(args[i])) {
				hide = append(hide, i+1)
			}
		}
	default:
		return args
	}
	if len(hide) == 0 {
		return args
	}
	out := append([][]byte(nil), args...)
	for _, i := range hide {
		out[i] = redacted
	}
	return out
}

func (x *Executor) finishReply(cl *Client, w *resp.Writer, mark int, _ bool) {
	switch cl.Reply {
	case ReplyOff:
		w.Buf = dropReply(w.Buf, mark, cl.pushSpans)
	case ReplySkipThis:
		w.Buf = dropReply(w.Buf, mark, cl.pushSpans)
		cl.Reply = ReplyOn
	}
	cl.pushSpans = cl.pushSpans[:0]
}

// dropReply cuts buf back to mark, keeping the push replies (spans past
// mark) that were written in between, in order.
func dropReply(buf []byte, mark int, spans [][2]int) []byte {
	if len(spans) == 0 {
		return buf[:mark]
	}
	var kept []byte
	for _, sp := range spans {
		if sp[0] >= mark && sp[1] <= len(buf) {
			kept = append(kept, buf[sp[0]:sp[1]]...)
		}
	}
	return append(buf[:mark], kept...)
}

// errorCode is the first word of an error reply, as INFO errorstats keys it.
func errorCode(msg string) string {
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		return msg[:i]
	}
	return msg
}

// MayWrite reports whether args, sent by cl, names a command that CLIENT
// PAUSE WRITE holds back: writes and commands that may replicate, and an
// EXEC whose transaction holds one.
func (x *Executor) MayWrite(cl *Client, args [][]byte) bool {
	cmd, _ := x.Table.Resolve(args)
	if cmd == nil {
		return false
	}
	flags := cmd.Flags
	if cmd.Name == "exec" && cl.Multi != nil {
		flags |= cl.Multi.flags
	}
	return flags&(Write|MayReplicate) != 0 || heldByWritePause[cmd.Name]
}

// heldByWritePause are the commands CLIENT PAUSE WRITE holds though their
// flags do not say write: Redis 7.0 holds PUBLISH (it would replicate)
// and scripts that may write.
var heldByWritePause = map[string]bool{"publish": true, "spublish": true, "eval": true, "evalsha": true, "fcall": true}
