package command

import (
	"math"
	"math/big"
	"strings"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: getCmd},
		&Command{Name: "set", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: setCmd},
		&Command{Name: "setnx", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: setnxCmd},
		&Command{Name: "setex", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: setexCmd},
		&Command{Name: "psetex", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: psetexCmd},
		&Command{Name: "getset", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: getsetCmd},
		&Command{Name: "getdel", Arity: 2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: getdelCmd},
		&Command{Name: "getex", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: getexCmd},
		&Command{Name: "mget", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Handler: mgetCmd},
		&Command{Name: "mset", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Handler: msetCmd},
		&Command{Name: "msetnx", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Handler: msetnxCmd},
		&Command{Name: "append", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: appendCmd},
		&Command{Name: "strlen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: strlenCmd},
		&Command{Name: "incr", Arity: 2, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: incrCmd},
		&Command{Name: "decr", Arity: 2, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: decrCmd},
		&Command{Name: "incrby", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: incrbyCmd},
		&Command{Name: "decrby", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: decrbyCmd},
		&Command{Name: "incrbyfloat", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: incrbyfloatCmd},
		&Command{Name: "getrange", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: getrangeCmd},
		&Command{Name: "substr", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: getrangeCmd},
		&Command{Name: "setrange", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: setrangeCmd},
		&Command{Name: "lcs", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 2, Handler: lcsCmd},
	)
}

// readString looks up key for reading. It writes WRONGTYPE and returns
// ok=false when the key holds another type; e is nil for a missing key.
func (c *Ctx) readString(key []byte) (e *keyspace.Entry, ok bool) {
	e = c.DB.LookupRead(key, c.Now)
	if e != nil && e.Obj != nil {
		c.Error(ErrWrongType)
		return nil, false
	}
	return e, true
}

func getCmd(c *Ctx) {
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(e.Str)
}

// setFlags are the options shared by SET and GETEX.
type setFlags uint16

const (
	setNX setFlags = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT
)

const setAnyExpire = setEX | setPX | setEXAT | setPXAT

// parseSetOptions parses SET's (forSet) or GETEX's options starting at
// args[3] (SET) or args[2] (GETEX), with the same precedence rules as Redis.
func parseSetOptions(args [][]byte, forSet bool) (flags setFlags, expire []byte, ok bool) {
	start := 2
	if forSet {
		start = 3
	}
	for j := start; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case forSet && eqFold(opt, "nx") && flags&setXX == 0:
			flags |= setNX
		case forSet && eqFold(opt, "xx") && flags&setNX == 0:
			flags |= setXX
		case forSet && eqFold(opt, "get"):
			flags |= setGet
		case forSet && eqFold(opt, "keepttl") && flags&(setPersist|setAnyExpire) == 0:
			flags |= setKeepTTL
		case !forSet && eqFold(opt, "persist") && flags&(setKeepTTL|setAnyExpire) == 0:
			flags |= setPersist
		case eqFold(opt, "ex") && flags&(setKeepTTL|setPersist|setAnyExpire&^setEX) == 0 && hasNext:
			flags |= setEX
			expire = args[j+1]
			j++
		case eqFold(opt, "px") && flags&(setKeepTTL|setPersist|setAnyExpire&^setPX) == 0 && hasNext:
			flags |= setPX
			expire = args[j+1]
			j++
		case eqFold(opt, "exat") && flags&(setKeepTTL|setPersist|setAnyExpire&^setEXAT) == 0 && hasNext:
			flags |= setEXAT
			expire = args[j+1]
			j++
		case eqFold(opt, "pxat") && flags&(setKeepTTL|setPersist|setAnyExpire&^setPXAT) == 0 && hasNext:
			flags |= setPXAT
			expire = args[j+1]
			j++
		default:
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireAt turns an expire argument into an absolute Unix ms time, with
// Redis's validation and error text.
func (c *Ctx) expireAt(arg []byte, flags setFlags) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.Error(ErrNotInteger)
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		c.Errorf(ErrExpireTime, c.Cmd.Name)
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		n += c.Now
		if n <= 0 {
			c.Errorf(ErrExpireTime, c.Cmd.Name)
			return 0, false
		}
	}
	return n, true
}

func setCmd(c *Ctx) {
	flags, expArg, ok := parseSetOptions(c.Args, true)
	if !ok {
		c.SyntaxError()
		return
	}
	c.setGeneric(flags, c.Args[1], c.Args[2], expArg, nil, nil)
}

