package script

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library is Roberto Ierusalimschy's struct 0.2 as bundled with
// Redis: pack, unpack and size over a format string, with the x86-64
// sizes of C types.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8 // alignment of double on x86-64
)

type structHeader struct {
	little bool
	align  int
}

func openStruct(L *lua.LState) int {
	mod := L.NewTable()
	mod.RawSetString("pack", L.NewFunction(structPack))
	mod.RawSetString("unpack", L.NewFunction(structUnpack))
	mod.RawSetString("size", L.NewFunction(structSize))
	L.SetGlobal("struct", mod)
	return 0
}

func isPow2(n int) bool { return n > 0 && n&(n-1) == 0 }

// getNum reads an optional decimal count at fmt[*i].
func getNum(fmt string, i *int, def int) int {
	if *i >= len(fmt) || fmt[*i] < '0' || fmt[*i] > '9' {
		return def
	}
	a := 0
	for *i < len(fmt) && fmt[*i] >= '0' && fmt[*i] <= '9' {
		a = a*10 + int(fmt[*i]-'0')
		*i++
		if a > 1<<30 {
			break
		}
	}
	return a
}

func optSize(L *lua.LState, fname string, opt byte, fmt string, i *int) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return getNum(fmt, i, 1)
	case 'i', 'I':
		sz := getNum(fmt, i, 4)
		if sz > structMaxIntSize {
			L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	case 's', ' ', '<', '>', '!', '=':
		return 0
	}
	L.RaiseError("bad argument #1 to '%s' (invalid format option '%c')", fname, opt)
	return 0
}

func (h *structHeader) toAlign(length int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > h.align {
		size = h.align
	}
	return (size - (length & (size - 1))) & (size - 1)
}

func (h *structHeader) common(L *lua.LState, opt byte, fmt string, i *int) {
	switch opt {
	case '>':
		h.little = false
	case '<', '=':
		h.little = true
	case '!':
		a := getNum(fmt, i, structMaxAlign)
		if !isPow2(a) {
			L.RaiseError("alignment %d is not a power of 2", a)
		}
		h.align = a
	}
}

