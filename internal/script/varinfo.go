package script

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 names the variable a bad value came from ("attempt to index
// field 'x' (a nil value)"), and Redis users match on those texts.
// gopher-lua compiles to Lua 5.1's instruction set, so the same symbolic
// execution over the failing function's bytecode recovers the names. The
// failing frame's program counter and registers are not exported by
// gopher-lua; they are read by reflection, and any surprise in its layout
// just means messages without names.

// Instruction fields, as gopher-lua lays them out (same as Lua 5.1).
func opCode(i uint32) int { return int(i >> 26) }
func argA(i uint32) int   { return int(i>>18) & 0xff }
func argB(i uint32) int   { return int(i & 0x1ff) }
func argC(i uint32) int   { return int(i>>9) & 0x1ff }
func argBx(i uint32) int  { return int(i & 0x3ffff) }
func argSBx(i uint32) int { return argBx(i) - (1<<18-1)>>1 }

const rkConstant = 1 << 8

type luaFrame struct {
	L         *lua.LState
	fn        *lua.LFunction
	pc        int // index of the failing instruction
	localBase int
}

// failingFrame returns the Lua function frame level levels up, if the
// reflection it needs works.
func failingFrame(L *lua.LState, level int) (luaFrame, bool) {
	var f luaFrame
	dbg, ok := L.GetStack(level)
	if !ok {
		return f, false
	}
	fv := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if !fv.IsValid() || fv.Kind() != reflect.Pointer || fv.IsNil() {
		return f, false
	}
	frame := fv.Elem()
	fnV, pcV, lbV := frame.FieldByName("Fn"), frame.FieldByName("Pc"), frame.FieldByName("LocalBase")
	if !fnV.IsValid() || fnV.Type() != reflect.TypeOf((*lua.LFunction)(nil)) || fnV.IsNil() ||
		!pcV.IsValid() || pcV.Kind() != reflect.Int || !lbV.IsValid() || lbV.Kind() != reflect.Int {
		return f, false
	}
	f.fn = (*lua.LFunction)(unsafe.Pointer(fnV.Pointer()))
	if f.fn.IsG || f.fn.Proto == nil {
		return f, false
	}
	f.pc = int(pcV.Int()) - 1
	f.localBase = int(lbV.Int())
	f.L = L
	if f.pc < 0 || f.pc >= len(f.fn.Proto.Code) {
		return f, false
	}
	return f, true
}

// reg reads register r of the frame.
func (f luaFrame) reg(r int) (lua.LValue, bool) {
	rv := reflect.ValueOf(f.L).Elem().FieldByName("reg")
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, false
	}
	arr := rv.Elem().FieldByName("array")
	if !arr.IsValid() || arr.Kind() != reflect.Slice {
		return nil, false
	}
	i := f.localBase + r
	if i < 0 || i >= arr.Len() {
		return nil, false
	}
	el := arr.Index(i)
	v, ok := reflect.NewAt(el.Type(), unsafe.Pointer(el.UnsafeAddr())).Elem().Interface().(lua.LValue)
	if !ok || v == nil {
		return lua.LNil, true
	}
	return v, true
}

// rk reads an RK operand: a constant or a register.
func (f luaFrame) rk(x int) (v lua.LValue, isReg bool, ok bool) {
	if x&rkConstant != 0 {
		k := x &^ rkConstant
		if k < len(f.fn.Proto.Constants) {
			return f.fn.Proto.Constants[k], false, true
		}
		return nil, false, false
	}
	v, ok = f.reg(x)
	return v, true, ok
}

// localName is luaF_getlocalname: the n-th (1-based) local active at pc.
func localName(p *lua.FunctionProto, n, pc int) (string, bool) {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			n--
			if n == 0 {
				return l.Name, true
			}
		}
	}
	return "", false
}

// objName is Lua 5.1's getobjname: what register r held at pc, as
// "local 'x'", "global 'x'", "field 'x'", "upvalue 'x'" or "method 'x'".
func (f luaFrame) objName(r, pc, depth int) (string, bool) {
	p := f.fn.Proto
	if name, ok := localName(p, r+1, pc); ok {
		return "local '" + name + "'", true
	}
	if depth > 20 {
		return "", false
	}
	i, ok := lastWriter(p.Code, pc, r)
	if !ok {
		return "", false
	}
	switch opCode(i) {
	case lua.OP_GETGLOBAL:
		if k := argBx(i); k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return "global '" + string(s) + "'", true
			}
		}
	case lua.OP_MOVE:
		if b := argB(i); b < argA(i) {
			return f.objName(b, pc, depth+1)
		}
	case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
		return "field '" + f.constName(argC(i)) + "'", true
	case lua.OP_GETUPVAL:
		name := "?"
		if u := argB(i); u < len(p.DbgUpvalues) {
			name = p.DbgUpvalues[u]
		}
		return "upvalue '" + name + "'", true
	case lua.OP_SELF:
		return "method '" + f.constName(argC(i)) + "'", true
	}
	return "", false
}

