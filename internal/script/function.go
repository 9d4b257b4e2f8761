package script

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// Redis 7.0 functions (FUNCTION LOAD, FCALL, ...) run in an interpreter
// of their own, apart from EVAL's, as in Redis: SCRIPT FLUSH must not drop
// them, and what the two see differs. All libraries share that interpreter
// and one globals table, which stays read-only. Its lookups go to a small
// load-time API (redis.register_function, redis.log and constants) while a
// library's code runs at FUNCTION LOAD, and to the usual script globals
// while a function runs, so a library can only register functions when
// loaded, and functions cannot register more when called.

// Library is one loaded function library.
type Library struct {
	Name   string
	Engine string // always "LUA"
	// Code is the library's source as given to FUNCTION LOAD, shebang
	// line included (what FUNCTION LIST WITHCODE shows).
	Code string
	// Functions are sorted by name. Redis lists them in the order of its
	// hash table, which depends on a seed chosen at start, so there is no
	// order to match; sorting makes ours stable.
	Functions []FunctionInfo
}

// FunctionInfo describes one registered function.
type FunctionInfo struct {
	Name string
	// Description is the registered description. HasDescription tells an
	// empty description (FUNCTION LIST shows an empty string) from none
	// at all (it shows nil).
	Description    string
	HasDescription bool
	// Flags are the declared flags, spelled and ordered as FUNCTION LIST
	// shows them: a subset of no-writes, allow-oom, allow-stale,
	// no-cluster, allow-cross-slot-keys, in that order.
	Flags []string
}

// scriptFlagNames are the flags functions may declare, in the order
// Redis's FUNCTION LIST prints them.
var scriptFlagNames = []string{"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}

// ScriptFlags returns f's flags in the form EVAL's shebang flags take, so
// the command layer can apply one set of rules to both. Functions always
// count as declaring their flags (Shebang is true), as in Redis.
func (f FunctionInfo) ScriptFlags() Flags {
	fl := Flags{Shebang: true}
	for _, name := range f.Flags {
		switch name {
		case "no-writes":
			fl.NoWrites = true
		case "allow-oom":
			fl.AllowOOM = true
		case "allow-stale":
			fl.AllowStale = true
		case "no-cluster":
			fl.NoCluster = true
		case "allow-cross-slot-keys":
			fl.AllowCrossSlot = true
		}
	}
	return fl
}

// DefaultLoadTimeout is how long a library's code may run at FUNCTION
// LOAD before Redis gives up on it.
const DefaultLoadTimeout = 500 * time.Millisecond

// LoadOptions are the settings of LoadLibraryWith.
type LoadOptions struct {
	// Replace allows replacing a library of the same name (FUNCTION LOAD REPLACE).
	Replace bool
	// Timeout bounds the run of the library's code; 0 means no bound, as
	// Redis does when the load comes from its master or its AOF.
	Timeout time.Duration
	// Log receives redis.log lines the library's code writes while it loads.
	Log func(level int, msg string)
}

type function struct {
	info FunctionInfo
	fn   *lua.LFunction
	lib  *library
}

type library struct {
	name, code string
	funcs      map[string]*function // by exact name: names differing in case are different functions here
	order      []*function          // in registration order
}

// functionLibs is the set of loaded libraries and the interpreter they live in.
type functionLibs struct {
	vm    *Engine
	libs  map[string]*library  // by exact name
	funcs map[string]*function // by ASCII-lower-cased name: FCALL ignores case

	envMeta *lua.LTable // metatable of the globals library code sees
	loadAPI *lua.LTable // what those globals resolve to during FUNCTION LOAD
	loading *library    // the library whose code runs now, nil otherwise
}

// functions returns the function libraries, making their interpreter on
// first use: most servers never load a function.
func (e *Engine) functions() *functionLibs {
	if e.funcs != nil {
		return e.funcs
	}
	vm := &Engine{rand48: e.rand48, forFunctions: true}
	if err := vm.reset(); err != nil {
		// The same setup succeeded for EVAL's interpreter; failing now
		// means the process is broken beyond what a reply could report.
		panic("script: building the functions' Lua state: " + err.Error())
	}
	fl := &functionLibs{
		vm:    vm,
		libs:  make(map[string]*library),
		funcs: make(map[string]*function),
	}
	fl.setupEnv()
	e.funcs = fl
	return fl
}

// setupEnv replaces the interpreter's globals by an empty, read-only table
// whose lookups are switched between the load-time API and the real
// globals, and builds that API.
func (fl *functionLibs) setupEnv() {
	vm := fl.vm
	L := vm.L
	api := L.NewTable()
	api.RawSetString("register_function", L.NewFunction(fl.registerFunction))
	api.RawSetString("log", L.NewFunction(vm.redisLog))
	for name, n := range map[string]int{
		"LOG_DEBUG": LogDebug, "LOG_VERBOSE": LogVerbose, "LOG_NOTICE": LogNotice, "LOG_WARNING": LogWarning,
		"REDIS_VERSION_NUM": redisVersionNum,
	} {
		api.RawSetString(name, lua.LNumber(n))
	}
	api.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
	// Both the API's redis table and its globals refuse unknown names, so
	// library code that reaches for redis.call or string at load time
	// gets Redis's "nonexistent global variable" error.
	api.Metatable = vm.strictMeta()
	fl.loadAPI = L.NewTable()
	fl.loadAPI.RawSetString("redis", vm.protect(api))
	fl.loadAPI.Metatable = vm.strictMeta()

	env := L.NewTable()
	fl.envMeta = L.NewTable()
	fl.envMeta.RawSetString("__index", vm.globals)
	fl.envMeta.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errReadonly)
		return 0
	}))
	env.Metatable = fl.envMeta
	// Code loaded from now on, loadstring's included, and every closure it
	// makes, resolves globals through env.
	L.Env = env
}