// setGeneric is SET and its variants. okReply/abortReply replace +OK and
// the null reply (SETNX replies 1/0).
func (c *Ctx) setGeneric(flags setFlags, key, val, expArg []byte, okReply func(), abortReply func()) {
	var at int64
	if expArg != nil {
		var ok bool
		if at, ok = c.expireAt(expArg, flags); !ok {
			return
		}
	}
	if flags&setGet != 0 {
		e, ok := c.readString(key)
		if !ok {
			return
		}
		if e == nil {
			c.W.Null()
		} else {
			c.W.Bulk(e.Str)
		}
	}
	found := c.DB.Lookup(key, c.Now) != nil
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		if flags&setGet == 0 {
			if abortReply != nil {
				abortReply()
			} else {
				c.W.Null()
			}
		}
		return
	}
	e := c.DB.SetString(key, val, c.Now, flags&setKeepTTL != 0)
	c.notify(evString, "set", key)
	if expArg != nil {
		c.DB.SetExpire(e, at)
		c.notify(evGeneric, "expire", key)
	}
	if flags&setGet == 0 {
		if okReply != nil {
			okReply()
		} else {
			c.W.OK()
		}
	}
}

func setnxCmd(c *Ctx) {
	c.setGeneric(setNX, c.Args[1], c.Args[2], nil, func() { c.W.Int(1) }, func() { c.W.Int(0) })
}

func setexCmd(c *Ctx) { c.setGeneric(setEX, c.Args[1], c.Args[3], c.Args[2], nil, nil) }

func psetexCmd(c *Ctx) { c.setGeneric(setPX, c.Args[1], c.Args[3], c.Args[2], nil, nil) }

func getsetCmd(c *Ctx) {
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
	} else {
		c.W.Bulk(e.Str)
	}
	c.DB.SetString(c.Args[1], c.Args[2], c.Now, false)
	c.notify(evString, "set", c.Args[1])
}

func getdelCmd(c *Ctx) {
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(e.Str)
	c.DB.DeleteEntry(e)
	c.notify(evGeneric, "del", c.Args[1])
}

func getexCmd(c *Ctx) {
	flags, expArg, ok := parseSetOptions(c.Args, false)
	if !ok {
		c.SyntaxError()
		return
	}
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	var at int64
	if expArg != nil {
		if at, ok = c.expireAt(expArg, flags); !ok {
			return
		}
	}
	c.W.Bulk(e.Str)
	switch {
	case flags&(setEXAT|setPXAT) != 0 && at <= c.Now:
		c.DB.DeleteEntry(e)
		c.notify(evGeneric, "del", c.Args[1])
	case expArg != nil:
		c.DB.SetExpire(e, at)
		c.DB.Modified(e, 1)
		c.notify(evGeneric, "expire", c.Args[1])
	case flags&setPersist != 0:
		if c.DB.Persist(e) {
			c.DB.Modified(e, 1)
			c.notify(evGeneric, "persist", c.Args[1])
		}
	}
}

func mgetCmd(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		e := c.DB.LookupRead(k, c.Now)
		if e == nil || e.Obj != nil {
			c.W.Null()
			continue
		}
		c.W.Bulk(e.Str)
	}
}

func msetCmd(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.WrongArity()
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.DB.SetString(c.Args[i], c.Args[i+1], c.Now, false)
		c.notify(evString, "set", c.Args[i])
	}
	c.W.OK()
}

func msetnxCmd(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.WrongArity()
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		if c.DB.Lookup(c.Args[i], c.Now) != nil {
			c.W.Int(0)
			return
		}
	}
	for i := 1; i < len(c.Args); i += 2 {
		c.DB.SetString(c.Args[i], c.Args[i+1], c.Now, false)
		c.notify(evString, "set", c.Args[i])
	}
	c.W.Int(1)
}

// maxBulk is proto-max-bulk-len, the ceiling for any string a command builds.
func (c *Ctx) maxBulk() int64 {
	if c.St == nil || c.St.Config == nil {
		return 512 << 20
	}
	return c.St.Config.Int("proto-max-bulk-len")
}

func appendCmd(c *Ctx) {
	key, val := c.Args[1], c.Args[2]
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		e = c.DB.SetString(key, val, c.Now, false)
		c.notify(evString, "append", key)
		c.W.Int(int64(len(e.Str)))
		return
	}
	if e.Obj != nil {
		c.Error(ErrWrongType)
		return
	}
	if int64(len(e.Str))+int64(len(val)) > c.maxBulk() {
		c.Error(ErrStringTooLong)
		return
	}
	c.DB.WillModify(e)
	e.Str = append(e.Str, val...)
	e.MarkRaw()
	c.DB.Modified(e, 1)
	c.notify(evString, "append", key)
	c.W.Int(int64(len(e.Str)))
}

func strlenCmd(c *Ctx) {
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(len(e.Str)))
}

func incrCmd(c *Ctx) { c.incrBy(1) }

func decrCmd(c *Ctx) { c.incrBy(-1) }

func incrbyCmd(c *Ctx) {
	n, ok := c.intArg(c.Args[2])
	if ok {
		c.incrBy(n)
	}
}

