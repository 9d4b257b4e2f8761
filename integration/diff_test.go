package integration

// Differential tests: every case is run against the reference redis-server
// and against enclavekv-server, and the RAW reply bytes are compared.
//
// Case files: testdata/diff/*.txt, one file per command family. Each file
// is a subtest, TestDiff/<file> (go test ./integration -run 'TestDiff/strings').
// A file starts with FLUSHALL on both servers (from a separate connection)
// and then runs on ONE fresh client connection per server, so state carries
// from line to line (SELECT, HELLO 3, CLIENT SETNAME, MULTI, ...).
//
// Line format (one step per line):
//
//	# comment             blank lines and lines starting with # are ignored
//	SET k "a b\x00"       a command, written as in redis-cli: split with
//	                      redis-cli's rules (sdssplitargs): blanks separate
//	                      arguments; "double quotes" allow \xHH \n \r \t \b \a
//	                      and \<char>; 'single quotes' allow \'. It is sent as
//	                      a RESP multibulk and ONE reply is read from each
//	                      server; the exact reply bytes must be equal.
//
// A line may instead start with one of these directives. Relaxed
// comparisons (~ttl ~any ~sorted ~err ~info) take a command after the
// directive; byte-identical replies always pass.
//
//	~ttl CMD ...          integer replies may differ by ±1 (anywhere in the
//	                      reply, e.g. TTL/EXPIRETIME/OBJECT IDLETIME); all
//	                      else must be identical.
//	~any CMD ...          only the reply type must match (and nil-ness:
//	                      $-1 vs $3 is a mismatch). For CLIENT ID, TIME,
//	                      HELLO, COMMAND COUNT, ...
//	~sorted CMD ...       the top-level array/set/push (or map, by key/value
//	                      pairs) is compared as a multiset: KEYS, SMEMBERS,
//	                      HKEYS, ... of unordered collections.
//	~err CMD ...          both replies must be errors with the same code
//	                      (first word: ERR, WRONGTYPE, ...); the text may differ.
//	~info CMD ...         the reply is read but not compared (INFO, DEBUG ...).
//	~noreply CMD ...      the command is expected to get no reply (CLIENT REPLY
//	                      OFF, a blocked BLPOP): wait only 300ms instead of the
//	                      reply timeout; the outcomes are still compared.
//	~read                 send nothing, read one more reply from each server
//	                      (SUBSCRIBE a b gives 2 replies, push messages, ...).
//	~raw BYTES            send raw bytes; the rest of the line is sent as is
//	                      after decoding the escapes of a double-quoted
//	                      redis-cli string (\r \n \t \xHH \\ ...; quotes and
//	                      inner spaces are literal; leading/trailing blanks are
//	                      dropped, write \x20). Then every reply is read until
//	                      300ms pass without one or the server closes the
//	                      connection; the replies AND whether the connection
//	                      was closed are compared. E.g. ~raw *1\r\n$-5\r\n
//	                      A later ~raw continues on the same connection, so
//	                      "~raw PING" then "~raw \r\n" splits a command.
//	~sleep MS             sleep MS milliseconds (expiry tests).
//	~newconn              replace both connections by fresh ones (back to
//	                      RESP2, db 0, no name).
//
// When a step leaves either connection unusable (closed by the server, a
// reply on one side only, a partial reply), both connections are replaced by
// fresh ones before the next line and a note is logged; e.g. after QUIT put
// ~newconn yourself to make the intent clear.
//
// Mismatches are reported as file:line, the line, and both results quoted
// with strconv.Quote; the rest of the file still runs. A missing reply shows
// up as "<no reply>" after replyTimeout instead of hanging.
//
// Go-written differential tests (several clients, per-server arguments) use
// the helpers in helpers_test.go: newConnPair, diffDo, diffRead, ...

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// replyTimeout bounds the wait for one reply.
	replyTimeout = 3 * time.Second
	// quietTimeout is how long ~raw and ~noreply wait for (more) replies.
	quietTimeout = 300 * time.Millisecond
)

const caseDir = "testdata/diff"

// verbose (ENCLAVEKV_DIFF_VERBOSE=1) logs every step of the case files with
// both results; use with go test -v.
var verbose = os.Getenv("ENCLAVEKV_DIFF_VERBOSE") == "1"

// step is one parsed line of a case file.
type step struct {
	file string
	line int
	text string   // the line as written
	op   string   // "cmd", "raw", "read", "noreply", "sleep", "newconn"
	mode string   // comparison for "cmd": "", "~ttl", "~any", "~sorted", "~err", "~info"
	args []string // command arguments
	raw  []byte   // ~raw bytes
	ms   int      // ~sleep
}

