package command

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
	"github.com/enclavekv/enclavekv/internal/types/set"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

func init() {
	w, r := Write|DenyOOM|Fast, ReadOnly|Fast
	register(
		&Command{Name: "zadd", Arity: -4, Flags: w, FirstKey: 1, LastKey: 1, Handler: zaddCmd},
		&Command{Name: "zincrby", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Handler: zincrbyCmd},
		&Command{Name: "zrem", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: zremCmd},
		&Command{Name: "zcard", Arity: 2, Flags: r, FirstKey: 1, LastKey: 1, Handler: zcardCmd},
		&Command{Name: "zscore", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: zscoreCmd},
		&Command{Name: "zmscore", Arity: -3, Flags: r, FirstKey: 1, LastKey: 1, Handler: zmscoreCmd},
		&Command{Name: "zrank", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: zrankCmd},
		&Command{Name: "zrevrank", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: zrankCmd},
		&Command{Name: "zcount", Arity: 4, Flags: r, FirstKey: 1, LastKey: 1, Handler: zcountCmd},
		&Command{Name: "zlexcount", Arity: 4, Flags: r, FirstKey: 1, LastKey: 1, Handler: zlexcountCmd},
		&Command{Name: "zrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zrangestore", Arity: -5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Handler: zrangeCmd},
		&Command{Name: "zrevrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zrangebyscore", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zrevrangebyscore", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zrangebylex", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zrevrangebylex", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrangeCmd},
		&Command{Name: "zremrangebyrank", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: zremrangeCmd},
		&Command{Name: "zremrangebyscore", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: zremrangeCmd},
		&Command{Name: "zremrangebylex", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: zremrangeCmd},
		&Command{Name: "zpopmin", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: zpopCmd},
		&Command{Name: "zpopmax", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: zpopCmd},
		&Command{Name: "zmpop", Arity: -4, Flags: Write, Handler: zmpopCmd},
		&Command{Name: "zrandmember", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zrandmemberCmd},
		&Command{Name: "zunion", Arity: -3, Flags: ReadOnly, Handler: zsetOpCmd},
		&Command{Name: "zinter", Arity: -3, Flags: ReadOnly, Handler: zsetOpCmd},
		&Command{Name: "zdiff", Arity: -3, Flags: ReadOnly, Handler: zsetOpCmd},
		&Command{Name: "zunionstore", Arity: -4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: zsetOpCmd},
		&Command{Name: "zinterstore", Arity: -4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: zsetOpCmd},
		&Command{Name: "zdiffstore", Arity: -4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: zsetOpCmd},
		&Command{Name: "zintercard", Arity: -3, Flags: ReadOnly, Handler: zintercardCmd},
		&Command{Name: "zscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: zscanCmd},
	)
}

func (c *Ctx) zsetLimits() zset.Limits {
	if c.St == nil || c.St.Config == nil {
		return zset.Limits{Entries: 128, Value: 64}
	}
	return zset.Limits{
		Entries: int(c.St.Config.Int("zset-max-listpack-entries")),
		Value:   int(c.St.Config.Int("zset-max-listpack-value")),
	}
}

func (c *Ctx) getZSet(key []byte, write bool) (*keyspace.Entry, *zset.ZSet, bool) {
	return lookupAs[*zset.ZSet](c, key, write)
}

// parseScoreArg reads a score argument (ZADD, ZINCRBY, WEIGHTS) as
// Redis's getDoubleFromObject does: not empty, no leading blank, then
// strtod over the whole rest, NaN refused.
func parseScoreArg(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	return parseScore(b)
}

// parseScore reads a range bound as Redis's strtod-based parsers do:
// leading blanks allowed, the whole rest consumed (an empty string is 0),
// hexadecimal accepted, NaN refused.
func parseScore(b []byte) (float64, bool) {
	s := strings.TrimLeft(string(b), " \t\n\r\v\f")
	if s == "" {
		return 0, true
	}
	if u := strings.TrimLeft(s, "+-"); len(s)-len(u) <= 1 && len(u) > 2 && u[0] == '0' && (u[1] == 'x' || u[1] == 'X') &&
		!strings.ContainsAny(u, "pP_") {
		s += "p0" // strtod's hex without an exponent; Go wants one
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, !math.IsNaN(f)
		}
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// scoreRange is a ZRANGEBYSCORE-style interval.
type scoreRange struct {
	min, max     float64
	minex, maxex bool
}

func parseScoreRange(minArg, maxArg []byte) (r scoreRange, ok bool) {
	one := func(b []byte) (float64, bool, bool) {
		ex := len(b) > 0 && b[0] == '('
		if ex {
			b = b[1:]
		}
		f, ok := parseScore(b)
		return f, ex, ok
	}
	var ok1, ok2 bool
	r.min, r.minex, ok1 = one(minArg)
	r.max, r.maxex, ok2 = one(maxArg)
	return r, ok1 && ok2
}

// before reports whether a score lies below the interval; after, above.
func (r scoreRange) below(s float64) bool { return s < r.min || (r.minex && s == r.min) }
func (r scoreRange) upTo(s float64) bool  { return s < r.max || (!r.maxex && s == r.max) }

// lexRange is a ZRANGEBYLEX-style interval; "-" and "+" are the ends.
type lexRange struct {
	min, max       string
	minInf, maxInf int // -1 for "-", +1 for "+", 0 for a string
	minex, maxex   bool
}

func parseLexItem(b []byte) (s string, inf int, ex, ok bool) {
	switch {
	case len(b) == 1 && b[0] == '-':
		return "", -1, false, true
	case len(b) == 1 && b[0] == '+':
		return "", 1, false, true
	case len(b) > 0 && b[0] == '(':
		return string(b[1:]), 0, true, true
	case len(b) > 0 && b[0] == '[':
		return string(b[1:]), 0, false, true
	}
	return "", 0, false, false
}

func parseLexRange(minArg, maxArg []byte) (r lexRange, ok bool) {
	var ok1, ok2 bool
	r.min, r.minInf, r.minex, ok1 = parseLexItem(minArg)
	r.max, r.maxInf, r.maxex, ok2 = parseLexItem(maxArg)
	return r, ok1 && ok2
}

// below reports whether m sorts before the interval's start.
func (r lexRange) below(m string) bool {
	switch r.minInf {
	case -1:
		return false
	case 1:
		return true
	}
	return m < r.min || (r.minex && m == r.min)
}

// upTo reports whether m sorts at or before the interval's end.
func (r lexRange) upTo(m string) bool {
	switch r.maxInf {
	case -1:
		return false
	case 1:
		return true
	}
	return m < r.max || (!r.maxex && m == r.max)
}

// ranks returns the 0-based rank interval [from, to) of the elements in a
// score or lex range.
func scoreRanks(z *zset.ZSet, r scoreRange) (int, int) {
	from := z.CountBefore(func(s float64, _ string) bool { return r.below(s) })
	to := z.CountBefore(func(s float64, _ string) bool { return r.upTo(s) })
	return from, max(from, to)
}

func lexRanks(z *zset.ZSet, r lexRange) (int, int) {
	from := z.CountBefore(func(_ float64, m string) bool { return r.below(m) })
	to := z.CountBefore(func(_ float64, m string) bool { return r.upTo(m) })
	return from, max(from, to)
}

func zaddCmd(c *Ctx) { zaddArgs(c, c.Args) }

// zaddArgs is ZADD with the given arguments (GEOADD passes its own).
func zaddArgs(c *Ctx, args [][]byte) {
	var nx, xx, gt, lt, ch, incr bool
	i := 2
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "nx"):
			nx = true
		case eqFold(a, "xx"):
			xx = true
		case eqFold(a, "gt"):
			gt = true
		case eqFold(a, "lt"):
			lt = true
		case eqFold(a, "ch"):
			ch = true
		case eqFold(a, "incr"):
			incr = true
		default:
			goto pairs
		}
	}
pairs:
	n := len(args) - i
	if n == 0 || n%2 != 0 {
		c.SyntaxError()
		return
	}
	switch {
	case nx && xx:
		c.Error(ErrZaddXXNX)
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		c.Error(ErrGTLTNX)
		return
	case incr && n > 2:
		c.Error(ErrZaddIncrPair)
		return
	}
	scores := make([]float64, n/2)
	for j := range scores {
		f, ok := parseScoreArg(args[i+2*j])
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		scores[j] = f
	}
	e, z, ok := c.getZSet(args[1], true)
	if !ok {
		return
	}
	if e == nil && xx {
		if incr {
			c.W.Null()
		} else {
			c.W.Int(0)
		}
		return
	}
	lim := c.zsetLimits()
	if e == nil {
		maxLen := 0
		for j := range scores {
			maxLen = max(maxLen, len(args[i+2*j+1]))
		}
		z = zset.NewSized(len(scores), maxLen, lim)
		e = c.DB.SetObject(args[1], z, c.Now)
	} else {
		c.DB.WillModify(e)
	}
	added, changed := 0, 0
	var result float64
	aborted := false
	for j, score := range scores {
		member := args[i+2*j+1]
		cur, exists := z.Score(member)
		switch {
		case exists && nx, !exists && xx:
			aborted = true
			continue
		}
		if incr && exists {
			score += cur
			if math.IsNaN(score) {
				c.Error(ErrZaddNaN)
				if z.Len() == 0 {
					c.DB.DeleteEntry(e)
				}
				return
			}
		}
		if exists && ((gt && score <= cur) || (lt && score >= cur)) {
			aborted = true
			continue
		}
		result = score
		if exists && score == cur {
			continue
		}
		z.Set(member, score, lim)
		if exists {
			changed++
		} else {
			added++
		}
	}
	if z.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	if added+changed > 0 {
		c.DB.Modified(e, int64(added+changed))
		c.notify(evZset, pickEvent("zincr", "zadd", incr), args[1])
	}
	if incr {
		if aborted {
			c.W.Null()
		} else {
			c.W.Double(result)
		}
		return
	}
	if ch {
		c.W.Int(int64(added + changed))
	} else {
		c.W.Int(int64(added))
	}
}

