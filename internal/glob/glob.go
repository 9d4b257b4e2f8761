// Package glob implements the glob-style pattern matching that Redis 7.0
// uses wherever a client supplies a pattern: KEYS, SCAN ... MATCH,
// CONFIG GET, PSUBSCRIBE / PUBSUB CHANNELS, COMMAND LIST FILTERBY PATTERN
// and ACL key and channel patterns.
//
// The behaviour is meant to be byte-for-byte identical to Redis's
// stringmatchlen (src/util.c), including its corner cases, so that a client
// sees exactly the same set of keys or channels as it would from a real
// Redis server. Patterns and subjects are arbitrary byte strings; nothing
// is interpreted as UTF-8.
//
// Pattern syntax:
//
//   - matches any sequence of bytes (see the empty-subject note below)
//     ?       matches exactly one byte
//     [abc]   matches one byte that is listed in the class
//     [^abc]  matches one byte that is not listed in the class
//     [a-z]   matches one byte in the inclusive range; [z-a] is the same range
//     \x      matches the byte x literally, outside or inside a class
//
// Redis-specific corner cases reproduced here (all checked against
// redis-server 7.0.15):
//
//   - An empty subject is matched only by the empty pattern; even "*" does
//     not match it. (KEYS and SCAN special-case the exact pattern "*"
//     before they ever call the matcher; callers that want that shortcut
//     must implement it themselves.)
//   - A backslash that is the last byte of the pattern matches a literal
//     backslash.
//   - A class that is never closed ends at the end of the pattern: "[ab"
//     behaves like "[ab]", "[^" matches any single byte, "[" matches
//     nothing.
//   - "]" straight after "[" or "[^" closes the class, so "[]" matches
//     nothing and "[^]" matches any single byte.
//   - A range is recognised whenever a byte is followed by "-" and at
//     least one more pattern byte; that third byte is taken literally even
//     if it is "]" or "\". So "[a-]" is the range ']'..'a' (and is then
//     closed by the end of the pattern), and "[a-\z]" is the range
//     '\\'..'a' plus a literal 'z'. An escaped byte never starts a range:
//     "[\a-z]" matches only 'a', '-' and 'z'.
//   - Range bounds and the subject byte are compared as signed C chars, as
//     on x86-64 Redis: bytes 0x80..0xff sort below 0x00, so "[a-\xff]"
//     matches 0x00..'a' and 0xff but not 'b'.
//   - With nocase, only ASCII letters fold. Range bounds are folded to
//     lower case after being put in order, so with nocase "[A-z]" is the
//     range 'a'..'z' and "[Z-a]" (folded to 'z'..'a') matches nothing. An
//     escaped byte inside a class is always compared case-sensitively.
//   - As protection against abusive patterns, a pattern whose 1001st group
//     of consecutive '*' is followed by anything else never matches
//     (Redis gives up at a "*" nesting depth of 1000).
//
// Matching runs in O(len(pattern) * len(subject)) time in the worst case and
// never in exponential time; it does not allocate.
package glob

// maxStarGroups is the number of '*' groups that may be followed by more
// pattern. Redis refuses to recurse deeper than this many stars.
const maxStarGroups = 1000

// Match reports whether subject matches the Redis glob-style pattern.
// If nocase is true, ASCII letters match regardless of case. Match never
// panics and never allocates.
func Match(pattern, subject []byte, nocase bool) bool {
	return match(pattern, subject, nocase)
}

// MatchString is like Match but takes strings. It does not copy or allocate.
func MatchString(pattern, subject string, nocase bool) bool {
	return match(pattern, subject, nocase)
}

// text is either representation of a byte string; match and matchClass are
// instantiated once for each, so neither entry point converts or copies.
type text interface{ ~string | ~[]byte }

func match[T text](p, s T, nocase bool) bool {
	if len(s) == 0 {
		// Redis never enters its matching loop for an empty subject.
		return len(p) == 0
	}

	pi, si := 0, 0
	// Position just after the most recent '*' group, and the subject
	// offset at which that group's match would resume. Every token other
	// than '*' consumes exactly one subject byte, so on a mismatch it is
	// enough to let the most recent '*' absorb one more byte: retrying an
	// earlier '*' can never succeed where the latest one failed.
	starP, starS := -1, 0
	stars := 0

	for {
		if si == len(s) {
			// Subject exhausted: only '*'s may remain in the pattern.
			for pi < len(p) && p[pi] == '*' {
				pi++
			}
			if pi == len(p) {
				return true
			}
		} else if pi < len(p) {
			var ok bool
			switch c := p[pi]; c {
			case '*':
				for pi < len(p) && p[pi] == '*' {
					pi++
				}
				if pi == len(p) {
					return true // a trailing '*' swallows the rest
				}
				stars++
				if stars > maxStarGroups {
					return false
				}
				starP, starS = pi, si
				continue
			case '?':
				ok = true
				pi++
			case '[':
				ok, pi = matchClass(p, pi+1, s[si], nocase)
			case '\\':
				if pi+1 < len(p) {
					pi++
				}
				ok = equalByte(p[pi], s[si], nocase)
				pi++
			default:
				ok = equalByte(c, s[si], nocase)
				pi++
			}
			if ok {
				si++
				continue
			}
		}

		// Mismatch (or pattern exhausted with subject left over).
		if starP < 0 {
			return false
		}
		starS++
		if starS >= len(s) {
			// The rest of the pattern needs at least one byte, so it
			// cannot match anywhere further on.
			return false
		}
		pi, si = starP, starS
	}
}

// matchClass evaluates the class whose body starts at p[i] (just after the
// '[') against the subject byte c. It returns whether c is accepted and the
// pattern index just after the class. The end of the class does not depend
// on c.
func matchClass[T text](p T, i int, c byte, nocase bool) (bool, int) {
	negate := i < len(p) && p[i] == '^'
	if negate {
		i++
	}
	matched := false
	for i < len(p) {
		b := p[i]
		switch {
		case b == '\\' && i+1 < len(p):
			// Escaped byte: literal and, as in Redis, case-sensitive.
			i++
			if p[i] == c {
				matched = true
			}
		case b == ']':
			return matched != negate, i + 1
		case i+2 < len(p) && p[i+1] == '-':
			lo, hi := int(int8(b)), int(int8(p[i+2]))
			if lo > hi {
				lo, hi = hi, lo
			}
			v := int(int8(c))
			if nocase {
				lo, hi, v = lowerSigned(lo), lowerSigned(hi), lowerSigned(v)
			}
			if v >= lo && v <= hi {
				matched = true
			}
			i += 2
		default:
			if equalByte(b, c, nocase) {
				matched = true
			}
		}
		i++
	}
	// Unterminated class: the end of the pattern closes it.
	return matched != negate, len(p)
}

func equalByte(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lower(a) == lower(b)
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// lowerSigned folds an ASCII upper-case letter held as a signed C char.
func lowerSigned(v int) int {
	if 'A' <= v && v <= 'Z' {
		return v + ('a' - 'A')
	}
	return v
}