func structPack(L *lua.LState) int {
	fmt := checkStr(L, 1, "pack")
	// struct.c pushes a nil after the arguments, so a missing one is "nil".
	L.Push(lua.LNil)
	h := structHeader{little: true, align: 1}
	arg := 2
	var out []byte
	for i := 0; i < len(fmt); {
		opt := fmt[i]
		i++
		size := optSize(L, "pack", opt, fmt, &i)
		for pad := h.toAlign(len(out), opt, size); pad > 0; pad-- {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNum(L, arg, "pack")
			arg++
			var v uint64
			if n < 0 {
				v = uint64(cLongLong(n))
			} else {
				v = cUnsignedLongLong(n)
			}
			b := make([]byte, size)
			for k := 0; k < size && k < 8; k++ {
				b[k] = byte(v >> (8 * k))
			}
			if !h.little {
				reverse(b)
			}
			out = append(out, b...)
		case 'x':
			out = append(out, 0)
		case 'f':
			var b [4]byte
			f := float32(checkNum(L, arg, "pack"))
			arg++
			if h.little {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(f))
			} else {
				binary.BigEndian.PutUint32(b[:], math.Float32bits(f))
			}
			out = append(out, b[:]...)
		case 'd':
			var b [8]byte
			f := checkNum(L, arg, "pack")
			arg++
			if h.little {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
			} else {
				binary.BigEndian.PutUint64(b[:], math.Float64bits(f))
			}
			out = append(out, b[:]...)
		case 'c', 's':
			s := checkStr(L, arg, "pack")
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				L.RaiseError("bad argument #%d to 'pack' (string too short)", arg)
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			h.common(L, opt, fmt, &i)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// cUnsignedLongLong is C's (unsigned long long) conversion of a
// non-negative double on x86-64.
func cUnsignedLongLong(f float64) uint64 {
	switch {
	case math.IsNaN(f) || f >= 18446744073709551616:
		return 1 << 63
	case f >= 9223372036854775808:
		return uint64(f-9223372036854775808) + 1<<63
	}
	return uint64(f)
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

func structUnpack(L *lua.LState) int {
	fmt := checkStr(L, 1, "unpack")
	data := checkStr(L, 2, "unpack")
	off := int64(optInt(L, 3, 1, "unpack"))
	if off == 0 {
		L.RaiseError("bad argument #3 to 'unpack' (offset must be 1 or greater)")
	}
	h := structHeader{little: true, align: 1}
	L.SetTop(2)
	// A negative offset wraps to a huge unsigned one in C; any read fails.
	pos := uint64(off - 1)
	if off < 0 {
		pos = math.MaxUint64 / 2
	}
	ld := uint64(len(data))
	for i := 0; i < len(fmt); {
		opt := fmt[i]
		i++
		size := optSize(L, "unpack", opt, fmt, &i)
		// Padding depends only on the low bits of the position, which also
		// keeps a wrapped (negative) offset from overflowing int.
		pos += uint64(h.toAlign(int(pos&0xffff), opt, size))
		if pos+uint64(size) > ld || pos > ld {
			L.RaiseError("bad argument #2 to 'unpack' (data string too short)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a' && opt <= 'z'
			b := []byte(data[pos : pos+uint64(size)])
			var v uint64
			if h.little {
				for k := size - 1; k >= 0; k-- {
					v = v<<8 | uint64(b[k])
				}
			} else {
				for k := 0; k < size; k++ {
					v = v<<8 | uint64(b[k])
				}
			}
			if !signed {
				L.Push(lua.LNumber(float64(v)))
				break
			}
			mask := ^uint64(0) << uint((size*8-1)&63)
			if v&mask != 0 {
				v |= mask
			}
			L.Push(lua.LNumber(float64(int64(v))))
		case 'x':
		case 'f':
			b := []byte(data[pos : pos+4])
			var u uint32
			if h.little {
				u = binary.LittleEndian.Uint32(b)
			} else {
				u = binary.BigEndian.Uint32(b)
			}
			L.Push(lua.LNumber(float64(math.Float32frombits(u))))
		case 'd':
			b := []byte(data[pos : pos+8])
			var u uint64
			if h.little {
				u = binary.LittleEndian.Uint64(b)
			} else {
				u = binary.BigEndian.Uint64(b)
			}
			L.Push(lua.LNumber(math.Float64frombits(u)))
		case 'c':
			if size == 0 {
				prev, ok := luaToNumber(L.Get(-1))
				if L.GetTop() <= 2 || !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(prev)
				L.Pop(1)
				if size < 0 || pos+uint64(size) > ld {
					L.RaiseError("bad argument #2 to 'unpack' (data string too short)")
				}
			}
			L.Push(lua.LString(data[pos : pos+uint64(size)]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			L.Push(lua.LString(data[pos : pos+uint64(e)]))
			size = e + 1
		default:
			h.common(L, opt, fmt, &i)
		}
		pos += uint64(size)
	}
	L.Push(lua.LNumber(float64(pos + 1)))
	return L.GetTop() - 2
}

func structSize(L *lua.LState) int {
	fmt := checkStr(L, 1, "size")
	h := structHeader{little: true, align: 1}
	total := 0
	for i := 0; i < len(fmt); {
		opt := fmt[i]
		i++
		size := optSize(L, "size", opt, fmt, &i)
		total += h.toAlign(total, opt, size)
		switch {
		case opt == 's':
			L.RaiseError("bad argument #1 to 'size' (option 's' has no fixed size)")
		case opt == 'c' && size == 0:
			L.RaiseError("bad argument #1 to 'size' (option 'c0' has no fixed size)")
		}
		if opt == '!' || opt == '<' || opt == '>' || opt == '=' || opt == ' ' {
			h.common(L, opt, fmt, &i)
		}
		total += size
	}
	L.Push(lua.LNumber(total))
	return 1
}
