package command

import (
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/bitmap"
)

// Bitmaps are strings addressed bit by bit (internal/types/bitmap does
// the arithmetic). Writes grow the string with zero bytes, up to
// proto-max-bulk-len, and leave it with Redis's "raw" encoding.

func init() {
	register(
		&Command{Name: "setbit", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: setbitCmd},
		&Command{Name: "getbit", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: getbitCmd},
		&Command{Name: "bitcount", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: bitcountCmd},
		&Command{Name: "bitpos", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: bitposCmd},
		&Command{Name: "bitop", Arity: -4, Flags: Write | DenyOOM, FirstKey: 2, LastKey: -1, Handler: bitopCmd},
		&Command{Name: "bitfield", Arity: -2, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: bitfieldCmd},
		&Command{Name: "bitfield_ro", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: bitfieldCmd},
	)
}

// bitOffsetArg parses a bit offset; with a field width, "#n" means n
// fields of that width (BITFIELD). The offset must address a byte under
// proto-max-bulk-len.
func (c *Ctx) bitOffsetArg(b []byte, fieldBits uint) (uint64, bool) {
	hash := fieldBits > 0 && len(b) > 0 && b[0] == '#'
	if hash {
		b = b[1:]
	}
	off, ok := parseInt(b)
	if ok && hash {
		off *= int64(fieldBits)
	}
	if !ok || off < 0 || off>>3 >= c.maxBulk() {
		c.Error(ErrBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// bitString returns the string at key grown with zero bytes to hold bit
// maxbit, creating it if missing, and whether it grew (a change even if
// no bit does). WillModify has been called for an existing key.
func (c *Ctx) bitString(key []byte, maxbit uint64) (e *keyspace.Entry, grew, ok bool) {
	need := int(maxbit>>3) + 1
	e = c.DB.Lookup(key, c.Now)
	if e == nil {
		e = c.DB.SetString(key, nil, c.Now, false)
		e.Str = make([]byte, need)
		e.MarkRaw()
		return e, true, true
	}
	if e.Obj != nil {
		c.Error(ErrWrongType)
		return nil, false, false
	}
	c.DB.WillModify(e)
	if need > len(e.Str) {
		if need <= cap(e.Str) {
			old := len(e.Str)
			e.Str = e.Str[:need]
			clear(e.Str[old:])
		} else {
			nb := make([]byte, need, max(need, 2*len(e.Str)))
			copy(nb, e.Str)
			e.Str = nb
		}
		grew = true
	}
	e.MarkRaw()
	return e, grew, true
}

func setbitCmd(c *Ctx) {
	off, ok := c.bitOffsetArg(c.Args[2], 0)
	if !ok {
		return
	}
	on, ok := parseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		c.Error(ErrBitValue)
		return
	}
	e, grew, ok := c.bitString(c.Args[1], off)
	if !ok {
		return
	}
	old := bitmap.Set(e.Str, off, on == 1)
	if grew || old != (on == 1) {
		c.DB.Modified(e, 1)
		c.notify(evString, "setbit", c.Args[1])
	}
	c.W.Int(b2i(old))
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func getbitCmd(c *Ctx) {
	off, ok := c.bitOffsetArg(c.Args[2], 0)
	if !ok {
		return
	}
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(b2i(bitmap.Get(e.Str, off)))
}

// bitRange turns BITCOUNT/BITPOS start and end (negative from the end,
// in bytes or in bits) into an inclusive bit range within n bytes; empty
// reports a range that holds nothing.
func bitRange(start, end int64, n int, isBit bool) (from, to uint64, empty bool) {
	total := int64(n)
	if isBit {
		total *= 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	end = min(end, total-1)
	if start > end || total == 0 {
		return 0, 0, true
	}
	if isBit {
		return uint64(start), uint64(end), false
	}
	return uint64(start) * 8, uint64(end)*8 + 7, false
}

// bitUnit parses BYTE or BIT.
func bitUnit(b []byte) (isBit, ok bool) {
	switch {
	case eqFold(b, "bit"):
		return true, true
	case eqFold(b, "byte"):
		return false, true
	}
	return false, false
}

func bitcountCmd(c *Ctx) {
	var start, end int64
	isBit := false
	switch len(c.Args) {
	case 2:
	case 4, 5:
		var ok bool
		if start, ok = c.intArg(c.Args[2]); !ok {
			return
		}
		if end, ok = c.intArg(c.Args[3]); !ok {
			return
		}
		if len(c.Args) == 5 {
			if isBit, ok = bitUnit(c.Args[4]); !ok {
				c.SyntaxError()
				return
			}
		}
	default:
		c.SyntaxError()
		return
	}
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	if len(c.Args) == 2 {
		c.W.Int(bitmap.Count(e.Str))
		return
	}
	if start < 0 && end < 0 && start > end {
		c.W.Int(0)
		return
	}
	from, to, empty := bitRange(start, end, len(e.Str), isBit)
	if empty {
		c.W.Int(0)
		return
	}
	c.W.Int(bitmap.CountBits(e.Str, from, to))
}

func bitposCmd(c *Ctx) {
	bit, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.Error(ErrBitArg)
		return
	}
	var start, end int64
	isBit, endGiven := false, false
	switch n := len(c.Args); {
	case n == 3:
	case n <= 6:
		if start, ok = c.intArg(c.Args[3]); !ok {
			return
		}
		if n == 6 {
			if isBit, ok = bitUnit(c.Args[5]); !ok {
				c.SyntaxError()
				return
			}
		}
		if n >= 5 {
			if end, ok = c.intArg(c.Args[4]); !ok {
				return
			}
			endGiven = true
		}
	default:
		c.SyntaxError()
		return
	}
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	// A missing key is an endless run of zero bits.
	if e == nil {
		c.W.Int(-1 + (1 - bit))
		return
	}
	if !endGiven {
		end = -1
	}
	from, to, empty := bitRange(start, end, len(e.Str), isBit)
	if empty {
		c.W.Int(-1)
		return
	}
	pos := bitmap.Pos(e.Str, bit == 1, from, to)
	if pos == -1 && bit == 0 && !endGiven {
		// Looking for a clear bit with no end given: the string is taken
		// as padded with zeros on the right.
		pos = int64(to) + 1
	}
	c.W.Int(pos)
}

func bitopCmd(c *Ctx) {
	var op bitmap.Op
	switch name := c.Args[1]; {
	case eqFold(name, "and"):
		op = bitmap.And
	case eqFold(name, "or"):
		op = bitmap.Or
	case eqFold(name, "xor"):
		op = bitmap.Xor
	case eqFold(name, "not"):
		op = bitmap.Not
	default:
		c.SyntaxError()
		return
	}
	dest, keys := c.Args[2], c.Args[3:]
	if op == bitmap.Not && len(keys) != 1 {
		c.Error(ErrBitopNot)
		return
	}
	srcs := make([][]byte, len(keys))
	for i, k := range keys {
		e, ok := c.readString(k)
		if !ok {
			return
		}
		if e != nil {
			srcs[i] = e.Str
		}
	}
	out := bitmap.Apply(op, srcs)
	if len(out) == 0 {
		if c.DB.Delete(dest, c.Now) {
			c.notify(evGeneric, "del", dest)
		}
		c.W.Int(0)
		return
	}
	e := c.DB.SetString(dest, nil, c.Now, false)
	e.Str = out
	e.MarkRaw()
	c.notify(evString, "set", dest)
	c.W.Int(int64(len(out)))
}

type bitfieldOp struct {
	field  bitmap.Field
	off    uint64
	kind   byte // 'g' GET, 's' SET, 'i' INCRBY
	arg    int64
	ow     bitmap.Overflow
	maxbit uint64
}

func bitfieldCmd(c *Ctx) {
	ro := c.Cmd.Name == "bitfield_ro"
	var ops []bitfieldOp
	ow := bitmap.Wrap
	readonly := true
	var maxbit uint64
	for j := 2; j < len(c.Args); j++ {
		rem := len(c.Args) - j - 1
		sub := c.Args[j]
		var op bitfieldOp
		switch {
		case eqFold(sub, "get") && rem >= 2:
			op.kind = 'g'
		case eqFold(sub, "set") && rem >= 3:
			op.kind = 's'
		case eqFold(sub, "incrby") && rem >= 3:
			op.kind = 'i'
		case eqFold(sub, "overflow") && rem >= 1:
			j++
			switch t := c.Args[j]; {
			case eqFold(t, "wrap"):
				ow = bitmap.Wrap
			case eqFold(t, "sat"):
				ow = bitmap.Sat
			case eqFold(t, "fail"):
				ow = bitmap.Fail
			default:
				c.Error(ErrBitfieldOverflow)
				return
			}
			continue
		default:
			c.SyntaxError()
			return
		}
		f, ok := bitfieldType(c.Args[j+1])
		if !ok {
			c.Error(ErrBitfieldType)
			return
		}
		off, ok := c.bitOffsetArg(c.Args[j+2], f.Bits)
		if !ok {
			return
		}
		op.field, op.off, op.ow = f, off, ow
		if op.kind != 'g' {
			readonly = false
			maxbit = max(maxbit, off+uint64(f.Bits)-1)
			if op.arg, ok = c.intArg(c.Args[j+3]); !ok {
				return
			}
			j++
		}
		ops = append(ops, op)
		j += 2
	}
	var e *keyspace.Entry
	grew := false
	if readonly {
		var ok bool
		if e, ok = c.readString(c.Args[1]); !ok {
			return
		}
	} else {
		if ro {
			c.Error(ErrBitfieldRO)
			return
		}
		var ok bool
		if e, grew, ok = c.bitString(c.Args[1], maxbit); !ok {
			return
		}
	}
	changes := int64(0)
	c.W.Array(len(ops))
	for _, op := range ops {
		if op.kind == 'g' {
			var s []byte
			if e != nil {
				s = e.Str
			}
			c.W.Int(op.field.Get(s, op.off))
			continue
		}
		old := op.field.Get(e.Str, op.off)
		var nv int64
		var overflow bool
		if op.kind == 'i' {
			nv, overflow = op.field.Add(old, op.arg, op.ow)
		} else {
			nv, overflow = op.field.Add(op.arg, 0, op.ow)
		}
		if overflow && op.ow == bitmap.Fail {
			c.W.Null()
			continue
		}
		if op.kind == 'i' {
			c.W.Int(nv)
		} else {
			c.W.Int(old)
		}
		op.field.Put(e.Str, op.off, uint64(nv))
		if grew || old != nv {
			changes++
		}
	}
	if changes > 0 {
		c.DB.Modified(e, changes)
		c.notify(evString, "setbit", c.Args[1])
	}
}

// bitfieldType parses i1..i64 or u1..u63.
func bitfieldType(b []byte) (bitmap.Field, bool) {
	if len(b) < 2 || (b[0] != 'i' && b[0] != 'u') {
		return bitmap.Field{}, false
	}
	n, ok := parseInt(b[1:])
	signed := b[0] == 'i'
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		return bitmap.Field{}, false
	}
	return bitmap.Field{Signed: signed, Bits: uint(n)}, true
}
