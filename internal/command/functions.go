package command

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/script"
)

// Functions (Redis 7.0): FUNCTION LOAD keeps libraries in the script
// engine; FCALL runs one of their functions as EVAL runs a script (same
// caller, busy handling and kill). The libraries are part of the dataset:
// snapshots save and restore them through State's FunctionStore methods.

func init() {
	sc := []string{"slow", "scripting"}
	register(
		&Command{Name: "fcall", Arity: -3, Flags: NoScript | SkipMonitor | Stale, Handler: fcallCmd, Categories: sc},
		&Command{Name: "fcall_ro", Arity: -3, Flags: ReadOnly | NoScript | SkipMonitor | Stale, Handler: fcallCmd, Categories: sc},
		&Command{Name: "function", Arity: -2, Subs: subs(
			&Command{Name: "function|load", Arity: -3, Flags: Write | DenyOOM | NoScript, Handler: functionLoadCmd, Categories: sc},
			&Command{Name: "function|delete", Arity: 3, Flags: Write | NoScript, Handler: functionDeleteCmd, Categories: sc},
			&Command{Name: "function|flush", Arity: -2, Flags: Write | NoScript, Handler: functionFlushCmd, Categories: sc},
			&Command{Name: "function|list", Arity: -2, Flags: NoScript, Handler: functionListCmd, Categories: sc},
			&Command{Name: "function|dump", Arity: 2, Flags: NoScript, Handler: functionDumpCmd, Categories: sc},
			&Command{Name: "function|restore", Arity: -3, Flags: Write | DenyOOM | NoScript, Handler: functionRestoreCmd, Categories: sc},
			&Command{Name: "function|stats", Arity: 2, Flags: NoScript | AllowBusy, Handler: functionStatsCmd, Categories: sc},
			&Command{Name: "function|kill", Arity: 2, Flags: NoScript | AllowBusy, Handler: scriptKillCmd, Categories: sc},
			&Command{Name: "function|help", Arity: 2, Flags: Loading | Stale, Handler: functionHelpCmd, Categories: sc},
		)},
	)
}

func fcallCmd(c *Ctx) {
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	name := string(c.Args[1])
	fn, ok := eng.Function(name)
	if !ok {
		c.Error(ErrFunctionNotFound)
		return
	}
	numkeys, ok := parseInt(c.Args[2])
	switch {
	case !ok:
		c.Error(ErrBadNumKeys)
		return
	case numkeys < 0:
		c.Error(ErrNumkeysNegative)
		return
	case numkeys > int64(len(c.Args)-3):
		c.Error(ErrNumkeysTooMany)
		return
	}
	noWrites := fn.ScriptFlags().NoWrites
	if c.Cmd.Name == "fcall_ro" && !noWrites {
		c.Error(ErrWriteFlagInRO)
		return
	}
	fl := fn.ScriptFlags()
	fl.Shebang = true // a function always declares its flags
	if !c.scriptMayRun(fl) {
		return
	}
	run := c.newScriptRun(name, true)
	run.oom = c.St.evict.scriptOOM && !fl.AllowOOM
	isErr := eng.CallFunction(name, c.Args[3:3+numkeys], c.Args[3+numkeys:], c.scriptCaller(noWrites, run), c.W,
		script.RunOptions{ReadOnly: noWrites, Log: c.St.scriptLog, Ctx: run})
	run.finish()
	if isErr {
		c.errored = true
	}
}

func functionLoadCmd(c *Ctx) {
	replace := false
	for _, a := range c.Args[2 : len(c.Args)-1] {
		if !eqFold(a, "replace") {
			c.Errorf(ErrFunctionOption, cstr(a))
			return
		}
		replace = true
	}
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	name, err := eng.LoadLibrary(c.Args[len(c.Args)-1], replace)
	if err != nil {
		c.Error(err.Error())
		return
	}
	c.Dirty(1) // the libraries are data: save points count the change
	c.W.BulkString(name)
}

func functionDeleteCmd(c *Ctx) {
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	if err := eng.DeleteLibrary(string(c.Args[2])); err != nil {
		c.Error(err.Error())
		return
	}
	c.Dirty(1)
	c.W.OK()
}

func functionFlushCmd(c *Ctx) {
	if len(c.Args) > 3 || (len(c.Args) == 3 && !eqFold(c.Args[2], "sync") && !eqFold(c.Args[2], "async")) {
		c.Error(ErrFunctionFlushOption)
		return
	}
	if c.St.engine != nil {
		c.St.engine.FlushLibraries()
	}
	c.Dirty(1)
	c.W.OK()
}

func functionListCmd(c *Ctx) {
	var pattern []byte
	withCode, hasPattern := false, false
	for i := 2; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case eqFold(a, "withcode") && !withCode:
			withCode = true
		case eqFold(a, "libraryname") && !hasPattern:
			if i+1 >= len(c.Args) {
				c.Error(ErrLibraryNameMissing)
				return
			}
			pattern, hasPattern = c.Args[i+1], true
			i++
		default:
			c.Errorf(ErrUnknownArgument, cstr(a))
			return
		}
	}
	var libs []script.Library
	if c.St.engine != nil {
		for _, l := range c.St.engine.Libraries() {
			if !hasPattern || glob.Match(pattern, []byte(l.Name), true) {
				libs = append(libs, l)
			}
		}
	}
	script.WriteLibraries(c.W, libs, withCode)
}

