package script

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library is lua-cmsgpack 0.4.0 as bundled with Redis.

const msgpackMaxNesting = 16 // deeper tables are packed as nil, as lua-cmsgpack does

func openCmsgpack(L *lua.LState) int {
	mod := L.NewTable()
	mod.RawSetString("pack", L.NewFunction(msgpackPack))
	mod.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int {
		s := checkStr(L, 1, "unpack")
		L.SetTop(0)
		return msgpackUnpack(L, s, 0, -1)
	}))
	mod.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		s := checkStr(L, 1, "unpack_one")
		off := optInt(L, 2, 0, "unpack_one")
		L.SetTop(0)
		return msgpackUnpack(L, s, off, 1)
	}))
	mod.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		s := checkStr(L, 1, "unpack_limit")
		limit := int(checkNum(L, 2, "unpack_limit"))
		off := optInt(L, 3, 0, "unpack_limit")
		L.SetTop(0)
		if limit < 0 {
			L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", off, len(s))
		}
		return msgpackUnpack(L, s, off, limit)
	}))
	mod.RawSetString("_NAME", lua.LString("cmsgpack"))
	mod.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	mod.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	mod.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	L.SetGlobal("cmsgpack", mod)
	return 0
}

func msgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.RaiseError("bad argument #0 to 'pack' (MessagePack pack needs input.)")
	}
	var out []byte
	for i := 1; i <= n; i++ {
		out = msgpackEncode(out, L.Get(i), 0)
	}
	L.SetTop(0)
	L.Push(lua.LString(out))
	return 1
}

func msgpackEncode(b []byte, v lua.LValue, level int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return msgpackString(b, string(x))
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		return msgpackNumber(b, float64(x))
	case *lua.LTable:
		if level == msgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := msgpackArrayLen(x); ok {
			b = msgpackHeader(b, n, 0x90, 0xdc, 0xdd)
			for i := 1; i <= n; i++ {
				b = msgpackEncode(b, x.RawGetInt(i), level+1)
			}
			return b
		}
		n := 0
		x.ForEach(func(_, _ lua.LValue) { n++ })
		b = msgpackHeader(b, n, 0x80, 0xde, 0xdf)
		x.ForEach(func(k, v lua.LValue) {
			b = msgpackEncode(b, k, level+1)
			b = msgpackEncode(b, v, level+1)
		})
		return b
	}
	return append(b, 0xc0)
}

// msgpackArrayLen is table_is_an_array: only positive integer keys, and as
// many of them as the largest (so no holes).
func msgpackArrayLen(t *lua.LTable) (int, bool) {
	max, count := 0.0, 0
	ok := true
	t.ForEach(func(k, _ lua.LValue) {
		n, isNum := k.(lua.LNumber)
		if !ok || !isNum || n <= 0 || float64(n) != math.Trunc(float64(n)) {
			ok = false
			return
		}
		if float64(n) > max {
			max = float64(n)
		}
		count++
	})
	if !ok || max != float64(count) {
		return 0, false
	}
	return count, true
}