func decrbyCmd(c *Ctx) {
	n, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.Error("ERR decrement would overflow")
		return
	}
	c.incrBy(-n)
}

func (c *Ctx) incrBy(by int64) {
	key := c.Args[1]
	e := c.DB.Lookup(key, c.Now)
	var cur int64
	if e != nil {
		if e.Obj != nil {
			c.Error(ErrWrongType)
			return
		}
		var ok bool
		if cur, ok = parseInt(e.Str); !ok {
			c.Error(ErrNotInteger)
			return
		}
	}
	if (by < 0 && cur < 0 && by < math.MinInt64-cur) || (by > 0 && cur > 0 && by > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += by
	var tmp [24]byte
	v := appendInt(tmp[:0], cur)
	if e != nil {
		// Rewrite in place: same key, same TTL, fresh "int" encoding.
		c.DB.WillModify(e)
		e.Str = append(e.Str[:0], v...)
		c.DB.Modified(e, 1)
		c.ClearRaw(e)
	} else {
		c.DB.SetString(key, v, c.Now, false)
	}
	c.notify(evString, "incrby", key)
	c.W.Int(cur)
}

// ClearRaw drops the in-place-modified mark after a value is rebuilt.
func (c *Ctx) ClearRaw(e *keyspace.Entry) { keyspace.ClearRaw(e) }

func incrbyfloatCmd(c *Ctx) {
	key := c.Args[1]
	e := c.DB.Lookup(key, c.Now)
	if e != nil && e.Obj != nil {
		c.Error(ErrWrongType)
		return
	}
	cur := new(big.Float).SetPrec(64)
	if e != nil {
		if !parseLongDouble(cur, e.Str) {
			c.Error(ErrNotFloat)
			return
		}
	}
	incr := new(big.Float).SetPrec(64)
	if !parseLongDouble(incr, c.Args[2]) {
		c.Error(ErrNotFloat)
		return
	}
	if cur.IsInf() || incr.IsInf() {
		c.Error(ErrNaNInf)
		return
	}
	cur.Add(cur, incr)
	if cur.MantExp(nil) > longDoubleMaxExp {
		c.Error(ErrNaNInf)
		return
	}
	v := formatLongDouble(cur)
	if e != nil {
		c.DB.WillModify(e)
		e.Str = append(e.Str[:0], v...)
		keyspace.ClearRaw(e)
		c.DB.Modified(e, 1)
	} else {
		c.DB.SetString(key, []byte(v), c.Now, false)
	}
	c.notify(evString, "incrbyfloat", key)
	c.W.BulkString(v)
}

// Redis computes INCRBYFLOAT in C's long double: on x86-64 an 80-bit
// extended float with a 64-bit mantissa. A 64-bit-precision big.Float with
// round-to-nearest-even gives the same results, so values match Redis's to
// the printed digit.
const longDoubleMaxExp = 16384

func parseLongDouble(f *big.Float, b []byte) bool {
	if len(b) == 0 || len(b) >= 5*1024 || isSpace(b[0]) {
		return false
	}
	s := string(b)
	switch strings.ToLower(strings.TrimPrefix(s, "+")) {
	case "inf", "infinity":
		f.SetInf(false)
		return true
	case "-inf", "-infinity":
		f.SetInf(true)
		return true
	}
	f.SetMode(big.ToNearestEven)
	// strtold also reads hexadecimal ("0x10", "0x1.8p1"); base 0 gives us
	// that, but it would also take Go-only forms (0b, 0o, '_') that C rejects.
	base := 10
	if u := strings.TrimLeft(s, "+-"); len(u) > 1 && u[0] == '0' && (u[1] == 'x' || u[1] == 'X') && len(s)-len(u) <= 1 {
		if strings.IndexByte(s, '_') >= 0 {
			return false
		}
		base = 0
	}
	if _, _, err := f.Parse(s, base); err != nil {
		return false
	}
	if f.IsInf() || f.MantExp(nil) > longDoubleMaxExp {
		return false
	}
	return true
}

// formatLongDouble prints like Redis's "%.17Lf" with trailing zeros (and a
// trailing point) removed, and "-0" shown as "0".
func formatLongDouble(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func getrangeCmd(c *Ctx) {
	start, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	e, ok := c.readString(c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.BulkString("")
		return
	}
	n := int64(len(e.Str))
	if start < 0 && end < 0 && start > end {
		c.W.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.W.BulkString("")
		return
	}
	c.W.Bulk(e.Str[start : end+1])
}

func setrangeCmd(c *Ctx) {
	offset, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if offset < 0 {
		c.Error(ErrOffsetRange)
		return
	}
	key, val := c.Args[1], c.Args[3]
	e := c.DB.Lookup(key, c.Now)
	if e == nil {
		if len(val) == 0 {
			c.W.Int(0)
			return
		}
		if offset+int64(len(val)) > c.maxBulk() {
			c.Error(ErrStringTooLong)
			return
		}
		buf := make([]byte, offset+int64(len(val)))
		copy(buf[offset:], val)
		e = c.DB.SetString(key, nil, c.Now, false)
		e.Str = buf
		e.MarkRaw()
		c.notify(evString, "setrange", key)
		c.W.Int(int64(len(buf)))
		return
	}
	if e.Obj != nil {
		c.Error(ErrWrongType)
		return
	}
	if len(val) == 0 {
		c.W.Int(int64(len(e.Str)))
		return
	}
	if offset+int64(len(val)) > c.maxBulk() {
		c.Error(ErrStringTooLong)
		return
	}
	c.DB.WillModify(e)
	if need := int(offset) + len(val); need > len(e.Str) {
		if need <= cap(e.Str) {
			old := len(e.Str)
			e.Str = e.Str[:need]
			clear(e.Str[old:])
		} else {
			nb := make([]byte, need)
			copy(nb, e.Str)
			e.Str = nb
		}
	}
	copy(e.Str[offset:], val)
	e.MarkRaw()
	c.DB.Modified(e, 1)
	c.notify(evString, "setrange", key)
	c.W.Int(int64(len(e.Str)))
}

func lcsCmd(c *Ctx) {
	ea := c.DB.LookupRead(c.Args[1], c.Now)
	eb := c.DB.LookupRead(c.Args[2], c.Now)
	if (ea != nil && ea.Obj != nil) || (eb != nil && eb.Obj != nil) {
		c.Error("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if ea != nil {
		a = ea.Str
	}
	if eb != nil {
		b = eb.Str
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		more := j+1 < len(c.Args)
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withLen = true
		case eqFold(opt, "minmatchlen") && more:
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				n = 0
			}
			minLen = n
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	if getIdx && getLen {
		c.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if int64(len(a)+1)*int64(len(b)+1)*4 > c.maxBulk() {
		c.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	lcsReply(c, a, b, getLen, getIdx, withLen, minLen)
}

// lcsReply computes the longest common subsequence by dynamic programming
// and walks the table back from the end, reporting matched ranges in the
// order and shape Redis reports them.
func lcsReply(c *Ctx, a, b []byte, getLen, getIdx, withLen bool, minLen int64) {
	cols := len(b) + 1
	table := make([]uint32, (len(a)+1)*cols)
	at := func(i, j int) uint32 { return table[i*cols+j] }
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				table[i*cols+j] = at(i-1, j-1) + 1
			case at(i-1, j) > at(i, j-1):
				table[i*cols+j] = at(i-1, j)
			default:
				table[i*cols+j] = at(i, j-1)
			}
		}
	}
	total := int(at(len(a), len(b)))
	if getLen {
		c.W.Int(int64(total))
		return
	}
	if !getIdx {
		out := make([]byte, total)
		k := total
		for i, j := len(a), len(b); i > 0 && j > 0; {
			switch {
			case a[i-1] == b[j-1]:
				k--
				out[k] = a[i-1]
				i--
				j--
			case at(i-1, j) > at(i, j-1):
				i--
			default:
				j--
			}
		}
		c.W.Bulk(out)
		return
	}

	type match struct{ a0, a1, b0, b1 int }
	var matches []match
	open := false // a range is being extended backwards
	var cur match
	for i, j := len(a), len(b); i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			switch {
			case !open:
				cur = match{i - 1, i - 1, j - 1, j - 1}
				open = true
			case cur.a0 == i && cur.b0 == j:
				cur.a0--
				cur.b0--
			default:
				// Not contiguous with the open range: Redis closes the
				// open range here and does not start one at this byte.
				emit = true
			}
			if cur.a0 == 0 || cur.b0 == 0 {
				emit = true
			}
			i--
			j--
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			if open {
				emit = true
			}
		}
		if emit {
			if minLen == 0 || int64(cur.a1-cur.a0+1) >= minLen {
				matches = append(matches, cur)
			}
			open = false
		}
	}
	c.W.Map(2)
	c.W.BulkString("matches")
	c.W.Array(len(matches))
	for _, m := range matches {
		if withLen {
			c.W.Array(3)
		} else {
			c.W.Array(2)
		}
		c.W.Array(2)
		c.W.Int(int64(m.a0))
		c.W.Int(int64(m.a1))
		c.W.Array(2)
		c.W.Int(int64(m.b0))
		c.W.Int(int64(m.b1))
		if withLen {
			c.W.Int(int64(m.a1 - m.a0 + 1))
		}
	}
	c.W.BulkString("len")
	c.W.Int(int64(total))
}

func appendInt(dst []byte, n int64) []byte { return formatIntTo(dst, n) }