func functionDumpCmd(c *Ctx) { c.W.Bulk(rdb.FunctionsPayload(c.St.LibraryCodes())) }

// functionRestoreCmd loads the libraries of a FUNCTION DUMP payload with
// the policy asked for: APPEND (fail if a library exists), REPLACE, or
// FLUSH (the payload's libraries only). All or nothing.
func functionRestoreCmd(c *Ctx) {
	if len(c.Args) > 4 {
		c.subcommandSyntaxError()
		return
	}
	policy := "append"
	if len(c.Args) == 4 {
		switch {
		case eqFold(c.Args[3], "append"), eqFold(c.Args[3], "replace"), eqFold(c.Args[3], "flush"):
			policy = strings.ToLower(string(c.Args[3]))
		default:
			c.Error(ErrRestorePolicy)
			return
		}
	}
	codes, err := rdb.ParseFunctionsPayload(c.Args[2], rdb.Limits{})
	if err != nil {
		if errors.Is(err, rdb.ErrDumpVersion) {
			c.Error(ErrDumpPayload)
		} else {
			c.Error(ErrBadDataFormat)
		}
		return
	}
	eng, err := c.St.scripts()
	if err != nil {
		c.Error("ERR " + err.Error())
		return
	}
	if policy == "append" {
		// Redis checks the whole payload before loading any of it and
		// names the last library that collides.
		if name, ok := lastCollision(eng, codes); ok {
			c.Errorf(ErrLibraryExistsRestore, name)
			return
		}
	}
	old := c.St.LibraryCodes()
	if policy == "flush" {
		eng.FlushLibraries()
	}
	for _, code := range codes {
		if _, err := eng.LoadLibrary(code, policy == "replace"); err != nil {
			c.St.restoreLibraries(old)
			c.Error(err.Error())
			return
		}
	}
	c.Dirty(1)
	c.W.OK()
}

// lastCollision finds, in payload order, the last library of codes that
// eng already has. The names come from loading the codes in a scratch
// engine; a code that does not load there is left to the real load to
// report.
func lastCollision(eng *script.Engine, codes [][]byte) (string, bool) {
	scratch, err := script.NewEngine()
	if err != nil {
		return "", false
	}
	defer scratch.Close()
	have := map[string]bool{}
	for _, l := range eng.Libraries() {
		have[l.Name] = true
	}
	last, found := "", false
	for _, code := range codes {
		if name, err := scratch.LoadLibrary(code, true); err == nil && have[name] {
			last, found = name, true
		}
	}
	return last, found
}

func functionStatsCmd(c *Ctx) {
	libs, fns := 0, 0
	if c.St.engine != nil {
		libs, fns = c.St.engine.LibraryCount(), c.St.engine.FunctionCount()
	}
	run := c.St.busy
	if run != nil && !run.function {
		c.Error(ErrBusyScript)
		return
	}
	c.W.Map(2)
	c.W.BulkString("running_script")
	if run == nil {
		c.W.Null()
	} else {
		c.W.Map(3)
		c.W.BulkString("name")
		c.W.BulkString(run.name)
		c.W.BulkString("command")
		c.W.Array(len(run.c.Args))
		for _, a := range run.c.Args {
			c.W.Bulk(a)
		}
		c.W.BulkString("duration_ms")
		c.W.Int(time.Since(run.start).Milliseconds())
	}
	c.W.BulkString("engines")
	c.W.Map(1)
	c.W.BulkString("LUA")
	c.W.Map(2)
	c.W.BulkString("libraries_count")
	c.W.Int(int64(libs))
	c.W.BulkString("functions_count")
	c.W.Int(int64(fns))
}

func functionHelpCmd(c *Ctx) {
	replyHelp(c,
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	)
}

// LibraryCodes is every library's code (snapshot.FunctionStore).
func (s *State) LibraryCodes() [][]byte {
	if s.engine == nil {
		return nil
	}
	libs := s.engine.Libraries()
	codes := make([][]byte, len(libs))
	for i, l := range libs {
		codes[i] = []byte(l.Code)
	}
	return codes
}

// ReplaceLibraries replaces every library by codes, or changes nothing if
// one fails to load (snapshot.FunctionStore: a snapshot was loaded).
func (s *State) ReplaceLibraries(codes [][]byte) error {
	if len(codes) == 0 && s.engine == nil {
		return nil
	}
	eng, err := s.scripts()
	if err != nil {
		return err
	}
	old := s.LibraryCodes()
	eng.FlushLibraries()
	for _, code := range codes {
		// No load timeout: this is the server's own data, as Redis loads
		// libraries from its RDB.
		if _, err := eng.LoadLibraryWith(code, script.LoadOptions{}); err != nil {
			s.restoreLibraries(old)
			return err
		}
	}
	return nil
}

// restoreLibraries puts back libraries saved by LibraryCodes after a
// failed multi-library load.
func (s *State) restoreLibraries(codes [][]byte) {
	s.engine.FlushLibraries()
	for _, code := range codes {
		if _, err := s.engine.LoadLibraryWith(code, script.LoadOptions{}); err != nil && s.Log != nil {
			// They loaded before; only a changed limit could refuse them now.
			s.Log(3, fmt.Sprintf("function library could not be restored after a failed load (%d bytes)", len(code)))
		}
	}
}