func zincrbyCmd(c *Ctx) {
	incr, ok := parseScoreArg(c.Args[2])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	e, z, ok := c.getZSet(c.Args[1], true)
	if !ok {
		return
	}
	member := c.Args[3]
	score := incr
	if z != nil {
		if cur, exists := z.Score(member); exists {
			score += cur
		}
	}
	if math.IsNaN(score) {
		c.Error(ErrZaddNaN)
		return
	}
	lim := c.zsetLimits()
	if e == nil {
		z = zset.NewSized(1, len(member), lim)
		e = c.DB.SetObject(c.Args[1], z, c.Now)
	} else {
		c.DB.WillModify(e)
	}
	z.Set(member, score, lim)
	c.DB.Modified(e, 1)
	c.notify(evZset, "zincr", c.Args[1])
	c.W.Double(score)
}

func zremCmd(c *Ctx) {
	e, z, ok := c.getZSet(c.Args[1], true)
	if ok {
		c.removeMembers(e, evZset, "zrem", c.Args[2:], func(m []byte) bool { return z.Remove(m) }, func() int { return z.Len() })
	}
}

func zcardCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Len()))
}

func zscoreCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z != nil {
		if s, found := z.Score(c.Args[2]); found {
			c.W.Double(s)
			return
		}
	}
	c.W.Null()
}

func zmscoreCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, found := z.Score(m); found {
				c.W.Double(s)
				continue
			}
		}
		c.W.Null()
	}
}

func zrankCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z != nil {
		if r, found := z.Rank(c.Args[2]); found {
			if c.Cmd.Name == "zrevrank" {
				r = z.Len() - 1 - r
			}
			c.W.Int(int64(r))
			return
		}
	}
	c.W.Null()
}

func zcountCmd(c *Ctx) {
	r, ok := parseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		c.Error(ErrMinMaxFloat)
		return
	}
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	from, to := scoreRanks(z, r)
	c.W.Int(int64(to - from))
}

func zlexcountCmd(c *Ctx) {
	r, ok := parseLexRange(c.Args[2], c.Args[3])
	if !ok {
		c.Error(ErrMinMaxLex)
		return
	}
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	from, to := lexRanks(z, r)
	c.W.Int(int64(to - from))
}

// Range kinds of the ZRANGE family.
const (
	byRank = iota
	byScore
	byLex
)

// zrangeCmd is ZRANGE and every legacy form, and ZRANGESTORE.
func zrangeCmd(c *Ctx) {
	name := c.Cmd.Name
	store := name == "zrangestore"
	argStart := 1
	if store {
		argStart = 2
	}
	kind, rev, kindFixed := byRank, false, true
	switch name {
	case "zrange", "zrangestore":
		kindFixed = false
	case "zrevrange":
		rev = true
	case "zrangebyscore":
		kind = byScore
	case "zrevrangebyscore":
		kind, rev = byScore, true
	case "zrangebylex":
		kind = byLex
	case "zrevrangebylex":
		kind, rev = byLex, true
	}
	revSet := kindFixed
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := argStart + 3; j < len(c.Args); j++ {
		a, left := c.Args[j], len(c.Args)-j-1
		switch {
		case !store && eqFold(a, "withscores"):
			withScores = true
		case eqFold(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.intArg(c.Args[j+1]); !ok {
				return
			}
			if limit, ok = c.intArg(c.Args[j+2]); !ok {
				return
			}
			j += 2
		case !revSet && eqFold(a, "rev"):
			rev, revSet = true, true
		case !kindFixed && eqFold(a, "bylex"):
			kind, kindFixed = byLex, true
		case !kindFixed && eqFold(a, "byscore"):
			kind, kindFixed = byScore, true
		default:
			c.SyntaxError()
			return
		}
	}
	hasLimit := limit != -1 || offset != 0
	if hasLimit && kind == byRank {
		c.Error(ErrZrangeLimit)
		return
	}
	if withScores && kind == byLex {
		c.Error(ErrZrangeWithscoresLex)
		return
	}
	minArg, maxArg := c.Args[argStart+1], c.Args[argStart+2]
	if rev && kind != byRank {
		minArg, maxArg = maxArg, minArg
	}
	var start, end int64
	var sr scoreRange
	var lr lexRange
	switch kind {
	case byRank:
		var ok bool
		if start, ok = c.intArg(minArg); !ok {
			return
		}
		if end, ok = c.intArg(maxArg); !ok {
			return
		}
	case byScore:
		var ok bool
		if sr, ok = parseScoreRange(minArg, maxArg); !ok {
			c.Error(ErrMinMaxFloat)
			return
		}
	case byLex:
		var ok bool
		if lr, ok = parseLexRange(minArg, maxArg); !ok {
			c.Error(ErrMinMaxLex)
			return
		}
	}
	_, z, ok := c.getZSet(c.Args[argStart], false)
	if !ok {
		return
	}
	var out []zset.Elem
	if z != nil {
		out = zrangeSelect(z, kind, rev, start, end, sr, lr, offset, limit)
	}
	if store {
		c.storeZSet(c.Args[1], out)
		return
	}
	c.replyElems(out, withScores)
}

// zrangeSelect returns the elements a ZRANGE selects, in reply order.
func zrangeSelect(z *zset.ZSet, kind int, rev bool, start, end int64, sr scoreRange, lr lexRange, offset, limit int64) []zset.Elem {
	n := z.Len()
	var from, to int // [from, to) in ascending ranks
	switch kind {
	case byRank:
		s, e, empty := rangeBounds(start, end, n)
		if empty {
			return nil
		}
		if rev {
			s, e = n-1-e, n-1-s
		}
		from, to = s, e+1
	case byScore:
		from, to = scoreRanks(z, sr)
	case byLex:
		from, to = lexRanks(z, lr)
	}
	if kind != byRank {
		if offset < 0 || offset >= int64(to-from) || limit == 0 {
			return nil
		}
		k := int64(to-from) - offset
		if limit > 0 {
			k = min(k, limit)
		}
		if rev {
			to -= int(offset)
			from = to - int(k)
		} else {
			from += int(offset)
			to = from + int(k)
		}
	}
	out := make([]zset.Elem, 0, to-from)
	z.Range(from, to-1, rev, func(e zset.Elem) bool { out = append(out, e); return true })
	return out
}

// replyElems writes members (with scores: pairs in RESP3, flat in RESP2).
func (c *Ctx) replyElems(out []zset.Elem, withScores bool) {
	if withScores && c.W.Proto == 2 {
		c.W.Array(2 * len(out))
	} else {
		c.W.Array(len(out))
	}
	for _, e := range out {
		if withScores && c.W.Proto > 2 {
			c.W.Array(2)
		}
		c.W.BulkString(e.Member)
		if withScores {
			c.W.Double(e.Score)
		}
	}
}

// storeZSet replaces dst by a sorted set of elems (deleting it when there
// are none) and replies the cardinality.
func (c *Ctx) storeZSet(dst []byte, elems []zset.Elem) { c.storeZSetAs(dst, elems, c.Cmd.Name) }

// storeZSetAs is storeZSet announcing the new set with the given event
// (GEORADIUS STORE's "georadiusstore", ...).
func (c *Ctx) storeZSetAs(dst []byte, elems []zset.Elem, event string) {
	if len(elems) == 0 {
		if c.DB.Delete(dst, c.Now) {
			c.notify(evGeneric, "del", dst)
		}
		c.W.Int(0)
		return
	}
	lim := c.zsetLimits()
	maxLen := 0
	for _, e := range elems {
		maxLen = max(maxLen, len(e.Member))
	}
	z := zset.NewSized(len(elems), maxLen, lim)
	for _, e := range elems {
		z.Set([]byte(e.Member), e.Score, lim)
	}
	c.DB.SetObject(dst, z, c.Now)
	c.notify(evZset, event, dst)
	c.W.Int(int64(z.Len()))
}

func zremrangeCmd(c *Ctx) {
	var start, end int64
	var sr scoreRange
	var lr lexRange
	kind := byRank
	switch c.Cmd.Name {
	case "zremrangebyrank":
		var ok bool
		if start, ok = c.intArg(c.Args[2]); !ok {
			return
		}
		if end, ok = c.intArg(c.Args[3]); !ok {
			return
		}
	case "zremrangebyscore":
		kind = byScore
		var ok bool
		if sr, ok = parseScoreRange(c.Args[2], c.Args[3]); !ok {
			c.Error(ErrMinMaxFloat)
			return
		}
	default:
		kind = byLex
		var ok bool
		if lr, ok = parseLexRange(c.Args[2], c.Args[3]); !ok {
			c.Error(ErrMinMaxLex)
			return
		}
	}
	e, z, ok := c.getZSet(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	doomed := zrangeSelect(z, kind, false, start, end, sr, lr, 0, -1)
	if len(doomed) > 0 {
		c.DB.WillModify(e)
		for _, el := range doomed {
			z.Remove([]byte(el.Member))
		}
		if z.Len() == 0 {
			c.DB.DeleteEntry(e)
		}
		c.DB.Modified(e, int64(len(doomed)))
		c.notify(evZset, c.Cmd.Name, c.Args[1])
		if z.Len() == 0 {
			c.notify(evGeneric, "del", c.Args[1])
		}
	}
	c.W.Int(int64(len(doomed)))
}

// popElems removes up to n elements from the low (or high) end of z.
func (c *Ctx) popElems(e *keyspace.Entry, z *zset.ZSet, n int, high bool) []zset.Elem {
	n = min(n, z.Len())
	var out []zset.Elem
	if high {
		z.Range(z.Len()-n, z.Len()-1, true, func(el zset.Elem) bool { out = append(out, el); return true })
	} else {
		z.Range(0, n-1, false, func(el zset.Elem) bool { out = append(out, el); return true })
	}
	c.DB.WillModify(e)
	for _, el := range out {
		z.Remove([]byte(el.Member))
	}
	if z.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	c.DB.Modified(e, int64(len(out)))
	c.notifyKey(evZset, pickEvent("zpopmin", "zpopmax", !high), e.Key)
	if z.Len() == 0 {
		c.notifyKey(evGeneric, "del", e.Key)
	}
	return out
}

func zpopCmd(c *Ctx) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		n, ok := parseInt(c.Args[2])
		if !ok || n < 0 {
			c.Error(ErrMustBePositive)
			return
		}
		count = n
	}
	e, z, ok := c.getZSet(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.W.Array(0)
		return
	}
	out := c.popElems(e, z, int(min(max(count, 1), math.MaxInt32)), c.Cmd.Name == "zpopmax")
	if count < 0 {
		// One element: a flat pair even in RESP3.
		c.W.Array(2)
		c.W.BulkString(out[0].Member)
		c.W.Double(out[0].Score)
		return
	}
	c.replyElems(out, true)
}

