package script

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library scripts get in Redis is lua-cjson 2.1.0. This is a
// rewrite of its behaviour: the same output bytes for the same values
// (including its quirks: "\/" escaping, {} for empty tables, %.14g
// numbers, sparse-array refusal) and the same error texts.

type cjsonConfig struct {
	sparseConvert  bool
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	precision      int
	encodeInvalid  int // 0 refuse, 1 allow, 2 write null
	decodeInvalid  bool
	keepBuffer     bool
}

func defaultCjsonConfig() *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:    2,
		sparseSafe:     10,
		encodeMaxDepth: 1000,
		decodeMaxDepth: 1000,
		precision:      14,
		decodeInvalid:  true,
		keepBuffer:     true,
	}
}

// cjsonNull is cjson.null, a light userdata in lua-cjson.
type cjsonNullTag struct{}

func openCjson(L *lua.LState) int {
	cfg := defaultCjsonConfig()
	null := L.NewUserData()
	null.Value = cjsonNullTag{}
	mod := L.NewTable()
	fns := map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int { return cjsonEncode(L, cfg, null) },
		"decode": func(L *lua.LState) int { return cjsonDecode(L, cfg, null) },
		"encode_sparse_array": func(L *lua.LState) int {
			if L.GetTop() > 3 {
				L.ArgError(4, "found too many arguments")
			}
			if L.GetTop() >= 1 {
				cfg.sparseConvert = cjsonBoolArg(L, 1)
			}
			if L.GetTop() >= 2 {
				cfg.sparseRatio = cjsonIntArg(L, 2, 0, math.MaxInt32)
			}
			if L.GetTop() >= 3 {
				cfg.sparseSafe = cjsonIntArg(L, 3, 0, math.MaxInt32)
			}
			L.Push(lua.LBool(cfg.sparseConvert))
			L.Push(lua.LNumber(cfg.sparseRatio))
			L.Push(lua.LNumber(cfg.sparseSafe))
			return 3
		},
		"encode_max_depth": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.encodeMaxDepth = cjsonIntArg(L, 1, 1, math.MaxInt32)
			}
			L.Push(lua.LNumber(cfg.encodeMaxDepth))
			return 1
		},
		"decode_max_depth": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.decodeMaxDepth = cjsonIntArg(L, 1, 1, math.MaxInt32)
			}
			L.Push(lua.LNumber(cfg.decodeMaxDepth))
			return 1
		},
		"encode_number_precision": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.precision = cjsonIntArg(L, 1, 1, 14)
			}
			L.Push(lua.LNumber(cfg.precision))
			return 1
		},
		"encode_keep_buffer": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.keepBuffer = cjsonBoolArg(L, 1)
			}
			L.Push(lua.LBool(cfg.keepBuffer))
			return 1
		},
		"encode_invalid_numbers": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				if s, ok := L.Get(1).(lua.LString); ok && s == "null" {
					cfg.encodeInvalid = 2
				} else if cjsonBoolArg(L, 1) {
					cfg.encodeInvalid = 1
				} else {
					cfg.encodeInvalid = 0
				}
			}
			if cfg.encodeInvalid == 2 {
				L.Push(lua.LString("null"))
			} else {
				L.Push(lua.LBool(cfg.encodeInvalid == 1))
			}
			return 1
		},
		"decode_invalid_numbers": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.decodeInvalid = cjsonBoolArg(L, 1)
			}
			L.Push(lua.LBool(cfg.decodeInvalid))
			return 1
		},
	}
	for name, fn := range fns {
		mod.RawSetString(name, L.NewFunction(fn))
	}
	mod.RawSetString("null", null)
	mod.RawSetString("_NAME", lua.LString("cjson"))
	mod.RawSetString("_VERSION", lua.LString("2.1.0"))
	L.SetGlobal("cjson", mod)
	return 0
}

func cjsonBoolArg(L *lua.LState, n int) bool {
	switch v := L.Get(n).(type) {
	case lua.LBool:
		return bool(v)
	case lua.LString:
		switch v {
		case "on":
			return true
		case "off":
			return false
		}
	}
	L.ArgError(n, "invalid option")
	return false
}

