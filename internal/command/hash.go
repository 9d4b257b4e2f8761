package command

import (
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/hash"
)

func init() {
	w, r := Write|DenyOOM|Fast, ReadOnly|Fast
	register(
		&Command{Name: "hset", Arity: -4, Flags: w, FirstKey: 1, LastKey: 1, Handler: hsetCmd},
		&Command{Name: "hmset", Arity: -4, Flags: w, FirstKey: 1, LastKey: 1, Handler: hsetCmd},
		&Command{Name: "hsetnx", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Handler: hsetnxCmd},
		&Command{Name: "hget", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: hgetCmd},
		&Command{Name: "hmget", Arity: -3, Flags: r, FirstKey: 1, LastKey: 1, Handler: hmgetCmd},
		&Command{Name: "hdel", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: hdelCmd},
		&Command{Name: "hlen", Arity: 2, Flags: r, FirstKey: 1, LastKey: 1, Handler: hlenCmd},
		&Command{Name: "hstrlen", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: hstrlenCmd},
		&Command{Name: "hexists", Arity: 3, Flags: r, FirstKey: 1, LastKey: 1, Handler: hexistsCmd},
		&Command{Name: "hkeys", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: hkeysCmd},
		&Command{Name: "hvals", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: hvalsCmd},
		&Command{Name: "hgetall", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: hgetallCmd},
		&Command{Name: "hincrby", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Handler: hincrbyCmd},
		&Command{Name: "hincrbyfloat", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Handler: hincrbyfloatCmd},
		&Command{Name: "hrandfield", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: hrandfieldCmd},
		&Command{Name: "hscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: hscanCmd},
	)
}

// hashLimits are the listpack thresholds in force.
func (c *Ctx) hashLimits() hash.Limits {
	if c.St == nil || c.St.Config == nil {
		return hash.Limits{Entries: 512, Value: 64}
	}
	return hash.Limits{
		Entries: int(c.St.Config.Int("hash-max-listpack-entries")),
		Value:   int(c.St.Config.Int("hash-max-listpack-value")),
	}
}

func (c *Ctx) readHash(key []byte) (*hash.Hash, bool) {
	_, h, ok := lookupAs[*hash.Hash](c, key, false)
	return h, ok
}

func (c *Ctx) writeHash(key []byte) (*keyspace.Entry, *hash.Hash, bool) {
	return lookupAs[*hash.Hash](c, key, true)
}

// hashForWrite returns the hash at key for a change, creating it if
// missing; the caller must end with c.DB.Modified.
func (c *Ctx) hashForWrite(key []byte) (*keyspace.Entry, *hash.Hash, bool) {
	e, h, ok := c.writeHash(key)
	if !ok {
		return nil, nil, false
	}
	if e == nil {
		h = hash.New()
		e = c.DB.SetObject(key, h, c.Now)
		return e, h, true
	}
	c.DB.WillModify(e)
	return e, h, true
}

func hsetCmd(c *Ctx) {
	if len(c.Args)%2 != 0 {
		c.WrongArity()
		return
	}
	e, h, ok := c.hashForWrite(c.Args[1])
	if !ok {
		return
	}
	lim := c.hashLimits()
	h.Fit(lim, c.Args[2:]...)
	added := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1], lim) {
			added++
		}
	}
	c.DB.Modified(e, int64(len(c.Args)-2)/2)
	c.notify(evHash, "hset", c.Args[1])
	if c.Cmd.Name == "hmset" {
		c.W.OK()
		return
	}
	c.W.Int(int64(added))
}

func hsetnxCmd(c *Ctx) {
	e, h, ok := c.writeHash(c.Args[1])
	if !ok {
		return
	}
	if h != nil {
		if _, exists := h.Get(c.Args[2]); exists {
			c.W.Int(0)
			return
		}
	}
	e, h, _ = c.hashForWrite(c.Args[1])
	lim := c.hashLimits()
	h.Fit(lim, c.Args[2], c.Args[3])
	h.Set(c.Args[2], c.Args[3], lim)
	c.DB.Modified(e, 1)
	c.notify(evHash, "hset", c.Args[1])
	c.W.Int(1)
}

func hgetCmd(c *Ctx) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			c.W.BulkString(v)
			return
		}
	}
	c.W.Null()
}

func hmgetCmd(c *Ctx) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, f := range c.Args[2:] {
		if h != nil {
			if v, found := h.Get(f); found {
				c.W.BulkString(v)
				continue
			}
		}
		c.W.Null()
	}
}

func hdelCmd(c *Ctx) {
	e, h, ok := c.writeHash(c.Args[1])
	if ok {
		c.removeMembers(e, evHash, "hdel", c.Args[2:], func(f []byte) bool { return h.Delete(f) }, func() int { return h.Len() })
	}
}

func hlenCmd(c *Ctx) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.Len()))
}

func hstrlenCmd(c *Ctx) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.W.Int(int64(n))
}