func (f luaFrame) constName(c int) string {
	if c&rkConstant != 0 {
		if k := c &^ rkConstant; k < len(f.fn.Proto.Constants) {
			if s, ok := f.fn.Proto.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// lastWriter is a simplified symbexec: the last instruction before pc
// that stored into register r, following forward jumps as Lua does.
func lastWriter(code []uint32, pc, r int) (uint32, bool) {
	last := -1
	for i := 0; i < pc; i++ {
		in := code[i]
		a := argA(in)
		switch opCode(in) {
		case lua.OP_LOADNIL:
			if a <= r && r <= argB(in) {
				last = i
			}
		case lua.OP_CALL, lua.OP_TAILCALL, lua.OP_VARARG:
			if r >= a {
				last = i
			}
		case lua.OP_TFORLOOP:
			if r >= a+2 {
				last = i
			}
		case lua.OP_SELF:
			if r == a || r == a+1 {
				last = i
			}
		case lua.OP_JMP:
			if dest := i + 1 + argSBx(in); i < dest && dest <= pc {
				i = dest - 1
			}
		case lua.OP_MOVE, lua.OP_MOVEN, lua.OP_LOADK, lua.OP_LOADBOOL, lua.OP_GETUPVAL, lua.OP_GETGLOBAL,
			lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_NEWTABLE, lua.OP_ADD, lua.OP_SUB, lua.OP_MUL,
			lua.OP_DIV, lua.OP_MOD, lua.OP_POW, lua.OP_UNM, lua.OP_NOT, lua.OP_LEN, lua.OP_CONCAT,
			lua.OP_CLOSURE, lua.OP_TESTSET, lua.OP_FORLOOP, lua.OP_FORPREP:
			if a == r {
				last = i
			}
		}
	}
	if last < 0 {
		return 0, false
	}
	return code[last], true
}

func isNumberLike(v lua.LValue) bool {
	switch x := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, ok := strToNumber(string(x))
		return ok
	}
	return false
}

// describeOperand renders "local 'x' (a nil value)" or "a nil value".
func (f luaFrame) describe(r int, isReg bool, typ string) string {
	if isReg {
		if name, ok := f.objName(r, f.pc, 0); ok {
			return name + " (a " + typ + " value)"
		}
	}
	return "a " + typ + " value"
}

// runtimeErrorWithNames rebuilds a VM error message with Lua 5.1's
// variable names, from the failing instruction. ok is false when the
// instruction does not explain the message.
func runtimeErrorWithNames(L *lua.LState, kind string) (string, bool) {
	f, ok := failingFrame(L, 1)
	if !ok {
		return "", false
	}
	in := f.fn.Proto.Code[f.pc]
	op := opCode(in)
	switch kind {
	case "index":
		var r int
		switch op {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			r = argB(in)
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			r = argA(in)
		default:
			return "", false
		}
		v, ok := f.reg(r)
		if !ok {
			return "", false
		}
		return "attempt to index " + f.describe(r, true, typeName(v)), true
	case "call":
		if op != lua.OP_CALL && op != lua.OP_TAILCALL {
			return "", false
		}
		r := argA(in)
		v, ok := f.reg(r)
		if !ok {
			return "", false
		}
		return "attempt to call " + f.describe(r, true, typeName(v)), true
	case "arith":
		switch op {
		case lua.OP_ADD, lua.OP_SUB, lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW:
			b, bReg, ok1 := f.rk(argB(in))
			c, cReg, ok2 := f.rk(argC(in))
			if !ok1 || !ok2 {
				return "", false
			}
			if !isNumberLike(b) {
				return "attempt to perform arithmetic on " + f.describe(argB(in), bReg, typeName(b)), true
			}
			return "attempt to perform arithmetic on " + f.describe(argC(in), cReg, typeName(c)), true
		case lua.OP_UNM:
			v, ok := f.reg(argB(in))
			if !ok {
				return "", false
			}
			return "attempt to perform arithmetic on " + f.describe(argB(in), true, typeName(v)), true
		}
	case "len":
		if op != lua.OP_LEN {
			return "", false
		}
		v, ok := f.reg(argB(in))
		if !ok {
			return "", false
		}
		return "attempt to get length of " + f.describe(argB(in), true, typeName(v)), true
	case "concat":
		if op != lua.OP_CONCAT {
			return "", false
		}
		b, c := argB(in), argC(in)
		bad := -1
		for r := c; r >= b; r-- {
			v, ok := f.reg(r)
			if !ok {
				return "", false
			}
			if _, isStr := v.(lua.LString); !isStr && v.Type() != lua.LTNumber {
				bad = r
				break
			}
		}
		if bad < 0 {
			return "", false
		}
		if bad == c && c > b {
			if v, _ := f.reg(c - 1); v != nil && v.Type() != lua.LTString && v.Type() != lua.LTNumber {
				bad = c - 1
			}
		}
		v, _ := f.reg(bad)
		return "attempt to concatenate " + f.describe(bad, true, typeName(v)), true
	}
	return "", false
}
