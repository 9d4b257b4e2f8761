package script

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Redis 7.0 makes the globals table and every library table read-only
// after loading them, so one script cannot leave state for the next one or
// break the libraries. gopher-lua has no read-only tables, so scripts see
// each of them through an empty proxy table: reads fall through __index to
// the real table, writes hit __newindex and fail as Redis's do. The raw
// functions (rawget, next, pairs, ...) are wrapped to look through proxies.

const errReadonly = "Attempt to modify a readonly table"

// libraries are the global tables scripts get, besides redis.
var libraries = []struct {
	name string
	open lua.LGFunction
}{
	{"", lua.OpenBase},
	{lua.TabLibName, lua.OpenTable},
	{lua.StringLibName, lua.OpenString},
	{lua.MathLibName, lua.OpenMath},
	{lua.CoroutineLibName, lua.OpenCoroutine},
	{"cjson", openCjson},
	{"struct", openStruct},
	{"cmsgpack", openCmsgpack},
	{"bit", openBit},
}

// removedGlobals are what gopher-lua's base library adds that Redis's
// sandbox does not offer (no file or module access, no printing).
var removedGlobals = []string{
	"dofile", "loadfile", "print", "require", "module", "_printregs", "_GOPHER_LUA_VERSION",
	// Redis 7.0.15 dropped these three, which could reach other
	// functions' environments or build userdata with shared metatables.
	"getfenv", "setfenv", "newproxy",
}

func (e *Engine) openLibs() error {
	L := e.L
	e.globals = L.G.Global
	for _, lib := range libraries {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		if err := L.PCall(1, 0, nil); err != nil {
			return fmt.Errorf("open Lua library %q: %w", lib.name, err)
		}
	}
	for _, name := range removedGlobals {
		e.globals.RawSetString(name, lua.LNil)
	}
	L.SetTop(0)

	g := e.globals
	g.RawSetString("redis", e.newRedisLib())
	math := g.RawGetString("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(e.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(e.mathRandomseed))

	e.wrapBase()
	e.wrapStringFormatting()

	// Redis keeps EVAL's error handler as a global, so scripts can see it;
	// the functions' one lives in the registry, out of reach.
	if !e.forFunctions {
		g.RawSetString("__redis__err__handler", e.topHandler)
	}
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(0))
		return 1
	}))

	// Protect the library tables, then the globals themselves.
	g.ForEach(func(k, v lua.LValue) {
		if t, ok := v.(*lua.LTable); ok && t != g {
			g.RawSet(k, e.protect(t))
		}
	})
	// The string library doubles as the strings' metatable; its __index
	// must be the protected view too, or ("").x would reach the real table.
	if s, ok := g.RawGetString("string").(*lua.LTable); ok {
		e.realOf(s).RawSetString("__index", s)
	}
	proxyG := e.protect(g)
	g.RawSetString("_G", proxyG)
	g.Metatable = e.strictMeta()
	L.Env = proxyG
	return nil
}

// strictMeta makes a metatable under which reading a missing name is an
// error rather than nil, as Redis sets on its globals: a typo in a script
// fails loudly instead of reading nil.
func (e *Engine) strictMeta() *lua.LTable {
	meta := e.L.NewTable()
	meta.RawSetString("__index", e.L.NewFunction(func(L *lua.LState) int {
		name, _ := luaToString(L.Get(2))
		L.RaiseError("Script attempted to access nonexistent global variable '%s'", name)
		return 0
	}))
	return meta
}

// protect returns the read-only proxy of t.
func (e *Engine) protect(t *lua.LTable) *lua.LTable {
	if p, ok := e.proxies[t]; ok {
		return p
	}
	p := e.L.NewTable()
	meta := e.L.NewTable()
	meta.RawSetString("__index", t)
	meta.RawSetString("__newindex", e.L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errReadonly)
		return 0
	}))
	p.Metatable = meta
	e.proxies[t] = p
	e.metas[meta] = true
	e.reals[p] = t
	return p
}

// realOf maps a proxy back to its table; any other table maps to itself.
func (e *Engine) realOf(t *lua.LTable) *lua.LTable {
	if r, ok := e.reals[t]; ok {
		return r
	}
	return t
}

func (e *Engine) isProxy(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	_, ok = e.reals[t]
	return ok
}

// unproxyArg replaces argument n by the real table if it is a proxy.
func (e *Engine) unproxyArg(L *lua.LState, n int) {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		if r, ok := e.reals[t]; ok {
			L.Replace(n, r)
		}
	}
}

