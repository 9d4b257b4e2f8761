package script

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library is LuaBitOp 1.0.2 as bundled with Redis: 32-bit
// operations on Lua numbers, results as signed 32-bit numbers.

func openBit(L *lua.LState) int {
	mod := L.NewTable()
	fold := func(name string, op func(a, b uint32) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			r := bitArg(L, 1, name)
			for i := 2; i <= L.GetTop(); i++ {
				r = op(r, bitArg(L, i, name))
			}
			return bitReturn(L, r)
		}
	}
	shift := func(name string, op func(a uint32, n uint) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			a := bitArg(L, 1, name)
			n := uint(bitArg(L, 2, name) & 31)
			return bitReturn(L, op(a, n))
		}
	}
	fns := map[string]lua.LGFunction{
		"tobit":  func(L *lua.LState) int { return bitReturn(L, bitArg(L, 1, "tobit")) },
		"bnot":   func(L *lua.LState) int { return bitReturn(L, ^bitArg(L, 1, "bnot")) },
		"band":   fold("band", func(a, b uint32) uint32 { return a & b }),
		"bor":    fold("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":   fold("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift": shift("lshift", func(a uint32, n uint) uint32 { return a << n }),
		"rshift": shift("rshift", func(a uint32, n uint) uint32 { return a >> n }),
		"arshift": shift("arshift", func(a uint32, n uint) uint32 {
			return uint32(int32(a) >> n)
		}),
		"rol": shift("rol", func(a uint32, n uint) uint32 { return a<<n | a>>((32-n)&31) }),
		"ror": shift("ror", func(a uint32, n uint) uint32 { return a>>n | a<<((32-n)&31) }),
		"bswap": func(L *lua.LState) int {
			a := bitArg(L, 1, "bswap")
			return bitReturn(L, a>>24|(a>>8)&0xff00|(a&0xff00)<<8|a<<24)
		},
		"tohex": func(L *lua.LState) int {
			a := bitArg(L, 1, "tohex")
			n := int32(8)
			if L.Get(2) != lua.LNil {
				n = int32(bitArg(L, 2, "tohex"))
			}
			digits := "0123456789abcdef"
			if n < 0 {
				n = -n
				digits = "0123456789ABCDEF"
			}
			if n > 8 {
				n = 8
			}
			buf := make([]byte, n)
			for i := int(n) - 1; i >= 0; i-- {
				buf[i] = digits[a&15]
				a >>= 4
			}
			L.Push(lua.LString(buf))
			return 1
		},
	}
	for name, fn := range fns {
		mod.RawSetString(name, L.NewFunction(fn))
	}
	L.SetGlobal("bit", mod)
	return 0
}

// bitArg converts argument n to 32 bits the way LuaBitOp does: adding
// 2^52+2^51 leaves the number, rounded to nearest even and wrapped, in the
// low word of the double.
func bitArg(L *lua.LState, n int, fname string) uint32 {
	f := checkNum(L, n, fname)
	return uint32(math.Float64bits(f + 6755399441055744.0))
}

func bitReturn(L *lua.LState, r uint32) int {
	L.Push(lua.LNumber(int32(r)))
	return 1
}
