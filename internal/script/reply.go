package script

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// replyKind tags one RESP2/RESP3 reply as it came back from a command.
type replyKind byte

const (
	kStatus    replyKind = iota // +
	kError                      // -
	kInt                        // :
	kBulk                       // $
	kNullBulk                   // $-1
	kArray                      // *
	kNullArray                  // *-1
	kNull                       // _
	kBool                       // #
	kDouble                     // ,
	kBigNum                     // (
	kVerbatim                   // =
	kMap                        // %
	kSet                        // ~
)

// reply is one parsed reply. Strings alias the parsed buffer: the tree is
// converted to Lua values, which copy, before the buffer can change.
type reply struct {
	kind   replyKind
	str    []byte // status, error, bulk, big number, verbatim text
	format []byte // verbatim format ("txt", "mkd")
	num    int64  // integer, bool (0/1)
	dbl    float64
	elems  []reply // array, set; map as key, value, key, value...
}

// maxReplyDepth bounds nesting so that a hostile or broken reply cannot
// exhaust the Go stack; real command replies nest a handful of levels.
const maxReplyDepth = 128

var errBadReply = errors.New("malformed reply")

// parseReply parses exactly one reply from b (attributes before it are
// skipped, as Redis hides them from scripts) and returns the rest of b.
func parseReply(b []byte) (reply, []byte, error) {
	return parseOne(b, 0)
}

func parseOne(b []byte, depth int) (reply, []byte, error) {
	var r reply
	if depth > maxReplyDepth {
		return r, nil, errBadReply
	}
	line, rest, ok := cutLine(b)
	if !ok || len(line) == 0 {
		return r, nil, errBadReply
	}
	t, body := line[0], line[1:]
	switch t {
	case '+':
		r.kind, r.str = kStatus, body
		return r, rest, nil
	case '-':
		r.kind, r.str = kError, body
		return r, rest, nil
	case ':':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			return r, nil, errBadReply
		}
		r.kind, r.num = kInt, n
		return r, rest, nil
	case '_':
		if len(body) != 0 {
			return r, nil, errBadReply
		}
		r.kind = kNull
		return r, rest, nil
	case '#':
		switch string(body) {
		case "t":
			r.num = 1
		case "f":
		default:
			return r, nil, errBadReply
		}
		r.kind = kBool
		return r, rest, nil
	case ',':
		f, err := parseDouble(body)
		if err != nil {
			return r, nil, errBadReply
		}
		r.kind, r.dbl = kDouble, f
		return r, rest, nil
	case '(':
		r.kind, r.str = kBigNum, body
		return r, rest, nil
	case '$', '=', '!':
		n, err := parseLen(body)
		if err != nil {
			return r, nil, err
		}
		if n < 0 {
			if t != '$' {
				return r, nil, errBadReply
			}
			r.kind = kNullBulk
			return r, rest, nil
		}
		if int64(len(rest)) < n+2 || rest[n] != '\r' || rest[n+1] != '\n' {
			return r, nil, errBadReply
		}
		s := rest[:n]
		rest = rest[n+2:]
		switch t {
		case '$':
			r.kind, r.str = kBulk, s
		case '!':
			r.kind, r.str = kError, s
		default:
			if len(s) < 4 || s[3] != ':' {
				return r, nil, errBadReply
			}
			r.kind, r.format, r.str = kVerbatim, s[:3], s[4:]
		}
		return r, rest, nil
	case '*', '~', '%', '>', '|':
		n, err := parseLen(body)
		if err != nil {
			return r, nil, err
		}
		if n < 0 {
			if t != '*' {
				return r, nil, errBadReply
			}
			r.kind = kNullArray
			return r, rest, nil
		}
		count := n
		if t == '%' || t == '|' {
			count = 2 * n
		}
		// Every element takes at least three bytes, so a count the input
		// cannot hold is rejected before allocating for it.
		if count > int64(len(rest))/3 {
			return r, nil, errBadReply
		}
		elems := make([]reply, 0, count)
		for i := int64(0); i < count; i++ {
			var e reply
			e, rest, err = parseOne(rest, depth+1)
			if err != nil {
				return r, nil, err
			}
			elems = append(elems, e)
		}
		switch t {
		case '|':
			// An attribute annotates the reply that follows it.
			return parseOne(rest, depth+1)
		case '%':
			r.kind = kMap
		case '~':
			r.kind = kSet
		default:
			r.kind = kArray // '>' push data is shown to scripts as an array
		}
		r.elems = elems
		return r, rest, nil
	}
	return r, nil, errBadReply
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// maxReplyLen bounds a length header; the element-size checks catch any
// length the input cannot back, this only keeps the arithmetic small.
const maxReplyLen = 1 << 40

func parseLen(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < -1 || n > maxReplyLen {
		return 0, errBadReply
	}
	return n, nil
}

func parseDouble(b []byte) (float64, error) {
	switch string(b) {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan", "-nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(string(b), 64)
}
