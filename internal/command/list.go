package command

import (
	"math"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/list"
)

func init() {
	w := Write | DenyOOM | Fast
	register(
		&Command{Name: "lpush", Arity: -3, Flags: w, FirstKey: 1, LastKey: 1, Handler: lpushCmd},
		&Command{Name: "rpush", Arity: -3, Flags: w, FirstKey: 1, LastKey: 1, Handler: rpushCmd},
		&Command{Name: "lpushx", Arity: -3, Flags: w, FirstKey: 1, LastKey: 1, Handler: lpushxCmd},
		&Command{Name: "rpushx", Arity: -3, Flags: w, FirstKey: 1, LastKey: 1, Handler: rpushxCmd},
		&Command{Name: "lpop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: lpopCmd},
		&Command{Name: "rpop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: rpopCmd},
		&Command{Name: "llen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: llenCmd},
		&Command{Name: "lindex", Arity: 3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: lindexCmd},
		&Command{Name: "lset", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: lsetCmd},
		&Command{Name: "lrange", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: lrangeCmd},
		&Command{Name: "ltrim", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: ltrimCmd},
		&Command{Name: "lrem", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: lremCmd},
		&Command{Name: "linsert", Arity: 5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: linsertCmd},
		&Command{Name: "lpos", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: lposCmd},
		&Command{Name: "rpoplpush", Arity: 3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Handler: rpoplpushCmd},
		&Command{Name: "lmove", Arity: 5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Handler: lmoveCmd},
		&Command{Name: "lmpop", Arity: -4, Flags: Write, Handler: lmpopCmd},
	)
}

func (c *Ctx) getList(key []byte, write bool) (*keyspace.Entry, *list.List, bool) {
	return lookupAs[*list.List](c, key, write)
}

func lpushCmd(c *Ctx)  { c.push(true, false) }
func rpushCmd(c *Ctx)  { c.push(false, false) }
func lpushxCmd(c *Ctx) { c.push(true, true) }
func rpushxCmd(c *Ctx) { c.push(false, true) }

func (c *Ctx) push(left, onlyExisting bool) {
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		if onlyExisting {
			c.W.Int(0)
			return
		}
		l = list.New()
		e = c.DB.SetObject(c.Args[1], l, c.Now)
	} else {
		c.DB.WillModify(e)
	}
	for _, v := range c.Args[2:] {
		if left {
			l.PushLeft(string(v))
		} else {
			l.PushRight(string(v))
		}
	}
	c.DB.Modified(e, int64(len(c.Args)-2))
	c.notify(evList, pickEvent("lpush", "rpush", left), c.Args[1])
	c.W.Int(int64(l.Len()))
}

// pickEvent picks one of two event names (by list end, INCR or not, ...).
func pickEvent(leftName, rightName string, left bool) string {
	if left {
		return leftName
	}
	return rightName
}

// popped notifies a pop from key and, when it emptied the list (now
// deleted), the deletion.
func (c *Ctx) popped(key []byte, left, emptied bool) {
	c.notify(evList, pickEvent("lpop", "rpop", left), key)
	if emptied {
		c.notify(evGeneric, "del", key)
	}
}

func lpopCmd(c *Ctx) { c.pop(true) }
func rpopCmd(c *Ctx) { c.pop(false) }

func (c *Ctx) pop(left bool) {
	if len(c.Args) > 3 {
		c.WrongArity()
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
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		if count >= 0 {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	if count == 0 {
		c.W.Array(0)
		return
	}
	n := int(min(max(count, 1), int64(l.Len())))
	if count > 0 {
		c.W.Array(n)
	}
	c.popElements(e, l, c.Args[1], n, left)
}

// popElements pops n elements from an end of the list l (entry e at key),
// replying each as a bulk string, deletes the key if that emptied it, and
// tells of the change.
func (c *Ctx) popElements(e *keyspace.Entry, l *list.List, key []byte, n int, left bool) {
	c.DB.WillModify(e)
	for i := 0; i < n; i++ {
		if left {
			c.W.BulkString(l.PopLeft())
		} else {
			c.W.BulkString(l.PopRight())
		}
	}
	if l.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	c.DB.Modified(e, int64(n))
	c.popped(key, left, l.Len() == 0)
}

func llenCmd(c *Ctx) {
	_, l, ok := c.getList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(l.Len()))
}

// listIndex turns a Redis index (negative from the end) into 0..n-1, or
// -1 when it is out of range.
func listIndex(i int64, n int) int {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return -1
	}
	return int(i)
}

func lindexCmd(c *Ctx) {
	idx, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	_, l, ok := c.getList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Null()
		return
	}
	if i := listIndex(idx, l.Len()); i >= 0 {
		c.W.BulkString(l.At(i))
		return
	}
	c.W.Null()
}

func lsetCmd(c *Ctx) {
	idx, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	i := listIndex(idx, l.Len())
	if i < 0 {
		c.Error(ErrIndexRange)
		return
	}
	c.DB.WillModify(e)
	l.SetAt(i, string(c.Args[3]))
	c.DB.Modified(e, 1)
	c.notify(evList, "lset", c.Args[1])
	c.W.OK()
}

// rangeBounds clamps LRANGE/LTRIM-style inclusive bounds to 0..n-1; empty
// is true when nothing is in range.
func rangeBounds(start, end int64, n int) (s, e int, empty bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		return 0, 0, true
	}
	if end >= ln {
		end = ln - 1
	}
	return int(start), int(end), false
}

