package command

import (
	"bytes"
	"math"

	"github.com/enclavekv/enclavekv/internal/glob"
	"github.com/enclavekv/enclavekv/internal/keyspace"
)

func init() {
	keyspaceCat := func(more ...string) []string { return append([]string{"keyspace"}, more...) }
	register(
		&Command{Name: "del", Arity: -2, Flags: Write, FirstKey: 1, LastKey: -1, Handler: delCmd, Categories: keyspaceCat("write", "slow")},
		&Command{Name: "unlink", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: -1, Handler: delCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "exists", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Handler: existsCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "type", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: typeCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "keys", Arity: 2, Flags: ReadOnly, Handler: keysCmd, Categories: keyspaceCat("read", "slow", "dangerous")},
		&Command{Name: "scan", Arity: -2, Flags: ReadOnly, Handler: scanCmd, Categories: keyspaceCat("read", "slow")},
		&Command{Name: "randomkey", Arity: 1, Flags: ReadOnly, Handler: randomkeyCmd, Categories: keyspaceCat("read", "slow")},
		&Command{Name: "rename", Arity: 3, Flags: Write, FirstKey: 1, LastKey: 2, Handler: renameCmd, Categories: keyspaceCat("write", "slow")},
		&Command{Name: "renamenx", Arity: 3, Flags: Write | Fast, FirstKey: 1, LastKey: 2, Handler: renamenxCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "move", Arity: 3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: moveCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "copy", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Handler: copyCmd, Categories: keyspaceCat("write", "slow")},
		&Command{Name: "touch", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Handler: touchCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "dbsize", Arity: 1, Flags: ReadOnly | Fast, Handler: dbsizeCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "flushdb", Arity: -1, Flags: Write, Handler: flushdbCmd, Categories: keyspaceCat("write", "slow", "dangerous")},
		&Command{Name: "flushall", Arity: -1, Flags: Write, Handler: flushallCmd, Categories: keyspaceCat("write", "slow", "dangerous")},
		&Command{Name: "swapdb", Arity: 3, Flags: Write | Fast, Handler: swapdbCmd, Categories: keyspaceCat("write", "fast", "dangerous")},
		&Command{Name: "object", Arity: -2, Categories: []string{"slow"}, Subs: subs(
			&Command{Name: "object|encoding", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Handler: objectEncodingCmd, Categories: keyspaceCat("read", "slow")},
			&Command{Name: "object|freq", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Handler: objectFreqCmd, Categories: keyspaceCat("read", "slow")},
			&Command{Name: "object|idletime", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Handler: objectIdletimeCmd, Categories: keyspaceCat("read", "slow")},
			&Command{Name: "object|refcount", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Handler: objectRefcountCmd, Categories: keyspaceCat("read", "slow")},
			&Command{Name: "object|help", Arity: 2, Flags: Loading | Stale, Handler: objectHelpCmd, Categories: keyspaceCat("slow")},
		)},
		&Command{Name: "expire", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: expireCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "pexpire", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: pexpireCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "expireat", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: expireatCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "pexpireat", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: pexpireatCmd, Categories: keyspaceCat("write", "fast")},
		&Command{Name: "ttl", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: ttlCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "pttl", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: pttlCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "expiretime", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: expiretimeCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "pexpiretime", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: pexpiretimeCmd, Categories: keyspaceCat("read", "fast")},
		&Command{Name: "persist", Arity: 2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: persistCmd, Categories: keyspaceCat("write", "fast")},
	)
}

// Lookups follow Redis's flavours: commands that write use DB.Lookup
// (touch, no hit/miss stats), plain reads DB.LookupRead (touch and stats),
// and reads that must not disturb the access clock (EXISTS, TYPE, TTL,
// OBJECT) DB.PeekRead (stats only). Every flavour reclaims an expired key.

// DEL and UNLINK: UNLINK frees in the background in Redis; here both free
// at once (the Go collector reclaims the memory either way).
func delCmd(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Delete(k, c.Now) {
			c.notify(evGeneric, "del", k)
			n++
		}
	}
	c.W.Int(n)
}

