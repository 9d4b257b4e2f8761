package command

import (
	"math"
	"strconv"
	"strings"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// parseInt parses an integer argument with Redis's strict rules (no
// spaces, no '+', no leading zeros, within int64).
func parseInt(b []byte) (int64, bool) { return resp.ParseInt(b) }

// intArg parses an integer argument, writing Redis's error on failure.
func (c *Ctx) intArg(b []byte) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.Error(ErrNotInteger)
	}
	return n, ok
}

// parseFloat parses a double as Redis's string2d/strtod does: no leading
// space, the whole argument consumed, "inf"/"-inf" accepted, NaN refused.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 || isSpace(b[0]) {
		return 0, false
	}
	s := string(b)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// strtod accepts out-of-range values as ±HUGE_VAL with ERANGE,
		// which Redis treats as an error; hex floats and the like are
		// accepted by strtod but rare enough to refuse.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false
		}
		lower := strings.ToLower(s)
		switch lower {
		case "inf", "+inf", "infinity", "+infinity":
			return math.Inf(1), true
		case "-inf", "-infinity":
			return math.Inf(-1), true
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	// strconv accepts underscores only with base prefixes; it accepts
	// "0x1p4" hex floats like strtod. It does not accept what strtod
	// refuses, so the results agree for decimal input.
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// eqFold compares an argument with a lower-case keyword.
func eqFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// formatInt is strconv.AppendInt into a fresh slice.
func formatInt(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

func formatIntTo(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