func zmpopCmd(c *Ctx) {
	keys, low, count, ok := c.mpopArgs(1, "min", "max")
	if !ok {
		return
	}
	high := !low
	for _, key := range keys {
		e, z, ok := c.getZSet(key, true)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		out := c.popElems(e, z, int(min(count, math.MaxInt32)), high)
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Array(len(out))
		for _, el := range out {
			c.W.Array(2)
			c.W.BulkString(el.Member)
			c.W.Double(el.Score)
		}
		return
	}
	c.W.NullArray()
}

func zrandmemberCmd(c *Ctx) {
	if len(c.Args) == 2 {
		_, z, ok := c.getZSet(c.Args[1], false)
		if !ok {
			return
		}
		if z == nil {
			c.W.Null()
			return
		}
		c.W.BulkString(z.Random(rand.Uint64).Member)
		return
	}
	n, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if n < -math.MaxInt64 {
		c.Error(ErrLongRange)
		return
	}
	withScores := false
	if len(c.Args) > 4 || len(c.Args) == 4 && !eqFold(c.Args[3], "withscores") {
		c.SyntaxError()
		return
	} else if len(c.Args) == 4 {
		withScores = true
		if n < -math.MaxInt64/2 || n > math.MaxInt64/2 {
			c.Error(ErrValueOutOfRange)
			return
		}
	}
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil || n == 0 {
		c.W.Array(0)
		return
	}
	size := z.Len()
	var out []zset.Elem
	switch {
	case n < 0 || n == 1:
		k := int(min(uint64(absInt64(n)), math.MaxInt32))
		for i := 0; i < k; i++ {
			out = append(out, z.Random(rand.Uint64))
		}
	case n >= int64(size):
		// The whole set, from the highest: Redis's set iterators start at
		// the tail.
		z.Range(0, size-1, true, func(e zset.Elem) bool { out = append(out, e); return true })
	default:
		// Distinct members; a listpack keeps its order, as Redis's random
		// listpack pairs do.
		k := int(n)
		if z.IsListpack() {
			chosen := rand.Perm(size)[:k]
			slices.Sort(chosen)
			for _, i := range chosen {
				out = append(out, z.At(i))
			}
			break
		}
		seen := make(map[string]bool, k)
		for len(out) < k {
			e := z.Random(rand.Uint64)
			if !seen[e.Member] {
				seen[e.Member] = true
				out = append(out, e)
			}
		}
	}
	c.replyElems(out, withScores)
}

