// Package script is enclavekv's Lua scripting engine: EVAL, EVALSHA and
// SCRIPT run here, and so do Redis 7.0 functions (FUNCTION LOAD, FCALL; see
// function.go). It keeps a sandboxed Lua 5.1 interpreter (gopher-lua) with
// a script cache, and a second one for function libraries, as Redis does;
// it gives scripts the redis, cjson, bit, struct and
// cmsgpack libraries, and converts values between Lua and RESP the way
// Redis 7.0 does, so that scripts written for Redis behave the same here.
//
// The package knows nothing about commands or the keyspace: redis.call goes
// through a Caller supplied by the server for each run.
package script

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// Caller runs one Redis command on behalf of the running script
// (redis.call / redis.pcall) and returns its reply as raw RESP bytes in
// protocol proto (2 or 3, as set by redis.setresp; default 2).
//
// Errors the command layer raises before running the command (unknown
// command, wrong arity, command not allowed from scripts, writes from a
// read-only script, ...) are returned as RESP error replies too.
type Caller func(args [][]byte, proto int) []byte

// Flags are the script flags declared on a "#!lua flags=..." first line.
type Flags struct {
	Shebang        bool // the script has a #!lua line; without one, Redis applies its legacy rules
	NoWrites       bool
	AllowOOM       bool
	AllowStale     bool
	NoCluster      bool
	AllowCrossSlot bool
}

// Engine is one Lua interpreter with its script cache, reused from script to
// script as in Redis. Not safe for concurrent use (the server runs it under
// its command lock).
type Engine struct {
	L       *lua.LState
	globals *lua.LTable                 // the real globals; scripts only see them through a read-only proxy
	proxies map[*lua.LTable]*lua.LTable // real table -> read-only view
	reals   map[*lua.LTable]*lua.LTable // read-only view -> real table
	metas   map[*lua.LTable]bool        // the views' own metatables
	scripts map[string]*cached

	// rand48 is the state of math.random. Like Redis's, it is seeded once
	// and survives SCRIPT FLUSH, so sequences match Redis run for run. It
	// is shared with the functions' interpreter, as Redis's one generator
	// serves both EVAL and FCALL.
	rand48 *uint64

	// forFunctions marks the interpreter that runs function libraries; its
	// redis table and globals differ slightly from EVAL's, as in Redis.
	forFunctions bool
	// funcs holds the loaded function libraries and their interpreter,
	// made on first use (nil in the functions' interpreter itself).
	funcs *functionLibs

	run *runState // non-nil while a script runs

	topHandler, translator *lua.LFunction // error handlers, made once per state

	// userError marks an error raised by error() so the error handler does
	// not rewrite the user's own text as if the VM had produced it.
	userError bool
}

type cached struct {
	fn    *lua.LFunction
	flags Flags
}

// runState is what the redis.* functions need during one Run.
type runState struct {
	call  Caller
	proto int // redis.setresp
	opts  *RunOptions
}

// RunOptions are the per-call settings of Run.
type RunOptions struct {
	// Log receives redis.log(level, msg...) lines: level is 0 debug, 1 verbose, 2 notice, 3 warning.
	Log func(level int, msg string)
	// Ctx, when cancelled, stops the script at the next instruction check
	// (SCRIPT KILL); Run then writes the error text Redis gives for a killed script.
	Ctx context.Context
	// ReadOnly is EVAL_RO/EVALSHA_RO: Caller is still used; the engine only needs it for error texts if any.
	ReadOnly bool
	// ACLCheck answers redis.acl_check_cmd: whether the current user may run
	// args, and whether the command exists at all. Nil allows everything.
	ACLCheck func(args [][]byte) (allowed, known bool)
}

// Redis's version as scripts see it.
const (
	redisVersion    = "7.0.15"
	redisVersionNum = 0x07000f
)

// NewEngine returns an engine with an empty script cache.
// lowerHex is strings.ToLower for a digest, without the copy when it is
// lower case already (clients almost always send it so).
func lowerHex(sha string) string {
	for i := 0; i < len(sha); i++ {
		if c := sha[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(sha)
		}
	}
	return sha
}

func NewEngine() (*Engine, error) {
	// A script body runs as Lua's main chunk, which is a vararg function;
	// with Lua 5.0's compatibility on, gopher-lua builds an "arg" table
	// for it on every run (most of a short script's cost). Redis wraps the
	// body in a plain function, so scripts there see no "arg" either. The
	// switch is global to gopher-lua, which only this package uses.
	lua.CompatVarArg = false
	seed := uint64(rand48Default)
	e := &Engine{scripts: make(map[string]*cached), rand48: &seed}
	if err := e.reset(); err != nil {
		return nil, err
	}
	return e, nil
}