// LoadLibrary is FUNCTION LOAD [REPLACE]: it compiles code, which must
// start with a "#!lua name=<library>" line, runs it so that it registers
// its functions, and adds the library. It returns the library's name, or
// an error whose text is Redis's error reply (without the leading '-').
// Nothing changes when it fails; a library being replaced stays.
func (e *Engine) LoadLibrary(code []byte, replace bool) (name string, err error) {
	return e.LoadLibraryWith(code, LoadOptions{Replace: replace, Timeout: DefaultLoadTimeout})
}

// LoadLibraryWith is LoadLibrary with every setting.
func (e *Engine) LoadLibraryWith(code []byte, opts LoadOptions) (name string, err error) {
	name, body, err := parseLibraryMeta(code)
	if err != nil {
		return "", err
	}
	fl := e.functions()
	if fl.vm.run != nil {
		// Redis refuses FUNCTION LOAD from a script; the command layer
		// should too, but loading now would also wreck the running call.
		return "", scriptError("ERR This Redis command is not allowed from script")
	}
	old := fl.libs[name]
	if old != nil && !opts.Replace {
		return "", scriptError("ERR Library '" + name + "' already exists")
	}
	lib, err := fl.compile(name, string(code), body, opts)
	if err != nil {
		return "", err
	}
	if len(lib.order) == 0 {
		return "", scriptError("ERR No functions registered")
	}
	// Redis checks the new names against every other library's, case
	// ignored, in the order of its hash table; sorted order stands in.
	names := make([]string, 0, len(lib.funcs))
	for n := range lib.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if f, ok := fl.funcs[asciiLower(n)]; ok && f.lib != old {
			return "", scriptError("ERR Function " + n + " already exists")
		}
	}
	if old != nil {
		fl.unlink(old)
	}
	fl.link(lib)
	return name, nil
}

// compile runs the library's code in the functions' interpreter and
// returns the library it registered, not yet linked.
func (fl *functionLibs) compile(name, code string, body []byte, opts LoadOptions) (*library, error) {
	if msg := checkSyntax(body, funcChunkName); msg != "" {
		return nil, loadCompileError(msg)
	}
	vm := fl.vm
	L := vm.L
	fn, lerr := L.Load(bytes.NewReader(body), funcChunkName)
	if lerr != nil {
		return nil, loadCompileError(gopherSyntaxError(lerr.Error(), funcChunkName))
	}
	lib := &library{name: name, code: code, funcs: make(map[string]*function)}

	fl.envMeta.RawSetString("__index", fl.loadAPI)
	fl.loading = lib
	// redis.log needs a run state to find its sink; nothing that could
	// run a command is reachable while loading.
	vm.run = &runState{call: refuseCall, proto: 2, opts: &RunOptions{Log: opts.Log}}
	vm.userError = false
	var ctx context.Context
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), opts.Timeout)
		defer cancel()
		L.SetContext(ctx)
	}
	defer func() {
		if ctx != nil {
			L.RemoveContext()
		}
		vm.run = nil
		fl.loading = nil
		fl.envMeta.RawSetString("__index", vm.globals)
		L.SetTop(0)
	}()

	L.SetTop(0)
	L.Push(fn)
	// Redis runs the code without its error handler: errors carry no
	// "script: ..." position suffix, only what Lua put in the message.
	if err := L.PCall(0, 0, vm.translator); err != nil {
		msg := loadErrorText(errorObject(err))
		if ctx != nil && ctx.Err() != nil {
			msg = "ERR FUNCTION LOAD timeout"
		}
		return nil, scriptError("ERR Error registering functions: " + msg)
	}
	return lib, nil
}