// zsetInput reads a ZUNION/ZINTER/ZDIFF input: a sorted set, or a set
// whose members score 1.
type zsetInput struct {
	z *zset.ZSet
	s *set.Set
}

func (in zsetInput) len() int {
	switch {
	case in.z != nil:
		return in.z.Len()
	case in.s != nil:
		return in.s.Len()
	}
	return 0
}

func (in zsetInput) score(m []byte) (float64, bool) {
	switch {
	case in.z != nil:
		return in.z.Score(m)
	case in.s != nil:
		return 1, in.s.Has(m)
	}
	return 0, false
}

func (in zsetInput) each(fn func(m string, s float64)) {
	switch {
	case in.z != nil:
		in.z.Range(0, in.z.Len()-1, false, func(e zset.Elem) bool { fn(e.Member, e.Score); return true })
	case in.s != nil:
		in.s.Each(func(m string) bool { fn(m, 1); return true })
	}
}

// loadZInputs reads numkeys inputs; every key is type-checked first.
func (c *Ctx) loadZInputs(keys [][]byte, write bool) ([]zsetInput, bool) {
	in := make([]zsetInput, len(keys))
	for i, k := range keys {
		var e *keyspace.Entry
		if write {
			e = c.DB.Lookup(k, c.Now)
		} else {
			e = c.DB.LookupRead(k, c.Now)
		}
		if e == nil {
			continue
		}
		switch o := e.Obj.(type) {
		case *zset.ZSet:
			in[i].z = o
		case *set.Set:
			in[i].s = o
		default:
			c.Error(ErrWrongType)
			return nil, false
		}
	}
	return in, true
}