// wrapBase replaces the base functions that would see through, or write
// through, the read-only views, and those whose Redis behaviour differs
// from gopher-lua's (error positions, pcall's handling of error tables,
// number formatting).
func (e *Engine) wrapBase() {
	L := e.L
	g := e.globals
	orig := func(name string) lua.LGFunction {
		return g.RawGetString(name).(*lua.LFunction).GFunction
	}
	set := func(name string, fn lua.LGFunction) { g.RawSetString(name, L.NewFunction(fn)) }

	origNext := orig("next")
	next := L.NewFunction(func(L *lua.LState) int {
		e.unproxyArg(L, 1)
		return origNext(L)
	})
	g.RawSetString("next", next)
	g.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(next)
		L.Push(e.realOf(t))
		L.Push(lua.LNil)
		return 3
	}))
	ipairsIter := L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		i := L.CheckInt(2) + 1
		v := t.RawGetInt(i)
		if v == lua.LNil {
			return 0
		}
		L.Push(lua.LNumber(i))
		L.Push(v)
		return 2
	})
	g.RawSetString("ipairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(ipairsIter)
		L.Push(e.realOf(t))
		L.Push(lua.LNumber(0))
		return 3
	}))
	origRawget := orig("rawget")
	set("rawget", func(L *lua.LState) int {
		e.unproxyArg(L, 1)
		return origRawget(L)
	})
	origRawset := orig("rawset")
	set("rawset", func(L *lua.LState) int {
		if e.isProxy(L.Get(1)) {
			// Lua raises this from inside rawset, a C function: no position.
			L.Error(lua.LString(errReadonly), 0)
		}
		return origRawset(L)
	})
	origGetmeta := orig("getmetatable")
	set("getmetatable", func(L *lua.LState) int {
		n := origGetmeta(L)
		if t, ok := L.Get(-1).(*lua.LTable); ok && n == 1 {
			if p, ok := e.proxies[t]; ok {
				L.Replace(-1, p)
			} else if e.metas[t] {
				// A proxy's own metatable: hand out a read-only view.
				L.Replace(-1, e.protect(t))
			}
		}
		return n
	})
	origSetmeta := orig("setmetatable")
	set("setmetatable", func(L *lua.LState) int {
		if e.isProxy(L.Get(1)) {
			L.RaiseError(errReadonly)
		}
		return origSetmeta(L)
	})
	set("tonumber", luaTonumber)
	set("tostring", func(L *lua.LState) int {
		L.Push(lua.LString(luaTostring(L, L.CheckAny(1))))
		return 1
	})
	set("error", e.luaError)
	set("pcall", e.luaPcall)
	set("xpcall", e.luaXpcall)

	// The table library writes raw; keep it off the library tables.
	tab := g.RawGetString("table").(*lua.LTable)
	for _, name := range []string{"insert", "remove", "sort", "setn"} {
		fn, ok := tab.RawGetString(name).(*lua.LFunction)
		if !ok {
			continue
		}
		o := fn.GFunction
		tab.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if e.isProxy(L.Get(1)) {
				L.RaiseError(errReadonly)
			}
			return o(L)
		}))
	}
}

// luaTostring is Lua's tostring: numbers as %.14g, __tostring honoured.
func luaTostring(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LNumber:
		return formatNumber(float64(x))
	case lua.LString:
		return string(x)
	}
	return L.ToStringMeta(v).String()
}

// where is luaL_where: "chunk:line: " of the function level calls up, or
// "" when that is not a Lua function.
func where(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", shortSource(dbg.Source), dbg.CurrentLine)
}

// shortSource is how Lua names a chunk in messages.
func shortSource(src string) string {
	if isChunkName(src) {
		return src
	}
	if src == "<string>" {
		return `[string "..."]`
	}
	return src
}

// luaError is error(): strings and numbers get the position of the caller
// level levels up, like Lua's, and gopher-lua's handling of levels and
// numbers is replaced.
func (e *Engine) luaError(L *lua.LState) int {
	obj := L.Get(1)
	level := L.OptInt(2, 1)
	if s, ok := luaToString(obj); ok && level > 0 {
		obj = lua.LString(where(L, level) + s)
	}
	e.userError = true
	L.Error(obj, 0)
	return 0
}

