package command

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/resp"
	"github.com/enclavekv/enclavekv/internal/script"
)

// Scripting: EVAL and friends run Lua scripts through internal/script's
// engine. The server runs every command under its command lock, so a
// script is atomic: no other client's command runs until it returns. A
// script's redis.call runs the command through the Executor as the
// script's own client, which starts in the caller's database and protocol
// 2; its SELECT does not change the caller's database.

func init() {
	sc := []string{"slow", "scripting"}
	register(
		&Command{Name: "eval", Arity: -3, Flags: NoScript | SkipMonitor | Stale, Handler: evalCmd, Categories: sc},
		&Command{Name: "evalsha", Arity: -3, Flags: NoScript | SkipMonitor | Stale, Handler: evalCmd, Categories: sc},
		&Command{Name: "eval_ro", Arity: -3, Flags: ReadOnly | NoScript | SkipMonitor | Stale, Handler: evalCmd, Categories: sc},
		&Command{Name: "evalsha_ro", Arity: -3, Flags: ReadOnly | NoScript | SkipMonitor | Stale, Handler: evalCmd, Categories: sc},
		&Command{Name: "script", Arity: -2, Subs: subs(
			&Command{Name: "script|load", Arity: 3, Flags: NoScript | Stale, Handler: scriptLoadCmd, Categories: sc},
			&Command{Name: "script|exists", Arity: -3, Flags: NoScript, Handler: scriptExistsCmd, Categories: sc},
			&Command{Name: "script|flush", Arity: -2, Flags: NoScript, Handler: scriptFlushCmd, Categories: sc},
			&Command{Name: "script|debug", Arity: 3, Flags: NoScript, Handler: scriptDebugCmd, Categories: sc},
			&Command{Name: "script|kill", Arity: 2, Flags: NoScript | AllowBusy, Handler: scriptKillCmd, Categories: sc},
			&Command{Name: "script|help", Arity: 2, Flags: Loading | Stale, Handler: scriptHelpCmd, Categories: sc},
		)},
	)
}

// scripts returns the Lua engine, made on first use.
func (s *State) scripts() (*script.Engine, error) {
	if s.engine == nil {
		e, err := script.NewEngine()
		if err != nil {
			return nil, err
		}
		s.engine = e
	}
	return s.engine, nil
}

// CachedScripts is INFO's number_of_cached_scripts.
func (s *State) CachedScripts() int {
	if s.engine == nil {
		return 0
	}
	return s.engine.Len()
}

// evalCmd is EVAL, EVALSHA, EVAL_RO and EVALSHA_RO.
func evalCmd(c *Ctx) {
	numkeys, ok := parseInt(c.Args[2])
	switch {
	case !ok:
		c.Error(ErrNotInteger)
		return
	case numkeys < 0:
		c.Error(ErrNumkeysNegative)
		return
	case numkeys > int64(len(c.Args)-3):
		c.Error(ErrNumkeysTooMany)
		return
	}
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	byDigest := strings.HasPrefix(c.Cmd.Name, "evalsha")
	var sha string
	if byDigest {
		sha = string(c.Args[1])
		if len(sha) != 40 || !eng.Exists(sha) {
			c.Error(ErrNoScript)
			return
		}
	} else if sha, err = eng.Load(c.Args[1]); err != nil {
		c.Error(err.Error())
		return
	}
	keys := c.Args[3 : 3+numkeys]
	argv := c.Args[3+numkeys:]
	ro := strings.HasSuffix(c.Cmd.Name, "_ro")
	// A script with a #!lua line declares whether it writes.
	fl, _ := eng.ScriptFlags(sha)
	if fl.Shebang {
		if ro && !fl.NoWrites {
			c.Error(ErrWriteFlagInRO)
			return
		}
		ro = ro || fl.NoWrites
	}
	if !c.scriptMayRun(fl) {
		return
	}
	run := c.newScriptRun("f_"+sha, false)
	run.oom = c.St.evict.scriptOOM && !fl.AllowOOM
	isErr := eng.Run(sha, keys, argv, c.scriptCaller(ro, run), c.W, script.RunOptions{ReadOnly: ro, Log: c.St.scriptLog, Ctx: run})
	run.finish()
	if isErr {
		c.errored = true
	}
}