// aggregate combines two weighted scores; a NaN (inf - inf) becomes 0.
func aggregate(mode string, a, b float64) float64 {
	var r float64
	switch mode {
	case "min":
		r = math.Min(a, b)
	case "max":
		r = math.Max(a, b)
	default:
		r = a + b
	}
	if math.IsNaN(r) {
		return 0
	}
	return r
}

func weighted(s, w float64) float64 {
	r := s * w
	if math.IsNaN(r) {
		return 0
	}
	return r
}

func zsetOpCmd(c *Ctx) {
	name := c.Cmd.Name
	store := strings.HasSuffix(name, "store")
	op := strings.TrimSuffix(name, "store")[1:] // union, inter, diff
	ki := 1
	if store {
		ki = 2
	}
	numkeys, ok := c.intArg(c.Args[ki])
	if !ok {
		return
	}
	if numkeys < 1 {
		c.Errorf(ErrZsetNumkeys, name)
		return
	}
	if numkeys > int64(len(c.Args)-ki-1) {
		c.SyntaxError()
		return
	}
	keys := c.Args[ki+1 : ki+1+int(numkeys)]
	weights := make([]float64, len(keys))
	for i := range weights {
		weights[i] = 1
	}
	agg, withScores := "sum", false
	for j := ki + 1 + int(numkeys); j < len(c.Args); j++ {
		a, left := c.Args[j], len(c.Args)-j-1
		switch {
		case op != "diff" && left >= len(keys) && eqFold(a, "weights"):
			for i := range weights {
				j++
				f, ok := parseScoreArg(c.Args[j])
				if !ok {
					c.Error(ErrWeightFloat)
					return
				}
				weights[i] = f
			}
		case op != "diff" && left >= 1 && eqFold(a, "aggregate"):
			j++
			switch {
			case eqFold(c.Args[j], "sum"), eqFold(c.Args[j], "min"), eqFold(c.Args[j], "max"):
				agg = strings.ToLower(string(c.Args[j]))
			default:
				c.SyntaxError()
				return
			}
		case !store && eqFold(a, "withscores"):
			withScores = true
		default:
			c.SyntaxError()
			return
		}
	}
	in, ok := c.loadZInputs(keys, false) // sources are read (keymiss, hits) even when storing, as in Redis
	if !ok {
		return
	}
	scores := map[string]float64{}
	switch op {
	case "union":
		for i, input := range in {
			input.each(func(m string, s float64) {
				v := weighted(s, weights[i])
				if cur, seen := scores[m]; seen {
					scores[m] = aggregate(agg, cur, v)
				} else {
					scores[m] = v
				}
			})
		}
	case "inter":
		order := make([]int, len(in))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return in[a].len() - in[b].len() })
		if in[order[0]].len() > 0 {
			in[order[0]].each(func(m string, s float64) {
				v := weighted(s, weights[order[0]])
				for _, k := range order[1:] {
					other, found := in[k].score([]byte(m))
					if !found {
						return
					}
					v = aggregate(agg, v, weighted(other, weights[k]))
				}
				scores[m] = v
			})
		}
	case "diff":
		in[0].each(func(m string, s float64) {
			for _, other := range in[1:] {
				if _, found := other.score([]byte(m)); found {
					return
				}
			}
			scores[m] = s
		})
	}
	out := make([]zset.Elem, 0, len(scores))
	for m, s := range scores {
		out = append(out, zset.Elem{Member: m, Score: s})
	}
	slices.SortFunc(out, func(a, b zset.Elem) int {
		switch {
		case a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member):
			return -1
		case a.Score == b.Score && a.Member == b.Member:
			return 0
		}
		return 1
	})
	if store {
		c.storeZSet(c.Args[1], out)
		return
	}
	c.replyElems(out, withScores)
}