func cjsonIntArg(L *lua.LState, n, lo, hi int) int {
	v := int(L.CheckNumber(n))
	if v < lo || v > hi {
		L.ArgError(n, "expected integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
	}
	return v
}

func cjsonEncode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		L.RaiseError("bad argument #1 to 'encode' (expected 1 argument)")
	}
	enc := &jsonEncoder{L: L, cfg: cfg, null: null}
	enc.value(L.Get(1), 0)
	L.Push(lua.LString(enc.buf))
	return 1
}

type jsonEncoder struct {
	L    *lua.LState
	cfg  *cjsonConfig
	null *lua.LUserData
	buf  []byte
}

func (enc *jsonEncoder) value(v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		enc.str(string(x))
	case lua.LNumber:
		enc.number(float64(x))
	case lua.LBool:
		if x {
			enc.buf = append(enc.buf, "true"...)
		} else {
			enc.buf = append(enc.buf, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > enc.cfg.encodeMaxDepth {
			enc.L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		n := enc.arrayLength(x)
		if n > 0 {
			enc.buf = append(enc.buf, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					enc.buf = append(enc.buf, ',')
				}
				enc.value(x.RawGetInt(i), depth)
			}
			enc.buf = append(enc.buf, ']')
			return
		}
		enc.object(x, depth)
	default:
		if v == lua.LNil || v == lua.LValue(enc.null) {
			enc.buf = append(enc.buf, "null"...)
			return
		}
		enc.L.RaiseError("Cannot serialise %s: type not supported", v.Type().String())
	}
}

// arrayLength is lua-cjson's lua_array_length: the table's size when all
// keys are positive integers (and it is not too sparse), -1 otherwise.
func (enc *jsonEncoder) arrayLength(t *lua.LTable) int {
	max, items := 0, 0
	isArray := true
	t.ForEach(func(k, _ lua.LValue) {
		if !isArray {
			return
		}
		n, ok := k.(lua.LNumber)
		if !ok || float64(n) < 1 || float64(n) != math.Floor(float64(n)) {
			isArray = false
			return
		}
		if int(n) > max {
			max = int(n)
		}
		items++
	})
	if !isArray {
		return -1
	}
	cfg := enc.cfg
	if cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if !cfg.sparseConvert {
			enc.L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return -1
	}
	return max
}

func (enc *jsonEncoder) object(t *lua.LTable, depth int) {
	enc.buf = append(enc.buf, '{')
	first := true
	t.ForEach(func(k, v lua.LValue) {
		if !first {
			enc.buf = append(enc.buf, ',')
		}
		first = false
		switch kk := k.(type) {
		case lua.LNumber:
			enc.buf = append(enc.buf, '"')
			enc.numberText(float64(kk))
			enc.buf = append(enc.buf, '"', ':')
		case lua.LString:
			enc.str(string(kk))
			enc.buf = append(enc.buf, ':')
		default:
			enc.L.RaiseError("Cannot serialise %s: table key must be a number or string", k.Type().String())
		}
		enc.value(v, depth)
	})
	enc.buf = append(enc.buf, '}')
}

func (enc *jsonEncoder) number(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch enc.cfg.encodeInvalid {
		case 0:
			enc.L.RaiseError("Cannot serialise number: must not be NaN or Inf")
		case 2:
			enc.buf = append(enc.buf, "null"...)
			return
		}
	}
	enc.numberText(f)
}

func (enc *jsonEncoder) numberText(f float64) {
	enc.buf = appendCFormatG(enc.buf, f, enc.cfg.precision)
}

