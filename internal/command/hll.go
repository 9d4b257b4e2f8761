package command

import (
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/hll"
)

func init() {
	register(
		&Command{Name: "pfadd", Arity: -2, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: pfaddCmd},
		&Command{Name: "pfcount", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Handler: pfcountCmd},
		&Command{Name: "pfmerge", Arity: -2, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Handler: pfmergeCmd},
		&Command{Name: "pfdebug", Arity: 3, Flags: Write | DenyOOM | Admin, FirstKey: 2, LastKey: 2, Handler: pfdebugCmd},
		&Command{Name: "pfselftest", Arity: 1, Flags: Admin, Handler: pfselftestCmd},
	)
}

// HyperLogLogs are plain strings holding Redis's own representation (see
// package hll); these commands check the bytes on every access, since SET,
// SETRANGE or RESTORE can put anything there.

// sparseMaxBytes is hll-sparse-max-bytes.
func (c *Ctx) sparseMaxBytes() int {
	if c.St == nil || c.St.Config == nil {
		return hll.DefaultSparseMaxBytes
	}
	return int(min(c.St.Config.Int("hll-sparse-max-bytes"), 1<<40))
}

// hllValue checks that e holds a HyperLogLog, replying the error when not:
// WRONGTYPE for a non-string, Redis's "not a valid HyperLogLog" for a
// string that is not one.
func (c *Ctx) hllValue(e *keyspace.Entry) bool {
	if e.Obj != nil {
		c.Error(ErrWrongType)
		return false
	}
	if hll.Check(e.Str) != nil {
		c.Error(ErrNotHLL)
		return false
	}
	return true
}

// mergeSources folds the HyperLogLogs at keys into max (one byte per
// register), skipping missing keys. It reports whether one of them was
// dense, or replies an error and returns ok=false.
func (c *Ctx) mergeSources(keys [][]byte, max []uint8) (dense, ok bool) {
	for _, k := range keys {
		e := c.DB.LookupRead(k, c.Now)
		if e == nil {
			continue
		}
		if !c.hllValue(e) {
			return false, false
		}
		if !hll.IsSparse(e.Str) {
			dense = true
		}
		if hll.Merge(max, e.Str) != nil {
			c.Error(ErrHLLCorrupt)
			return false, false
		}
	}
	return dense, true
}

// PFADD key [element ...]
func pfaddCmd(c *Ctx) {
	key := c.Args[1]
	updated := int64(0)
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		e = c.DB.SetString(key, hll.New(), c.Now, false)
		updated++
	} else {
		if !c.hllValue(e) {
			return
		}
		c.DB.WillModify(e)
	}
	e.MarkRaw()
	max := c.sparseMaxBytes()
	for _, ele := range c.Args[2:] {
		h, changed, err := hll.Add(e.Str, ele, max)
		e.Str = h
		if err != nil {
			// Registers set before the corrupt spot stay set, unannounced,
			// as in Redis.
			c.Error(ErrHLLCorrupt)
			return
		}
		if changed {
			updated++
		}
	}
	if updated > 0 {
		hll.InvalidateCache(e.Str)
		c.DB.Modified(e, updated)
		c.notify(evString, "pfadd", key)
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

// PFCOUNT key [key ...]
func pfcountCmd(c *Ctx) {
	if len(c.Args) > 2 {
		// The cardinality of the union; nothing is stored.
		max := make([]uint8, hll.Registers)
		if _, ok := c.mergeSources(c.Args[1:], max); !ok {
			return
		}
		c.W.Int(int64(hll.CountRegisters(max)))
		return
	}
	e := c.DB.LookupRead(c.Args[1], c.Now)
	if e == nil {
		c.W.Int(0)
		return
	}
	if !c.hllValue(e) {
		return
	}
	e.MarkRaw()
	if card, ok := hll.CachedCard(e.Str); ok {
		c.W.Int(int64(card))
		return
	}
	card, err := hll.Count(e.Str)
	if err != nil {
		c.Error(ErrHLLCorrupt)
		return
	}
	// Refreshing the cache changes the value: a write as far as snapshots,
	// WATCH and the dirty counter are concerned, as in Redis.
	c.DB.WillModify(e)
	hll.SetCachedCard(e.Str, card)
	c.DB.Modified(e, 1)
	c.W.Int(int64(card))
}

// PFMERGE destkey [sourcekey ...]: the destination is a source too.
func pfmergeCmd(c *Ctx) {
	max := make([]uint8, hll.Registers)
	dense, ok := c.mergeSources(c.Args[1:], max)
	if !ok {
		return
	}
	key := c.Args[1]
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		e = c.DB.SetString(key, hll.New(), c.Now, false)
	} else {
		c.DB.WillModify(e)
	}
	e.MarkRaw()
	h, err := hll.Store(e.Str, max, dense, c.sparseMaxBytes())
	e.Str = h
	if err != nil {
		c.Error(ErrHLLCorrupt)
		return
	}
	c.DB.Modified(e, 1)
	// Redis announces a merge as "pfadd": a mass add of elements.
	c.notify(evString, "pfadd", key)
	c.W.OK()
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
func pfdebugCmd(c *Ctx) {
	sub, key := c.Args[1], c.Args[2]
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		c.Error(ErrHLLNoKey)
		return
	}
	if !c.hllValue(e) {
		return
	}
	e.MarkRaw()
	toDense := func() bool {
		d, err := hll.ToDense(e.Str)
		if err != nil {
			c.Error(ErrHLLCorrupt)
			return false
		}
		c.DB.WillModify(e)
		e.Str = d
		c.DB.Modified(e, 1)
		return true
	}
	switch {
	case eqFold(sub, "getreg"):
		if hll.IsSparse(e.Str) && !toDense() {
			return
		}
		regs, err := hll.RegisterValues(e.Str)
		if err != nil {
			c.Error(ErrHLLCorrupt)
			return
		}
		c.W.Array(len(regs))
		for _, v := range regs {
			c.W.Int(int64(v))
		}
	case eqFold(sub, "decode"):
		if !hll.IsSparse(e.Str) {
			c.Error(ErrHLLNotSparse)
			return
		}
		c.W.BulkString(hll.Decode(e.Str))
	case eqFold(sub, "encoding"):
		c.W.Simple(hll.Encoding(e.Str))
	case eqFold(sub, "todense"):
		if !hll.IsSparse(e.Str) {
			c.W.Int(0)
			return
		}
		if toDense() {
			c.W.Int(1)
		}
	default:
		c.Errorf(ErrPFDebugUnknown, cstr(sub))
	}
}

// PFSELFTEST checks the register accessors and the estimator's error
// bounds (hll.SelfTest), a lighter run than Redis's ten million adds.
func pfselftestCmd(c *Ctx) {
	if err := hll.SelfTest(c.sparseMaxBytes()); err != nil {
		c.Error("TESTFAILED " + err.Error())
		return
	}
	c.W.OK()
}