// reset builds a fresh interpreter, as Redis does on start and SCRIPT FLUSH.
func (e *Engine) reset() error {
	if e.L != nil {
		e.L.Close()
	}
	L := lua.NewState(lua.Options{
		SkipOpenLibs: true,
		// Lua 5.1 allows about 20000 nested calls (LUAI_MAXCALLS) and
		// scripts do recurse; gopher-lua's default of 256 would refuse them.
		CallStackSize:       luaMaxCalls,
		MinimizeStackMemory: true,
		RegistrySize:        1024,
		RegistryMaxSize:     1 << 20,
	})
	e.L = L
	e.proxies = make(map[*lua.LTable]*lua.LTable)
	e.reals = make(map[*lua.LTable]*lua.LTable)
	e.metas = make(map[*lua.LTable]bool)
	e.topHandler = L.NewFunction(e.topErrorHandler)
	e.translator = L.NewFunction(e.translateHandler)
	if err := e.openLibs(); err != nil {
		L.Close()
		e.L = nil
		return err
	}
	return nil
}

const luaMaxCalls = 20000

// Load compiles body and caches it under its SHA1 (40 lowercase hex). A
// compile error returns the error text exactly as Redis replies it for
// SCRIPT LOAD / EVAL (without the leading '-' and trailing CRLF).
func (e *Engine) Load(body []byte) (sha string, err error) {
	sum := sha1.Sum(body)
	sha = hex.EncodeToString(sum[:])
	if _, ok := e.scripts[sha]; ok {
		return sha, nil
	}
	flags, src, ferr := parseShebang(body)
	if ferr != nil {
		return "", ferr
	}
	if msg := checkSyntax(src, chunkName); msg != "" {
		return "", compileError(msg)
	}
	fn, lerr := e.L.Load(bytes.NewReader(src), chunkName)
	if lerr != nil {
		return "", compileError(gopherSyntaxError(lerr.Error(), chunkName))
	}
	e.scripts[sha] = &cached{fn: fn, flags: flags}
	return sha, nil
}

// chunkName is what Redis names every EVAL script; it shows in error
// positions ("user_script:1:") and in the "on @user_script:1." suffix.
// funcChunkName is the same for every function library.
const (
	chunkName     = "user_script"
	funcChunkName = "user_function"
)

// isChunkName reports whether src names code a script or library supplied.
func isChunkName(src string) bool { return src == chunkName || src == funcChunkName }

// scriptError is an error whose text is the exact Redis error reply.
type scriptError string

func (e scriptError) Error() string { return string(e) }

func compileError(msg string) error {
	return scriptError("ERR Error compiling script (new function): " + msg)
}

// Exists reports whether sha (any case) is cached.
func (e *Engine) Exists(sha string) bool {
	_, ok := e.scripts[lowerHex(sha)]
	return ok
}

// ScriptFlags returns the flags declared by the cached script sha.
func (e *Engine) ScriptFlags(sha string) (Flags, bool) {
	c, ok := e.scripts[lowerHex(sha)]
	if !ok {
		return Flags{}, false
	}
	return c.flags, true
}

// Flush is SCRIPT FLUSH: it drops every cached script and starts a new
// interpreter, so nothing a script left behind survives. Function
// libraries live in another interpreter and stay, as in Redis.
func (e *Engine) Flush() {
	e.scripts = make(map[string]*cached)
	if err := e.reset(); err != nil {
		// The same setup succeeded in NewEngine; failing now means the
		// process is broken beyond what a script error could report.
		panic("script: rebuilding the Lua state: " + err.Error())
	}
}

// Len is the number of cached scripts (INFO memory number_of_cached_scripts).
func (e *Engine) Len() int { return len(e.scripts) }

// Close releases the interpreter, and the functions' one if it was made.
func (e *Engine) Close() {
	if e.funcs != nil {
		e.funcs.vm.Close()
		e.funcs = nil
	}
	if e.L != nil {
		e.L.Close()
		e.L = nil
	}
}

// Run runs the cached script sha with KEYS and ARGV, calling call for
// redis.call/redis.pcall, and writes the script's result (or its error) to w
// in w.Proto, converted exactly as Redis 7.0 converts Lua values to RESP2 or RESP3.
// It reports whether the result was an error reply.
func (e *Engine) Run(sha string, keys, argv [][]byte, call Caller, w *resp.Writer, opts RunOptions) (isErr bool) {
	sha = lowerHex(sha)
	c, ok := e.scripts[sha]
	if !ok {
		w.Error("NOSCRIPT No matching script. Please use EVAL.")
		return true
	}
	e.globals.RawSetString("KEYS", e.stringArray(keys))
	e.globals.RawSetString("ARGV", e.stringArray(argv))
	return e.invoke(c.fn, sha, nil, call, w, opts)
}