func (enc *jsonEncoder) str(s string) {
	enc.buf = append(enc.buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			enc.buf = append(enc.buf, '\\', '"')
		case c == '\\':
			enc.buf = append(enc.buf, '\\', '\\')
		case c == '/':
			enc.buf = append(enc.buf, '\\', '/')
		case c == '\b':
			enc.buf = append(enc.buf, '\\', 'b')
		case c == '\t':
			enc.buf = append(enc.buf, '\\', 't')
		case c == '\n':
			enc.buf = append(enc.buf, '\\', 'n')
		case c == '\f':
			enc.buf = append(enc.buf, '\\', 'f')
		case c == '\r':
			enc.buf = append(enc.buf, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			const hexd = "0123456789abcdef"
			enc.buf = append(enc.buf, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		default:
			enc.buf = append(enc.buf, c)
		}
	}
	enc.buf = append(enc.buf, '"')
}

// Decoding.

type jsonTokenType int

const (
	tObjBegin jsonTokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
)

var jsonTokenNames = [...]string{
	"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
	"T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR",
}

type jsonToken struct {
	typ   jsonTokenType
	index int // byte offset where the token (or its error) starts
	str   string
	num   float64
	b     bool
	err   string
}

var jsonSingleTokens = map[byte]jsonTokenType{'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ':': tColon, ',': tComma}

type jsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	null  *lua.LUserData
	data  string
	pos   int
	depth int
}

func cjsonDecode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		L.RaiseError("bad argument #1 to 'decode' (expected 1 argument)")
	}
	s := checkStr(L, 1, "decode")
	dec := &jsonDecoder{L: L, cfg: cfg, null: null, data: s}
	tok := dec.next()
	v := dec.value(tok)
	tok = dec.next()
	if tok.typ != tEnd {
		dec.fail("the end", tok)
	}
	L.Push(v)
	return 1
}

func (dec *jsonDecoder) fail(expected string, tok jsonToken) {
	found := ""
	if tok.typ == tError {
		found = tok.err
	} else {
		found = jsonTokenNames[tok.typ]
	}
	dec.L.RaiseError("Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func (dec *jsonDecoder) descend() {
	dec.depth++
	if dec.depth > dec.cfg.decodeMaxDepth {
		dec.L.RaiseError("Found too many nested data structures (%d) at character %d", dec.depth, dec.pos)
	}
}

func (dec *jsonDecoder) value(tok jsonToken) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		return dec.null
	case tObjBegin:
		return dec.object()
	case tArrBegin:
		return dec.array()
	}
	dec.fail("value", tok)
	return lua.LNil
}

func (dec *jsonDecoder) object() lua.LValue {
	dec.descend()
	t := dec.L.NewTable()
	tok := dec.next()
	if tok.typ == tObjEnd {
		dec.depth--
		return t
	}
	for {
		if tok.typ != tString {
			dec.fail("object key string", tok)
		}
		key := tok.str
		tok = dec.next()
		if tok.typ != tColon {
			dec.fail("colon", tok)
		}
		t.RawSetString(key, dec.value(dec.next()))
		tok = dec.next()
		if tok.typ == tObjEnd {
			dec.depth--
			return t
		}
		if tok.typ != tComma {
			dec.fail("comma or object end", tok)
		}
		tok = dec.next()
	}
}

func (dec *jsonDecoder) array() lua.LValue {
	dec.descend()
	t := dec.L.NewTable()
	tok := dec.next()
	if tok.typ == tArrEnd {
		dec.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, dec.value(tok))
		tok = dec.next()
		if tok.typ == tArrEnd {
			dec.depth--
			return t
		}
		if tok.typ != tComma {
			dec.fail("comma or array end", tok)
		}
		tok = dec.next()
	}
}

func (dec *jsonDecoder) next() jsonToken {
	d := dec.data
	for dec.pos < len(d) && (d[dec.pos] == ' ' || d[dec.pos] == '\t' || d[dec.pos] == '\n' || d[dec.pos] == '\r') {
		dec.pos++
	}
	tok := jsonToken{index: dec.pos}
	if dec.pos >= len(d) {
		tok.typ = tEnd
		return tok
	}
	c := d[dec.pos]
	if t, ok := jsonSingleTokens[c]; ok {
		dec.pos++
		tok.typ = t
		return tok
	}
	switch {
	case c == '"':
		return dec.stringToken()
	case c == '-' || (c >= '0' && c <= '9') || dec.invalidNumberAhead():
		f, n := strtodPrefix(d[dec.pos:])
		if n == 0 {
			tok.typ, tok.err = tError, "invalid number"
			return tok
		}
		dec.pos += n
		tok.typ, tok.num = tNumber, f
		return tok
	case strings.HasPrefix(d[dec.pos:], "true"):
		dec.pos += 4
		tok.typ, tok.b = tBoolean, true
		return tok
	case strings.HasPrefix(d[dec.pos:], "false"):
		dec.pos += 5
		tok.typ = tBoolean
		return tok
	case strings.HasPrefix(d[dec.pos:], "null"):
		dec.pos += 4
		tok.typ = tNull
		return tok
	}
	tok.typ, tok.err = tError, "invalid token"
	return tok
}