func loadCompileError(msg string) error {
	return scriptError("ERR Error compiling function: " + msg)
}

// loadErrorText is the message of an error a library's code raised at
// load: a string gets the ERR code, an error table gives its err field.
func loadErrorText(obj lua.LValue) string {
	if t, ok := obj.(*lua.LTable); ok {
		if s, ok := luaToString(t.RawGetString("err")); ok {
			return s
		}
		return "ERR (null)"
	}
	if s, ok := obj.(lua.LString); ok && strings.Contains(string(s), "callstack overflow") {
		// gopher-lua's own wording for Lua's C-stack limit.
		return "ERR stack overflow"
	}
	if s, ok := luaToString(obj); ok {
		return "ERR " + s
	}
	return "ERR " + typeName(obj)
}

// refuseCall stands in for a Caller while no command may run.
func refuseCall([][]byte, int) []byte {
	return []byte("-ERR redis.call/pcall can only be called inside a script invocation\r\n")
}

func (fl *functionLibs) link(lib *library) {
	fl.libs[lib.name] = lib
	for _, f := range lib.order {
		// Two names of one library that differ only in case share one
		// FCALL name; Redis keeps whichever its hash table yields first,
		// here the first registered.
		key := asciiLower(f.info.Name)
		if _, ok := fl.funcs[key]; !ok {
			fl.funcs[key] = f
		}
	}
}

func (fl *functionLibs) unlink(lib *library) {
	delete(fl.libs, lib.name)
	for _, f := range lib.order {
		key := asciiLower(f.info.Name)
		if g, ok := fl.funcs[key]; ok && g.lib == lib {
			delete(fl.funcs, key)
		}
	}
}

// registerFunction is redis.register_function, in both its forms:
// (name, callback) and {function_name=, callback=, flags=, description=}.
func (fl *functionLibs) registerFunction(L *lua.LState) int {
	lib := fl.loading
	if lib == nil {
		return raiseTable(L, errorTable(L, "redis.register_function can only be called on FUNCTION LOAD command"))
	}
	var f *function
	var msg string
	switch L.GetTop() {
	case 1:
		f, msg = fl.namedArgs(L)
	case 2:
		f, msg = positionalArgs(L)
	default:
		msg = "wrong number of arguments to redis.register_function"
	}
	if msg != "" {
		return raiseTable(L, errorTable(L, msg))
	}
	if !validName(f.info.Name) {
		// Redis 7.0 words a bad function name as a bad library name.
		return raiseTable(L, errorTable(L, errBadLibraryName))
	}
	if _, ok := lib.funcs[f.info.Name]; ok {
		return raiseTable(L, errorTable(L, "Function already exists in the library"))
	}
	f.lib = lib
	lib.funcs[f.info.Name] = f
	lib.order = append(lib.order, f)
	return 0
}

func positionalArgs(L *lua.LState) (*function, string) {
	name, ok := luaToString(L.Get(1))
	if !ok {
		return nil, "first argument to redis.register_function must be a string"
	}
	fn, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		return nil, "second argument to redis.register_function must be a function"
	}
	return &function{info: FunctionInfo{Name: name}, fn: fn}, ""
}

func (fl *functionLibs) namedArgs(L *lua.LState) (*function, string) {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return nil, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	t = fl.vm.realOf(t)
	f := &function{}
	var haveName bool
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		key, ok := luaToString(k)
		if !ok {
			return nil, "named argument key given to redis.register_function is not a string"
		}
		switch {
		case asciiEqualFold(key, "function_name"):
			name, ok := luaToString(v)
			if !ok {
				return nil, "function_name argument given to redis.register_function must be a string"
			}
			f.info.Name, haveName = name, true
		case asciiEqualFold(key, "description"):
			desc, ok := luaToString(v)
			if !ok {
				return nil, "description argument given to redis.register_function must be a string"
			}
			f.info.Description, f.info.HasDescription = desc, true
		case asciiEqualFold(key, "callback"):
			fn, ok := v.(*lua.LFunction)
			if !ok {
				return nil, "callback argument given to redis.register_function must be a function"
			}
			f.fn = fn
		case asciiEqualFold(key, "flags"):
			ft, ok := v.(*lua.LTable)
			if !ok {
				return nil, "flags argument to redis.register_function must be a table representing function flags"
			}
			flags, ok := readFlags(L, ft)
			if !ok {
				return nil, "unknown flag given"
			}
			f.info.Flags = flags
		default:
			return nil, "unknown argument given to redis.register_function"
		}
	}
	if !haveName {
		return nil, "redis.register_function must get a function name argument"
	}
	if f.fn == nil {
		return nil, "redis.register_function must get a callback argument"
	}
	return f, ""
}

