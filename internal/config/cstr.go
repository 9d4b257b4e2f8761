package config

// Ports of the small C string helpers Redis's config code relies on, so that
// edge cases (overflow, empty strings, whitespace) behave exactly the same.

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"syscall"
)

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// cIsSpace is C's isspace() in the C locale.
func cIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexDigitToInt(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs is sdssplitargs(): it splits a line into arguments, handling
// "double quoted" strings with escapes (\n \r \t \b \a \xHH and \<any>) and
// 'single quoted' strings (only \' is an escape). ok is false on unbalanced
// quotes or when a closing quote is not followed by a space.
func splitArgs(line string) (args []string, ok bool) {
	p := 0
	n := len(line)
	at := func(i int) byte { // NUL past the end, like a C string
		if i < n {
			return line[i]
		}
		return 0
	}
	args = []string{}
	for {
		for p < n && cIsSpace(line[p]) {
			p++
		}
		if p >= n || line[p] == 0 {
			return args, true
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				if c == '\\' && at(p+1) == 'x' && isHexDigit(at(p+2)) && isHexDigit(at(p+3)) {
					cur = append(cur, hexDigitToInt(at(p+2))*16+hexDigitToInt(at(p+3)))
					p += 3
				} else if c == '\\' && at(p+1) != 0 {
					p++
					e := at(p)
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					cur = append(cur, e)
				} else if c == '"' {
					if nx := at(p + 1); nx != 0 && !cIsSpace(nx) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
					cur = append(cur, c)
				}
			case insq:
				if c == '\\' && at(p+1) == '\'' {
					p++
					cur = append(cur, '\'')
				} else if c == '\'' {
					if nx := at(p + 1); nx != 0 && !cIsSpace(nx) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
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
			if at(p) != 0 {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

// repr is sdscatrepr(): a double quoted, escaped representation.
func repr(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				const hx = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hx[c>>4])
				b.WriteByte(hx[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// trimSet trims the bytes in set from both ends (sdstrim).
func trimSet(s, set string) string {
	i, j := 0, len(s)
	for i < j && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	for j > i && strings.IndexByte(set, s[j-1]) >= 0 {
		j--
	}
	return s[i:j]
}

// string2ll is Redis's strict integer parser: no spaces, no '+', no leading
// zeros, no overflow.
func string2ll(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	p := 0
	if s[0] == '-' {
		neg = true
		p++
		if p == len(s) {
			return 0, false
		}
	}
	if s[p] < '1' || s[p] > '9' {
		return 0, false
	}
	var v uint64
	for ; p < len(s); p++ {
		c := s[p]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// strtoll mimics C's strtoll(s, &end, base) for base 8 and 10: it skips
// leading whitespace, accepts a sign, saturates on overflow (erange=true) and
// returns the index where parsing stopped (0 when no digits were found).
func strtoll(s string, base int) (v int64, end int, erange bool) {
	p := 0
	for p < len(s) && cIsSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	var acc uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for p < len(s) {
		d := int(s[p]) - '0'
		if d < 0 || d >= base {
			break
		}
		if !erange {
			if acc > (limit-uint64(d))/uint64(base) {
				erange = true
			} else {
				acc = acc*uint64(base) + uint64(d)
			}
		}
		p++
	}
	if p == start {
		return 0, 0, false
	}
	if erange {
		if neg {
			return math.MinInt64, p, true
		}
		return math.MaxInt64, p, true
	}
	if neg {
		return int64(-acc), p, false
	}
	return int64(acc), p, false
}

// strtoull mimics C's strtoull(s, &end, 10) (saturating at ULLONG_MAX).
// A leading '-' negates the result modulo 2^64, as C does.
func strtoull(s string) (v uint64, end int) {
	p := 0
	for p < len(s) && cIsSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	over := false
	for p < len(s) && s[p] >= '0' && s[p] <= '9' {
		d := uint64(s[p] - '0')
		if !over {
			if v > (math.MaxUint64-d)/10 {
				over = true
			} else {
				v = v*10 + d
			}
		}
		p++
	}
	if p == start {
		return 0, 0
	}
	if over {
		return math.MaxUint64, p
	}
	if neg {
		v = -v
	}
	return v, p
}

// memtoull parses "1gb", "512mb", "100k", "12" ... like Redis's memtoull:
// k/m/g are powers of 1000, kb/mb/gb powers of 1024, units are case
// insensitive, overflow of the digits saturates and the multiplication
// wraps, exactly like the C code.
func memtoull(p string) (uint64, bool) {
	if len(p) > 0 && p[0] == '-' {
		return 0, false
	}
	u := 0
	for u < len(p) && p[u] >= '0' && p[u] <= '9' {
		u++
	}
	var mul uint64
	switch strings.ToLower(p[u:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if u >= 128 {
		return 0, false
	}
	v, _ := strtoull(p[:u])
	return v * mul, true
}

// strtod mimics string2d(): strtod() over the whole string, no leading
// space, no NaN, and no overflow/underflow.
func strtod(s string) (float64, bool) {
	if len(s) == 0 || cIsSpace(s[0]) {
		return 0, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if strings.Contains(s, "_") {
		return 0, false
	}
	lb := strings.ToLower(body)
	if strings.HasPrefix(lb, "0x") {
		if !strings.Contains(lb, "p") {
			s += "p0"
		}
	} else if lb == "inf" || lb == "infinity" {
		// accepted by strtod
	} else if strings.HasPrefix(lb, "nan") {
		return 0, false
	} else if strings.ContainsAny(lb, "pxn") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	if f == 0 {
		// strtod reports ERANGE when a non-zero literal underflows to 0.
		m, digits := lb, "123456789"
		if strings.HasPrefix(m, "0x") {
			m, digits = m[2:], "123456789abcdef"
			if i := strings.IndexByte(m, 'p'); i >= 0 {
				m = m[:i]
			}
		} else if i := strings.IndexByte(m, 'e'); i >= 0 {
			m = m[:i]
		}
		if strings.ContainsAny(m, digits) {
			return 0, false
		}
	}
	return f, true
}

// formatFloat is sprintf("%f") followed by trimDoubleString().
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// strerror returns glibc's strerror() text for an error from the os
// package ("No such file or directory").
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			return strings.ToUpper(msg[:1]) + msg[1:]
		}
	}
	return err.Error()
}
