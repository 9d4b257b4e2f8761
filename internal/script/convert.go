package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// maxReplyNesting stands in for the Lua C stack limit that stops Redis
// from converting a table nested too deeply (or containing itself).
const maxReplyNesting = 7994

// writeReply converts the script's return value v to RESP as Redis 7.0's
// luaReplyToRedisReply does, and reports whether the top-level reply is
// an error.
func (e *Engine) writeReply(w *resp.Writer, v lua.LValue, depth int) (isErr bool) {
	scriptProto := 2
	if e.run != nil {
		scriptProto = e.run.proto
	}
	if depth > maxReplyNesting {
		w.Error("ERR reached lua stack limit")
		return true
	}
	switch x := v.(type) {
	case lua.LString:
		w.BulkString(string(x))
	case lua.LBool:
		// Booleans follow the protocol the script chose with setresp; the
		// client's protocol only decides how the result is spelled.
		switch {
		case scriptProto == 2 && bool(x):
			w.Int(1)
		case scriptProto == 2:
			w.Null()
		default:
			w.Bool(bool(x))
		}
	case lua.LNumber:
		w.Int(cLongLong(float64(x)))
	case *lua.LTable:
		return e.writeTable(w, x, depth)
	default:
		w.Null()
	}
	return false
}

func (e *Engine) writeTable(w *resp.Writer, t *lua.LTable, depth int) bool {
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		w.Error(strings.TrimRight(string(s), "\r\n"))
		return true
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.Simple(mapNewlines(string(s)))
		return false
	}
	if n, ok := t.RawGetString("double").(lua.LNumber); ok {
		writeDouble(w, float64(n))
		return false
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		num := mapNewlines(string(s))
		if w.Proto >= 3 {
			w.Buf = append(w.Buf, '(')
			w.Buf = append(w.Buf, num...)
			w.Buf = append(w.Buf, '\r', '\n')
		} else {
			w.BulkString(num)
		}
		return false
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, okF := vt.RawGetString("format").(lua.LString)
		str, okS := vt.RawGetString("string").(lua.LString)
		if okF && okS {
			// Redis copies exactly three format bytes, padding a short
			// format with spaces.
			f := []byte("   ")
			copy(f, format)
			w.Verbatim(string(f), string(str))
			return false
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		w.Map(n)
		m.ForEach(func(k, v lua.LValue) {
			e.writeReply(w, k, depth+1)
			e.writeReply(w, v, depth+1)
		})
		return false
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		s.ForEach(func(_, _ lua.LValue) { n++ })
		w.Set(n)
		s.ForEach(func(k, _ lua.LValue) {
			e.writeReply(w, k, depth+1)
		})
		return false
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.Array(n)
	for i := 1; i <= n; i++ {
		e.writeReply(w, t.RawGetInt(i), depth+1)
	}
	return false
}

// writeDouble is Redis 7.0's addReplyDouble, which prints NaN with its
// sign the way glibc's %g does.
func writeDouble(w *resp.Writer, f float64) {
	if !math.IsNaN(f) {
		w.Double(f)
		return
	}
	s := "nan"
	if math.Signbit(f) {
		s = "-nan"
	}
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, s...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

func mapNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// formatNumber is how Lua 5.1 turns a number into a string (LUA_NUMBER_FMT "%.14g").
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return string(appendCFormatG(nil, f, 14))
}

// appendCFormatG formats f as C's printf("%.<prec>g") with glibc's
// spelling of infinities and NaNs.
func appendCFormatG(dst []byte, f float64, prec int) []byte {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	if prec == 0 {
		prec = 1
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', prec-1, 64)
	i := strings.LastIndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp < -4 || exp >= prec {
		mant := trimFraction(e[:i])
		dst = append(dst, mant...)
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	fixed := strconv.AppendFloat(tmp[:0], f, 'f', prec-1-exp, 64)
	return append(dst, trimFraction(fixed)...)
}

func trimFraction(b []byte) []byte {
	if !strings.Contains(string(b), ".") {
		return b
	}
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}