func lrangeCmd(c *Ctx) {
	start, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	_, l, ok := c.getList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.W.Array(0)
		return
	}
	s, e, empty := rangeBounds(start, end, l.Len())
	if empty {
		c.W.Array(0)
		return
	}
	c.W.Array(e - s + 1)
	a, b := l.Segments(s, e)
	for _, v := range a {
		c.W.BulkString(v)
	}
	for _, v := range b {
		c.W.BulkString(v)
	}
}

func ltrimCmd(c *Ctx) {
	start, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.OK()
		return
	}
	c.DB.WillModify(e)
	s, en, empty := rangeBounds(start, end, l.Len())
	before := l.Len()
	if empty {
		c.DB.DeleteEntry(e)
	} else {
		l.Trim(s, en)
	}
	c.DB.Modified(e, int64(before-l.Len()))
	c.notify(evList, "ltrim", c.Args[1])
	if empty {
		c.notify(evGeneric, "del", c.Args[1])
	}
	c.W.OK()
}

func lremCmd(c *Ctx) {
	count, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.DB.WillModify(e)
	elem := string(c.Args[3])
	limit := absInt64(count)
	var removed int64
	if count >= 0 {
		removed = int64(l.Filter(func(_ int, v string) bool {
			if v == elem && (limit == 0 || removed < limit) {
				removed++
				return false
			}
			return true
		}))
	} else {
		// From the tail: mark the last |count| matches, then drop them.
		drop := map[int]bool{}
		for i := l.Len() - 1; i >= 0 && int64(len(drop)) < limit; i-- {
			if l.At(i) == elem {
				drop[i] = true
			}
		}
		removed = int64(l.Filter(func(i int, _ string) bool { return !drop[i] }))
	}
	if l.Len() == 0 {
		c.DB.DeleteEntry(e)
	}
	c.DB.Modified(e, removed)
	if removed > 0 {
		c.notify(evList, "lrem", c.Args[1])
		if l.Len() == 0 {
			c.notify(evGeneric, "del", c.Args[1])
		}
	}
	c.W.Int(removed)
}

func linsertCmd(c *Ctx) {
	var after bool
	switch {
	case eqFold(c.Args[2], "after"):
		after = true
	case eqFold(c.Args[2], "before"):
	default:
		c.SyntaxError()
		return
	}
	e, l, ok := c.getList(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	pivot := string(c.Args[3])
	for i := 0; i < l.Len(); i++ {
		if l.At(i) == pivot {
			c.DB.WillModify(e)
			if after {
				i++
			}
			l.Insert(i, string(c.Args[4]))
			c.DB.Modified(e, 1)
			c.notify(evList, "linsert", c.Args[1])
			c.W.Int(int64(l.Len()))
			return
		}
	}
	c.W.Int(-1)
}

func lposCmd(c *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for i := 3; i < len(c.Args); i++ {
		more := i+1 < len(c.Args)
		switch {
		case eqFold(c.Args[i], "rank") && more:
			i++
			n, ok := parseInt(c.Args[i])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n == 0 {
				c.Error(ErrRankZero)
				return
			}
			rank = n
			if n == math.MinInt64 {
				// Redis negates it in a long, which leaves it negative: it
				// then takes the first match from the tail.
				rank = -1
			}
		case eqFold(c.Args[i], "count") && more:
			i++
			n, ok := parseInt(c.Args[i])
			if !ok || n < 0 {
				c.Error(ErrCountNegative)
				return
			}
			count = n
		case eqFold(c.Args[i], "maxlen") && more:
			i++
			n, ok := parseInt(c.Args[i])
			if !ok || n < 0 {
				c.Error(ErrMaxlenNegative)
				return
			}
			maxlen = n
		default:
			c.SyntaxError()
			return
		}
	}
	_, l, ok := c.getList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		if count >= 0 {
			c.W.Array(0)
		} else {
			c.W.Null()
		}
		return
	}
	elem := string(c.Args[2])
	n := l.Len()
	var found []int64
	skip := absInt64(rank) - 1
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if rank < 0 {
			i = n - 1 - k
		}
		if l.At(i) != elem {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		found = append(found, int64(i))
		if count < 0 || (count > 0 && int64(len(found)) >= count) {
			break
		}
	}
	if count < 0 {
		if len(found) == 0 {
			c.W.Null()
		} else {
			c.W.Int(found[0])
		}
		return
	}
	c.W.Array(len(found))
	for _, i := range found {
		c.W.Int(i)
	}
}