// luaPcall is Redis's pcall: an error table with an err field comes back
// as just its err value, for scripts written before errors were tables.
func (e *Engine) luaPcall(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		// Redis's pcall ends up calling its own placeholder "true".
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a boolean value"))
		return 2
	}
	fn := L.Get(1)
	if fn.Type() != lua.LTFunction && L.GetMetaField(fn, "__call").Type() != lua.LTFunction {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + typeName(fn) + " value"))
		return 2
	}
	if err := L.PCall(n-1, lua.MultRet, e.translator); err != nil {
		obj := errorObject(err)
		if t, ok := obj.(*lua.LTable); ok {
			if v := t.RawGetString("err"); isStringLike(v) {
				obj = v
			}
		}
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// luaXpcall is xpcall, with gopher-lua's messages turned into Lua's before
// the script's handler sees them.
func (e *Engine) luaXpcall(L *lua.LState) int {
	fn := L.Get(1)
	handler := L.Get(2)
	L.SetTop(0)
	L.Push(fn)
	errfunc := L.NewFunction(func(L *lua.LState) int {
		e.translateHandler(L)
		msg := L.Get(-1)
		L.SetTop(0)
		L.Push(handler)
		L.Push(msg)
		L.Call(1, 1)
		return 1
	})
	if err := L.PCall(0, lua.MultRet, errfunc); err != nil {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(errorObject(err))
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

func errorObject(err error) lua.LValue {
	if ae, ok := err.(*lua.ApiError); ok {
		return ae.Object
	}
	return lua.LString(err.Error())
}

func isStringLike(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

func typeName(v lua.LValue) string {
	if v == nil {
		return "nil"
	}
	return v.Type().String()
}

// translateHandler rewrites a gopher-lua runtime error message into the
// text Lua 5.1 (and so Redis) gives, while the failing frame is still on
// the stack.
func (e *Engine) translateHandler(L *lua.LState) int {
	obj := L.Get(1)
	if s, ok := obj.(lua.LString); ok && !e.userError {
		obj = lua.LString(e.translateMessage(L, string(s)))
	}
	e.userError = false
	L.SetTop(0)
	L.Push(obj)
	return 1
}

// topErrorHandler is Redis's __redis__err__handler: it turns any error
// into a table {err=..., source=..., line=...}, taking the position from
// the Lua function that failed (the caller, when a Go function raised it).
func (e *Engine) topErrorHandler(L *lua.LState) int {
	e.translateHandler(L)
	obj := L.Get(1)
	dbg, ok, isGo := stackFrame(L, 1)
	if ok && isGo {
		// A Go function called straight from FCALL (a library may
		// register redis.log itself) has no Lua caller: Redis then gives
		// no position.
		dbg, ok, isGo = stackFrame(L, 2)
		ok = ok && !isGo
	}
	t, isTable := obj.(*lua.LTable)
	if !isTable {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+luaTostring(L, obj)))
	}
	if ok {
		src := dbg.Source
		if isChunkName(src) {
			src = "@" + src
		}
		t.RawSetString("source", lua.LString(src))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
	}
	L.SetTop(0)
	L.Push(t)
	return 1
}

// stackFrame describes the function level calls up, and whether it is a
// Go function. gopher-lua calls the outermost frame "main" whatever it
// is, so the function itself is checked rather than the frame's kind.
func stackFrame(L *lua.LState, level int) (dbg *lua.Debug, ok, isGo bool) {
	dbg, ok = L.GetStack(level)
	if !ok {
		return nil, false, false
	}
	fn, err := L.GetInfo("Slf", dbg, lua.LNil)
	if err != nil {
		return nil, false, false
	}
	f, isFn := fn.(*lua.LFunction)
	return dbg, true, isFn && f.IsG
}

// luaTonumber is Lua 5.1's tonumber, which reads exponents and hex that
// gopher-lua's does not.
func luaTonumber(L *lua.LState) int {
	v := L.CheckAny(1)
	base := L.OptInt(2, 10)
	if base == 10 {
		if f, ok := luaToNumber(v); ok {
			L.Push(lua.LNumber(f))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}
	s := L.CheckString(1)
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "-") {
		neg, t = true, t[1:]
	}
	n, err := strconv.ParseUint(t, base, 64)
	if err != nil || t == "" {
		L.Push(lua.LNil)
		return 1
	}
	f := float64(n)
	if neg {
		f = -f
	}
	L.Push(lua.LNumber(f))
	return 1
}

// wrapStringFormatting makes string.format and table.concat print numbers
// as Lua does (%.14g) where gopher-lua prints Go's shortest form.
func (e *Engine) wrapStringFormatting() {
	L := e.L
	str := e.globals.RawGetString("string").(*lua.LTable)
	origFormat := str.RawGetString("format").(*lua.LFunction).GFunction
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		f, ok := L.Get(1).(lua.LString)
		if ok {
			arg := 2
			for i := 0; i < len(f); i++ {
				if f[i] != '%' {
					continue
				}
				i++
				if i < len(f) && f[i] == '%' {
					continue
				}
				for i < len(f) && strings.IndexByte("-+ #0123456789.", f[i]) >= 0 {
					i++
				}
				if i < len(f) && (f[i] == 's' || f[i] == 'q') {
					if n, isNum := L.Get(arg).(lua.LNumber); isNum {
						L.Replace(arg, lua.LString(formatNumber(float64(n))))
					}
				}
				arg++
			}
		}
		return origFormat(L)
	}))
	tab := e.globals.RawGetString("table").(*lua.LTable)
	tab.RawSetString("concat", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		sep := ""
		if L.Get(2) != lua.LNil {
			sep = checkStr(L, 2, "concat")
		}
		i := optInt(L, 3, 1, "concat")
		j := 0
		if L.Get(4) != lua.LNil {
			j = optInt(L, 4, 0, "concat")
		} else {
			j = t.Len()
		}
		var b strings.Builder
		for k := i; k <= j; k++ {
			s, ok := luaToString(t.RawGetInt(k))
			if !ok {
				L.RaiseError("invalid value (%s) at index %d in table for 'concat'", typeName(t.RawGetInt(k)), k)
			}
			b.WriteString(s)
			if k != j {
				b.WriteString(sep)
			}
		}
		L.Push(lua.LString(b.String()))
		return 1
	}))
}