// scriptRun is the context a script runs under. gopher-lua asks for Done
// before every instruction; every 1024 instructions that is the way in for
// the rest of the server: once the script has run past
// busy-reply-threshold, other clients are answered BUSY (or their SCRIPT
// KILL carried out) from inside the script, on the same goroutine, so that
// nothing else ever runs concurrently with it.
type scriptRun struct {
	context.Context
	c        *Ctx
	self     *Client // the client the script's commands run as
	name     string  // f_<sha> for EVAL, the function's name for FCALL
	function bool    // FCALL: killed by FUNCTION KILL, not SCRIPT KILL
	start    time.Time
	limit    time.Duration
	steps    uint32
	busy     bool // past the threshold
	wrote    bool // a write command ran: SCRIPT KILL may not stop it
	oom      bool // used memory was over maxmemory when it started
	killed   bool
	done     chan struct{}
}

// newScriptRun prepares the context of one EVAL or FCALL.
func (c *Ctx) newScriptRun(name string, function bool) *scriptRun {
	return &scriptRun{c: c, name: name, function: function, start: time.Now(),
		limit: time.Duration(c.St.Config.Int("busy-reply-threshold")) * time.Millisecond, done: make(chan struct{})}
}

func (r *scriptRun) Done() <-chan struct{} {
	if r.steps++; r.steps&1023 == 0 && !r.killed {
		if !r.busy && r.limit > 0 && time.Since(r.start) >= r.limit {
			r.busy = true
			r.c.St.busy = r
			kill := "SCRIPT KILL"
			if r.function {
				kill = "FUNCTION KILL"
			}
			r.c.St.Log(3, "Slow script detected: still in execution after "+strconv.FormatInt(time.Since(r.start).Milliseconds(), 10)+
				" milliseconds. You can try killing the script using the "+kill+" command. Script name is: "+r.name+".")
		}
		if r.busy && r.c.Srv != nil {
			r.c.Srv.ServeBusy(r.c.Client)
		}
	}
	return r.done
}

// scriptMayRun refuses a script that declared flags (#!lua, or a
// function) and may write without allow-oom while used memory is over
// maxmemory, as Redis does: for a command a client sent, with the OOM
// error every such command gets; inside EXEC, with the error that names
// the flag.
func (c *Ctx) scriptMayRun(fl script.Flags) bool {
	if !fl.Shebang || fl.NoWrites || fl.AllowOOM || !c.St.evict.scriptOOM {
		return true
	}
	if c.Client.InExec {
		c.Error(ErrScriptOOMFlag)
	} else {
		c.Error(ErrOOM)
	}
	return false
}

// finish ends the busy period, if the run had one.
func (r *scriptRun) finish() {
	if r.c.St.busy == r {
		r.c.St.busy = nil
	}
}

func (r *scriptRun) Err() error {
	if r.killed {
		return context.Canceled
	}
	return nil
}

func (r *scriptRun) Deadline() (time.Time, bool) { return time.Time{}, false }
func (r *scriptRun) Value(any) any               { return nil }

// BusyError is the reply to other clients' commands while this run is
// busy; it names the kill command that applies.
func (r *scriptRun) BusyError() string {
	if r.function {
		return ErrBusyFunction
	}
	return ErrBusyScript
}