func msgpackHeader(b []byte, n int, fix, b16, b32 byte) []byte {
	switch {
	case n < 16:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return append(b, b16, byte(n>>8), byte(n))
	}
	return append(b, b32, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func msgpackString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

func msgpackNumber(b []byte, f float64) []byte {
	i := cLongLong(f)
	if float64(i) != f {
		if float64(float32(f)) == f {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	}
	if i >= 0 {
		u := uint64(i)
		switch {
		case u <= 127:
			return append(b, byte(u))
		case u <= 0xff:
			return append(b, 0xcc, byte(u))
		case u <= 0xffff:
			return append(b, 0xcd, byte(u>>8), byte(u))
		case u <= 0xffffffff:
			b = append(b, 0xce)
			return binary.BigEndian.AppendUint32(b, uint32(u))
		}
		b = append(b, 0xcf)
		return binary.BigEndian.AppendUint64(b, u)
	}
	switch {
	case i >= -32:
		return append(b, byte(int8(i)))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(int8(i)))
	case i >= math.MinInt16:
		b = append(b, 0xd1)
		return binary.BigEndian.AppendUint16(b, uint16(int16(i)))
	case i >= math.MinInt32:
		b = append(b, 0xd2)
		return binary.BigEndian.AppendUint32(b, uint32(int32(i)))
	}
	b = append(b, 0xd3)
	return binary.BigEndian.AppendUint64(b, uint64(i))
}

type msgpackErr int

const (
	mpOK msgpackErr = iota
	mpEOF
	mpBadFormat
)

type msgpackCursor struct {
	L   *lua.LState
	s   string
	pos int
	err msgpackErr
}

// msgpackUnpack decodes up to limit values (all when limit < 0) from
// s[off:]. With a limit it first returns the offset to continue from, or
// -1 once the input is used up.
func msgpackUnpack(L *lua.LState, s string, off, limit int) int {
	if off < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", off, len(s))
	}
	if off > len(s) {
		L.RaiseError("Start offset %d greater than input length %d.", off, len(s))
	}
	c := &msgpackCursor{L: L, s: s, pos: off}
	cnt := 0
	for c.pos < len(s) && (limit < 0 || cnt < limit) {
		v := c.decode(0)
		switch c.err {
		case mpEOF:
			L.RaiseError("Missing bytes in input.")
		case mpBadFormat:
			L.RaiseError("Bad data format in input.")
		}
		L.Push(v)
		cnt++
	}
	if limit >= 0 {
		next := c.pos
		if c.pos >= len(s) {
			next = -1
		}
		L.Insert(lua.LNumber(next), 1)
		cnt++
	}
	return cnt
}

func (c *msgpackCursor) need(n int) bool {
	if c.err != mpOK {
		return false
	}
	if len(c.s)-c.pos < n {
		c.err = mpEOF
		return false
	}
	return true
}

func (c *msgpackCursor) take(n int) string {
	s := c.s[c.pos : c.pos+n]
	c.pos += n
	return s
}

func (c *msgpackCursor) uint(n int) (uint64, bool) {
	if !c.need(n) {
		return 0, false
	}
	var v uint64
	for _, x := range []byte(c.take(n)) {
		v = v<<8 | uint64(x)
	}
	return v, true
}

func (c *msgpackCursor) decode(depth int) lua.LValue {
	if !c.need(1) {
		return lua.LNil
	}
	if depth > maxReplyDepth*8 {
		c.err = mpBadFormat
		return lua.LNil
	}
	t := c.s[c.pos]
	c.pos++
	switch {
	case t <= 0x7f:
		return lua.LNumber(t)
	case t >= 0xe0:
		return lua.LNumber(int8(t))
	case t&0xe0 == 0xa0:
		return c.str(int(t & 0x1f))
	case t&0xf0 == 0x90:
		return c.array(int(t&0x0f), depth)
	case t&0xf0 == 0x80:
		return c.mapOf(int(t&0x0f), depth)
	}
	switch t {
	case 0xc0:
		return lua.LNil
	case 0xc2:
		return lua.LFalse
	case 0xc3:
		return lua.LTrue
	case 0xcc, 0xcd, 0xce, 0xcf:
		v, ok := c.uint(1 << (t - 0xcc))
		if !ok {
			return lua.LNil
		}
		return lua.LNumber(float64(v))
	case 0xd0, 0xd1, 0xd2, 0xd3:
		size := 1 << (t - 0xd0)
		v, ok := c.uint(size)
		if !ok {
			return lua.LNil
		}
		shift := uint(64 - 8*size)
		return lua.LNumber(float64(int64(v<<shift) >> shift))
	case 0xca:
		v, ok := c.uint(4)
		if !ok {
			return lua.LNil
		}
		return lua.LNumber(float64(math.Float32frombits(uint32(v))))
	case 0xcb:
		v, ok := c.uint(8)
		if !ok {
			return lua.LNil
		}
		return lua.LNumber(math.Float64frombits(v))
	case 0xd9, 0xc4:
		n, ok := c.uint(1)
		if !ok {
			return lua.LNil
		}
		return c.str(int(n))
	case 0xda, 0xc5:
		n, ok := c.uint(2)
		if !ok {
			return lua.LNil
		}
		return c.str(int(n))
	case 0xdb, 0xc6:
		n, ok := c.uint(4)
		if !ok {
			return lua.LNil
		}
		return c.str(int(n))
	case 0xdc:
		n, ok := c.uint(2)
		if !ok {
			return lua.LNil
		}
		return c.array(int(n), depth)
	case 0xdd:
		n, ok := c.uint(4)
		if !ok {
			return lua.LNil
		}
		return c.array(int(n), depth)
	case 0xde:
		n, ok := c.uint(2)
		if !ok {
			return lua.LNil
		}
		return c.mapOf(int(n), depth)
	case 0xdf:
		n, ok := c.uint(4)
		if !ok {
			return lua.LNil
		}
		return c.mapOf(int(n), depth)
	}
	c.err = mpBadFormat
	return lua.LNil
}

func (c *msgpackCursor) str(n int) lua.LValue {
	if !c.need(n) {
		return lua.LNil
	}
	return lua.LString(c.take(n))
}

func (c *msgpackCursor) array(n, depth int) lua.LValue {
	// Each element takes at least a byte: refuse counts the input cannot hold
	// before allocating for them.
	if !c.need(n) {
		return lua.LNil
	}
	t := c.L.CreateTable(n, 0)
	for i := 1; i <= n; i++ {
		v := c.decode(depth + 1)
		if c.err != mpOK {
			return lua.LNil
		}
		t.RawSetInt(i, v)
	}
	return t
}

func (c *msgpackCursor) mapOf(n, depth int) lua.LValue {
	if !c.need(2 * n) {
		return lua.LNil
	}
	t := c.L.CreateTable(0, n)
	for i := 0; i < n; i++ {
		k := c.decode(depth + 1)
		v := c.decode(depth + 1)
		if c.err != mpOK {
			return lua.LNil
		}
		if k != lua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}
