package command

import (
	"math"
	"strconv"
	"strings"

	"github.com/enclavekv/enclavekv/internal/keyspace"
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

// intArgOr parses an integer argument, writing msg on failure (the
// option-specific texts some commands give instead of the generic one).
func (c *Ctx) intArgOr(b []byte, msg string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.Error(msg)
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

// lookupAs looks key up (for writing when write is set; reads count hits
// and misses) and returns its value as T: a nil entry for a missing key;
// ok is false, with WRONGTYPE written, when the key holds another type.
func lookupAs[T keyspace.Object](c *Ctx, key []byte, write bool) (e *keyspace.Entry, v T, ok bool) {
	if write {
		e = c.DB.Lookup(key, c.Now)
	} else {
		e = c.DB.LookupRead(key, c.Now)
	}
	if e == nil {
		return nil, v, true
	}
	if v, ok = e.Obj.(T); !ok {
		c.Error(ErrWrongType)
	}
	return e, v, ok
}

// removeMembers is HDEL, SREM and ZREM: remove each member of the
// collection at e (nil: missing key), delete the key once it is empty, and
// reply how many went.
func (c *Ctx) removeMembers(e *keyspace.Entry, class int, event string, members [][]byte, remove func([]byte) bool, size func() int) {
	if e == nil {
		c.W.Int(0)
		return
	}
	c.DB.WillModify(e)
	removed := 0
	for _, m := range members {
		if remove(m) {
			removed++
			if size() == 0 {
				break
			}
		}
	}
	if removed > 0 {
		emptied := size() == 0
		if emptied {
			c.DB.DeleteEntry(e)
		}
		c.DB.Modified(e, int64(removed))
		c.notify(class, event, c.Args[1])
		if emptied {
			c.notify(evGeneric, "del", c.Args[1])
		}
	}
	c.W.Int(int64(removed))
}

// scanCollect runs one *SCAN call over a collection as Redis does: whole
// steps (buckets) until COUNT items were gathered (perElem items per
// element: a field and its value are two) or 10*COUNT further steps,
// returning the elements and the next cursor. MATCH filters afterwards.
func scanCollect[T any](cursor uint64, count int64, perElem int, step func(uint64, func(T)) uint64) ([]T, uint64) {
	var out []T
	emit := func(x T) { out = append(out, x) }
	maxIter := count * 10
	for {
		cursor = step(cursor, emit)
		if cursor == 0 || maxIter == 0 {
			return out, cursor
		}
		maxIter--
		if int64(len(out)*perElem) >= count {
			return out, cursor
		}
	}
}
