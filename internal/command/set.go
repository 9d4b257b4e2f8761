package command

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/set"
)

func init() {
	register(
		&Command{Name: "sadd", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: saddCmd},
		&Command{Name: "srem", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: sremCmd},
		&Command{Name: "smove", Arity: 4, Flags: Write | Fast, FirstKey: 1, LastKey: 2, Handler: smoveCmd},
		&Command{Name: "sismember", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: sismemberCmd},
		&Command{Name: "smismember", Arity: -3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: smismemberCmd},
		&Command{Name: "scard", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: scardCmd},
		&Command{Name: "smembers", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: smembersCmd},
		&Command{Name: "spop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: spopCmd},
		&Command{Name: "srandmember", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: srandmemberCmd},
		&Command{Name: "sinter", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Handler: sinterCmd},
		&Command{Name: "sintercard", Arity: -3, Flags: ReadOnly, Handler: sintercardCmd},
		&Command{Name: "sinterstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Handler: sinterCmd},
		&Command{Name: "sunion", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Handler: sunionCmd},
		&Command{Name: "sunionstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Handler: sunionCmd},
		&Command{Name: "sdiff", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Handler: sdiffCmd},
		&Command{Name: "sdiffstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Handler: sdiffCmd},
		&Command{Name: "sscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: sscanCmd},
	)
}

// maxIntset is set-max-intset-entries.
func (c *Ctx) maxIntset() int {
	if c.St == nil || c.St.Config == nil {
		return 512
	}
	return int(c.St.Config.Int("set-max-intset-entries"))
}

func (c *Ctx) getSet(key []byte, write bool) (*keyspace.Entry, *set.Set, bool) {
	return lookupAs[*set.Set](c, key, write)
}

// setReply starts a reply of n members: a set in RESP3, an array in RESP2.
func (c *Ctx) setReply(n int) {
	if c.W.Proto > 2 {
		c.W.Set(n)
	} else {
		c.W.Array(n)
	}
}

func saddCmd(c *Ctx) {
	e, s, ok := c.getSet(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		s = set.New()
		e = c.DB.SetObject(c.Args[1], s, c.Now)
	} else {
		c.DB.WillModify(e)
	}
	added := 0
	max := c.maxIntset()
	for _, m := range c.Args[2:] {
		if s.Add(m, max) {
			added++
		}
	}
	c.DB.Modified(e, int64(added))
	if added > 0 {
		c.notify(evSet, "sadd", c.Args[1])
	}
	c.W.Int(int64(added))
}

func sremCmd(c *Ctx) {
	e, s, ok := c.getSet(c.Args[1], true)
	if ok {
		c.removeMembers(e, evSet, "srem", c.Args[2:], func(m []byte) bool { return s.Remove(m) }, func() int { return s.Len() })
	}
}

func smoveCmd(c *Ctx) {
	member := c.Args[3]
	srcE := c.DB.Lookup(c.Args[1], c.Now)
	dstE := c.DB.Lookup(c.Args[2], c.Now)
	if srcE == nil {
		c.W.Int(0)
		return
	}
	src, ok := srcE.Obj.(*set.Set)
	var dst *set.Set
	if ok && dstE != nil {
		dst, ok = dstE.Obj.(*set.Set)
	}
	if !ok {
		c.Error(ErrWrongType)
		return
	}
	if srcE == dstE {
		if src.Has(member) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	}
	if !src.Has(member) {
		c.W.Int(0)
		return
	}
	c.DB.WillModify(srcE)
	src.Remove(member)
	if src.Len() == 0 {
		c.DB.DeleteEntry(srcE)
	}
	c.DB.Modified(srcE, 1)
	c.notify(evSet, "srem", c.Args[1])
	if src.Len() == 0 {
		c.notify(evGeneric, "del", c.Args[1])
	}
	if dstE == nil {
		dst = set.New()
		dstE = c.DB.SetObject(c.Args[2], dst, c.Now)
	} else {
		c.DB.WillModify(dstE)
	}
	if dst.Add(member, c.maxIntset()) {
		c.DB.Modified(dstE, 1)
		c.notify(evSet, "sadd", c.Args[2])
	}
	c.W.Int(1)
}

func sismemberCmd(c *Ctx) {
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	if s != nil && s.Has(c.Args[2]) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

func smismemberCmd(c *Ctx) {
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.Has(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func scardCmd(c *Ctx) {
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func smembersCmd(c *Ctx) {
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.setReply(0)
		return
	}
	c.setReply(s.Len())
	s.Each(func(m string) bool { c.W.BulkString(m); return true })
}

func spopCmd(c *Ctx) {
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
	e, s, ok := c.getSet(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		if count < 0 {
			c.W.Null()
		} else {
			c.setReply(0)
		}
		return
	}
	if count == 0 {
		c.setReply(0)
		return
	}
	c.DB.WillModify(e)
	var popped []string
	if count < 0 || count < int64(s.Len()) {
		n := max(count, 1)
		for i := int64(0); i < n; i++ {
			m := s.Random(rand.Uint64)
			s.Remove([]byte(m))
			popped = append(popped, m)
		}
		if count > 1 && s.IsIntset() {
			// Redis keeps the popped intset members in their order.
			slices.SortFunc(popped, cmpIntStrings)
		}
	} else {
		// Everything: the members in the order of a set built from them,
		// as Redis replies.
		popped = rebuilt(s, c.maxIntset()).Members()
		s = set.New()
	}
	if s.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	c.DB.Modified(e, int64(len(popped)))
	c.notify(evSet, "spop", c.Args[1])
	if s.Len() == 0 {
		c.notify(evGeneric, "del", c.Args[1])
	}
	if count < 0 {
		c.W.BulkString(popped[0])
		return
	}
	c.setReply(len(popped))
	for _, m := range popped {
		c.W.BulkString(m)
	}
}

// rebuilt is a new set holding src's members, added in src's order, as
// Redis's union builds its result.
func rebuilt(src *set.Set, maxIntset int) *set.Set {
	out := set.New()
	src.Each(func(m string) bool {
		out.Add([]byte(m), maxIntset)
		return true
	})
	return out
}

func cmpIntStrings(a, b string) int {
	x, _ := parseInt([]byte(a))
	y, _ := parseInt([]byte(b))
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func srandmemberCmd(c *Ctx) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	if len(c.Args) == 2 {
		_, s, ok := c.getSet(c.Args[1], false)
		if !ok {
			return
		}
		if s == nil {
			c.W.Null()
			return
		}
		c.W.BulkString(s.Random(rand.Uint64))
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
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil || n == 0 {
		c.W.Array(0)
		return
	}
	size := s.Len()
	switch {
	case n < 0 || n == 1:
		k := int(min(uint64(absInt64(n)), math.MaxInt32))
		c.W.Array(k)
		for i := 0; i < k; i++ {
			c.W.BulkString(s.Random(rand.Uint64))
		}
	case n >= int64(size):
		members := rebuilt(s, c.maxIntset()).Members()
		c.W.Array(len(members))
		for _, m := range members {
			c.W.BulkString(m)
		}
	default:
		k := int(n)
		c.W.Array(k)
		seen := make(map[string]bool, k)
		for len(seen) < k {
			m := s.Random(rand.Uint64)
			if !seen[m] {
				seen[m] = true
				c.W.BulkString(m)
			}
		}
	}
}

// loadSets reads the sets named by keys (nil for missing keys). Every key
// is type-checked before anything else, as Redis does.
func (c *Ctx) loadSets(keys [][]byte, write bool) ([]*set.Set, bool) {
	sets := make([]*set.Set, len(keys))
	for i, k := range keys {
		_, s, ok := c.getSet(k, write)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// intersect returns the members of every set, in the order of the
// smallest; limit > 0 stops after that many.
func intersect(sets []*set.Set, limit int) []string {
	for _, s := range sets {
		if s == nil {
			return nil
		}
	}
	order := slices.Clone(sets)
	slices.SortStableFunc(order, func(a, b *set.Set) int { return a.Len() - b.Len() })
	var out []string
	order[0].Each(func(m string) bool {
		for _, o := range order[1:] {
			if !o.Has([]byte(m)) {
				return true
			}
		}
		out = append(out, m)
		return limit <= 0 || len(out) < limit
	})
	return out
}

func sinterCmd(c *Ctx) {
	store := c.Cmd.Name == "sinterstore"
	keys := c.Args[1:]
	if store {
		keys = c.Args[2:]
	}
	sets, ok := c.loadSets(keys, false) // sources are read (keymiss, hits) even when storing, as in Redis
	if !ok {
		return
	}
	members := intersect(sets, 0)
	if store {
		c.storeSet(c.Args[1], members)
		return
	}
	c.setReply(len(members))
	for _, m := range members {
		c.W.BulkString(m)
	}
}

func sintercardCmd(c *Ctx) {
	numkeys, ok := parseInt(c.Args[1])
	if !ok || numkeys < 1 {
		c.Error(ErrNumkeysPositive)
		return
	}
	if numkeys > int64(len(c.Args)-2) {
		c.Error(ErrNumkeysTooMany)
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
	sets, ok := c.loadSets(c.Args[2:2+numkeys], false)
	if !ok {
		return
	}
	c.W.Int(int64(len(intersect(sets, int(min(limit, math.MaxInt32))))))
}

// combine is SUNION's and SDIFF's result: a set built as Redis builds it
// (its order is the reply's).
func (c *Ctx) combine(sets []*set.Set, diff bool) *set.Set {
	out := set.New()
	max := c.maxIntset()
	if !diff {
		for _, s := range sets {
			if s != nil {
				s.Each(func(m string) bool { out.Add([]byte(m), max); return true })
			}
		}
		return out
	}
	if sets[0] == nil {
		return out
	}
	sets[0].Each(func(m string) bool {
		for _, o := range sets[1:] {
			if o != nil && o.Has([]byte(m)) {
				return true
			}
		}
		out.Add([]byte(m), max)
		return true
	})
	return out
}

func sunionCmd(c *Ctx) { c.unionDiff(c.Cmd.Name == "sunionstore", false) }

func sdiffCmd(c *Ctx) { c.unionDiff(c.Cmd.Name == "sdiffstore", true) }

func (c *Ctx) unionDiff(store, diff bool) {
	keys := c.Args[1:]
	if store {
		keys = c.Args[2:]
	}
	sets, ok := c.loadSets(keys, false) // sources are read (keymiss, hits) even when storing, as in Redis
	if !ok {
		return
	}
	result := c.combine(sets, diff)
	if store {
		c.storeSet(c.Args[1], result.Members())
		return
	}
	c.setReply(result.Len())
	result.Each(func(m string) bool { c.W.BulkString(m); return true })
}

// storeSet replaces dst by a set of members (deleting it when there are
// none) and replies the cardinality.
func (c *Ctx) storeSet(dst []byte, members []string) {
	if len(members) == 0 {
		if c.DB.Delete(dst, c.Now) {
			c.notify(evGeneric, "del", dst)
		}
		c.W.Int(0)
		return
	}
	s := set.New()
	max := c.maxIntset()
	for _, m := range members {
		s.Add([]byte(m), max)
	}
	c.DB.SetObject(dst, s, c.Now)
	c.notify(evSet, c.Cmd.Name, dst)
	c.W.Int(int64(s.Len()))
}

func sscanCmd(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	_, s, ok := c.getSet(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.W.Array(2)
		c.W.BulkString("0")
		c.W.Array(0)
		return
	}
	opts, ok := c.scanOptions(3, false)
	if !ok {
		return
	}
	out, cursor := scanCollect(cursor, opts.count, 1, s.Scan)
	kept := out[:0]
	for _, m := range out {
		if !opts.usePattern || glob.MatchString(opts.pattern, m, false) {
			kept = append(kept, m)
		}
	}
	c.W.Array(2)
	c.W.BulkInt(int64(cursor))
	c.W.Array(len(kept))
	for _, m := range kept {
		c.W.BulkString(m)
	}
}