// Kill is SCRIPT KILL's (or FUNCTION KILL's) effect on this run: stopped
// at its next instruction, unless it already wrote (its writes cannot be
// undone) or the kill command is the other kind. force is SHUTDOWN
// NOSAVE's kill, which stops it whatever it did. It returns the error to
// reply, or "" for OK.
func (r *scriptRun) Kill(force, byFunctionKill bool) string {
	if !force {
		switch {
		case r.wrote:
			return ErrUnkillable
		case r.function && !byFunctionKill:
			return ErrBusyFunction
		case !r.function && byFunctionKill:
			return ErrBusyScript
		}
	}
	if !r.killed {
		r.killed = true
		close(r.done)
	}
	return ""
}

// scriptLog is redis.log: the server's log at the script's level.
func (s *State) scriptLog(level int, msg string) {
	if s.Log != nil {
		s.Log(level, msg)
	}
}

// scriptCaller runs the commands of one script run as its own client.
func (c *Ctx) scriptCaller(ro bool, run *scriptRun) script.Caller {
	caller := c.Client
	sc := &Client{
		ID:      caller.ID,
		Addr:    "lua",
		DBIndex: caller.DBIndex,
		Proto:   2,
		User:    caller.User,
		Authed:  true,
		// Blocking commands are refused in scripts; InExec makes any that
		// slips through answer at once, as inside EXEC.
		InExec: true,
		Script: true,
	}
	run.self = sc
	x, now := c.x, c.Now
	return func(args [][]byte, proto int) []byte {
		w := resp.Writer{Proto: proto}
		sc.Proto = proto
		if len(args) == 0 || x.Table.Lookup(args[0]) == nil {
			w.Error(ErrScriptUnknownCommand)
			return w.Buf
		}
		cmd, _ := x.Table.Resolve(args)
		switch {
		case cmd == nil:
			w.Error(ErrScriptWrongArgs)
		case cmd.Flags&NoScript != 0:
			w.Error(ErrScriptNotAllowed)
		case ro && cmd.Flags&Write != 0:
			w.Error(ErrScriptWriteInRO)
		case run.oom && !run.wrote && cmd.Flags&DenyOOM != 0:
			// Refused only before the script's first write: once it has
			// written, stopping half way would be worse.
			w.Error(ErrOOM)
		default:
			if cmd.Flags&Write != 0 {
				run.wrote = true
			}
			x.Exec(sc, args, &w, now)
		}
		return w.Buf
	}
}

func scriptLoadCmd(c *Ctx) {
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	sha, err := eng.Load(c.Args[2])
	if err != nil {
		c.Error(err.Error())
		return
	}
	c.W.BulkString(sha)
}

func scriptExistsCmd(c *Ctx) {
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if c.St.engine != nil && c.St.engine.Exists(strings.ToLower(string(a))) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func scriptFlushCmd(c *Ctx) {
	if len(c.Args) > 3 || (len(c.Args) == 3 && !eqFold(c.Args[2], "sync") && !eqFold(c.Args[2], "async")) {
		c.Error(ErrScriptFlushOption)
		return
	}
	if c.St.engine != nil {
		c.St.engine.Flush()
	}
	c.W.OK()
}

// scriptKillCmd is SCRIPT KILL and FUNCTION KILL: only while a script runs
// past busy-reply-threshold can another client's command run at all.
func scriptKillCmd(c *Ctx) {
	run := c.St.busy
	if run == nil {
		c.Error(ErrNotBusy)
		return
	}
	if msg := run.Kill(false, c.Cmd.Name == "function|kill"); msg != "" {
		c.Error(msg)
		return
	}
	c.W.OK()
}

// scriptDebugCmd accepts NO; the Lua debugger (YES, SYNC) does not exist
// here.
func scriptDebugCmd(c *Ctx) {
	switch {
	case eqFold(c.Args[2], "no"):
		c.W.OK()
	case eqFold(c.Args[2], "yes"), eqFold(c.Args[2], "sync"):
		c.Error(ErrScriptDebugger)
	default:
		c.Error(ErrScriptDebugMode)
	}
}

func scriptHelpCmd(c *Ctx) {
	replyHelp(c,
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
	)
}