func (s step) where() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// parseCaseFile parses a case file; syntax errors are returned all together.
func parseCaseFile(name string, data []byte) ([]step, []error) {
	var steps []step
	var errs []error
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		trimmed := strings.TrimSpace(l)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		st := step{file: name, line: i + 1, text: trimmed}
		fail := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("%s: %s: %s", st.where(), fmt.Sprintf(format, a...), trimmed))
		}
		directive, rest := "", trimmed
		if strings.HasPrefix(trimmed, "~") {
			directive, rest, _ = strings.Cut(trimmed, " ")
			rest = strings.TrimSpace(rest)
		}
		switch directive {
		case "", "~ttl", "~any", "~sorted", "~err", "~info", "~noreply":
			args, err := splitArgs(rest)
			if err != nil {
				fail("%v", err)
				continue
			}
			if len(args) == 0 {
				fail("missing command")
				continue
			}
			st.op, st.args = "cmd", args
			if directive == "~noreply" {
				st.op = "noreply"
			} else {
				st.mode = directive
			}
		case "~raw":
			if rest == "" {
				fail("~raw needs bytes to send")
				continue
			}
			st.op, st.raw = "raw", unescapeRaw(rest)
		case "~read", "~newconn":
			if rest != "" {
				fail("%s takes no argument", directive)
				continue
			}
			st.op = directive[1:]
		case "~sleep":
			ms, err := strconv.Atoi(rest)
			if err != nil || ms < 0 || ms > 60000 {
				fail("~sleep needs milliseconds (0..60000)")
				continue
			}
			st.op, st.ms = "sleep", ms
		default:
			fail("unknown directive %q", directive)
			continue
		}
		steps = append(steps, st)
	}
	return steps, errs
}

func TestDiff(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(caseDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no case files in %s", caseDir)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runCaseFile(t, f) })
	}
}

func runCaseFile(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	steps, errs := parseCaseFile(filepath.Base(path), data)
	for _, e := range errs {
		t.Error(e)
	}
	diffFlushAll(t)
	p := newConnPair(t)
	mismatches := 0
	for _, st := range steps {
		switch st.op {
		case "sleep":
			time.Sleep(time.Duration(st.ms) * time.Millisecond)
			continue
		case "newconn":
			p.reconnect(t)
			continue
		}
		start := time.Now()
		ref, sut := p.exchange(st)
		if verbose {
			t.Logf("%s", mismatchReport(fmt.Sprintf("%s: %s (%v)", st.where(), st.text,
				time.Since(start).Round(time.Millisecond)), "", ref, sut))
		}
		if ok, why := compareResults(st, ref, sut); !ok {
			mismatches++
			t.Errorf("%s", mismatchReport(st.where()+": "+st.text, why, ref, sut))
		}
		checkServersAlive(t, st.where())
		switch {
		case ref.end == endClosed && sut.end == endClosed && len(ref.partial)+len(sut.partial) == 0:
			if verbose {
				t.Logf("%s: both servers closed the connection; reopening both", st.where())
			}
			p.reconnect(t)
		case ref.dirty() || sut.dirty() || ref.end != sut.end || len(ref.replies) != len(sut.replies):
			t.Logf("%s: connections out of step after this line; reopening both (per-connection state is reset)", st.where())
			p.reconnect(t)
		}
	}
	t.Logf("%d steps, %d mismatches", len(steps), mismatches)
}

// checkServersAlive stops the test if a server process died.
func checkServersAlive(t testing.TB, where string) {
	t.Helper()
	for _, s := range []*server{refServer, sutServer} {
		if !s.alive() {
			t.Fatalf("%s: %s server process died (%v)\n%s", where, s.name, s.waitErr, s.logTail(40))
		}
	}
}

// exchange performs one step on both connections, on both servers at the
// same time (so that waiting for a missing reply costs one timeout).
func (p *connPair) exchange(st step) (ref, sut *result) {
	one := func(c *respConn) *result {
		switch st.op {
		case "cmd":
			return c.do(st.args...)
		case "noreply":
			c.sendCommand(st.args...)
			return c.readOne(quietTimeout)
		case "read":
			return c.readOne(replyTimeout)
		case "raw":
			c.send(st.raw)
			return c.readUntilQuiet(quietTimeout)
		}
		panic("unexpected step " + st.op)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sut = one(p.sut)
	}()
	ref = one(p.ref)
	<-done
	return ref, sut
}