func existsCmd(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.PeekRead(k, c.Now) != nil {
			n++
		}
	}
	c.W.Int(n)
}

func typeCmd(c *Ctx) {
	e := c.DB.PeekRead(c.Args[1], c.Now)
	c.W.Simple(typeName(e))
}

// typeName is TYPE's answer for an entry ("none" for a missing key).
func typeName(e *keyspace.Entry) string {
	if e == nil {
		return ReplyNone
	}
	return e.Kind().String()
}

// matchAll reports whether a KEYS/SCAN pattern is the lone "*", which Redis
// treats as "every key" without matching (so it also matches the empty key).
func matchAll(pattern []byte) bool { return len(pattern) == 1 && pattern[0] == '*' }

func keysCmd(c *Ctx) {
	pattern := string(c.Args[1])
	all := matchAll(c.Args[1])
	var keys []string
	c.DB.Each(c.Now, func(e *keyspace.Entry) bool {
		if all || glob.MatchString(pattern, e.Key, false) {
			keys = append(keys, e.Key)
		}
		return true
	})
	c.W.Array(len(keys))
	for _, k := range keys {
		c.W.BulkString(k)
	}
}

// parseScanCursor reads a SCAN cursor as Redis does with strtoul: base 10,
// an optional sign ("-1" wraps to 2^64-1), no leading blank, nothing after
// the digits (the argument is read up to its first NUL, so "" is 0), and
// an error on overflow.
func parseScanCursor(arg []byte) (uint64, bool) {
	if len(arg) > 0 && isSpace(arg[0]) {
		return 0, false
	}
	s := []byte(cstr(arg))
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start {
		// No digits: strtoul consumes nothing, so only the empty string
		// (end of string right away) is accepted, as cursor 0.
		return 0, len(s) == 0
	}
	if i != len(s) || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func scanCmd(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[1])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	opts, ok := c.scanOptions(2, true)
	if !ok {
		return
	}
	count, usePattern, typ := opts.count, opts.usePattern, opts.typ

	// Collect whole buckets until count keys (before filtering) or the end,
	// visiting at most 10*count further buckets, as Redis does.
	var found []*keyspace.Entry
	collect := func(e *keyspace.Entry) { found = append(found, e) }
	maxIter := count * 10
	for {
		cursor = c.DB.Scan(cursor, collect)
		if cursor == 0 || maxIter == 0 {
			break
		}
		maxIter--
		if int64(len(found)) >= count {
			break
		}
	}

	// Filter: pattern, then type (a counted, clock-neutral read that may
	// reclaim the key; then its type is "none"), then expiry.
	keys := found[:0]
	typeWant := []byte(cstr(typ))
	pat := opts.pattern
	for _, e := range found {
		if usePattern && !glob.MatchString(pat, e.Key, false) {
			continue
		}
		if typ != nil {
			te := c.DB.PeekRead([]byte(e.Key), c.Now)
			if !eqFold(typeWant, typeName(te)) {
				continue
			}
		}
		if c.DB.ExpireIfNeeded(e, c.Now) {
			continue
		}
		keys = append(keys, e)
	}

	c.W.Array(2)
	c.W.BulkInt(int64(cursor))
	c.W.Array(len(keys))
	for _, e := range keys {
		c.W.BulkString(e.Key)
	}
}

// scanOpts are SCAN's options (and HSCAN's, SSCAN's, ZSCAN's, which have
// no TYPE).
type scanOpts struct {
	count      int64
	pattern    string
	usePattern bool // a MATCH other than "*"
	typ        []byte
}