// readFlags reads the flags array up to its first nil, as Lua indexing
// does (metamethods honoured), and returns them in canonical order.
func readFlags(L *lua.LState, t *lua.LTable) ([]string, bool) {
	var set [5]bool
	for i := 1; ; i++ {
		v := L.GetTable(t, lua.LNumber(i))
		if v == lua.LNil {
			break
		}
		s, ok := luaToString(v)
		if !ok {
			return nil, false
		}
		found := false
		for j, name := range scriptFlagNames {
			if asciiEqualFold(s, name) {
				set[j], found = true, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	var flags []string
	for j, on := range set {
		if on {
			flags = append(flags, scriptFlagNames[j])
		}
	}
	return flags, true
}

// CallFunction is FCALL/FCALL_RO once the command layer has checked the
// call: it runs function name with keys and args, which the function gets
// as its two arguments (two arrays of strings), calling call for
// redis.call/pcall, and writes the result or error to w as Redis 7.0 does.
// Errors name the function ("... script: myfunc, on @user_function:3.").
// It reports whether the reply was an error.
func (e *Engine) CallFunction(name string, keys, args [][]byte, call Caller, w *resp.Writer, opts RunOptions) (isErr bool) {
	var f *function
	if e.funcs != nil {
		f = e.funcs.funcs[asciiLower(name)]
	}
	if f == nil {
		w.Error("ERR Function not found")
		return true
	}
	vm := e.funcs.vm
	return vm.invoke(f.fn, f.info.Name, []lua.LValue{vm.stringArray(keys), vm.stringArray(args)}, call, w, opts)
}

// Function looks up a function the way FCALL does (case ignored), for the
// command layer to check its flags before calling it.
func (e *Engine) Function(name string) (FunctionInfo, bool) {
	if e.funcs == nil {
		return FunctionInfo{}, false
	}
	f, ok := e.funcs.funcs[asciiLower(name)]
	if !ok {
		return FunctionInfo{}, false
	}
	return f.info, true
}

// DeleteLibrary is FUNCTION DELETE: library names are case-sensitive.
func (e *Engine) DeleteLibrary(name string) error {
	if e.funcs == nil || e.funcs.libs[name] == nil {
		return scriptError("ERR Library not found")
	}
	e.funcs.unlink(e.funcs.libs[name])
	return nil
}

// FlushLibraries is FUNCTION FLUSH. Like Redis 7.0 it keeps the
// interpreter: nothing of a library outlives it, as no code can write
// the globals.
func (e *Engine) FlushLibraries() {
	if e.funcs == nil {
		return
	}
	e.funcs.libs = make(map[string]*library)
	e.funcs.funcs = make(map[string]*function)
}

// Libraries returns every loaded library, sorted by name (Redis lists
// them in its hash table's order, which changes from run to run).
func (e *Engine) Libraries() []Library {
	if e.funcs == nil {
		return nil
	}
	out := make([]Library, 0, len(e.funcs.libs))
	for _, lib := range e.funcs.libs {
		l := Library{Name: lib.name, Engine: "LUA", Code: lib.code, Functions: make([]FunctionInfo, 0, len(lib.order))}
		for _, f := range lib.order {
			info := f.info
			info.Flags = append([]string(nil), f.info.Flags...)
			l.Functions = append(l.Functions, info)
		}
		sort.Slice(l.Functions, func(i, j int) bool { return l.Functions[i].Name < l.Functions[j].Name })
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WriteLibraries writes libs as FUNCTION LIST replies them, in w.Proto:
// an array with, per library, a map of library_name, engine, functions
// and, with withCode, library_code; each function is a map of name,
// description (null when none) and flags (a set of status replies). In
// RESP2 the maps are flat arrays and the sets arrays. The command layer
// picks the libraries (LIBRARYNAME filter) and their order.
func WriteLibraries(w *resp.Writer, libs []Library, withCode bool) {
	w.Array(len(libs))
	for _, l := range libs {
		if withCode {
			w.Map(4)
		} else {
			w.Map(3)
		}
		w.BulkString("library_name")
		w.BulkString(l.Name)
		w.BulkString("engine")
		w.BulkString(l.Engine)
		w.BulkString("functions")
		w.Array(len(l.Functions))
		for _, f := range l.Functions {
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.Name)
			w.BulkString("description")
			if f.HasDescription {
				w.BulkString(f.Description)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			w.Set(len(f.Flags))
			for _, fl := range f.Flags {
				w.Simple(fl)
			}
		}
		if withCode {
			w.BulkString("library_code")
			w.BulkString(l.Code)
		}
	}
}

// FunctionCount is INFO's number_of_functions: the functions FCALL can
// reach.
func (e *Engine) FunctionCount() int {
	if e.funcs == nil {
		return 0
	}
	return len(e.funcs.funcs)
}

// LibraryCount is INFO's number_of_libraries.
func (e *Engine) LibraryCount() int {
	if e.funcs == nil {
		return 0
	}
	return len(e.funcs.libs)
}

const errBadLibraryName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// parseLibraryMeta reads the "#!<engine> name=<library>" first line and
// returns the library name and the code to compile: everything from the
// line's newline on, so line numbers in errors count the shebang line.
func parseLibraryMeta(code []byte) (name string, body []byte, err error) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return "", nil, scriptError("ERR Missing library metadata")
	}
	// Redis reads the line as a C string: a NUL before the newline ends it.
	nl := bytes.IndexByte(code, '\n')
	if nl < 0 || bytes.IndexByte(code[:nl], 0) >= 0 {
		return "", nil, scriptError("ERR Invalid library metadata")
	}
	parts, ok := splitArgs(string(code[:nl]))
	if !ok || len(parts) == 0 {
		return "", nil, scriptError("ERR Invalid library metadata")
	}
	engine := strings.TrimPrefix(parts[0], "#!")
	haveName := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && asciiEqualFold(p[:5], "name=") {
			if haveName {
				return "", nil, scriptError("ERR Invalid metadata value, name argument was given multiple times")
			}
			name, haveName = p[5:], true
			continue
		}
		return "", nil, scriptError("ERR Invalid metadata value given: " + cString(p))
	}
	if !haveName {
		return "", nil, scriptError("ERR Library name was not given")
	}
	if !validName(name) {
		return "", nil, scriptError("ERR " + errBadLibraryName)
	}
	if !asciiEqualFold(engine, "LUA") {
		return "", nil, scriptError("ERR Engine '" + engine + "' not found")
	}
	return name, code[nl:], nil
}

// splitArgs splits a line into words the way Redis splits the shebang
// (and redis-cli input): blanks separate words, "double quotes" take
// \n \r \t \b \a \xHH and \<any> escapes, 'single quotes' take \', and a
// closing quote must end its word. It reports false for an unbalanced
// or badly closed quote.
func splitArgs(line string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(line) && isCSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, true
		}
		var w []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			var c byte // 0 stands for the end of the line, as in C
			if i < len(line) {
				c = line[i]
			}
			var next byte
			if i+1 < len(line) {
				next = line[i+1]
			}
			switch {
			case inDouble:
				switch {
				case c == '\\' && next == 'x' && i+3 < len(line) && isHexDigit(line[i+2]) && isHexDigit(line[i+3]):
					w = append(w, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				case c == '\\' && next != 0:
					i++
					switch next {
					case 'n':
						w = append(w, '\n')
					case 'r':
						w = append(w, '\r')
					case 't':
						w = append(w, '\t')
					case 'b':
						w = append(w, '\b')
					case 'a':
						w = append(w, '\a')
					default:
						w = append(w, next)
					}
				case c == '"':
					if next != 0 && !isCSpace(next) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					w = append(w, c)
				}
			case inSingle:
				switch {
				case c == '\\' && next == '\'':
					i++
					w = append(w, '\'')
				case c == '\'':
					if next != 0 && !isCSpace(next) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					w = append(w, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					w = append(w, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		out = append(out, string(w))
	}
}

// isCSpace is C's isspace in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// cString cuts s at its first NUL, as C's %s would print it.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// validName is Redis's rule for library and function names: one or more
// ASCII letters, digits or underscores.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// asciiLower folds only ASCII letters, as Redis's case-insensitive
// dictionaries do; strings.ToLower would also fold other scripts' letters
// (the Kelvin sign to k) and let names match that Redis keeps apart.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiEqualFold is strcasecmp(a, b) == 0.
func asciiEqualFold(a, b string) bool {
	return len(a) == len(b) && asciiLower(a) == asciiLower(b)
}
