package integration

// RESP plumbing for the differential harness: a strict RESP2/RESP3 reply
// reader that keeps the exact bytes of every reply, the redis-cli argument
// splitter (a port of sdssplitargs) and a small client connection type.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// reply is one complete reply as read from a server.
type reply struct {
	kind  byte     // type byte: + - : $ * _ , # ! = ( % ~ > (an attribute is kept in attr)
	line  string   // header after the type byte (simple string text, integer, length, "?")
	data  []byte   // payload of $ ! = (streamed strings concatenated)
	null  bool     // RESP2 null bulk/array ($-1, *-1) or RESP3 null (_)
	elems []*reply // aggregate elements; maps and attributes hold k1 v1 k2 v2 ...
	attr  *reply   // RESP3 attribute (|) that preceded this reply, if any
	raw   []byte   // exact bytes of this reply, attribute prefix included
}

func (r *reply) isAggregate() bool {
	switch r.kind {
	case '*', '%', '~', '>', '|':
		return true
	}
	return false
}

func (r *reply) isError() bool { return r.kind == '-' || r.kind == '!' }

// errorCode returns the first word of an error reply ("ERR", "WRONGTYPE", ...).
func (r *reply) errorCode() string {
	text := r.line
	if r.kind == '!' {
		text = string(r.data)
	}
	if i := strings.IndexAny(text, " \r\n"); i >= 0 {
		text = text[:i]
	}
	return text
}

// protoError reports bytes from the server that are not valid RESP.
type protoError struct{ msg string }

func (e *protoError) Error() string { return "invalid RESP from server: " + e.msg }

const (
	maxReplyDepth = 1000
	maxLineLen    = 64 << 20
	maxBulkLen    = 1 << 30
)

// replyParser reads one reply from br and records every byte it consumed
// in buf, so that a caller can get the exact bytes of a reply (or of the
// incomplete prefix when reading fails).
type replyParser struct {
	br  *bufio.Reader
	buf []byte
}

// readReply reads exactly one complete reply. On error the returned bytes
// are what was consumed from the stream before the error.
func readReply(br *bufio.Reader) (*reply, []byte, error) {
	p := &replyParser{br: br}
	r, err := p.parse(0)
	if err != nil {
		return nil, p.buf, err
	}
	return r, p.buf, nil
}

// line reads one CRLF-terminated line and returns it without the CRLF.
func (p *replyParser) line() (string, error) {
	start := len(p.buf)
	for {
		chunk, err := p.br.ReadSlice('\n')
		p.buf = append(p.buf, chunk...)
		if err == bufio.ErrBufferFull {
			if len(p.buf)-start > maxLineLen {
				return "", &protoError{"line too long"}
			}
			continue
		}
		if err != nil {
			return "", err
		}
		break
	}
	l := p.buf[start:]
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return "", &protoError{"line not terminated by CRLF"}
	}
	return string(l[:len(l)-2]), nil
}

// payload reads n bytes followed by CRLF and returns the n bytes.
func (p *replyParser) payload(n int64) ([]byte, error) {
	if n < 0 || n > maxBulkLen {
		return nil, &protoError{fmt.Sprintf("bad length %d", n)}
	}
	start := len(p.buf)
	p.buf = append(p.buf, make([]byte, n+2)...)
	got, err := io.ReadFull(p.br, p.buf[start:])
	if err != nil {
		p.buf = p.buf[:start+got]
		return nil, err
	}
	if p.buf[len(p.buf)-2] != '\r' || p.buf[len(p.buf)-1] != '\n' {
		return nil, &protoError{"payload not terminated by CRLF"}
	}
	return p.buf[start : start+int(n)], nil
}

func parseLength(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || (n < 0 && n != -1) {
		return 0, &protoError{fmt.Sprintf("bad length %q", s)}
	}
	return n, nil
}