// scanOptions parses the options from argument start on, writing Redis's
// error when they are wrong.
func (c *Ctx) scanOptions(start int, allowType bool) (scanOpts, bool) {
	o := scanOpts{count: 10}
	for i := start; i < len(c.Args); i += 2 {
		opt, more := c.Args[i], len(c.Args)-i >= 2
		switch {
		case eqFold(opt, "count") && more:
			n, ok := c.intArg(c.Args[i+1])
			if !ok {
				return o, false
			}
			if n < 1 {
				c.SyntaxError()
				return o, false
			}
			o.count = n
		case eqFold(opt, "match") && more:
			o.pattern = string(c.Args[i+1])
			o.usePattern = !matchAll(c.Args[i+1])
		case allowType && eqFold(opt, "type") && more:
			o.typ = c.Args[i+1]
		default:
			c.SyntaxError()
			return o, false
		}
	}
	return o, true
}

func randomkeyCmd(c *Ctx) {
	e := c.DB.RandomKey(c.Now)
	if e == nil {
		c.W.Null()
		return
	}
	c.W.BulkString(e.Key)
}

func renameCmd(c *Ctx) { c.rename(false) }

func renamenxCmd(c *Ctx) { c.rename(true) }

func (c *Ctx) rename(nx bool) {
	src, dst := c.Args[1], c.Args[2]
	e := c.DB.Lookup(src, c.Now)
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return
	}
	if nx && c.DB.Lookup(dst, c.Now) != nil {
		c.W.Int(0)
		return
	}
	c.DB.Rename(e, dst, c.Now)
	c.notify(evGeneric, "rename_from", src)
	c.notify(evGeneric, "rename_to", dst)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

// dbIndexArg parses a database number as Redis's getIntFromObjectOrReply:
// an integer within C int range. msg replaces both default errors when set.
func (c *Ctx) dbIndexArg(arg []byte, msg string) (int, bool) {
	n, ok := parseInt(arg)
	switch {
	case !ok && msg == "":
		c.Error(ErrNotInteger)
	case ok && (n < math.MinInt32 || n > math.MaxInt32) && msg == "":
		c.Error(ErrIntRange)
		ok = false
	case !ok || n < math.MinInt32 || n > math.MaxInt32:
		c.Error(msg)
		ok = false
	}
	return int(n), ok
}

func moveCmd(c *Ctx) {
	id, ok := c.dbIndexArg(c.Args[2], "")
	if !ok {
		return
	}
	dst := c.KS.DB(id)
	if dst == nil {
		c.Error(ErrDBIndex)
		return
	}
	if dst == c.DB {
		c.Error(ErrSameObject)
		return
	}
	key := c.Args[1]
	e := c.DB.Lookup(key, c.Now)
	if e == nil || dst.Lookup(key, c.Now) != nil {
		c.W.Int(0)
		return
	}
	c.DB.MoveTo(e, dst, c.Now)
	c.notify(evGeneric, "move_from", key)
	if c.St.NotifyOn(evGeneric) {
		c.St.NotifyKeyspace(evGeneric, "move_to", key, dst.ID)
	}
	c.W.Int(1)
}

func copyCmd(c *Ctx) {
	dst := c.DB
	replace := false
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		switch {
		case eqFold(opt, "replace"):
			replace = true
		case eqFold(opt, "db") && j+1 < len(c.Args):
			id, ok := c.dbIndexArg(c.Args[j+1], "")
			if !ok {
				return
			}
			if dst = c.KS.DB(id); dst == nil {
				c.Error(ErrDBIndex)
				return
			}
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	key, newKey := c.Args[1], c.Args[2]
	if dst == c.DB && bytes.Equal(key, newKey) {
		c.Error(ErrSameObject)
		return
	}
	e := c.DB.LookupRead(key, c.Now)
	if e == nil {
		c.W.Int(0)
		return
	}
	if dst.Lookup(newKey, c.Now) != nil && !replace {
		c.W.Int(0)
		return
	}
	c.DB.Copy(e, dst, newKey, c.Now)
	if c.St.NotifyOn(evGeneric) {
		c.St.NotifyKeyspace(evGeneric, "copy_to", newKey, dst.ID)
	}
	c.W.Int(1)
}

func touchCmd(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.LookupRead(k, c.Now) != nil {
			n++
		}
	}
	c.W.Int(n)
}

