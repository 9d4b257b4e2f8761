// Package resp reads client requests in the Redis serialization protocol
// (RESP multibulk and the inline form typed in telnet) and appends replies
// in RESP2 or RESP3.
//
// The reader parses straight out of its own buffer: the arguments it returns
// alias that buffer and stay valid only until the next call to Fill. This
// keeps the hot path free of per-argument allocations; callers that keep an
// argument must copy it.
package resp

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Limits that Redis hard-codes rather than exposes as config.
const (
	// InlineMax bounds an inline request and the header lines of a multibulk
	// request (Redis's PROTO_INLINE_MAX_SIZE).
	InlineMax = 64 * 1024
	// maxMultibulk is the largest argument count Redis accepts (INT_MAX).
	maxMultibulk = 1<<31 - 1
	minReadSize  = 16 * 1024
)

// ProtocolError is malformed input. Its text is the reply Redis sends
// before closing the connection.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// ErrQueryBufferLimit means a client sent more unparsed data than
// client-query-buffer-limit allows; Redis closes such a client without a reply.
var ErrQueryBufferLimit = errors.New("query buffer limit reached")

func protoErr(msg string) error { return &ProtocolError{Msg: "ERR Protocol error: " + msg} }

var (
	errInlineTooBig   = protoErr("too big inline request")
	errMbulkTooBig    = protoErr("too big mbulk count string")
	errBulkTooBig     = protoErr("too big bulk count string")
	errMultibulkLen   = protoErr("invalid multibulk length")
	errBulkLen        = protoErr("invalid bulk length")
	errUnbalancedQuot = protoErr("unbalanced quotes in request")
)

// Reader parses requests from a byte stream. It is not safe for concurrent use.
type Reader struct {
	src io.Reader
	buf []byte
	r   int // start of unparsed data
	w   int // end of valid data

	// MaxBulk is proto-max-bulk-len; MaxQuery is client-query-buffer-limit.
	MaxBulk  int64
	MaxQuery int64

	// State of a multibulk request in progress, so that a large request
	// arriving in many reads is not re-parsed from its start each time.
	// Offsets are relative to r.
	want    int   // argument count, 0 when no request is in progress
	pos     int   // scan position relative to r
	offs    []int // start,end pairs of parsed arguments relative to r
	bulkLen int   // length of the bulk being read, -1 when reading its header

	args   [][]byte
	inline []byte // unescaped inline arguments live here

	// overLimit is set by Fill when the query buffer passed MaxQuery; Next
	// then fails with ErrQueryBufferLimit.
	overLimit bool
}

// NewReader returns a reader over src with Redis's default limits.
func NewReader(src io.Reader) *Reader {
	return &Reader{
		src:      src,
		buf:      make([]byte, minReadSize),
		MaxBulk:  512 << 20,
		MaxQuery: 1 << 30,
		bulkLen:  -1,
	}
}

// Reset points the reader at a new source and drops buffered data.
func (rd *Reader) Reset(src io.Reader) {
	rd.src = src
	rd.r, rd.w = 0, 0
	rd.overLimit = false
	rd.resetRequest()
}

func (rd *Reader) resetRequest() {
	rd.want, rd.pos, rd.bulkLen = 0, 0, -1
	rd.offs = rd.offs[:0]
}

// Buffered reports how many unparsed bytes are held.
func (rd *Reader) Buffered() int { return rd.w - rd.r }

// QueryBufferHead returns up to n of the first unparsed bytes (for logs).
func (rd *Reader) QueryBufferHead(n int) []byte { return rd.buf[rd.r:min(rd.r+n, rd.w)] }

// QueryBufferSize is the memory held for this client's requests (qbuf in CLIENT LIST).
func (rd *Reader) QueryBufferSize() int { return rd.w - rd.r }

// QueryBufferCap is the capacity of the query buffer (qbuf-free is cap-size).
func (rd *Reader) QueryBufferCap() int { return len(rd.buf) }