// compareResults decides whether two results match for this step; why
// explains a mismatch.
func compareResults(st step, ref, sut *result) (ok bool, why string) {
	if st.op == "cmd" && st.mode == "~info" && ref.end == endReply && sut.end == endReply {
		return true, ""
	}
	single := st.op != "raw" && ref.end == endReply && sut.end == endReply
	if !single {
		// Sequences, timeouts, closed connections: everything must be equal.
		if ref.end != sut.end || !bytes.Equal(ref.partial, sut.partial) || len(ref.replies) != len(sut.replies) {
			return false, ""
		}
		for i := range ref.replies {
			if !bytes.Equal(ref.replies[i].raw, sut.replies[i].raw) {
				return false, fmt.Sprintf("reply %d differs", i+1)
			}
		}
		return true, ""
	}
	a, b := ref.replies[0], sut.replies[0]
	if bytes.Equal(a.raw, b.raw) {
		return true, ""
	}
	switch st.mode {
	case "~ttl":
		if why := compareTolerant(a, b, ""); why != "" {
			return false, "~ttl: " + why
		}
		return true, ""
	case "~any":
		if a.kind != b.kind || a.null != b.null {
			return false, "~any: reply types differ"
		}
		return true, ""
	case "~sorted":
		if why := compareUnordered(a, b); why != "" {
			return false, "~sorted: " + why
		}
		return true, ""
	case "~err":
		if !a.isError() || !b.isError() {
			return false, "~err: both replies must be errors"
		}
		if a.errorCode() != b.errorCode() {
			return false, "~err: error codes differ"
		}
		return true, ""
	}
	return false, ""
}

// compareTolerant compares structurally; integers may differ by one.
func compareTolerant(a, b *reply, path string) string {
	if (a.attr == nil) != (b.attr == nil) {
		return "attribute present on one side only" + at(path)
	}
	if a.attr != nil {
		if why := compareTolerant(a.attr, b.attr, path+"|"); why != "" {
			return why
		}
	}
	if a.kind != b.kind || a.null != b.null {
		return "types differ" + at(path)
	}
	if a.kind == ':' {
		x, _ := strconv.ParseInt(a.line, 10, 64)
		y, _ := strconv.ParseInt(b.line, 10, 64)
		if x-y > 1 || y-x > 1 {
			return fmt.Sprintf("integers %d and %d differ by more than 1%s", x, y, at(path))
		}
		return ""
	}
	if a.isAggregate() {
		if len(a.elems) != len(b.elems) {
			return "aggregate lengths differ" + at(path)
		}
		for i := range a.elems {
			if why := compareTolerant(a.elems[i], b.elems[i], fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return why
			}
		}
		return ""
	}
	if !bytes.Equal(a.raw, b.raw) {
		return "values differ" + at(path)
	}
	return ""
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return " at " + path
}

// compareUnordered compares the top-level aggregates as multisets.
func compareUnordered(a, b *reply) string {
	if !a.isAggregate() || !b.isAggregate() || a.null || b.null {
		return "not both non-nil aggregates (compared exactly)"
	}
	if a.kind != b.kind {
		return "aggregate types differ"
	}
	if !bytes.Equal(attrRaw(a), attrRaw(b)) {
		return "attributes differ"
	}
	if len(a.elems) != len(b.elems) {
		return "aggregate lengths differ"
	}
	return multisetDiff(unorderedItems(a), unorderedItems(b))
}

func attrRaw(r *reply) []byte {
	if r.attr == nil {
		return nil
	}
	return r.attr.raw
}

// unorderedItems returns the items of an aggregate; map entries are
// key+value pairs.
func unorderedItems(r *reply) []string {
	per := 1
	if r.kind == '%' {
		per = 2
	}
	var items []string
	for i := 0; i+per <= len(r.elems); i += per {
		var sb strings.Builder
		for _, e := range r.elems[i : i+per] {
			sb.Write(e.raw)
		}
		items = append(items, sb.String())
	}
	return items
}

func multisetDiff(a, b []string) string {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	var onlyA, onlyB []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, strconv.Quote(a[i]))
			i++
		case i >= len(a) || b[j] < a[i]:
			onlyB = append(onlyB, strconv.Quote(b[j]))
			j++
		default:
			i++
			j++
		}
	}
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return ""
	}
	return fmt.Sprintf("only in %s: %s; only in %s: %s", refServer.name, strings.Join(onlyA, " "),
		sutServer.name, strings.Join(onlyB, " "))
}

// mismatchReport formats one mismatch.
func mismatchReport(what, why string, ref, sut *result) string {
	var sb strings.Builder
	sb.WriteString(what)
	if why != "" {
		sb.WriteString("\n    (" + why + ")")
	}
	w := max(len(refServer.name), len(sutServer.name)) + 1
	fmt.Fprintf(&sb, "\n    %-*s %s", w, refServer.name+":", ref)
	fmt.Fprintf(&sb, "\n    %-*s %s", w, sutServer.name+":", sut)
	return sb.String()
}
