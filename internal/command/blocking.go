package command

import (
	"math"
	"math/big"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

// Blocking commands. A handler first tries to serve at once, as its
// non-blocking form would. When it cannot, it describes the wait in
// Client.Blocked and replies nothing; the server then queues the client on
// the keys, first come first served, and calls ServeBlocked when one of
// them changes, or TimeoutBlocked when the deadline passes.

func init() {
	w := Write | Blocking
	register(
		&Command{Name: "blpop", Arity: -3, Flags: w | NoScript, FirstKey: 1, LastKey: -2, Handler: blpopCmd},
		&Command{Name: "brpop", Arity: -3, Flags: w | NoScript, FirstKey: 1, LastKey: -2, Handler: blpopCmd},
		&Command{Name: "brpoplpush", Arity: 4, Flags: w | DenyOOM | NoScript, FirstKey: 1, LastKey: 2, Handler: blmoveCmd},
		&Command{Name: "blmove", Arity: 6, Flags: w | DenyOOM | NoScript, FirstKey: 1, LastKey: 2, Handler: blmoveCmd},
		&Command{Name: "blmpop", Arity: -5, Flags: w, Handler: blmpopCmd},
		&Command{Name: "bzpopmin", Arity: -3, Flags: w | Fast | NoScript, FirstKey: 1, LastKey: -2, Handler: bzpopCmd},
		&Command{Name: "bzpopmax", Arity: -3, Flags: w | Fast | NoScript, FirstKey: 1, LastKey: -2, Handler: bzpopCmd},
		&Command{Name: "bzmpop", Arity: -5, Flags: w, Handler: bzmpopCmd},
	)
}

// Blocked is a client's wait: the keys (copies), the deadline (Unix ms, 0
// for ever) and how to serve it from a key that became ready. Serve
// reports whether it replied (served, or an error); if not, the client
// keeps waiting.
type Blocked struct {
	Keys     [][]byte
	Deadline int64
	Serve    func(c *Ctx, key []byte) bool
}

// ServeBlocked tries to serve cl's wait from key, writing the reply to w.
// It reports whether the wait is over.
func (x *Executor) ServeBlocked(cl *Client, key []byte, w *resp.Writer, now int64) bool {
	b := cl.Blocked
	if b == nil {
		return true
	}
	ctx := &Ctx{W: w, Client: cl, KS: x.KS, DB: x.KS.DBs[cl.DBIndex], Now: now, Srv: x.Srv, Table: x.Table, St: x.State}
	if !b.Serve(ctx, key) {
		return false
	}
	cl.Blocked = nil
	return true
}

// TimeoutBlocked ends cl's wait with Redis's timeout reply (a null array)
// or, for CLIENT UNBLOCK ... ERROR, the UNBLOCKED error.
func (x *Executor) TimeoutBlocked(cl *Client, w *resp.Writer, withError bool) {
	cl.Blocked = nil
	if withError {
		x.State.CountError(ErrUnblocked)
		w.Error(ErrUnblocked)
		return
	}
	w.NullArray()
}

// parseTimeout reads a blocking timeout in seconds (fractions allowed) and
// returns the deadline in Unix ms, 0 for none.
func (c *Ctx) parseTimeout(arg []byte) (int64, bool) {
	f := new(big.Float).SetPrec(64)
	if !parseLongDouble(f, arg) {
		c.Error(ErrTimeoutFloat)
		return 0, false
	}
	ms, _ := new(big.Float).Mul(f, big.NewFloat(1000)).Float64()
	// C's cast of a value beyond long long (inf, 1e400) gives LLONG_MIN:
	// Redis then reports it as negative.
	if f.IsInf() || ms >= math.MaxInt64 || ms < 0 && ms <= -1 {
		c.Error(ErrTimeoutNegative)
		return 0, false
	}
	t := int64(ms) // truncated, as C's cast
	if t == 0 {
		return 0, true
	}
	if t > math.MaxInt64-c.Now {
		c.Error(ErrTimeoutRange)
		return 0, false
	}
	return c.Now + t, true
}

// block makes the client wait on keys until deadline. Inside EXEC nothing
// may wait: the command answers as if it had timed out.
func (c *Ctx) block(keys [][]byte, deadline int64, serve func(c *Ctx, key []byte) bool) {
	if c.Client.InExec {
		if c.Cmd != nil && (c.Cmd.Name == "blmove" || c.Cmd.Name == "brpoplpush") {
			c.W.Null() // the single-element reply's empty form
		} else {
			c.W.NullArray()
		}
		return
	}
	cp := make([][]byte, len(keys))
	for i, k := range keys {
		cp[i] = append([]byte(nil), k...)
	}
	c.Client.Blocked = &Blocked{Keys: cp, Deadline: deadline, Serve: serve}
}

// popListKey pops one element from the list at key if there is one,
// replying [key, element]; the wait then ends.
func popListKey(c *Ctx, key []byte, left bool) bool {
	e, l, ok := c.getList(key, true)
	if !ok {
		return true // WRONGTYPE was the reply
	}
	if e == nil {
		return false
	}
	c.DB.WillModify(e)
	var v string
	if left {
		v = l.PopLeft()
	} else {
		v = l.PopRight()
	}
	if l.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	c.DB.Modified(e, 1)
	c.popped(key, left, l.Len() == 0)
	c.W.Array(2)
	c.W.Bulk(key)
	c.W.BulkString(v)
	return true
}

func blpopCmd(c *Ctx) {
	left := c.Cmd.Name == "blpop"
	deadline, ok := c.parseTimeout(c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	keys := c.Args[1 : len(c.Args)-1]
	for _, k := range keys {
		e, _, ok := c.getList(k, true)
		if !ok {
			return
		}
		if e != nil {
			popListKey(c, k, left)
			return
		}
	}
	c.block(keys, deadline, func(c *Ctx, key []byte) bool {
		// Only a list serves a list wait; another type leaves it waiting.
		if e := c.DB.Lookup(key, c.Now); e == nil || e.Kind() != keyspace.KindList {
			return false
		}
		return popListKey(c, key, left)
	})
}

func blmoveCmd(c *Ctx) {
	fromLeft, toLeft := false, true // BRPOPLPUSH
	timeoutArg := c.Args[3]
	if c.Cmd.Name == "blmove" {
		var ok1, ok2 bool
		fromLeft, ok1 = parseSide(c.Args[3])
		toLeft, ok2 = parseSide(c.Args[4])
		if !ok1 || !ok2 {
			c.SyntaxError()
			return
		}
		timeoutArg = c.Args[5]
	}
	deadline, ok := c.parseTimeout(timeoutArg)
	if !ok {
		return
	}
	src, dst := c.Args[1], c.Args[2]
	e, _, ok := c.getList(src, true)
	if !ok {
		return
	}
	if e != nil {
		c.lmove(src, dst, fromLeft, toLeft)
		return
	}
	dstCopy := append([]byte(nil), dst...)
	c.block([][]byte{src}, deadline, func(c *Ctx, key []byte) bool {
		if e := c.DB.Lookup(key, c.Now); e == nil || e.Kind() != keyspace.KindList {
			return false
		}
		c.lmove(key, dstCopy, fromLeft, toLeft)
		return true
	})
}

func blmpopCmd(c *Ctx) {
	keys, left, count, ok := c.mpopArgs(2, "left", "right")
	if !ok {
		return
	}
	deadline, ok := c.parseTimeout(c.Args[1])
	if !ok {
		return
	}
	serve := func(c *Ctx, key []byte) bool { return c.mpopList(key, left, count) }
	for _, k := range keys {
		e, _, ok := c.getList(k, true)
		if !ok {
			return
		}
		if e != nil {
			serve(c, k)
			return
		}
	}
	c.block(keys, deadline, func(c *Ctx, key []byte) bool {
		if e := c.DB.Lookup(key, c.Now); e == nil || e.Kind() != keyspace.KindList {
			return false
		}
		return serve(c, key)
	})
}

// popZSetKey pops the lowest (or highest) member of the sorted set at key,
// replying [key, member, score].
func popZSetKey(c *Ctx, key []byte, high bool) bool {
	e, z, ok := c.getZSet(key, true)
	if !ok {
		return true
	}
	if e == nil {
		return false
	}
	out := c.popElems(e, z, 1, high)
	c.W.Array(3)
	c.W.Bulk(key)
	c.W.BulkString(out[0].Member)
	c.W.Double(out[0].Score)
	return true
}

func isZSet(c *Ctx, key []byte) bool {
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		return false
	}
	_, ok := e.Obj.(*zset.ZSet)
	return ok
}

func bzpopCmd(c *Ctx) {
	high := c.Cmd.Name == "bzpopmax"
	deadline, ok := c.parseTimeout(c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	keys := c.Args[1 : len(c.Args)-1]
	for _, k := range keys {
		e, _, ok := c.getZSet(k, true)
		if !ok {
			return
		}
		if e != nil {
			popZSetKey(c, k, high)
			return
		}
	}
	c.block(keys, deadline, func(c *Ctx, key []byte) bool {
		if !isZSet(c, key) {
			return false
		}
		return popZSetKey(c, key, high)
	})
}

func bzmpopCmd(c *Ctx) {
	keys, low, count, ok := c.mpopArgs(2, "min", "max")
	if !ok {
		return
	}
	high := !low
	deadline, ok := c.parseTimeout(c.Args[1])
	if !ok {
		return
	}
	serve := func(c *Ctx, key []byte) bool {
		e, z, ok := c.getZSet(key, true)
		if !ok {
			return true
		}
		if e == nil {
			return false
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
		return true
	}
	for _, k := range keys {
		e, _, ok := c.getZSet(k, true)
		if !ok {
			return
		}
		if e != nil {
			serve(c, k)
			return
		}
	}
	c.block(keys, deadline, func(c *Ctx, key []byte) bool {
		if !isZSet(c, key) {
			return false
		}
		return serve(c, key)
	})
}