func dbsizeCmd(c *Ctx) { c.W.Int(int64(c.DB.Len())) }

// flushArgs checks FLUSHDB/FLUSHALL's optional ASYNC|SYNC. Both flush at
// once here: dropping the references is all the work there is.
func (c *Ctx) flushArgs() bool {
	if len(c.Args) == 1 || (len(c.Args) == 2 && (eqFold(c.Args[1], "sync") || eqFold(c.Args[1], "async"))) {
		return true
	}
	c.SyntaxError()
	return false
}

func flushdbCmd(c *Ctx) {
	if !c.flushArgs() {
		return
	}
	c.Dirty(int64(c.DB.Flush()))
	c.W.OK()
}

func flushallCmd(c *Ctx) {
	if !c.flushArgs() {
		return
	}
	var n int64
	for _, db := range c.KS.DBs {
		n += int64(db.Flush())
	}
	c.Dirty(n)
	// As in Redis, a background save in progress is dropped (its file
	// would hold what was just flushed), and with save points the empty
	// dataset is saved at once, so a restart does not bring back what was
	// flushed. Aborting after the flush costs nothing: the aborted walk
	// skips the dropped tables.
	p := c.St.Persist
	if p != nil {
		p.AbortBG()
	}
	if p != nil && p.SavePointsSet() {
		_ = p.Save()
	}
	// Then one more change, so that even an empty FLUSHALL counts.
	c.Dirty(1)
	c.W.OK()
}

func swapdbCmd(c *Ctx) {
	a, ok := c.dbIndexArg(c.Args[1], ErrInvalidFirstDB)
	if !ok {
		return
	}
	b, ok := c.dbIndexArg(c.Args[2], ErrInvalidSecondDB)
	if !ok {
		return
	}
	if c.KS.DB(a) == nil || c.KS.DB(b) == nil {
		c.Error(ErrDBIndex)
		return
	}
	c.KS.Swap(a, b)
	c.Dirty(1)
	c.W.OK()
}

// objectLookup finds OBJECT's key without touching its access clock,
// counting a hit or miss; a missing key gets the null reply.
func (c *Ctx) objectLookup() *keyspace.Entry {
	e := c.DB.PeekReadQuiet(c.Args[2], c.Now)
	if e == nil {
		c.W.Null()
	}
	return e
}

func objectEncodingCmd(c *Ctx) {
	if e := c.objectLookup(); e != nil {
		c.W.BulkString(e.Encoding())
	}
}

// sharedRefcount is what Redis reports as the refcount of a shared object
// (OBJ_SHARED_REFCOUNT, INT_MAX).
const sharedRefcount = math.MaxInt32

func objectRefcountCmd(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if e.SharedInteger() && c.sharedIntegersAllowed() {
		c.W.Int(sharedRefcount)
		return
	}
	c.W.Int(1)
}

// sharedIntegersAllowed mirrors Redis: small integers are shared objects
// unless maxmemory is set with an LRU or LFU policy (which needs per-key
// access data).
func (c *Ctx) sharedIntegersAllowed() bool {
	if c.St == nil || c.St.Config == nil || c.St.Config.Uint("maxmemory") == 0 {
		return true
	}
	p := c.St.Config.String("maxmemory-policy")
	return !bytes.Contains([]byte(p), []byte("lru")) && !bytes.Contains([]byte(p), []byte("lfu"))
}

func objectIdletimeCmd(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if c.KS.LFU {
		c.Error(ErrLFUSelected)
		return
	}
	c.W.Int(e.IdleMillis(c.Now) / 1000)
}

func objectFreqCmd(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if !c.KS.LFU {
		c.Error(ErrLFUNotSelected)
		return
	}
	c.W.Int(int64(e.LFUCounter(c.Now)))
}

func objectHelpCmd(c *Ctx) {
	lines := []string{
		"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
		"HELP",
		"    Prints this help.",
	}
	c.W.Array(len(lines))
	for _, l := range lines {
		c.W.Simple(l)
	}
}