func zintercardCmd(c *Ctx) {
	numkeys, ok := c.intArg(c.Args[1])
	if !ok {
		return
	}
	if numkeys < 1 {
		c.Errorf(ErrZsetNumkeys, c.Cmd.Name)
		return
	}
	if numkeys > int64(len(c.Args)-2) {
		c.SyntaxError()
		return
	}
	limit := int64(0)
	for j := 2 + int(numkeys); j < len(c.Args); j++ {
		if eqFold(c.Args[j], "limit") && j+1 < len(c.Args) {
			j++
			n, ok := parseInt(c.Args[j])
			if !ok || n < 0 {
				c.Error(ErrLimitNegative)
				return
			}
			limit = n
			continue
		}
		c.SyntaxError()
		return
	}
	in, ok := c.loadZInputs(c.Args[2:2+numkeys], false)
	if !ok {
		return
	}
	order := slices.Clone(in)
	slices.SortStableFunc(order, func(a, b zsetInput) int { return a.len() - b.len() })
	count := int64(0)
	if order[0].len() > 0 {
		order[0].each(func(m string, _ float64) {
			if limit > 0 && count >= limit {
				return
			}
			for _, o := range order[1:] {
				if _, found := o.score([]byte(m)); !found {
					return
				}
			}
			count++
		})
	}
	c.W.Int(count)
}

func zscanCmd(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Array(2)
		c.W.BulkString("0")
		c.W.Array(0)
		return
	}
	opts, ok := c.scanOptions(3, false)
	if !ok {
		return
	}
	out, cursor := scanCollect(cursor, opts.count, 2, z.Scan)
	kept := out[:0]
	for _, e := range out {
		if !opts.usePattern || glob.MatchString(opts.pattern, e.Member, false) {
			kept = append(kept, e)
		}
	}
	c.W.Array(2)
	c.W.BulkInt(int64(cursor))
	c.W.Array(2 * len(kept))
	var buf [32]byte
	for _, e := range kept {
		c.W.BulkString(e.Member)
		c.W.Bulk(appendScore(buf[:0], e.Score))
	}
}

// appendScore formats a score as Redis prints it in ZSCAN replies.
func appendScore(dst []byte, f float64) []byte { return resp.AppendDouble(dst, f) }
