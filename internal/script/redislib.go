package script

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Log levels as redis.log numbers them (Redis's LL_*).
const (
	LogDebug   = 0
	LogVerbose = 1
	LogNotice  = 2
	LogWarning = 3
)

func (e *Engine) newRedisLib() *lua.LTable {
	L := e.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return e.redisCall(L, true) },
		"pcall":              func(L *lua.LState) int { return e.redisCall(L, false) },
		"log":                e.redisLog,
		"setresp":            e.redisSetresp,
		"sha1hex":            redisSha1hex,
		"error_reply":        redisErrorReply,
		"status_reply":       redisStatusReply,
		"set_repl":           redisSetRepl,
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"acl_check_cmd":      e.redisACLCheck,
	}
	if e.forFunctions {
		// Redis adds these three for EVAL only (they belong to its script
		// debugger and to pre-7.0 replication); functions never see them.
		delete(fns, "replicate_commands")
		delete(fns, "breakpoint")
		delete(fns, "debug")
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	nums := map[string]int{
		"LOG_DEBUG": LogDebug, "LOG_VERBOSE": LogVerbose, "LOG_NOTICE": LogNotice, "LOG_WARNING": LogWarning,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3,
		"REDIS_VERSION_NUM": redisVersionNum,
	}
	for name, n := range nums {
		t.RawSetString(name, lua.LNumber(n))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
	return t
}

// errorTable builds the {err=...} table Redis uses for errors raised by,
// or returned from, its redis.* functions. msg is either "-CODE text" (a
// ready reply, the code is kept) or plain text (the code ERR is added).
func errorTable(L *lua.LState, msg string) *lua.LTable {
	var code, text string
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		var found bool
		code, text, found = strings.Cut(rest, " ")
		if !found {
			code, text = "ERR", rest
		}
	} else {
		code, text = "ERR", msg
	}
	text = strings.Trim(text, "\r\n")
	t := L.NewTable()
	t.RawSetString("err", lua.LString(code+" "+text))
	return t
}

// raiseTable raises an error table the way lua_error does: no position added.
func raiseTable(L *lua.LState, t *lua.LTable) int {
	L.Error(t, 0)
	return 0
}

// commandArgs converts redis.call's arguments. Numbers are formatted with
// %.17g, not Lua's lossy %.14g, as Redis does.
func commandArgs(L *lua.LState) ([][]byte, *lua.LTable) {
	n := L.GetTop()
	if n == 0 {
		return nil, errorTable(L, "Please specify at least one argument for this redis lib call")
	}
	args := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			args[i-1] = []byte(v)
		case lua.LNumber:
			args[i-1] = appendCFormatG(nil, float64(v), 17)
		default:
			return nil, errorTable(L, "Lua redis lib command arguments must be strings or integers")
		}
	}
	return args, nil
}

// redisCall is redis.call (raise) and redis.pcall.
func (e *Engine) redisCall(L *lua.LState, raise bool) int {
	args, errT := commandArgs(L)
	if errT == nil && e.run == nil {
		errT = errorTable(L, "redis.call/pcall can only be called inside a script invocation")
		raise = true
	}
	if errT != nil {
		errT.RawSetString("ignore_error_stats_update", lua.LTrue)
		if raise {
			return raiseTable(L, errT)
		}
		L.Push(errT)
		return 1
	}
	raw := e.run.call(args, e.run.proto)
	r, _, err := parseReply(raw)
	if err != nil {
		errT = errorTable(L, "-ERR the command returned a malformed reply")
		if raise {
			return raiseTable(L, errT)
		}
		L.Push(errT)
		return 1
	}
	v := replyToLua(L, &r)
	if raise && r.kind == kError {
		return raiseTable(L, v.(*lua.LTable))
	}
	L.Push(v)
	return 1
}

// replyToLua converts a command reply the way Redis hands it to a script.
func replyToLua(L *lua.LState, r *reply) lua.LValue {
	switch r.kind {
	case kStatus:
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(r.str))
		return t
	case kError:
		t := errorTable(L, "-"+string(r.str))
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t
	case kInt:
		return lua.LNumber(r.num)
	case kBulk:
		return lua.LString(r.str)
	case kNullBulk, kNullArray:
		return lua.LFalse
	case kNull:
		return lua.LNil
	case kBool:
		return lua.LBool(r.num != 0)
	case kDouble:
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(r.dbl))
		return t
	case kBigNum:
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(r.str))
		return t
	case kVerbatim:
		inner := L.CreateTable(0, 2)
		inner.RawSetString("string", lua.LString(r.str))
		inner.RawSetString("format", lua.LString(r.format))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", inner)
		return t
	case kArray:
		t := L.CreateTable(len(r.elems), 0)
		for i := range r.elems {
			t.RawSetInt(i+1, replyToLua(L, &r.elems[i]))
		}
		return t
	case kMap:
		m := L.CreateTable(0, len(r.elems)/2)
		for i := 0; i+1 < len(r.elems); i += 2 {
			k := replyToLua(L, &r.elems[i])
			if k == lua.LNil {
				continue
			}
			m.RawSet(k, replyToLua(L, &r.elems[i+1]))
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("map", m)
		return t
	case kSet:
		s := L.CreateTable(0, len(r.elems))
		for i := range r.elems {
			k := replyToLua(L, &r.elems[i])
			if k == lua.LNil {
				continue
			}
			s.RawSet(k, lua.LTrue)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("set", s)
		return t
	}
	return lua.LNil
}

