package script

import (
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua words its runtime errors differently from Lua 5.1, and
// Redis hands Lua's words to clients. These rules rewrite the messages
// scripts commonly hit; each maps one gopher-lua message to Lua's.
var (
	reArith   = regexp.MustCompile(`^cannot perform (?:add|sub|mul|div|mod|pow) operation between (\w+) and (\w+)$`)
	reConcat  = regexp.MustCompile(`^cannot perform concat operation between (\w+) and (\w+)$`)
	reIndex   = regexp.MustCompile(`^attempt to index a non-table object\((\w+)\) with key '(?s:.*)'$`)
	reCompare = regexp.MustCompile(`^attempt to compare (\w+) with (\w+)$`)
	reBadArg  = regexp.MustCompile(`^bad argument #(\d+) to (\S+?) \((?s:(.*))\)$`)
	reConcatT = regexp.MustCompile(`^invalid value \((\w+)\) at index (\d+) in table for concat$`)
)

// translateMessage rewrites msg, which may start with a "chunk:line: "
// position, into Lua 5.1's text for the same error.
func (e *Engine) translateMessage(L *lua.LState, msg string) string {
	pos, body := splitPosition(msg)
	body = translateBody(L, body)
	return pos + body
}

// splitPosition separates a leading "user_script:12: " (or
// "user_function:12: ") from the message.
func splitPosition(msg string) (pos, body string) {
	chunk := chunkName
	rest, ok := strings.CutPrefix(msg, chunk+":")
	if !ok {
		chunk = funcChunkName
		if rest, ok = strings.CutPrefix(msg, chunk+":"); !ok {
			return "", msg
		}
	}
	i := strings.Index(rest, ": ")
	if i <= 0 {
		return "", msg
	}
	if _, err := strconv.Atoi(rest[:i]); err != nil {
		return "", msg
	}
	return msg[:len(chunk)+1+i+2], rest[i+2:]
}

func translateBody(L *lua.LState, body string) string {
	named := func(kind string) (string, bool) { return runtimeErrorWithNames(L, kind) }
	if m := reArith.FindStringSubmatch(body); m != nil {
		if s, ok := named("arith"); ok {
			return s
		}
		// Lua blames the first operand that is not a number (a string
		// counts as one when it reads as a number; gopher-lua does not say
		// which strings did, so a string is blamed only when the other
		// operand is a number).
		bad := m[1]
		if m[1] == "number" || (m[1] == "string" && m[2] != "number") {
			bad = m[2]
		}
		return "attempt to perform arithmetic on a " + bad + " value"
	}
	if m := reConcat.FindStringSubmatch(body); m != nil {
		if s, ok := named("concat"); ok {
			return s
		}
		bad := m[1]
		if m[1] == "string" || m[1] == "number" {
			bad = m[2]
		}
		return "attempt to concatenate a " + bad + " value"
	}
	if m := reIndex.FindStringSubmatch(body); m != nil {
		if s, ok := named("index"); ok {
			return s
		}
		return "attempt to index a " + m[1] + " value"
	}
	if m := reCompare.FindStringSubmatch(body); m != nil {
		if m[1] == m[2] {
			return "attempt to compare two " + m[1] + " values"
		}
		return body
	}
	if m := reBadArg.FindStringSubmatch(body); m != nil {
		name := m[2]
		if !strings.HasPrefix(name, "'") && name != "?" {
			name = "'" + name + "'"
		}
		return "bad argument #" + m[1] + " to " + name + " (" + m[3] + ")"
	}
	if m := reConcatT.FindStringSubmatch(body); m != nil {
		return "invalid value (" + m[1] + ") at index " + m[2] + " in table for 'concat'"
	}
	switch body {
	case "attempt to call a non-function object":
		if s, ok := named("call"); ok {
			return s
		}
		return "attempt to call a nil value"
	case "__len undefined":
		if s, ok := named("len"); ok {
			return s
		}
		return "attempt to get length of a nil value"
	case "__unm undefined":
		if s, ok := named("arith"); ok {
			return s
		}
		return "attempt to perform arithmetic on a nil value"
	case "for statement init must be a number":
		return "'for' initial value must be a number"
	case "for statement limit must be a number":
		return "'for' limit must be a number"
	case "for statement step must be a number":
		return "'for' step must be a number"
	}
	return body
}

// gopherSyntaxError turns a gopher-lua parse error into Lua's layout,
// for the rare source that checkSyntax accepts but gopher-lua refuses.
func gopherSyntaxError(msg, chunk string) string {
	msg = strings.TrimSpace(msg)
	line := 1
	if i := strings.Index(msg, "line:"); i >= 0 {
		j := i + 5
		k := j
		for k < len(msg) && msg[k] >= '0' && msg[k] <= '9' {
			k++
		}
		if n, err := strconv.Atoi(msg[j:k]); err == nil {
			line = n
		}
	}
	near := "<eof>"
	if i := strings.Index(msg, "near '"); i >= 0 {
		rest := msg[i+6:]
		if j := strings.Index(rest, "'"); j >= 0 {
			near = rest[:j]
		}
	}
	return chunk + ":" + strconv.Itoa(line) + ": unexpected symbol near '" + near + "'"
}
