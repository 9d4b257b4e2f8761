package script

import (
	"bytes"
	"math"
	"strconv"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// appendReply serializes r back to RESP, for round-trip checks.
func appendReply(b []byte, r *reply) []byte {
	switch r.kind {
	case kStatus:
		return append(append(append(b, '+'), r.str...), "\r\n"...)
	case kError:
		if bytes.ContainsAny(r.str, "\r\n") {
			b = append(strconv.AppendInt(append(b, '!'), int64(len(r.str)), 10), "\r\n"...)
			return append(append(b, r.str...), "\r\n"...)
		}
		return append(append(append(b, '-'), r.str...), "\r\n"...)
	case kInt:
		return append(strconv.AppendInt(append(b, ':'), r.num, 10), "\r\n"...)
	case kBulk:
		b = append(strconv.AppendInt(append(b, '$'), int64(len(r.str)), 10), "\r\n"...)
		return append(append(b, r.str...), "\r\n"...)
	case kNullBulk:
		return append(b, "$-1\r\n"...)
	case kNullArray:
		return append(b, "*-1\r\n"...)
	case kNull:
		return append(b, "_\r\n"...)
	case kBool:
		if r.num != 0 {
			return append(b, "#t\r\n"...)
		}
		return append(b, "#f\r\n"...)
	case kDouble:
		return append(strconv.AppendFloat(append(b, ','), r.dbl, 'g', -1, 64), "\r\n"...)
	case kBigNum:
		return append(append(append(b, '('), r.str...), "\r\n"...)
	case kVerbatim:
		b = append(strconv.AppendInt(append(b, '='), int64(len(r.str)+4), 10), "\r\n"...)
		b = append(append(append(b, r.format...), ':'), r.str...)
		return append(b, "\r\n"...)
	}
	c, n := byte('*'), len(r.elems)
	switch r.kind {
	case kMap:
		c, n = '%', n/2
	case kSet:
		c = '~'
	}
	b = append(strconv.AppendInt(append(b, c), int64(n), 10), "\r\n"...)
	for i := range r.elems {
		b = appendReply(b, &r.elems[i])
	}
	return b
}

func equalReply(a, b *reply) bool {
	if a.kind != b.kind || !bytes.Equal(a.str, b.str) || !bytes.Equal(a.format, b.format) || a.num != b.num || len(a.elems) != len(b.elems) {
		return false
	}
	if a.dbl != b.dbl && !(math.IsNaN(a.dbl) && math.IsNaN(b.dbl)) {
		return false
	}
	for i := range a.elems {
		if !equalReply(&a.elems[i], &b.elems[i]) {
			return false
		}
	}
	return true
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		rest string
	}{
		{"+OK\r\n", true, ""},
		{"-ERR x\r\n", true, ""},
		{":-12\r\nextra", true, "extra"},
		{"$3\r\nabc\r\n", true, ""},
		{"$0\r\n\r\n", true, ""},
		{"$-1\r\n", true, ""},
		{"*-1\r\n", true, ""},
		{"*2\r\n:1\r\n$1\r\na\r\n", true, ""},
		{"%1\r\n+a\r\n:1\r\n", true, ""},
		{"~1\r\n+a\r\n", true, ""},
		{"_\r\n", true, ""},
		{"#t\r\n", true, ""},
		{",1.5\r\n", true, ""},
		{",inf\r\n", true, ""},
		{"(123\r\n", true, ""},
		{"=7\r\ntxt:abc\r\n", true, ""},
		{"|1\r\n+k\r\n+v\r\n:5\r\n", true, ""},
		{">2\r\n+a\r\n+b\r\n", true, ""},
		{"!3\r\nERR\r\n", true, ""},
		// Malformed.
		{"", false, ""},
		{"+OK", false, ""},
		{"+OK\n", false, ""},
		{"$3\r\nab\r\n", false, ""},
		{"$3\r\nabcd\r\n", false, ""},
		{"$-2\r\n", false, ""},
		{"*2\r\n:1\r\n", false, ""},
		{"*99999999999\r\n", false, ""},
		{":x\r\n", false, ""},
		{"#x\r\n", false, ""},
		{"=2\r\nab\r\n", false, ""},
		{"%-1\r\n", false, ""},
		{"?\r\n", false, ""},
	}
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.in), func(t *testing.T) {
			_, rest, err := parseReply([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && string(rest) != tc.rest {
				t.Fatalf("rest = %q, want %q", rest, tc.rest)
			}
		})
	}
}

// FuzzParseReply checks that no input makes the reply parser panic or
// loop, that whatever it accepts survives a serialize/parse round trip,
// and that converting it to Lua values does not panic either.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n",
		"*2\r\n:1\r\n*1\r\n$1\r\na\r\n", "%1\r\n+a\r\n:1\r\n", "~1\r\n+a\r\n", "_\r\n",
		"#t\r\n", ",1.5\r\n", "(123\r\n", "=7\r\ntxt:abc\r\n", "|1\r\n+k\r\n+v\r\n:5\r\n",
	} {
		f.Add([]byte(s))
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		r, rest, err := parseReply(b)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatalf("rest longer than input")
		}
		again, rest2, err := parseReply(appendReply(nil, &r))
		if err != nil || len(rest2) != 0 {
			t.Fatalf("round trip of %q failed: %v", b, err)
		}
		if !equalReply(&r, &again) {
			t.Fatalf("round trip of %q changed the reply", b)
		}
		_ = replyToLua(L, &r)
	})
}
