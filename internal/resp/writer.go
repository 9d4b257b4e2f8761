package resp

import (
	"math"
	"slices"
	"strconv"
	"unsafe"
)

// Writer appends replies to Buf in the protocol version the client chose
// with HELLO. Callers flush Buf themselves, once per batch of requests.
type Writer struct {
	Buf   []byte
	Proto int // 2 or 3
}

var crlf = []byte("\r\n")

// Simple appends a status reply such as +OK.
func (w *Writer) Simple(s string) {
	w.Buf = append(w.Buf, '+')
	w.Buf = append(w.Buf, s...)
	w.Buf = append(w.Buf, crlf...)
}

// OK appends +OK.
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Error appends an error reply. msg carries its own code ("ERR ...",
// "WRONGTYPE ..."); newlines are replaced by spaces as Redis does, so an
// error can never break the framing.
func (w *Writer) Error(msg string) {
	w.Buf = append(w.Buf, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.Buf = append(w.Buf, c)
	}
	w.Buf = append(w.Buf, crlf...)
}

// Int appends an integer reply.
func (w *Writer) Int(n int64) {
	if n >= 0 && n < int64(len(smallInts)) {
		w.Buf = append(w.Buf, smallInts[n]...)
		return
	}
	w.Buf = append(w.Buf, ':')
	w.Buf = strconv.AppendInt(w.Buf, n, 10)
	w.Buf = append(w.Buf, crlf...)
}

var smallInts = func() []string {
	s := make([]string, 64)
	for i := range s {
		s[i] = ":" + strconv.Itoa(i) + "\r\n"
	}
	return s
}()

// Bulk appends a bulk string.
func (w *Writer) Bulk(b []byte) { w.BulkString(unsafeString(b)) }

// unsafeString views b as a string without copying, for callees that only
// copy from it and keep nothing.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// BulkString appends a bulk string.
func (w *Writer) BulkString(s string) {
	if len(s) >= len(bulkHeaders) {
		w.Buf = append(w.Buf, '$')
		w.Buf = strconv.AppendInt(w.Buf, int64(len(s)), 10)
		w.Buf = append(w.Buf, crlf...)
		w.Buf = append(w.Buf, s...)
		w.Buf = append(w.Buf, crlf...)
		return
	}
	// Small strings dominate replies (LRANGE, HGETALL, ...): a ready header
	// saves formatting the length each time, and one capacity check covers
	// the whole element.
	h := bulkHeaders[len(s)]
	n := len(w.Buf)
	need := len(h) + len(s) + 2
	if cap(w.Buf)-n < need {
		w.Buf = slices.Grow(w.Buf, need)
	}
	b := w.Buf[n : n+need]
	copy(b, h)
	copy(b[len(h):], s)
	b[need-2], b[need-1] = '\r', '\n'
	w.Buf = w.Buf[:n+need]
}

// bulkHeaders are "$<n>\r\n" for small n.
var bulkHeaders = func() []string {
	h := make([]string, 64)
	for i := range h {
		h[i] = "$" + strconv.Itoa(i) + "\r\n"
	}
	return h
}()

// BulkInt appends n as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null appends the null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
	} else {
		w.Buf = append(w.Buf, "$-1\r\n"...)
	}
}

// NullArray appends the null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
	} else {
		w.Buf = append(w.Buf, "*-1\r\n"...)
	}
}

func (w *Writer) header(c byte, n int) {
	w.Buf = append(w.Buf, c)
	w.Buf = strconv.AppendInt(w.Buf, int64(n), 10)
	w.Buf = append(w.Buf, crlf...)
}

// Array appends an array header of n elements.
func (w *Writer) Array(n int) { w.header('*', n) }

// Map appends a map header of n key/value pairs (a flat array in RESP2).
func (w *Writer) Map(n int) {
	if w.Proto >= 3 {
		w.header('%', n)
	} else {
		w.header('*', 2*n)
	}
}

// Set appends a set header (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.Proto >= 3 {
		w.header('~', n)
	} else {
		w.header('*', n)
	}
}

// Push appends a push header (an array in RESP2).
func (w *Writer) Push(n int) {
	if w.Proto >= 3 {
		w.header('>', n)
	} else {
		w.header('*', n)
	}
}

// Bool appends a boolean (:1/:0 in RESP2).
func (w *Writer) Bool(b bool) {
	switch {
	case w.Proto >= 3 && b:
		w.Buf = append(w.Buf, "#t\r\n"...)
	case w.Proto >= 3:
		w.Buf = append(w.Buf, "#f\r\n"...)
	case b:
		w.Buf = append(w.Buf, ":1\r\n"...)
	default:
		w.Buf = append(w.Buf, ":0\r\n"...)
	}
}

// Double appends a double the way Redis 7.0 does: %.17g, inf/-inf, as a
// bulk string in RESP2 and a ',' double in RESP3.
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	b := AppendDouble(tmp[:0], f)
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, b...)
		w.Buf = append(w.Buf, crlf...)
		return
	}
	w.Bulk(b)
}

// AppendDouble formats f as Redis's "%.17g" with "inf"/"-inf"/"nan".
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return AppendG17(dst, f)
}

// AppendG17 formats like C's printf("%.17g").
func AppendG17(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', 16, 64)
	// e looks like [-]d.dddddddddddddddde[+-]XX
	mant, exp := e, 0
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == 'e' {
			mant = e[:i]
			x, _ := strconv.Atoi(string(e[i+1:]))
			exp = x
			break
		}
	}
	if exp < -4 || exp >= 17 {
		// %e style with trailing zeros removed and at least two exponent digits.
		mant = trimZeros(mant)
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
	fixed := strconv.AppendFloat(tmp[:0], f, 'f', 16-exp, 64)
	return append(dst, trimZeros(fixed)...)
}

func trimZeros(b []byte) []byte {
	dot := false
	for _, c := range b {
		if c == '.' {
			dot = true
			break
		}
	}
	if !dot {
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

// Verbatim appends a verbatim string (RESP3 "=" with a 3-letter format such
// as "txt"), or a bulk string in RESP2.
func (w *Writer) Verbatim(format, s string) {
	if w.Proto < 3 {
		w.BulkString(s)
		return
	}
	w.Buf = append(w.Buf, '=')
	w.Buf = strconv.AppendInt(w.Buf, int64(len(s)+4), 10)
	w.Buf = append(w.Buf, crlf...)
	w.Buf = append(w.Buf, format...)
	w.Buf = append(w.Buf, ':')
	w.Buf = append(w.Buf, s...)
	w.Buf = append(w.Buf, crlf...)
}

// Raw appends bytes that are already RESP.
func (w *Writer) Raw(b []byte) { w.Buf = append(w.Buf, b...) }

// Len is the number of bytes pending.
func (w *Writer) Len() int { return len(w.Buf) }
