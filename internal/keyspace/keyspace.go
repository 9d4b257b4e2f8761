// Package keyspace holds the databases: keys, their typed values, expiry
// and access metadata. It is the single place where data changes, so that
// every write passes through a mutation point that a running snapshot can
// intercept (WriteHook).
//
// The package never reads the clock, starts goroutines or touches the
// network: callers pass the current time (Unix milliseconds) in, which keeps
// expiry deterministic and testable. It is not safe for concurrent use; the
// server serialises access.
package keyspace

import (
	"errors"
	"hash/maphash"
	"math/rand/v2"
)

// Sentinel errors, mapped to Redis reply texts by the command layer.
var (
	ErrWrongType  = errors.New("wrong type")
	ErrNoSuchKey  = errors.New("no such key")
	ErrDBIndex    = errors.New("db index out of range")
	ErrSameObject = errors.New("source and destination objects are the same")
)

// Kind is a value's Redis type.
type Kind uint8

const (
	KindString Kind = iota
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

var kindNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (k Kind) String() string { return kindNames[k] }

// Object is a non-string value. Types live in their own packages and
// implement this to be stored here.
type Object interface {
	Kind() Kind
	// Encoding is what OBJECT ENCODING reports.
	Encoding() string
	// Clone returns a deep copy (COPY).
	Clone() Object
}

// Entry flags, kept in the top byte of meta.
const (
	flagRaw      = 1 << 24 // string modified in place (APPEND, SETRANGE): "raw" encoding
	flagPlain    = 1 << 25 // string never integer-encoded (INCRBYFLOAT results): embstr/raw
	flagUnshared = 1 << 26 // integer string with its own object (COPY), not a shared integer
	flagMask     = flagRaw | flagPlain | flagUnshared
	// flagSnap is the snapshot mark: an entry whose mark equals the
	// keyspace's current parity has been written by the running snapshot
	// (or did not exist when it began). Not part of flagMask: value
	// changes keep it.
	flagSnap = 1 << 27
)

const lruMask = 1<<24 - 1

// Entry is one key and its value. Exactly one of Str (string values) and Obj
// (every other type) is set.
type Entry struct {
	next   *Entry
	Key    string
	Str    []byte
	Obj    Object
	Expire int64  // Unix ms; 0 = no expiry
	meta   uint32 // LRU clock (seconds, 24 bits) or LFU data, and flags
	volIdx int32  // index in DB.volatile, -1 when Expire == 0
}

// Kind reports the entry's type.
func (e *Entry) Kind() Kind {
	if e.Obj == nil {
		return KindString
	}
	return e.Obj.Kind()
}

// IsRaw reports whether a string was modified in place (Redis's "raw").
func (e *Entry) IsRaw() bool { return e.meta&flagRaw != 0 }

// AccessClock is the LRU clock stamp of the last access, in seconds modulo 2^24.
func (e *Entry) AccessClock() uint32 { return e.meta & lruMask }

// WriteHook lets a point-in-time snapshot see values before they change.
// Dropping or swapping a whole database needs no hook: those replace the
// database's Table, and a snapshot walks the tables it started with.
type WriteHook interface {
	// BeforeWrite is called before e's value, expiry or existence changes.
	BeforeWrite(db *DB, e *Entry)
}

// Stats are the keyspace counters INFO reports.
type Stats struct {
	ExpiredKeys       int64
	ExpiredStalePerc  float64
	ExpiredTimeCapped int64
	EvictedKeys       int64
	Hits, Misses      int64
	Dirty             int64 // changes since the last save
}

// Keyspace is the set of numbered databases.
type Keyspace struct {
	DBs   []*DB
	Hook  WriteHook
	Stats Stats
	// LFU selects LFU instead of LRU access tracking (maxmemory-policy).
	LFU bool
	// OnModify, when set, is told of every key change (WATCH, notifications)
	// except those that replace a database's whole table.
	OnModify func(db *DB, key string)
	// OnReplace, when set, is told that db's table was replaced as a whole
	// (FLUSHDB, FLUSHALL, SWAPDB, loading a snapshot); old is the table it
	// had. Every key in old or in db may have changed; telling of each would
	// cost time in proportion to the database, so the listener checks the
	// few keys it cares about instead.
	OnReplace func(db *DB, old Table)
	// OnExpired, OnCreated and OnMiss, when set, are told of a key removed
	// because it expired (lazily or by the active cycle), of a key created,
	// and of a read that found no key: keyspace notifications' "expired",
	// "new" and "keymiss" events.
	OnExpired func(db *DB, key string)
	// OnDrop, when set, is told of a value about to be thrown away: a key
	// deleted, expired, evicted or overwritten by a rename or copy
	// (valueOnly false), or a value replaced by SET-like writes
	// (valueOnly true). e still holds it. maxmemory's estimate of used
	// memory counts what is freed this way before the collector runs.
	OnDrop func(e *Entry, valueOnly bool)
	// OnEvicted is told of a key removed to free memory (maxmemory).
	OnEvicted func(db *DB, key string)
	OnCreated func(db *DB, key string)
	OnMiss    func(db *DB, key []byte)
	// ExpiryPaused is set while clients are paused (CLIENT PAUSE): as in
	// Redis, an expired key then reads as absent but is not deleted, and
	// active expiry does nothing, so the dataset does not change while
	// writes are frozen.
	ExpiryPaused bool
	seed         maphash.Seed
	// snapParity is flagSnap or 0; BeginSnapshot flips it, which makes
	// every existing entry unwritten at once.
	snapParity uint32
}

// New creates n empty databases.
func New(n int) *Keyspace {
	ks := &Keyspace{seed: maphash.MakeSeed()}
	ks.DBs = make([]*DB, n)
	for i := range ks.DBs {
		ks.DBs[i] = &DB{ID: i, ks: ks, dict: newDict(ks.seed)}
	}
	return ks
}

// DB returns database i, or nil when out of range.
func (ks *Keyspace) DB(i int) *DB {
	if i < 0 || i >= len(ks.DBs) {
		return nil
	}
	return ks.DBs[i]
}

// DB is one numbered database.
type DB struct {
	ID       int
	ks       *Keyspace
	dict     *dict
	volatile []*Entry // keys with an expiry, for active expire sampling
	// AvgTTL is a running estimate of the average TTL (ms) for INFO keyspace.
	AvgTTL int64
}

// Len is the number of keys, including expired ones not yet reclaimed.
func (db *DB) Len() int { return db.dict.count }

// Expires is the number of keys with an expiry.
func (db *DB) Expires() int { return len(db.volatile) }

func lruClock(now int64) uint32 { return uint32(now/1000) & lruMask }

// IdleMillis estimates how long ago e was last accessed.
func (e *Entry) IdleMillis(now int64) int64 {
	cur := lruClock(now)
	last := e.meta & lruMask
	var d uint32
	if cur >= last {
		d = cur - last
	} else {
		d = (lruMask - last) + cur
	}
	return int64(d) * 1000
}

func (db *DB) touch(e *Entry, now int64) {
	if db.ks.LFU {
		e.meta = e.meta&^lruMask | lfuTouch(e.meta&lruMask, now)
		return
	}
	e.meta = e.meta&^lruMask | lruClock(now)
}

// expireIfNeeded reports whether e has expired at now, deleting it if so.
// Like Redis, a lazily expired key counts in expired_keys and is signalled
// as modified (WATCH), but does not count as a change for save points.
func (db *DB) expireIfNeeded(e *Entry, now int64) bool {
	if e.Expire == 0 || e.Expire > now {
		return false
	}
	if !db.ks.ExpiryPaused {
		db.expire(e)
	}
	return true
}

// expire reclaims an expired entry.
func (db *DB) expire(e *Entry) {
	db.drop(e, false)
	db.deleteEntry(e)
	db.ks.Stats.ExpiredKeys++
	if db.ks.OnModify != nil {
		db.ks.OnModify(db, e.Key)
	}
	if db.ks.OnExpired != nil {
		db.ks.OnExpired(db, e.Key)
	}
}

// ExpireIfNeeded reports whether e has expired at now, reclaiming it
// unless expiry is paused. e must be an entry of db that the caller got from it earlier in the
// same command (SCAN filters the keys it collected this way). An entry
// already removed meanwhile reports false, as Redis's expireIfNeeded does
// for a key that is gone.
func (db *DB) ExpireIfNeeded(e *Entry, now int64) bool {
	if !e.live() {
		return false
	}
	return db.expireIfNeeded(e, now)
}

// live reports whether e is still in its dict (removed entries are marked
// by volIdx == -2).
func (e *Entry) live() bool { return e.volIdx != removedIdx }

const removedIdx = -2

// Lookup finds a live key, reclaiming it if expired, and records the access.
func (db *DB) Lookup(key []byte, now int64) *Entry {
	e := db.dict.find(key)
	if e == nil {
		return nil
	}
	if db.expireIfNeeded(e, now) {
		return nil
	}
	db.touch(e, now)
	return e
}

// LookupRead is Lookup that also counts a keyspace hit or miss.
func (db *DB) LookupRead(key []byte, now int64) *Entry {
	e := db.Lookup(key, now)
	if e == nil {
		db.miss(key)
	} else {
		db.ks.Stats.Hits++
	}
	return e
}

// Peek finds a live key without recording an access or counting a hit or
// miss, reclaiming it if expired.
func (db *DB) Peek(key []byte, now int64) *Entry {
	e := db.dict.find(key)
	if e == nil || db.expireIfNeeded(e, now) {
		return nil
	}
	return e
}

// PeekRead is Peek that counts a keyspace hit or miss: a read that does not
// touch the access clock (EXISTS, TYPE, TTL, OBJECT; Redis's
// lookupKeyReadWithFlags with LOOKUP_NOTOUCH).
func (db *DB) PeekRead(key []byte, now int64) *Entry {
	e := db.Peek(key, now)
	if e == nil {
		db.miss(key)
	} else {
		db.ks.Stats.Hits++
	}
	return e
}

// PeekReadQuiet is PeekRead that counts a miss without telling OnMiss:
// OBJECT's lookup (Redis's LOOKUP_NONOTIFY) raises no keymiss event.
func (db *DB) PeekReadQuiet(key []byte, now int64) *Entry {
	e := db.Peek(key, now)
	if e == nil {
		db.ks.Stats.Misses++
	} else {
		db.ks.Stats.Hits++
	}
	return e
}

func (db *DB) miss(key []byte) {
	db.ks.Stats.Misses++
	if db.ks.OnMiss != nil {
		db.ks.OnMiss(db, key)
	}
}

// Has reports whether key is in db at all, live or expired, without
// reclaiming it (WATCH tells an expired key's deletion from a change).
func (db *DB) Has(key string) bool { return db.dict.find([]byte(key)) != nil }

// IsExpired reports whether key is in db but has expired at now, without
// reclaiming it.
func (db *DB) IsExpired(key []byte, now int64) bool {
	e := db.dict.find(key)
	return e != nil && e.Expire != 0 && e.Expire <= now
}

// Exists reports whether key is live.
func (db *DB) Exists(key []byte, now int64) bool { return db.Peek(key, now) != nil }

// WillModify must be called before changing e's value in place (Str bytes or
// Obj contents). It lets a running snapshot copy the old value first and
// tracks the change for WATCH and save points.
func (db *DB) WillModify(e *Entry) {
	if db.ks.Hook != nil {
		db.ks.Hook.BeforeWrite(db, e)
	}
}

// Modified records that e changed; call after the change.
func (db *DB) Modified(e *Entry, changes int64) {
	db.ks.Stats.Dirty += changes
	if db.ks.OnModify != nil {
		db.ks.OnModify(db, e.Key)
	}
}

// MarkRaw flags a string as modified in place (OBJECT ENCODING "raw").
func (e *Entry) MarkRaw() { e.meta |= flagRaw }

// MarkPlain flags a string as stored without integer encoding, as Redis
// stores INCRBYFLOAT's result: OBJECT ENCODING reports embstr (or raw when
// longer than 44 bytes) even when the text is an integer.
func (e *Entry) MarkPlain() { e.meta |= flagPlain }

// embstrMax is the longest string Redis stores as "embstr".
const embstrMax = 44

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: integer strings in
// [0, sharedIntegers) share one object (OBJECT REFCOUNT).
const sharedIntegers = 10000

// Encoding is what OBJECT ENCODING reports for the entry's value. For
// strings it follows Redis's tryObjectEncoding: "int" for an integer that
// fits in 64 bits, "embstr" up to 44 bytes, "raw" above that or once the
// string was modified in place.
func (e *Entry) Encoding() string {
	if e.Obj != nil {
		return e.Obj.Encoding()
	}
	if e.meta&flagRaw != 0 {
		return "raw"
	}
	if e.meta&flagPlain == 0 {
		if _, ok := string2l(e.Str); ok {
			return "int"
		}
	}
	if len(e.Str) <= embstrMax {
		return "embstr"
	}
	return "raw"
}

// SharedInteger reports whether the value is one of the integers Redis
// keeps as shared objects (OBJECT REFCOUNT reports INT_MAX for them when
// the maxmemory policy allows sharing).
func (e *Entry) SharedInteger() bool {
	if e.Obj != nil || e.meta&(flagRaw|flagPlain|flagUnshared) != 0 {
		return false
	}
	n, ok := string2l(e.Str)
	return ok && n >= 0 && n < sharedIntegers
}

// string2l is Redis's string2ll: an optional '-', digits without leading
// zeros (except "0"), no spaces or '+', within int64, at most 20 bytes.
func string2l(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '-' {
		neg, i = true, 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v < uint64(c-'0') {
			return 0, false
		}
	}
	switch {
	case neg && v > 1<<63:
		return 0, false
	case neg:
		return -int64(v), true
	case v > 1<<63-1:
		return 0, false
	}
	return int64(v), true
}

// SetString stores a string value, replacing whatever key held. keepTTL
// keeps an existing expiry. The value bytes are copied.
func (db *DB) SetString(key, val []byte, now int64, keepTTL bool) *Entry {
	e := db.dict.find(key)
	if e != nil {
		db.WillModify(e)
		db.drop(e, true)
		e.Str = append(e.Str[:0:0], val...)
		e.Obj = nil
		e.meta &^= flagMask
		if !keepTTL && e.Expire != 0 {
			db.removeVolatile(e)
		}
		db.touch(e, now)
		db.Modified(e, 1)
		return e
	}
	e = db.add(string(key), now)
	e.Str = append([]byte(nil), val...)
	db.Modified(e, 1)
	return e
}

// SetObject stores a non-string value under key, replacing any old value and
// its expiry.
func (db *DB) SetObject(key []byte, obj Object, now int64) *Entry {
	e := db.dict.find(key)
	if e != nil {
		db.WillModify(e)
		db.drop(e, true)
		e.Str = nil
		e.Obj = obj
		e.meta &^= flagMask
		if e.Expire != 0 {
			db.removeVolatile(e)
		}
		db.touch(e, now)
		db.Modified(e, 1)
		return e
	}
	e = db.add(string(key), now)
	e.Obj = obj
	db.Modified(e, 1)
	return e
}

// Insert adds key with a string value str (kept, not copied) or obj, for
// loading a snapshot: one lookup instead of the two of checking then
// setting. It reports false, changing nothing, when key exists.
func (db *DB) Insert(key string, str []byte, obj Object, now int64) (*Entry, bool) {
	if db.dict.findString(key) != nil {
		return nil, false
	}
	e := db.add(key, now)
	e.Str, e.Obj = str, obj
	db.Modified(e, 1)
	return e, true
}

// maxReserve bounds Reserve: a size hint comes from a file, and only
// spares resizing, so a huge one must not allocate a huge table up front.
const maxReserve = 1 << 22

// Reserve sizes db's table for n keys in all (a snapshot's RESIZEDB hint),
// so that loading does not rehash it again and again as it grows.
func (db *DB) Reserve(n uint64) {
	db.dict.reserve(int(min(n, maxReserve)))
}

func (db *DB) add(key string, now int64) *Entry {
	// A key created while a snapshot runs is not part of it: born marked.
	e := &Entry{Key: key, volIdx: -1, meta: db.ks.snapParity}
	db.touch(e, now)
	if db.ks.LFU {
		e.meta = e.meta&^lruMask | lfuInit(now)
	}
	db.dict.insert(e)
	if db.ks.OnCreated != nil {
		db.ks.OnCreated(db, key)
	}
	return e
}

// Delete removes key if it is live; it reports whether it did.
func (db *DB) Delete(key []byte, now int64) bool {
	e := db.Peek(key, now)
	if e == nil {
		return false
	}
	db.drop(e, false)
	db.deleteEntry(e)
	db.Modified(e, 1)
	return true
}

// DeleteEntry removes an entry already looked up.
func (db *DB) DeleteEntry(e *Entry) {
	db.drop(e, false)
	db.deleteEntry(e)
	db.Modified(e, 1)
}

// drop tells OnDrop that e's value (and key, unless valueOnly) goes.
func (db *DB) drop(e *Entry, valueOnly bool) {
	if db.ks.OnDrop != nil {
		db.ks.OnDrop(e, valueOnly)
	}
}

func (db *DB) deleteEntry(e *Entry) {
	if db.ks.Hook != nil {
		db.ks.Hook.BeforeWrite(db, e)
	}
	if e.Expire != 0 {
		db.removeVolatile(e)
	}
	db.dict.remove(e)
	e.volIdx = removedIdx
}

// SetExpire sets or changes e's expiry (Unix ms, > 0).
func (db *DB) SetExpire(e *Entry, at int64) {
	db.WillModify(e)
	if e.Expire == 0 {
		e.volIdx = int32(len(db.volatile))
		db.volatile = append(db.volatile, e)
	}
	e.Expire = at
}

// Persist removes e's expiry; it reports whether there was one.
func (db *DB) Persist(e *Entry) bool {
	if e.Expire == 0 {
		return false
	}
	db.WillModify(e)
	db.removeVolatile(e)
	return true
}

func (db *DB) removeVolatile(e *Entry) {
	i := e.volIdx
	last := len(db.volatile) - 1
	if i >= 0 && int(i) <= last {
		moved := db.volatile[last]
		db.volatile[i] = moved
		moved.volIdx = i
		db.volatile[last] = nil
		db.volatile = db.volatile[:last]
	}
	e.volIdx = -1
	e.Expire = 0
}

// Flush drops every key and returns how many there were. It takes
// constant time: the database gets a new, empty table, and the old one is
// left to the garbage collector (or to a snapshot still walking it).
func (db *DB) Flush() int {
	old := db.dict
	db.dict = newDict(db.ks.seed)
	db.volatile = nil
	db.AvgTTL = 0
	if db.ks.OnReplace != nil {
		db.ks.OnReplace(db, Table{old})
	}
	return old.count
}

// Swap exchanges the contents of two databases (SWAPDB).
func (ks *Keyspace) Swap(a, b int) {
	if a == b {
		return
	}
	da, dbb := ks.DBs[a], ks.DBs[b]
	da.dict, dbb.dict = dbb.dict, da.dict
	da.volatile, dbb.volatile = dbb.volatile, da.volatile
	da.AvgTTL, dbb.AvgTTL = dbb.AvgTTL, da.AvgTTL
	if ks.OnReplace != nil {
		ks.OnReplace(da, Table{dbb.dict})
		ks.OnReplace(dbb, Table{da.dict})
	}
}

// Table is a database's key table. FLUSHDB and SWAPDB replace a
// database's table instead of emptying or copying it, so a point-in-time
// snapshot keeps walking the tables the databases had when it began, at no
// cost to the command. A Table is comparable: equal Tables are one table.
type Table struct{ d *dict }

// Table returns db's current table.
func (db *DB) Table() Table { return Table{db.dict} }

// Len is the number of keys in the table.
func (t Table) Len() int { return t.d.count }

// Has reports whether key is in the table, expired or not.
func (t Table) Has(key string) bool { return t.d.find([]byte(key)) != nil }

// Scan is DB.Scan over the table, wherever it is now.
func (t Table) Scan(cursor uint64, fn func(e *Entry)) uint64 { return t.d.scan(cursor, fn) }

// Rename gives src's value, expiry and access data to dstKey in db
// (RENAME, RENAMENX), replacing anything dstKey held, and removes src. The
// caller has checked that the keys differ and, for RENAMENX, that dstKey is
// free. It counts as one change.
func (db *DB) Rename(src *Entry, dstKey []byte, now int64) *Entry {
	if old := db.Lookup(dstKey, now); old != nil {
		db.drop(old, false)
		db.deleteEntry(old)
	}
	ne := db.transfer(src, db, dstKey, now)
	db.signal(src.Key)
	db.signal(ne.Key)
	db.ks.Stats.Dirty++
	return ne
}

// MoveTo moves e to the same key in dst (MOVE). The caller has checked
// that dst is another database and that the key is free there. It counts
// as one change.
func (db *DB) MoveTo(e *Entry, dst *DB, now int64) *Entry {
	ne := db.transfer(e, dst, []byte(e.Key), now)
	db.signal(e.Key)
	dst.signal(ne.Key)
	db.ks.Stats.Dirty++
	return ne
}

// transfer moves e's value, flags, access data and expiry to a new entry
// dstKey of dst, which must be free, and removes e from db.
func (db *DB) transfer(e *Entry, dst *DB, dstKey []byte, now int64) *Entry {
	str, obj, exp, meta := e.Str, e.Obj, e.Expire, e.meta
	db.deleteEntry(e)
	// The caller found dstKey free or removed it, but while expiry is
	// paused an expired entry may still sit there: it goes, or the dict
	// would hold the key twice.
	if stale := dst.dict.find(dstKey); stale != nil {
		dst.drop(stale, false)
		dst.deleteEntry(stale)
	}
	ne := dst.add(string(dstKey), now)
	// The moved value takes its flags and access data along, but the new
	// key keeps its own snapshot mark: it did not exist when a running
	// snapshot began.
	ne.Str, ne.Obj, ne.meta = str, obj, meta&^flagSnap|ne.meta&flagSnap
	if exp != 0 {
		dst.SetExpire(ne, exp)
	}
	return ne
}

// Copy copies e's value and expiry to dstKey in dst (COPY), replacing
// what dstKey held there. The caller has looked dstKey up and checked
// REPLACE. The copy is a new object: fresh access data, and an integer
// string is no longer a shared integer. It counts as one change.
func (db *DB) Copy(e *Entry, dst *DB, dstKey []byte, now int64) *Entry {
	if old := dst.dict.find(dstKey); old != nil {
		dst.drop(old, false)
		dst.deleteEntry(old)
	}
	ne := dst.add(string(dstKey), now)
	if e.Obj != nil {
		ne.Obj = e.Obj.Clone()
	} else {
		ne.Str = append([]byte(nil), e.Str...)
		ne.meta |= e.meta&(flagRaw|flagPlain) | flagUnshared
	}
	if e.Expire != 0 {
		dst.SetExpire(ne, e.Expire)
	}
	dst.signal(ne.Key)
	db.ks.Stats.Dirty++
	return ne
}

// signal tells OnModify that key changed.
func (db *DB) signal(key string) {
	if db.ks.OnModify != nil {
		db.ks.OnModify(db, key)
	}
}

// BeginSnapshot starts a point-in-time snapshot: from now on every
// existing entry counts as unwritten until MarkWritten, and entries created
// later as written. The caller installs its Hook to write entries before
// they change.
func (ks *Keyspace) BeginSnapshot() { ks.snapParity ^= flagSnap }

// MarkWritten marks e as written by the running snapshot and reports
// whether it was unwritten (then the caller writes it now).
func (ks *Keyspace) MarkWritten(e *Entry) bool {
	if e.meta&flagSnap == ks.snapParity {
		return false
	}
	e.meta ^= flagSnap
	return true
}

// Adopt replaces every database's contents with src's (a keyspace loaded
// from a snapshot), leaving src empty.
func (ks *Keyspace) Adopt(src *Keyspace) {
	for i, db := range ks.DBs {
		if i >= len(src.DBs) {
			break
		}
		sdb := src.DBs[i]
		old := db.dict
		// The dict moves as a whole (its hash seed with it); its entries'
		// marks are made to read "written" under this keyspace's parity.
		db.dict, sdb.dict = sdb.dict, newDict(src.seed)
		db.volatile, sdb.volatile = sdb.volatile, nil
		db.AvgTTL, sdb.AvgTTL = sdb.AvgTTL, 0
		db.dict.each(func(e *Entry) bool {
			e.meta = e.meta&^flagSnap | ks.snapParity
			return true
		})
		if ks.OnReplace != nil {
			ks.OnReplace(db, Table{old})
		}
	}
}

// Scan visits one bucket step of a SCAN over db: it calls fn for every
// entry in the bucket the cursor names, expired ones included (the caller
// filters them with ExpireIfNeeded after matching, as Redis does), and
// returns the next cursor, 0 when the scan is complete. fn must not change
// the database.
//
// Every key present in db from the first call (cursor 0) to the last is
// visited at least once, whatever growing or shrinking happens between
// calls; a key may be visited more than once.
func (db *DB) Scan(cursor uint64, fn func(e *Entry)) uint64 {
	return db.dict.scan(cursor, fn)
}

// Each visits every live key until fn returns false (KEYS). Expired keys are
// skipped, not reclaimed.
func (db *DB) Each(now int64, fn func(e *Entry) bool) {
	db.dict.each(func(e *Entry) bool {
		if e.Expire != 0 && e.Expire <= now {
			return true
		}
		return fn(e)
	})
}

// RandomKey returns a random live key, or nil when db has none. Expired
// keys it draws are reclaimed on the way, as Redis's dbRandomKey does on
// a master.
func (db *DB) RandomKey(now int64) *Entry {
	for tries := 0; db.dict.count > 0; tries++ {
		if db.ks.ExpiryPaused && tries == 100 {
			// Expired keys are not deleted during a pause, so picking at
			// random may never end if they are all expired (Redis 7.0
			// hangs here): look for a live key once, in order.
			return db.firstLive(now)
		}
		e := db.dict.randomEntry(rand.Uint64)
		if !db.expireIfNeeded(e, now) {
			return e
		}
	}
	return nil
}

// firstLive returns some key that has not expired at now, or nil.
func (db *DB) firstLive(now int64) *Entry {
	var live *Entry
	db.dict.each(func(e *Entry) bool {
		if e.Expire == 0 || e.Expire > now {
			live = e
			return false
		}
		return true
	})
	return live
}

// ExpireSample is one round of active expiry for db: it samples up to n keys
// with an expiry, reclaims the expired ones and returns (sampled, expired)
// so the caller can decide whether another round is worth it.
func (db *DB) ExpireSample(now int64, n int) (sampled, expired int) {
	if len(db.volatile) == 0 {
		db.AvgTTL = 0 // as Redis: nothing volatile, no average
		return 0, 0
	}
	if db.ks.ExpiryPaused {
		return 0, 0
	}
	var ttlSum, ttlN int64
	for ; sampled < n && len(db.volatile) > 0; sampled++ {
		e := db.volatile[rand.IntN(len(db.volatile))]
		if e.Expire <= now {
			db.expire(e)
			expired++
			continue
		}
		ttlSum += e.Expire - now
		ttlN++
	}
	if ttlN > 0 {
		avg := ttlSum / ttlN
		if db.AvgTTL == 0 {
			db.AvgTTL = avg
		} else {
			db.AvgTTL = (db.AvgTTL/50)*49 + avg/50
		}
	}
	return sampled, expired
}

// ClearRaw drops the encoding marks after a string is rebuilt (INCR,
// INCRBYFLOAT), so OBJECT ENCODING reports int/embstr again and a small
// integer counts as shared. INCRBYFLOAT then calls MarkPlain.
func ClearRaw(e *Entry) { e.meta &^= flagMask }