func hexistsCmd(c *Ctx) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	found := false
	if h != nil {
		_, found = h.Get(c.Args[2])
	}
	if found {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

func hkeysCmd(c *Ctx) { c.hashGetAll(true, false) }

func hvalsCmd(c *Ctx) { c.hashGetAll(false, true) }

func hgetallCmd(c *Ctx) { c.hashGetAll(true, true) }

// hashGetAll writes fields, values or both (a map in RESP3).
func (c *Ctx) hashGetAll(fields, values bool) {
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.W.Map(n)
	} else {
		c.W.Array(n)
	}
	if h == nil {
		return
	}
	h.Each(func(f, v string) bool {
		if fields {
			c.W.BulkString(f)
		}
		if values {
			c.W.BulkString(v)
		}
		return true
	})
}

func hincrbyCmd(c *Ctx) {
	incr, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	e, h, ok := c.writeHash(c.Args[1])
	if !ok {
		return
	}
	var cur int64
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			if cur, ok = parseInt([]byte(v)); !ok {
				c.Error(ErrHashNotInteger)
				return
			}
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	e, h, _ = c.hashForWrite(c.Args[1])
	h.Set(c.Args[2], formatInt(cur), c.hashLimits())
	c.DB.Modified(e, 1)
	c.notify(evHash, "hincrby", c.Args[1])
	c.W.Int(cur)
}

func hincrbyfloatCmd(c *Ctx) {
	incr := new(big.Float).SetPrec(64)
	if !parseLongDouble(incr, c.Args[3]) {
		c.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error(ErrValueNaNInf)
		return
	}
	e, h, ok := c.writeHash(c.Args[1])
	if !ok {
		return
	}
	cur := new(big.Float).SetPrec(64)
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			if !parseLongDouble(cur, []byte(v)) {
				c.Error(ErrHashNotFloat)
				return
			}
		}
	}
	cur.Add(cur, incr)
	if cur.IsInf() || cur.MantExp(nil) > longDoubleMaxExp {
		c.Error(ErrNaNInf)
		return
	}
	v := formatLongDouble(cur)
	e, h, _ = c.hashForWrite(c.Args[1])
	// The listpack check is on the result, not on the increment.
	h.Set(c.Args[2], []byte(v), c.hashLimits())
	c.DB.Modified(e, 1)
	c.notify(evHash, "hincrbyfloat", c.Args[1])
	c.W.BulkString(v)
}

func hrandfieldCmd(c *Ctx) {
	if len(c.Args) == 2 {
		h, ok := c.readHash(c.Args[1])
		if !ok {
			return
		}
		if h == nil {
			c.W.Null()
			return
		}
		f, _ := h.Random(rand.Uint64)
		c.W.BulkString(f)
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
	withValues := false
	if len(c.Args) > 4 || len(c.Args) == 4 && !eqFold(c.Args[3], "withvalues") {
		c.SyntaxError()
		return
	} else if len(c.Args) == 4 {
		withValues = true
		if n < -math.MaxInt64/2 || n > math.MaxInt64/2 {
			c.Error(ErrValueOutOfRange)
			return
		}
	}
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if h == nil || n == 0 {
		c.W.Array(0)
		return
	}
	pair := func(f, v string) {
		if !withValues {
			c.W.BulkString(f)
			return
		}
		if c.W.Proto > 2 {
			c.W.Array(2)
		}
		c.W.BulkString(f)
		c.W.BulkString(v)
	}
	size := h.Len()
	replyLen := func(k int) {
		if withValues && c.W.Proto == 2 {
			c.W.Array(2 * k)
		} else {
			c.W.Array(k)
		}
	}
	switch {
	case n < 0 || n == 1:
		// With repetition: each pick is independent.
		k := int(min(uint64(absInt64(n)), math.MaxInt32))
		replyLen(k)
		for i := 0; i < k; i++ {
			pair(h.Random(rand.Uint64))
		}
	case n >= int64(size):
		// More than there is: the whole hash, in its order.
		replyLen(size)
		h.Each(func(f, v string) bool { pair(f, v); return true })
	default:
		// Distinct fields, chosen uniformly (a listpack keeps its order,
		// as Redis's random listpack pairs do).
		k := int(n)
		replyLen(k)
		if h.IsListpack() {
			chosen := rand.Perm(size)[:k]
			keep := make([]bool, size)
			for _, i := range chosen {
				keep[i] = true
			}
			for i := 0; i < size; i++ {
				if keep[i] {
					pair(h.At(i))
				}
			}
			return
		}
		seen := make(map[string]bool, k)
		for len(seen) < k {
			f, v := h.Random(rand.Uint64)
			if !seen[f] {
				seen[f] = true
				pair(f, v)
			}
		}
	}
}

func absInt64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func hscanCmd(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	h, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Array(2)
		c.W.BulkString("0")
		c.W.Array(0)
		return
	}
	opts, ok := c.scanOptions(3, false)
	if !ok {
		return
	}
	type pair struct{ f, v string }
	out, cursor := scanCollect(cursor, opts.count, 2, func(cur uint64, emit func(pair)) uint64 {
		return h.Scan(cur, func(f, v string) { emit(pair{f, v}) })
	})
	kept := out[:0]
	for _, p := range out {
		if !opts.usePattern || glob.MatchString(opts.pattern, p.f, false) {
			kept = append(kept, p)
		}
	}
	c.W.Array(2)
	c.W.BulkInt(int64(cursor))
	c.W.Array(2 * len(kept))
	for _, p := range kept {
		c.W.BulkString(p.f)
		c.W.BulkString(p.v)
	}
}