func expireCmd(c *Ctx)    { c.expire(c.Now, true) }
func pexpireCmd(c *Ctx)   { c.expire(c.Now, false) }
func expireatCmd(c *Ctx)  { c.expire(0, true) }
func pexpireatCmd(c *Ctx) { c.expire(0, false) }

// expireFlags are EXPIRE's NX|XX|GT|LT options.
type expireFlags uint8

const (
	expireNX expireFlags = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags parses the options after EXPIRE's time, with Redis's
// checks and their order.
func (c *Ctx) parseExpireFlags() (expireFlags, bool) {
	var f expireFlags
	for _, opt := range c.Args[3:] {
		switch {
		case eqFold(opt, "nx"):
			f |= expireNX
		case eqFold(opt, "xx"):
			f |= expireXX
		case eqFold(opt, "gt"):
			f |= expireGT
		case eqFold(opt, "lt"):
			f |= expireLT
		default:
			c.Errorf(ErrUnsupportedOption, cstr(opt))
			return 0, false
		}
	}
	if f&expireNX != 0 && f&(expireXX|expireGT|expireLT) != 0 {
		c.Error(ErrNXXXGTLT)
		return 0, false
	}
	if f&expireGT != 0 && f&expireLT != 0 {
		c.Error(ErrGTAndLT)
		return 0, false
	}
	return f, true
}

// expire is EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: base is the time the
// argument is relative to (now, or 0 for the absolute forms). Negative
// times are allowed; only overflow is an error. A time not in the future
// deletes the key.
func (c *Ctx) expire(base int64, seconds bool) {
	flags, ok := c.parseExpireFlags()
	if !ok {
		return
	}
	when, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Errorf(ErrExpireTime, c.Cmd.Name)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Errorf(ErrExpireTime, c.Cmd.Name)
		return
	}
	when += base

	e := c.DB.Lookup(c.Args[1], c.Now)
	if e == nil {
		c.W.Int(0)
		return
	}
	cur := e.Expire // 0: no expiry, "infinite" for GT and LT
	switch {
	case flags&expireNX != 0 && cur != 0,
		flags&expireXX != 0 && cur == 0,
		flags&expireGT != 0 && (cur == 0 || when <= cur),
		flags&expireLT != 0 && cur != 0 && when >= cur:
		c.W.Int(0)
		return
	}
	if when <= c.Now {
		c.DB.DeleteEntry(e)
		c.notify(evGeneric, "del", c.Args[1])
		c.W.Int(1)
		return
	}
	c.DB.SetExpire(e, when)
	c.DB.Modified(e, 1)
	c.notify(evGeneric, "expire", c.Args[1])
	c.W.Int(1)
}

func ttlCmd(c *Ctx)         { c.ttl(false, false) }
func pttlCmd(c *Ctx)        { c.ttl(true, false) }
func expiretimeCmd(c *Ctx)  { c.ttl(false, true) }
func pexpiretimeCmd(c *Ctx) { c.ttl(true, true) }

// ttl is TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1
// without expiry; seconds are rounded to the nearest, as Redis does.
func (c *Ctx) ttl(ms, abs bool) {
	e := c.DB.PeekRead(c.Args[1], c.Now)
	if e == nil {
		c.W.Int(-2)
		return
	}
	if e.Expire == 0 {
		c.W.Int(-1)
		return
	}
	t := e.Expire
	if !abs {
		t -= c.Now
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		// Unsigned, so that rounding the largest times cannot overflow
		// (Redis's compiled arithmetic gives the same result).
		t = int64((uint64(t) + 500) / 1000)
	}
	c.W.Int(t)
}

func persistCmd(c *Ctx) {
	e := c.DB.Lookup(c.Args[1], c.Now)
	if e == nil || !c.DB.Persist(e) {
		c.W.Int(0)
		return
	}
	c.DB.Modified(e, 1)
	c.notify(evGeneric, "persist", c.Args[1])
	c.W.Int(1)
}