// invalidNumberAhead is lua-cjson's test for the non-JSON numbers it still
// reads when decode_invalid_numbers is on: inf, nan and hex.
func (dec *jsonDecoder) invalidNumberAhead() bool {
	if !dec.cfg.decodeInvalid {
		return false
	}
	rest := strings.ToLower(dec.data[dec.pos:])
	return strings.HasPrefix(rest, "inf") || strings.HasPrefix(rest, "nan")
}

func (dec *jsonDecoder) stringToken() jsonToken {
	d := dec.data
	tok := jsonToken{index: dec.pos}
	dec.pos++ // opening quote
	var b []byte
	for {
		if dec.pos >= len(d) {
			tok.typ, tok.err, tok.index = tError, "unexpected end of string", dec.pos
			return tok
		}
		c := d[dec.pos]
		if c == '"' {
			dec.pos++
			break
		}
		if c != '\\' {
			b = append(b, c)
			dec.pos++
			continue
		}
		if dec.pos+1 >= len(d) {
			tok.typ, tok.err, tok.index = tError, "unexpected end of string", dec.pos+1
			return tok
		}
		esc := d[dec.pos+1]
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n := decodeUnicodeEscape(d[dec.pos:])
			if n == 0 {
				tok.typ, tok.err, tok.index = tError, "invalid unicode escape code", dec.pos
				return tok
			}
			b = utf8.AppendRune(b, r)
			dec.pos += n
			continue
		default:
			tok.typ, tok.err, tok.index = tError, "invalid escape code", dec.pos
			return tok
		}
		dec.pos += 2
	}
	tok.typ, tok.str = tString, string(b)
	return tok
}

// decodeUnicodeEscape reads \uXXXX, or a surrogate pair of them, at the
// start of s and returns the code point and the bytes used (0 if invalid).
func decodeUnicodeEscape(s string) (rune, int) {
	hex4 := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(s[2:6], 16, 32)
		return rune(n), err == nil
	}
	r, ok := hex4(s)
	if !ok {
		return 0, 0
	}
	if r >= 0xDC00 && r <= 0xDFFF {
		return 0, 0
	}
	if r >= 0xD800 && r <= 0xDBFF {
		lo, ok := hex4(s[6:])
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return 0, 0
		}
		return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12
	}
	return r, 6
}

// strtodPrefix parses the longest prefix of s that C's strtod accepts and
// returns its value and length (0 when there is none).
func strtodPrefix(s string) (float64, int) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(rest, "infinity"):
		i += 8
		return parseSigned(s[:i]), i
	case strings.HasPrefix(rest, "inf"):
		i += 3
		return parseSigned(s[:i]), i
	case strings.HasPrefix(rest, "nan"):
		i += 3
		if s[0] == '-' {
			return math.Copysign(math.NaN(), -1), i
		}
		return math.NaN(), i
	case strings.HasPrefix(rest, "0x"):
		j := i + 2
		for j < len(s) && isHexDigit(s[j]) {
			j++
		}
		if j == i+2 {
			return 0, i + 1 // just the "0"
		}
		n, _ := strconv.ParseUint(s[i+2:j], 16, 64)
		f := float64(n)
		if s[0] == '-' {
			f = -f
		}
		return f, j
	}
	start := i
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	_ = start
	f, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0
		}
	}
	return f, i
}

func parseSigned(s string) float64 {
	if strings.HasPrefix(s, "-") {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