func (e *Engine) redisLog(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		return raiseTable(L, errorTable(L, "redis.log() requires two arguments or more."))
	}
	lv, ok := luaToNumber(L.Get(1))
	if !ok {
		return raiseTable(L, errorTable(L, "First argument must be a number (log level)."))
	}
	level := int(lv)
	if lv < LogDebug || lv >= LogWarning+1 {
		return raiseTable(L, errorTable(L, "Invalid debug level."))
	}
	var b strings.Builder
	for i := 2; i <= n; i++ {
		if s, ok := luaToString(L.Get(i)); ok {
			if i != 2 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	if e.run != nil && e.run.opts.Log != nil {
		e.run.opts.Log(level, b.String())
	}
	return 0
}

func (e *Engine) redisSetresp(L *lua.LState) int {
	if e.run == nil {
		return raiseTable(L, errorTable(L, "redis.setresp can only be called inside a script invocation"))
	}
	if L.GetTop() != 1 {
		return raiseTable(L, errorTable(L, "redis.setresp() requires one argument."))
	}
	f, _ := luaToNumber(L.Get(1))
	p := cInt(f)
	if p != 2 && p != 3 {
		return raiseTable(L, errorTable(L, "RESP version must be 2 or 3."))
	}
	e.run.proto = int(p)
	return 0
}

func redisSha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		return raiseTable(L, errorTable(L, "wrong number of arguments"))
	}
	s, _ := luaToString(L.Get(1))
	sum := sha1.Sum([]byte(s))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func redisErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errorTable(L, msg))
	return 1
}

func redisStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

// redisSetRepl validates like Redis and otherwise does nothing: enclavekv
// replicates scripts by their effects, so there is nothing to switch.
func redisSetRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		return raiseTable(L, errorTable(L, "redis.set_repl() requires two arguments."))
	}
	f, _ := luaToNumber(L.Get(1))
	if cInt(f)&^3 != 0 {
		return raiseTable(L, errorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."))
	}
	return 0
}

func (e *Engine) redisACLCheck(L *lua.LState) int {
	if e.run == nil {
		return raiseTable(L, errorTable(L, "redis.acl_check_cmd can only be called inside a script invocation"))
	}
	args, errT := commandArgs(L)
	if errT != nil {
		return raiseTable(L, errT)
	}
	allowed, known := true, true
	if e.run.opts.ACLCheck != nil {
		allowed, known = e.run.opts.ACLCheck(args)
	}
	if !known {
		return raiseTable(L, errorTable(L, "Invalid command passed to redis.acl_check_cmd()"))
	}
	L.Push(lua.LBool(allowed))
	return 1
}

// cInt is C's (int) conversion of a double, as Redis applies it to
// numeric arguments: truncation, with out-of-range values becoming INT_MIN
// as x86 does.
func cInt(f float64) int32 {
	if math.IsNaN(f) || f >= 2147483648 || f <= -2147483649 {
		return math.MinInt32
	}
	return int32(f)
}

// cLongLong is C's (long long) conversion of a double on x86-64.
func cLongLong(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808 || f < -9223372036854775808 {
		return math.MinInt64
	}
	return int64(f)
}

// The math.random Redis installs: rand48 with its fixed default seed, so
// scripts get the same numbers everywhere.
const (
	rand48Default = 0x1234ABCD330E
	rand48Mask    = 1<<48 - 1
	lrand48Max    = math.MaxInt32
)

func (e *Engine) lrand48() int32 {
	*e.rand48 = (*e.rand48*0x5DEECE66D + 0xB) & rand48Mask
	return int32(*e.rand48 >> 17)
}

func (e *Engine) mathRandom(L *lua.LState) int {
	r := float64(e.lrand48()%lrand48Max) / float64(lrand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := cInt(float64(L.CheckNumber(1)))
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l := cInt(float64(L.CheckNumber(1)))
		u := cInt(float64(L.CheckNumber(2)))
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(int64(u)-int64(l)+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (e *Engine) mathRandomseed(L *lua.LState) int {
	seed := uint32(cInt(float64(L.CheckNumber(1))))
	*e.rand48 = uint64(seed)<<16 | 0x330E
	return 0
}