func rpoplpushCmd(c *Ctx) { c.lmove(c.Args[1], c.Args[2], false, true) }

func lmoveCmd(c *Ctx) {
	from, ok1 := parseSide(c.Args[3])
	to, ok2 := parseSide(c.Args[4])
	if !ok1 || !ok2 {
		c.SyntaxError()
		return
	}
	c.lmove(c.Args[1], c.Args[2], from, to)
}

// parseSide reads LEFT (true) or RIGHT (false).
func parseSide(b []byte) (left, ok bool) {
	switch {
	case eqFold(b, "left"):
		return true, true
	case eqFold(b, "right"):
		return false, true
	}
	return false, false
}

// lmove pops from src's fromLeft end and pushes onto dst's toLeft end,
// replying the element (nil when src is missing).
func (c *Ctx) lmove(src, dst []byte, fromLeft, toLeft bool) {
	se, sl, ok := c.getList(src, true)
	if !ok {
		return
	}
	if se == nil {
		c.W.Null()
		return
	}
	de, dl, ok := c.getList(dst, true)
	if !ok {
		return
	}
	c.DB.WillModify(se)
	var v string
	if fromLeft {
		v = sl.PopLeft()
	} else {
		v = sl.PopRight()
	}
	if sl.Len() == 0 && se != de {
		c.DB.DeleteEntry(se)
	}
	c.DB.Modified(se, 1)
	if de == nil {
		dl = list.New()
		de = c.DB.SetObject(dst, dl, c.Now)
	} else if de != se {
		c.DB.WillModify(de)
	}
	if toLeft {
		dl.PushLeft(v)
	} else {
		dl.PushRight(v)
	}
	c.DB.Modified(de, 1)
	// Redis's order: the push, then the pop and the source's deletion.
	c.notify(evList, pickEvent("lpush", "rpush", toLeft), dst)
	c.popped(src, fromLeft, sl.Len() == 0)
	c.W.BulkString(v)
}

// mpopArgs parses LMPOP-style arguments from index i (numkeys) on:
// numkeys keys, one of two side words (first reports the first, e.g.
// LEFT or MIN) and an optional COUNT, writing Redis's error when wrong.
func (c *Ctx) mpopArgs(i int, firstWord, secondWord string) (keys [][]byte, first bool, count int64, ok bool) {
	numkeys, ok := parseInt(c.Args[i])
	if !ok || numkeys < 1 {
		c.Error(ErrNumkeysPositive)
		return nil, false, 0, false
	}
	if numkeys > int64(len(c.Args)-i-2) {
		c.SyntaxError()
		return nil, false, 0, false
	}
	j := i + 1 + int(numkeys)
	switch {
	case eqFold(c.Args[j], firstWord):
		first = true
	case eqFold(c.Args[j], secondWord):
	default:
		c.SyntaxError()
		return nil, false, 0, false
	}
	count, countSet := int64(1), false
	for j++; j < len(c.Args); j++ {
		if eqFold(c.Args[j], "count") && j+1 < len(c.Args) && !countSet {
			j++
			n, ok := parseInt(c.Args[j])
			if !ok || n < 1 {
				c.Error(ErrCountGreaterZero)
				return nil, false, 0, false
			}
			count, countSet = n, true
			continue
		}
		c.SyntaxError()
		return nil, false, 0, false
	}
	return c.Args[i+1 : i+1+int(numkeys)], first, count, true
}

// mpopList pops up to count elements from the list at key, replying
// [key, [elements]], and reports whether it replied (a missing key: no;
// a key of another type: yes, WRONGTYPE).
func (c *Ctx) mpopList(key []byte, left bool, count int64) bool {
	e, l, ok := c.getList(key, true)
	if !ok {
		return true
	}
	if e == nil {
		return false
	}
	n := int(min(count, int64(l.Len())))
	c.W.Array(2)
	c.W.Bulk(key)
	c.W.Array(n)
	c.popElements(e, l, key, n, left)
	return true
}

func lmpopCmd(c *Ctx) {
	keys, left, count, ok := c.mpopArgs(1, "left", "right")
	if !ok {
		return
	}
	for _, key := range keys {
		if c.mpopList(key, left, count) {
			return
		}
	}
	c.W.NullArray()
}
