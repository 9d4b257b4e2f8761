package integration

// Helpers for differential tests written in Go, for what a case file cannot
// express: several concurrent clients, arguments that differ per server
// (a client's address, an ID returned earlier), loops. Each helper performs
// the same step on the reference redis-server and on enclavekv-server,
// compares the results like a case-file line, and reports a mismatch with
// t.Errorf (the test goes on). Example:
//
//	func TestSomething(t *testing.T) {
//		diffFlushAll(t)
//		a, b := newConnPair(t), newConnPair(t) // two clients per server
//		diffDo(t, a, "SET", "k", "v")
//		diffDo(t, b, "GET", "k")                  // exact reply bytes
//		diffDoMode(t, b, "~ttl", "TTL", "k")      // any case-file relaxation
//		diffDoEach(t, a, func(c *respConn) []string {
//			return []string{"CLIENT", "KILL", "ADDR", b.conn(c).LocalAddr()}
//		})
//	}

import (
	"testing"
	"time"
)

// connPair is one client connection to each server.
type connPair struct {
	ref *respConn // reference redis-server
	sut *respConn // enclavekv-server (or the self-test redis)
}

// newConnPair opens a connection to each server; they are closed when the
// test ends.
func newConnPair(t testing.TB) *connPair {
	t.Helper()
	p := &connPair{}
	p.open(t)
	t.Cleanup(p.close)
	return p
}

func (p *connPair) open(t testing.TB) {
	t.Helper()
	var err error
	if p.ref, err = dialResp(refServer.name, refServer.addr); err != nil {
		t.Fatal(err)
	}
	if p.sut, err = dialResp(sutServer.name, sutServer.addr); err != nil {
		p.ref.Close()
		t.Fatal(err)
	}
}

func (p *connPair) close() {
	if p.ref != nil {
		p.ref.Close()
	}
	if p.sut != nil {
		p.sut.Close()
	}
}

// reconnect replaces both connections with fresh ones.
func (p *connPair) reconnect(t testing.TB) {
	t.Helper()
	p.close()
	p.open(t)
}

// conn returns this pair's connection to the same server as c (c being a
// connection of any pair): use it inside diffDoEach to refer to another
// client on the same server.
func (p *connPair) conn(c *respConn) *respConn {
	if c.addr == p.ref.addr {
		return p.ref
	}
	return p.sut
}

func (p *connPair) check(t testing.TB, st step, ref, sut *result) {
	t.Helper()
	if ok, why := compareResults(st, ref, sut); !ok {
		t.Errorf("%s", mismatchReport(st.text, why, ref, sut))
	}
}

// diffDo sends args to both servers, reads one reply from each and
// requires identical bytes. It returns the results (ref, sut).
func diffDo(t testing.TB, p *connPair, args ...string) (ref, sut *result) {
	t.Helper()
	return diffDoMode(t, p, "", args...)
}

// diffDoMode is diffDo with a case-file comparison: "", "~ttl", "~any",
// "~sorted", "~err" or "~info".
func diffDoMode(t testing.TB, p *connPair, mode string, args ...string) (ref, sut *result) {
	t.Helper()
	st := step{op: "cmd", mode: mode, args: args, text: describe(mode, args)}
	ref, sut = p.exchange(st)
	p.check(t, st, ref, sut)
	return ref, sut
}

// diffDoEach sends a command whose arguments depend on the server (built by
// argsFor from that server's connection) and compares the replies exactly.
func diffDoEach(t testing.TB, p *connPair, argsFor func(c *respConn) []string) (ref, sut *result) {
	t.Helper()
	refArgs, sutArgs := argsFor(p.ref), argsFor(p.sut)
	st := step{op: "cmd", text: describe("", refArgs) + "  /  " + describe("", sutArgs)}
	ref, sut = p.ref.do(refArgs...), p.sut.do(sutArgs...)
	p.check(t, st, ref, sut)
	return ref, sut
}

// diffSend sends a command to both servers without reading a reply (e.g.
// a blocking command that another client will release); read it later with
// diffRead.
func diffSend(t testing.TB, p *connPair, args ...string) {
	t.Helper()
	p.ref.sendCommand(args...)
	p.sut.sendCommand(args...)
}

// diffRead reads one more reply from each server (push messages, replies
// to diffSend) and compares them exactly.
func diffRead(t testing.TB, p *connPair) (ref, sut *result) {
	t.Helper()
	st := step{op: "read", text: "(read a reply)"}
	ref, sut = p.exchange(st)
	p.check(t, st, ref, sut)
	return ref, sut
}

// diffNoReply checks that neither server sends anything within wait.
func diffNoReply(t testing.TB, p *connPair, wait time.Duration) {
	t.Helper()
	st := step{op: "read", text: "(expecting no reply)"}
	ref, sut := p.ref.readOne(wait), p.sut.readOne(wait)
	p.check(t, st, ref, sut)
	if ref.end != endTimeout {
		t.Errorf("expected no reply, %s sent %s", refServer.name, ref)
	}
}

// diffRaw sends raw bytes and compares everything read until quietTimeout
// passes without a reply or the connection closes (like ~raw).
func diffRaw(t testing.TB, p *connPair, raw []byte) (ref, sut *result) {
	t.Helper()
	st := step{op: "raw", raw: raw, text: "~raw " + quoteBytes(raw)}
	ref, sut = p.exchange(st)
	p.check(t, st, ref, sut)
	return ref, sut
}

// diffFlushAll runs FLUSHALL on both servers from a separate connection.
func diffFlushAll(t testing.TB) {
	t.Helper()
	p := &connPair{}
	p.open(t)
	defer p.close()
	ref, sut := p.ref.do("FLUSHALL"), p.sut.do("FLUSHALL")
	for _, r := range []*result{ref, sut} {
		if r.end != endReply || string(r.replies[0].raw) != "+OK\r\n" {
			t.Errorf("FLUSHALL failed: %s: %s / %s: %s", refServer.name, ref, sutServer.name, sut)
			return
		}
	}
}

func describe(mode string, args []string) string {
	s := mode
	for _, a := range args {
		if s != "" {
			s += " "
		}
		s += quoteArg(a)
	}
	return s
}

// quoteArg writes an argument the way a case file would.
func quoteArg(a string) string {
	if a == "" {
		return `""`
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			return quoteBytes([]byte(a))
		}
	}
	return a
}

func quoteBytes(b []byte) string {
	s := `"`
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			s += `\` + string(c)
		case c == '\r':
			s += `\r`
		case c == '\n':
			s += `\n`
		case c == '\t':
			s += `\t`
		case c < ' ' || c >= 0x7f:
			s += `\x` + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
		default:
			s += string(c)
		}
	}
	return s + `"`
}