// Fill reads more data from the source, making room first. It invalidates
// arguments returned earlier.
func (rd *Reader) Fill() error {
	if rd.r > 0 {
		n := copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.w = n
		rd.r = 0
	}
	free := len(rd.buf) - rd.w
	if free < minReadSize/2 {
		need := len(rd.buf) * 2
		// A bulk of known size is read in one go into a buffer that fits it.
		if rd.bulkLen >= 0 {
			if n := rd.pos + rd.bulkLen + 2 + minReadSize; n > need {
				need = n
			}
		}
		nb := make([]byte, need)
		copy(nb, rd.buf[:rd.w])
		rd.buf = nb
	} else if rd.w == 0 && len(rd.buf) > 4*minReadSize {
		// Give back memory after a large request.
		rd.buf = make([]byte, minReadSize)
	}
	n, err := rd.src.Read(rd.buf[rd.w:])
	rd.w += n
	if n > 0 {
		if int64(rd.pendingQuery()) > rd.MaxQuery {
			rd.overLimit = true
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// bigArg is Redis's PROTO_MBULK_BIG_ARG: a bulk at least this long is read
// into a query buffer of its own.
const bigArg = 32 << 10

// pendingQuery is what Redis's query buffer would hold after the same
// reads, the figure its client-query-buffer-limit check looks at: the
// bytes after the last argument already parsed. Redis reads a big bulk
// into its own buffer, never past its end, so such a bulk counts its data
// and CRLF only.
func (rd *Reader) pendingQuery() int {
	n := rd.w - rd.r
	if rd.want > 0 {
		n -= rd.pos
		if rd.bulkLen >= bigArg {
			n = min(n, rd.bulkLen+2)
		}
	}
	return n
}

// Next parses the next complete request from buffered data. It returns
// (nil, nil) when more data is needed; an empty request line or a `*0`
// request is skipped, as Redis does.
func (rd *Reader) Next() ([][]byte, error) {
	if rd.overLimit {
		return nil, ErrQueryBufferLimit
	}
	for rd.r < rd.w {
		var args [][]byte
		var err error
		if rd.want > 0 || rd.buf[rd.r] == '*' {
			args, err = rd.multibulk()
		} else {
			args, err = rd.inlineRequest()
		}
		if err != nil || args == nil {
			return nil, err
		}
		if len(args) > 0 {
			return args, nil
		}
	}
	return nil, nil
}

// errSkip signals an empty request that was consumed.
var empty = [][]byte{}

func (rd *Reader) inlineRequest() ([][]byte, error) {
	data := rd.buf[rd.r:rd.w]
	// Redis looks for the newline with strchr, which stops at a NUL byte:
	// a NUL before the newline means "no complete line yet", for good (the
	// client ends with "too big inline request" once it sends 64 KB).
	nl := bytes.IndexByte(data, '\n')
	if nl >= 0 && bytes.IndexByte(data[:nl], 0) >= 0 {
		nl = -1
	}
	if nl < 0 {
		if len(data) > InlineMax {
			return nil, errInlineTooBig
		}
		return nil, nil
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	rd.r += nl + 1
	args, ok := rd.splitInline(line)
	if !ok {
		return nil, errUnbalancedQuot
	}
	if len(args) == 0 {
		return empty, nil
	}
	return args, nil
}

// multibulk parses `*<n>\r\n` followed by n `$<len>\r\n<data>\r\n` bulks.
func (rd *Reader) multibulk() ([][]byte, error) {
	if rd.want == 0 {
		data := rd.buf[rd.r:rd.w]
		nl := bytes.IndexByte(data, '\r')
		if nl < 0 || nl+1 >= len(data) {
			if len(data) > InlineMax {
				return nil, errMbulkTooBig
			}
			return nil, nil
		}
		n, ok := parseInt(data[1:nl])
		if !ok || n > maxMultibulk {
			return nil, errMultibulkLen
		}
		rd.pos = nl + 2
		if n <= 0 {
			rd.r += rd.pos
			rd.pos = 0
			return empty, nil
		}
		rd.want = int(n)
		rd.bulkLen = -1
	}
	for len(rd.offs)/2 < rd.want {
		data := rd.buf[rd.r:rd.w]
		if rd.bulkLen < 0 {
			rest := data[rd.pos:]
			nl := bytes.IndexByte(rest, '\r')
			if nl < 0 || nl+1 >= len(rest) {
				if len(rest) > InlineMax {
					return nil, errBulkTooBig
				}
				return nil, nil
			}
			if rest[0] != '$' {
				return nil, &ProtocolError{Msg: "ERR Protocol error: expected '$', got '" + string(rest[0]) + "'"}
			}
			n, ok := parseInt(rest[1:nl])
			if !ok || n < 0 || n > rd.MaxBulk {
				return nil, errBulkLen
			}
			rd.pos += nl + 2
			rd.bulkLen = int(n)
		}
		// Redis does not check that the two bytes after the data are CRLF.
		if len(data)-rd.pos < rd.bulkLen+2 {
			return nil, nil
		}
		rd.offs = append(rd.offs, rd.pos, rd.pos+rd.bulkLen)
		rd.pos += rd.bulkLen + 2
		rd.bulkLen = -1
	}
	args := rd.args[:0]
	base := rd.buf[rd.r:]
	for i := 0; i < len(rd.offs); i += 2 {
		args = append(args, base[rd.offs[i]:rd.offs[i+1]:rd.offs[i+1]])
	}
	rd.args = args
	rd.r += rd.pos
	rd.resetRequest()
	return args, nil
}

// parseInt accepts what Redis's string2ll accepts: an optional '-', digits,
// no leading zeros (except "0"), no '+', no spaces, within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v < uint64(c-'0') {
			return 0, false
		}
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// ParseInt exposes Redis's strict integer syntax to other layers.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }

// splitInline splits an inline request the way Redis's sdssplitargs does:
// whitespace-separated words, "double quoted" with escapes (\n \r \t \b \a
// \\ \" \xHH) and 'single quoted' with \' only. A closing quote must be
// followed by whitespace or the end of the line.
func (rd *Reader) splitInline(line []byte) ([][]byte, bool) {
	out := rd.inline[:0]
	type span struct{ a, b int }
	var spans [16]span
	sp := spans[:0]
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			break
		}
		start := len(out)
		inDq, inSq := false, false
		done := false
		for !done {
			if inDq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					out = append(out, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				} else if c == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = line[i]
					}
					out = append(out, c)
				} else if c == '"' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					out = append(out, c)
				}
			} else if inSq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					out = append(out, '\'')
				} else if c == '\'' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				} else {
					out = append(out, c)
				}
			} else {
				if i >= len(line) {
					break
				}
				switch c := line[i]; c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDq = true
				case '\'':
					inSq = true
				default:
					out = append(out, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		sp = append(sp, span{start, len(out)})
	}
	rd.inline = out
	args := rd.args[:0]
	for _, s := range sp {
		args = append(args, out[s.a:s.b:s.b])
	}
	rd.args = args
	return args, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// FormatInt is strconv.AppendInt, here so callers need not import strconv for it.
func FormatInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
