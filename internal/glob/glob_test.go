package glob

import (
	"strings"
	"testing"
	"time"
)

type matchTest struct {
	pattern, subject string
	nocase           bool
	want             bool
}

// matchTests records what redis-server 7.0.15 (x86-64) actually answered.
// Case-sensitive rows were checked with both KEYS (a key named subject;
// skipped for the exact pattern "*", which KEYS short-cuts) and PSUBSCRIBE
// pattern + PUBLISH subject; nocase rows were checked with
// COMMAND LIST FILTERBY PATTERN, which matches case-insensitively, so
// their subjects are real command names.
var matchTests = []matchTest{
	// Empty pattern / empty subject.
	{"", "", false, true},
	{"", "a", false, false},
	{"a", "", false, false},
	{"*", "", false, false}, // quirk: even "*" rejects an empty subject
	{"**", "", false, false},
	{"?", "", false, false},
	{"[^a]", "", false, false},

	// Literals.
	{"abc", "abc", false, true},
	{"abc", "abd", false, false},
	{"abc", "ab", false, false},
	{"ab", "abc", false, false},
	{"abc", "ABC", false, false},
	{"a\x00b", "a\x00b", false, true},
	{"a\x00b", "a\x00c", false, false},
	{"\xff\xfe", "\xff\xfe", false, true},

	// '*'.
	{"*", "a", false, true},
	{"*", "anything at all", false, true},
	{"*", "\x00", false, true},
	{"a*", "a", false, true},
	{"a*", "abc", false, true},
	{"a*", "ba", false, false},
	{"*a", "ba", false, true},
	{"*a", "ab", false, false},
	{"*a*", "bab", false, true},
	{"*a*", "bbb", false, false},
	{"a*b*c", "axxbyyc", false, true},
	{"a*b*c", "axxbyy", false, false},
	{"a*b*c", "abcbc", false, true},
	{"a*b*c", "abcbd", false, false},
	{"***", "abc", false, true},
	{"a**b", "ab", false, true},
	{"a*b", "ab", false, true},
	{"*b*", "b", false, true},
	{"h*llo", "hllo", false, true},
	{"h*llo", "heeeello", false, true},
	{"h*llo", "hello!", false, false},
	{"*.*", "foo.bar", false, true},
	{"*.*", "foobar", false, false},
	{"user:*:name", "user:1000:name", false, true},
	{"user:*:name", "user:1000:email", false, false},
	{"*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
	{"*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false, true},
	{"*ab", "aab", false, true},
	{"*aab", "aaab", false, true},

	// '?'.
	{"?", "a", false, true},
	{"?", "ab", false, false},
	{"??", "ab", false, true},
	{"h?llo", "hello", false, true},
	{"h?llo", "hllo", false, false},
	{"?*", "a", false, true},
	{"*?", "a", false, true},
	{"*??", "a", false, false},
	{"?", "\xff", false, true},
	{"?", "\xc3\xa9", false, false}, // bytes, not runes: "é" is two bytes
	{"??", "\xc3\xa9", false, true},

	// Classes, negation, ranges.
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"[0-9a-f]", "c", false, true},
	{"[0-9a-f]", "g", false, false},
	{"[a-a]", "a", false, true},
	{"[z-a]", "m", false, true}, // reversed range is swapped
	{"[z-a]", "z", false, true},
	{"[z-a]", "A", false, false},
	{"[^a-z]", "A", false, true},
	{"[^a-z]", "q", false, false},
	{"[a-z]", "-", false, false},
	{"[-a]", "-", false, true},
	{"[a-z-9]", "-", false, true},
	{"[a-z-9]", "9", false, true},
	{"[a-z-9]", "5", false, false},
	{"[!a]", "b", false, false}, // '!' is not a negation
	{"[!a]", "!", false, true},
	{"[^^]", "^", false, false},
	{"[^^]", "a", false, true},
	{"[*]", "*", false, true},
	{"[*]", "a", false, false},
	{"[?]", "?", false, true},
	{"[?]", "a", false, false},
	{"[[]", "[", false, true},
	{"[\x00]", "\x00", false, true},
	{"[ab]*", "bzz", false, true},
	{"*[^a]", "aaab", false, true},
	{"*[^a]", "aaaa", false, false},

	// "-" followed by "]": the "]" is the end of the range, not the class.
	{"[a-]", "-", false, false},
	{"[a-]", "]", false, true},
	{"[a-]", "_", false, true},
	{"[a-]", "a", false, true},
	{"[a-]", "b", false, false},
	{"[a-]x", "x", false, true},   // "x" is inside the (unterminated) class
	{"[a-]x", "ax", false, false}, // ... so there is nothing after the class

	// "]" straight after "[" or "[^" closes the class.
	{"[]", "]", false, false},
	{"[]a]", "a", false, false},
	{"[]a]", "]", false, false},
	{"[^]", "x", false, true},
	{"[^]", "]", false, true},
	{"[^]a]", "xa]", false, true},

	// Unterminated classes end at the end of the pattern.
	{"[", "[", false, false},
	{"[", "a", false, false},
	{"[^", "x", false, true},
	{"[^", "xy", false, false},
	{"[ab", "b", false, true},
	{"[ab", "c", false, false},
	{"x[ab", "xa", false, true},
	{"[a-", "-", false, true},
	{"[a-", "a", false, true},
	{"[a-", "b", false, false},
	{"[a-b", "b", false, true},
	{"*[", "a[", false, false},
	{"*[a", "xxa", false, true},

	// Escapes inside classes.
	{`[\]]`, "]", false, true},
	{`[\]]`, `\`, false, false},
	{`[\]`, "]", false, true}, // escaped "]", then the pattern ends
	{`[\]`, `\`, false, false},
	{`[\`, `\`, false, true}, // a lone trailing "\" is literal
	{`[\^a]`, "^", false, true},
	{`[\a-z]`, "a", false, true}, // an escaped byte never starts a range
	{`[\a-z]`, "-", false, true},
	{`[\a-z]`, "z", false, true},
	{`[\a-z]`, "b", false, false},
	{`[a-\z]`, `\`, false, true}, // range '\'..'a' plus a literal 'z'
	{`[a-\z]`, "_", false, true},
	{`[a-\z]`, "z", false, true},
	{`[a-\z]`, "b", false, false},

	// Escapes outside classes, trailing backslash.
	{`\*`, "*", false, true},
	{`\*`, "a", false, false},
	{`\?`, "?", false, true},
	{`\?`, "x", false, false},
	{`\[a]`, "[a]", false, true},
	{`\[a]`, "a", false, false},
	{`\a`, "a", false, true},
	{`\\`, `\`, false, true},
	{`\\`, `\\`, false, false},
	{`\`, `\`, false, true},
	{`a\`, `a\`, false, true},
	{`a\`, "a", false, false},
	{`*\`, `abc\`, false, true},
	{`a\*b`, "a*b", false, true},
	{`a\*b`, "axb", false, false},

	// Ranges compare signed chars: 0x80..0xff sort below 0x00.
	{"[a-\xff]", "\xff", false, true},
	{"[a-\xff]", "\x00", false, true},
	{"[a-\xff]", "a", false, true},
	{"[a-\xff]", "b", false, false},
	{"[a-\xff]", "\x80", false, false},
	{"[\x80-\xff]", "\x90", false, true},
	{"[\x80-\xff]", "a", false, false},
	{"[\x01-\x80]", "\x00", false, true},
	{"[\x01-\x80]", "\x90", false, true},
	{"[\x01-\x80]", "\x7f", false, false},

	// Case sensitivity, checked case-sensitively (KEYS) ...
	{"GET", "get", false, false},
	{"[A-C]ppend", "append", false, false},
	{"[Z-a]ppend", "append", false, true},
	{"[A-z]", "_", false, true},
	// ... and with nocase (COMMAND LIST FILTERBY PATTERN).
	{"GET", "get", true, true},
	{"G?T", "get", true, true},
	{"[G]ET", "get", true, true},
	{"[^G]ET", "get", true, false},
	{"[A-C]ppend", "append", true, true},
	{"[A-z]ppend", "append", true, true},
	{"[Z-a]ppend", "append", true, false}, // bounds fold to 'z'..'a': empty
	{`[\A]ppend`, "append", true, false},  // escaped class byte: case-sensitive
	{`[\a]ppend`, "append", true, true},
	{`\Append`, "append", true, true}, // escape outside a class does fold
	{"CONFIG|G*", "config|get", true, true},
	{"*SCAN", "scan", true, true},
	{"*SCAN", "scard", true, false},
}

// derivedTests cannot be observed through any Redis command (no nocase
// caller exposes subjects with upper-case letters or punctuation chosen by
// the client), but follow from Redis lower-casing both sides.
var derivedTests = []matchTest{
	{"get", "GET", true, true},
	{"[a-z]", "Q", true, true},
	{"[A-z]", "_", true, false}, // folded range 'a'..'z' no longer holds '_'
	{"[A-z]", "Q", true, true},
	{`[\a]`, "A", true, false},
	{`\a`, "A", true, true},
	{"\xc3\xa9", "\xc3\x89", true, false}, // only ASCII folds
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// generatedTests are long inputs, also verified against redis-server.
func generatedTests() []matchTest {
	a10k := repeat("a", 10000)
	return []matchTest{
		{"a*a*a*a*a*a*a*a*b", a10k, false, false},
		{"a*a*a*a*a*a*a*a*b", a10k + "b", false, true},
		{repeat("*a", 40) + "*b", a10k, false, false},
		{repeat("*?", 40) + "*b", a10k, false, false},
		{repeat("?", 9999) + "*", a10k, false, true},
		{repeat("?", 10001) + "*", a10k, false, false},
		// Redis gives up at the 1001st '*' group that has pattern after it.
		{repeat("*a", 1000), repeat("a", 1000), false, true},
		{repeat("*a", 1001), repeat("a", 1001), false, false},
		{repeat("*a", 1000) + "*", repeat("a", 1000), false, true},
		{repeat("*a", 1000) + "*", repeat("a", 1001), false, true},
		{repeat("a*", 1001), repeat("a", 1001), false, true},
		{repeat("a*", 1002), repeat("a", 1002), false, false},
		{repeat("a**", 1001), repeat("a", 1001), false, true},
		{repeat("a**", 1002), repeat("a", 1002), false, false},
		// Escaped or bracketed stars are not '*' groups.
		{repeat(`\*`, 2000), repeat("*", 2000), false, true},
		{repeat("[*]*", 1500), repeat("*", 1500), false, false},
		{repeat("[*]", 1500) + "*", repeat("*", 1500), false, true},
	}
}

func allMatchTests() []matchTest {
	all := append([]matchTest(nil), matchTests...)
	return append(all, generatedTests()...)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:20] + "..." + s[len(s)-17:]
	}
	return s
}

func TestMatch(t *testing.T) {
	tests := allMatchTests()
	tests = append(tests, derivedTests...)
	for _, tc := range tests {
		if got := MatchString(tc.pattern, tc.subject, tc.nocase); got != tc.want {
			t.Errorf("MatchString(%q, %q, %v) = %v, want %v",
				short(tc.pattern), short(tc.subject), tc.nocase, got, tc.want)
		}
		if got := Match([]byte(tc.pattern), []byte(tc.subject), tc.nocase); got != tc.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v",
				short(tc.pattern), short(tc.subject), tc.nocase, got, tc.want)
		}
		if got := reference(tc.pattern, tc.subject, tc.nocase); got != tc.want {
			t.Errorf("reference(%q, %q, %v) = %v, want %v",
				short(tc.pattern), short(tc.subject), tc.nocase, got, tc.want)
		}
	}
	if n := len(matchTests) + len(generatedTests()); n < 80 {
		t.Fatalf("only %d verified cases", n)
	}
}

func TestMatchNilAndEmpty(t *testing.T) {
	if !Match(nil, nil, false) || !Match(nil, []byte{}, true) {
		t.Error("empty pattern should match empty subject")
	}
	if Match(nil, []byte("x"), false) || Match([]byte("*"), nil, false) {
		t.Error("unexpected match")
	}
}

// TestNoExponentialBlowup checks that patterns which make naive
// backtracking matchers exponential finish quickly.
func TestNoExponentialBlowup(t *testing.T) {
	subject := repeat("a", 100000)
	patterns := []string{
		"a*a*a*a*a*a*a*a*b",
		repeat("*a", 500) + "b",
		repeat("*?", 500) + "b",
		repeat("a*", 999) + "b",
		"*" + repeat("a", 5000) + "*b",
	}
	for _, p := range patterns {
		start := time.Now()
		if MatchString(p, subject, false) {
			t.Errorf("%q unexpectedly matched", short(p))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q took %v", short(p), d)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	p, s := "*a*[b-d]?\\*[^x]*", "zzzaqqqcq*yzz"
	bp, bs := []byte(p), []byte(s)
	allocs := testing.AllocsPerRun(100, func() {
		MatchString(p, s, false)
		MatchString(p, s, true)
		Match(bp, bs, false)
		Match(bp, bs, true)
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per run, want 0", allocs)
	}
}

// reference is an independent, deliberately naive matcher with the same
// semantics, written as the recursive search Redis performs: each '*'
// tries every remaining start position, a '*' that exhausted them all
// tells every enclosing '*' to give up (a later start for an enclosing
// '*' can only push this one further right), and more than 1000 nested
// '*' levels never match. It is used to cross-check Match.
func reference(p, s string, nocase bool) bool {
	giveUp := false
	return refMatch(p, s, nocase, &giveUp, 0)
}

func refMatch(p, s string, nocase bool, giveUp *bool, depth int) bool {
	if depth > 1000 {
		return false
	}
	if len(s) == 0 {
		return p == ""
	}
	for len(p) > 0 {
		switch p[0] {
		case '*':
			p = strings.TrimLeft(p, "*")
			if p == "" {
				return true
			}
			for i := 0; i < len(s); i++ {
				if refMatch(p, s[i:], nocase, giveUp, depth+1) {
					return true
				}
				if *giveUp {
					return false
				}
			}
			*giveUp = true
			return false
		case '?':
			p = p[1:]
		case '[':
			ok, n := refClass(p[1:], s[0], nocase)
			if !ok {
				return false
			}
			p = p[1+n:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !refEq(p[0], s[0], nocase) {
				return false
			}
			p = p[1:]
		}
		s = s[1:]
		if s == "" {
			return strings.TrimLeft(p, "*") == ""
		}
	}
	return false
}

// refClass returns whether c is in the class body at the start of p and
// how many bytes of p the class body (including its "]", if any) uses.
func refClass(p string, c byte, nocase bool) (bool, int) {
	n := 0
	neg := strings.HasPrefix(p, "^")
	if neg {
		n++
	}
	in := false
	for n < len(p) {
		rest := p[n:]
		switch {
		case len(rest) >= 2 && rest[0] == '\\':
			in = in || rest[1] == c
			n += 2
		case rest[0] == ']':
			return in != neg, n + 1
		case len(rest) >= 3 && rest[1] == '-':
			lo, hi, v := int8(rest[0]), int8(rest[2]), int8(c)
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, v = int8(refLower(byte(lo))), int8(refLower(byte(hi))), int8(refLower(byte(v)))
			}
			in = in || (lo <= v && v <= hi)
			n += 3
		default:
			in = in || refEq(rest[0], c, nocase)
			n++
		}
	}
	return in != neg, n
}

func refLower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b | 0x20
	}
	return b
}

func refEq(a, b byte, nocase bool) bool {
	if nocase {
		return refLower(a) == refLower(b)
	}
	return a == b
}

func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte('\\')
		b.WriteByte(s[i])
	}
	return b.String()
}

func FuzzMatch(f *testing.F) {
	for _, tc := range matchTests {
		f.Add(tc.pattern, tc.subject, tc.nocase)
	}
	f.Fuzz(func(t *testing.T, pattern, subject string, nocase bool) {
		got := MatchString(pattern, subject, nocase)
		if Match([]byte(pattern), []byte(subject), nocase) != got {
			t.Fatalf("Match and MatchString disagree on %q, %q", pattern, subject)
		}
		if len(pattern) <= 64 && len(subject) <= 64 {
			// Keep the exponential-in-theory reference cheap.
			if want := reference(pattern, subject, nocase); got != want {
				t.Fatalf("MatchString(%q, %q, %v) = %v, reference says %v",
					pattern, subject, nocase, got, want)
			}
		}
		// Every byte escaped matches the subject itself, in either mode.
		if !MatchString(escapeAll(subject), subject, nocase) {
			t.Fatalf("escaped %q does not match itself", subject)
		}
		if subject != "" {
			if !MatchString("*", subject, nocase) {
				t.Fatalf("* does not match %q", subject)
			}
			if !MatchString(strings.Repeat("?", len(subject)), subject, nocase) {
				t.Fatalf("?s do not match %q", subject)
			}
		}
		// Without classes, anything matched case-sensitively is also
		// matched with nocase. (Classes break this in Redis: "[Z-a]" and
		// "[^a]" can stop matching when folded.)
		if got && !nocase && !strings.Contains(pattern, "[") &&
			!MatchString(pattern, subject, true) {
			t.Fatalf("%q matches %q but not with nocase", pattern, subject)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	benches := []struct {
		name, pattern, subject string
	}{
		{"literal", "user:1000:profile", "user:1000:profile"},
		{"prefix", "user:*", "user:1000:profile"},
		{"class", "user:[0-9][0-9]*:pro?ile", "user:1000:profile"},
		{"nocase", "USER:*:PROFILE", "user:1000:profile"},
		{"blowup", "a*a*a*a*a*a*a*a*b", repeat("a", 1000)},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			p, s := []byte(bc.pattern), []byte(bc.subject)
			nocase := bc.name == "nocase"
			b.ReportAllocs()
			for b.Loop() {
				Match(p, s, nocase)
			}
		})
	}
}