// invoke calls fn with args under a fresh run state and writes its result,
// or its error named after ident (the script's SHA1 or the function's
// name), to w. It reports whether the reply was an error.
func (e *Engine) invoke(fn *lua.LFunction, ident string, args []lua.LValue, call Caller, w *resp.Writer, opts RunOptions) (isErr bool) {
	L := e.L
	e.run = &runState{call: call, proto: 2, opts: &opts}
	e.userError = false
	ctx := opts.Ctx
	if ctx != nil && ctx.Done() != nil {
		L.SetContext(ctx)
	} else {
		ctx = nil
	}
	defer func() {
		if ctx != nil {
			L.RemoveContext()
		}
		e.run = nil
		L.SetTop(0)
	}()

	L.SetTop(0)
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, e.topHandler)
	if err != nil {
		var obj lua.LValue = lua.LNil
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		if ctx != nil && ctx.Err() != nil {
			obj = e.killedError(obj)
		}
		w.Error(e.formatRunError(ident, obj))
		return true
	}
	return e.writeReply(w, L.Get(-1), 0)
}

// killedError replaces whatever error a cancelled script died with by the
// one Redis raises for SCRIPT KILL, keeping the position the handler found.
// Redis 7.0 words it the same for FUNCTION KILL.
func (e *Engine) killedError(obj lua.LValue) lua.LValue {
	t := e.L.NewTable()
	t.RawSetString("err", lua.LString("ERR Script killed by user with SCRIPT KILL..."))
	if old, ok := obj.(*lua.LTable); ok {
		t.RawSetString("source", old.RawGetString("source"))
		t.RawSetString("line", old.RawGetString("line"))
	}
	return t
}

// formatRunError renders the error object a script died with the way
// Redis's EVAL and FCALL do: the message, then where it happened. ident is
// the script's SHA1 or the function's name.
func (e *Engine) formatRunError(ident string, obj lua.LValue) string {
	t, ok := obj.(*lua.LTable)
	if s, isStr := obj.(lua.LString); !ok && isStr && strings.Contains(string(s), "callstack overflow") {
		// gopher-lua panics when its call stack is full, with no room left
		// to run the error handler that would find the line.
		return "ERR stack overflow script: " + ident + "."
	}
	if !ok {
		// Only reachable when the error handler itself failed.
		msg := "execution failure"
		if s, ok := luaToString(obj); ok {
			msg = s
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		return "ERR Error running script " + ident + ", " + msg
	}
	msg, ok := luaToString(t.RawGetString("err"))
	if !ok {
		// Redis 7.0 crashes on an error table without err; say something useful instead.
		msg = "ERR script raised an error table without an 'err' field"
	}
	source, okS := luaToString(t.RawGetString("source"))
	line, okL := luaToString(t.RawGetString("line"))
	if okS && okL {
		msg += " script: " + ident + ", on " + source + ":" + line + "."
	}
	return msg
}

// stringArray makes the KEYS/ARGV table.
func (e *Engine) stringArray(items [][]byte) *lua.LTable {
	t := e.L.CreateTable(len(items), 0)
	for i, it := range items {
		t.RawSetInt(i+1, lua.LString(it))
	}
	return t
}

// parseShebang reads an optional "#!lua [flags=a,b]" first line. The line
// is blanked rather than cut so that error lines keep their numbers.
func parseShebang(body []byte) (Flags, []byte, error) {
	var f Flags
	if !bytes.HasPrefix(body, []byte("#!")) {
		return f, body, nil
	}
	end := bytes.IndexByte(body, '\n')
	if end < 0 {
		end = len(body)
	}
	line := string(body[:end])
	parts := strings.Split(line, " ")
	if parts[0] != "#!lua" {
		return f, nil, scriptError("ERR Unexpected engine in script shebang: " + parts[0])
	}
	f.Shebang = true
	for _, p := range parts[1:] {
		if p == "" {
			continue
		}
		v, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return f, nil, scriptError("ERR Unknown lua shebang option: " + p)
		}
		for _, name := range strings.Split(v, ",") {
			switch name {
			case "":
			case "no-writes":
				f.NoWrites = true
			case "allow-oom":
				f.AllowOOM = true
			case "allow-stale":
				f.AllowStale = true
			case "no-cluster":
				f.NoCluster = true
			case "allow-cross-slot-keys":
				f.AllowCrossSlot = true
			default:
				return f, nil, scriptError("ERR Unexpected flag in script shebang: " + name)
			}
		}
	}
	src := make([]byte, len(body))
	copy(src, body)
	for i := 0; i < end; i++ {
		src[i] = ' '
	}
	return f, src, nil
}

// luaToString is lua_tolstring: strings as they are, numbers formatted as
// Lua formats them, anything else refused.
func luaToString(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return formatNumber(float64(x)), true
	}
	return "", false
}

// luaToNumber is lua_tonumber: numbers, and strings that read as numbers.
func luaToNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return strToNumber(string(x))
	}
	return 0, false
}

// strToNumber converts like Lua 5.1's luaO_str2d: strtod, or a hex integer,
// with surrounding whitespace allowed.
func strToNumber(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	if h, ok := strings.CutPrefix(strings.ToLower(t), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			return 0, false
		}
		return float64(n), true
	}
	if h, ok := strings.CutPrefix(strings.ToLower(t), "-0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			return 0, false
		}
		return -float64(n), true
	}
	for _, c := range t {
		// Go accepts forms strtod does not (underscores, "0b", "Inf" words
		// are fine in both); refuse the Go-only ones.
		if c == '_' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}
