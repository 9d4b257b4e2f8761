package script

import lua "github.com/yuin/gopher-lua"

// Argument checks for the bundled libraries, with Lua's wording: an absent
// argument is "no value", where gopher-lua's checks say "nil".

func argTypeError(L *lua.LState, n int, fname, expected string) {
	got := "no value"
	if n <= L.GetTop() {
		got = typeName(L.Get(n))
	}
	L.RaiseError("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected, got)
}

func checkNum(L *lua.LState, n int, fname string) float64 {
	f, ok := luaToNumber(L.Get(n))
	if !ok {
		argTypeError(L, n, fname, "number")
	}
	return f
}

func checkStr(L *lua.LState, n int, fname string) string {
	s, ok := luaToString(L.Get(n))
	if !ok {
		argTypeError(L, n, fname, "string")
	}
	return s
}

func optInt(L *lua.LState, n, def int, fname string) int {
	if L.Get(n) == lua.LNil {
		return def
	}
	return int(checkNum(L, n, fname))
}