func (p *replyParser) parse(depth int) (*reply, error) {
	if depth > maxReplyDepth {
		return nil, &protoError{"reply nested too deeply"}
	}
	start := len(p.buf)
	hdr, err := p.line()
	if err != nil {
		return nil, err
	}
	if hdr == "" {
		return nil, &protoError{"empty line where a reply was expected"}
	}
	r := &reply{kind: hdr[0], line: hdr[1:]}
	switch r.kind {
	case '+', '-':
		// Any text without CR/LF.
	case ':':
		if _, err := strconv.ParseInt(r.line, 10, 64); err != nil {
			return nil, &protoError{fmt.Sprintf("bad integer %q", r.line)}
		}
	case '_':
		if r.line != "" {
			return nil, &protoError{fmt.Sprintf("bad null %q", hdr)}
		}
		r.null = true
	case '#':
		if r.line != "t" && r.line != "f" {
			return nil, &protoError{fmt.Sprintf("bad boolean %q", hdr)}
		}
	case ',':
		switch strings.ToLower(r.line) {
		case "inf", "-inf", "nan":
		default:
			if _, err := strconv.ParseFloat(r.line, 64); err != nil {
				return nil, &protoError{fmt.Sprintf("bad double %q", r.line)}
			}
		}
	case '(':
		s := strings.TrimPrefix(r.line, "-")
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return nil, &protoError{fmt.Sprintf("bad big number %q", r.line)}
		}
	case '$', '!', '=':
		if r.line == "?" && r.kind == '$' {
			// Streamed string: ;len\r\n<data>\r\n chunks, ended by ;0\r\n.
			for {
				ch, err := p.line()
				if err != nil {
					return nil, err
				}
				if !strings.HasPrefix(ch, ";") {
					return nil, &protoError{fmt.Sprintf("bad streamed string chunk %q", ch)}
				}
				n, err := parseLength(ch[1:])
				if err != nil || n < 0 {
					return nil, &protoError{fmt.Sprintf("bad streamed string chunk %q", ch)}
				}
				if n == 0 {
					break
				}
				d, err := p.payload(n)
				if err != nil {
					return nil, err
				}
				r.data = append(r.data, d...)
			}
			break
		}
		n, err := parseLength(r.line)
		if err != nil {
			return nil, err
		}
		if n == -1 {
			if r.kind != '$' {
				return nil, &protoError{fmt.Sprintf("negative length in %q", hdr)}
			}
			r.null = true
			break
		}
		d, err := p.payload(n)
		if err != nil {
			return nil, err
		}
		r.data = append([]byte(nil), d...)
		if r.kind == '=' && (len(d) < 4 || d[3] != ':') {
			return nil, &protoError{fmt.Sprintf("bad verbatim string %q", d)}
		}
	case '*', '%', '~', '>', '|':
		per := 1
		if r.kind == '%' || r.kind == '|' {
			per = 2
		}
		if r.line == "?" {
			// Streamed aggregate, ended by ".\r\n".
			for {
				b, err := p.br.Peek(1)
				if err != nil {
					return nil, err
				}
				if b[0] == '.' {
					end, err := p.line()
					if err != nil {
						return nil, err
					}
					if end != "." {
						return nil, &protoError{fmt.Sprintf("bad end of streamed aggregate %q", end)}
					}
					break
				}
				e, err := p.parse(depth + 1)
				if err != nil {
					return nil, err
				}
				r.elems = append(r.elems, e)
			}
			if len(r.elems)%per != 0 {
				return nil, &protoError{"streamed map with an odd number of elements"}
			}
		} else {
			n, err := parseLength(r.line)
			if err != nil {
				return nil, err
			}
			if n == -1 {
				if r.kind != '*' {
					return nil, &protoError{fmt.Sprintf("negative length in %q", hdr)}
				}
				r.null = true
				break
			}
			if n > maxBulkLen {
				return nil, &protoError{fmt.Sprintf("aggregate too long %q", hdr)}
			}
			for i := int64(0); i < n*int64(per); i++ {
				e, err := p.parse(depth + 1)
				if err != nil {
					return nil, err
				}
				r.elems = append(r.elems, e)
			}
		}
		if r.kind == '|' {
			// An attribute is followed by the reply it annotates.
			inner, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			if inner.attr != nil {
				return nil, &protoError{"attribute followed by another attribute"}
			}
			r.raw = append([]byte(nil), p.buf[start:len(p.buf)-len(inner.raw)]...)
			inner.attr = r
			inner.raw = append([]byte(nil), p.buf[start:]...)
			return inner, nil
		}
	default:
		return nil, &protoError{fmt.Sprintf("unknown reply type byte %q", r.kind)}
	}
	r.raw = append([]byte(nil), p.buf[start:]...)
	return r, nil
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args []string) []byte {
	b := make([]byte, 0, 16+len(args)*16)
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

func isCSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

func isHexDigit(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs splits a line into arguments exactly like redis-cli does
// (sdssplitargs in Redis 7.0): arguments are separated by blanks; "double
// quotes" support \xHH, \n, \r, \t, \b, \a and backslash-escaping of any
// other character; 'single quotes' only support \'; a closing quote must be
// followed by a blank or the end of the line.
func splitArgs(line string) ([]string, error) {
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	args := []string{}
	p := 0
	for {
		for p < n && isCSpace(line[p]) {
			p++
		}
		if p >= n || line[p] == 0 {
			return args, nil
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHexDigit(at(p+2)) && isHexDigit(at(p+3)):
					cur = append(cur, hexVal(at(p+2))*16+hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if nx := at(p + 1); nx != 0 && !isCSpace(nx) {
						return nil, fmt.Errorf("closing double quote must be followed by a space (column %d)", p+1)
					}
					done = true
				case c == 0:
					return nil, errors.New("unbalanced double quotes")
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if nx := at(p + 1); nx != 0 && !isCSpace(nx) {
						return nil, fmt.Errorf("closing single quote must be followed by a space (column %d)", p+1)
					}
					done = true
				case c == 0:
					return nil, errors.New("unbalanced single quotes")
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

// unescapeRaw turns the text of a ~raw line into bytes: the escapes of a
// redis-cli double-quoted string (\r \n \t \b \a \xHH, and \ followed by
// any other character stands for that character) are decoded; every other
// byte, quotes and spaces included, is sent as is.
func unescapeRaw(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if s[i+1] == 'x' && i+3 < len(s) && isHexDigit(s[i+2]) && isHexDigit(s[i+3]) {
			b = append(b, hexVal(s[i+2])*16+hexVal(s[i+3]))
			i += 3
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'b':
			b = append(b, '\b')
		case 'a':
			b = append(b, '\a')
		default:
			b = append(b, s[i])
		}
	}
	return b
}

// Ways a read can end without a complete reply.
const (
	endReply   = ""           // a complete reply was read
	endTimeout = "no reply"   // nothing (more) arrived before the deadline
	endOpen    = "open"       // ~raw: quiet period passed, connection still open
	endClosed  = "closed"     // the server closed (or reset) the connection
	endBad     = "bad RESP"   // the server sent bytes that are not RESP
	endIOError = "read error" // any other I/O error
)

// result is what one server did in answer to one step.
type result struct {
	replies []*reply // complete replies, in order
	end     string   // one of the end* constants
	detail  string   // error text for endBad/endIOError
	partial []byte   // bytes of an incomplete reply
}

// dirty reports whether the connection can no longer be trusted to be in
// step with the other server's connection.
func (r *result) dirty() bool {
	return r.end == endClosed || r.end == endBad || r.end == endIOError || len(r.partial) > 0
}

func (r *result) String() string {
	var parts []string
	for _, rp := range r.replies {
		parts = append(parts, strconv.Quote(string(rp.raw)))
	}
	if r.end != endReply {
		s := "<" + r.end
		if r.detail != "" {
			s += ": " + r.detail
		}
		if len(r.partial) > 0 {
			s += ", incomplete reply " + strconv.Quote(string(r.partial))
		}
		parts = append(parts, s+">")
	}
	if len(parts) == 0 {
		return "<nothing>"
	}
	return strings.Join(parts, " ")
}

// respConn is a client connection to one server.
type respConn struct {
	name  string // server label used in messages ("redis", "enclavekv")
	addr  string
	nc    net.Conn
	br    *bufio.Reader
	wrErr error // last write error; the following read reports it
}

func dialResp(name, addr string) (*respConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &respConn{name: name, addr: addr, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}, nil
}

func (c *respConn) Close() error { return c.nc.Close() }

// LocalAddr is this client's address as the server sees it (for CLIENT KILL ADDR).
func (c *respConn) LocalAddr() string { return c.nc.LocalAddr().String() }

// send writes b. A failed write is not reported here: the server may have
// closed the connection, which the following read shows.
func (c *respConn) send(b []byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(replyTimeout))
	_, c.wrErr = c.nc.Write(b)
}

// sendCommand writes args as one RESP multibulk.
func (c *respConn) sendCommand(args ...string) { c.send(encodeCommand(args)) }

// readOne reads one reply, waiting at most timeout for it to be complete.
func (c *respConn) readOne(timeout time.Duration) *result {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	rp, consumed, err := readReply(c.br)
	if err == nil {
		return &result{replies: []*reply{rp}, end: endReply}
	}
	res := &result{partial: append([]byte(nil), consumed...)}
	var pe *protoError
	switch {
	case errors.As(err, &pe):
		res.end, res.detail = endBad, pe.msg
	case errors.Is(err, os.ErrDeadlineExceeded):
		res.end = endTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE):
		res.end = endClosed
	default:
		res.end, res.detail = endIOError, err.Error()
	}
	return res
}

// readUntilQuiet reads replies until none arrives for quiet, or the
// connection ends; used for ~raw where the number of replies is unknown.
func (c *respConn) readUntilQuiet(quiet time.Duration) *result {
	all := &result{}
	for {
		r := c.readOne(quiet)
		all.replies = append(all.replies, r.replies...)
		if r.end == endReply {
			continue
		}
		all.end, all.detail, all.partial = r.end, r.detail, r.partial
		if all.end == endTimeout && len(all.partial) == 0 {
			all.end = endOpen
		}
		return all
	}
}

// do sends one command and reads one reply with the standard timeout.
func (c *respConn) do(args ...string) *result {
	c.sendCommand(args...)
	return c.readOne(replyTimeout)
}
