package keyspace

import (
	"math"
	"math/rand/v2"
)

// EvictPolicy is a maxmemory-policy: which keys may be evicted, and by
// what measure the victim is chosen.
type EvictPolicy uint8

const (
	NoEviction EvictPolicy = iota
	AllKeysLRU
	VolatileLRU
	AllKeysLFU
	VolatileLFU
	AllKeysRandom
	VolatileRandom
	VolatileTTL
)

var policyNames = map[string]EvictPolicy{
	"noeviction": NoEviction, "allkeys-lru": AllKeysLRU, "volatile-lru": VolatileLRU,
	"allkeys-lfu": AllKeysLFU, "volatile-lfu": VolatileLFU, "allkeys-random": AllKeysRandom,
	"volatile-random": VolatileRandom, "volatile-ttl": VolatileTTL,
}

// ParseEvictPolicy maps a maxmemory-policy value to its policy; unknown
// names (config validates them first) mean noeviction.
func ParseEvictPolicy(name string) EvictPolicy { return policyNames[name] }

func (p EvictPolicy) String() string {
	for name, q := range policyNames {
		if q == p {
			return name
		}
	}
	return "unknown"
}

func (p EvictPolicy) volatileOnly() bool {
	return p == VolatileLRU || p == VolatileLFU || p == VolatileRandom || p == VolatileTTL
}

// evictPoolSize is how many of the best candidates seen are kept between
// sampling rounds, as Redis's EVPOOL_SIZE: a key that looked old in an
// earlier round can still be chosen over this round's samples.
const evictPoolSize = 16

type evictCandidate struct {
	score uint64 // higher is a better victim
	db    *DB
	key   string
}

// Evictor chooses keys to evict by sampling, as Redis's approximated LRU,
// LFU and TTL policies do. It keeps its candidate pool between calls.
type Evictor struct {
	pool   []evictCandidate // sorted by ascending score
	nextDB int              // round robin of the random policies
}

// Candidate returns the key policy would evict next, sampling samples keys
// per database, or nil when no key qualifies (noeviction, or a volatile
// policy with no key that has an expiry). It removes nothing: the caller
// measures the key, then calls DB.Evict.
func (ev *Evictor) Candidate(ks *Keyspace, p EvictPolicy, samples int, now int64) (*DB, *Entry) {
	switch p {
	case NoEviction:
		return nil, nil
	case AllKeysRandom, VolatileRandom:
		for range ks.DBs {
			db := ks.DBs[ev.nextDB%len(ks.DBs)]
			ev.nextDB++
			if e := db.sample(p.volatileOnly()); e != nil {
				return db, e
			}
		}
		return nil, nil
	}
	samples = max(samples, 1)
	for {
		sampled := false
		for _, db := range ks.DBs {
			for range samples {
				e := db.sample(p.volatileOnly())
				if e == nil {
					break
				}
				sampled = true
				ev.offer(evictCandidate{score: evictScore(e, p, now), db: db, key: e.Key})
			}
		}
		if !sampled {
			return nil, nil
		}
		// The best candidate still present wins; keys deleted or renamed
		// since they were pooled drop out.
		for len(ev.pool) > 0 {
			c := ev.pool[len(ev.pool)-1]
			ev.pool = ev.pool[:len(ev.pool)-1]
			if e := c.db.dict.find([]byte(c.key)); e != nil && (!p.volatileOnly() || e.Expire != 0) {
				return c.db, e
			}
		}
	}
}

// sample draws one random key of db (among those with an expiry, when
// volatileOnly), or nil when there is none.
func (db *DB) sample(volatileOnly bool) *Entry {
	if volatileOnly {
		if len(db.volatile) == 0 {
			return nil
		}
		return db.volatile[rand.IntN(len(db.volatile))]
	}
	return db.dict.randomEntry(rand.Uint64)
}

// evictScore orders candidates: idle time for LRU, inverse access
// frequency for LFU, nearness of expiry for TTL.
func evictScore(e *Entry, p EvictPolicy, now int64) uint64 {
	switch p {
	case AllKeysLFU, VolatileLFU:
		return 255 - uint64(e.LFUCounter(now))
	case VolatileTTL:
		return math.MaxUint64 - uint64(e.Expire)
	}
	return uint64(e.IdleMillis(now))
}

// offer inserts c into the pool if it beats the worst pooled candidate
// (or the pool has room), replacing an entry for the same key.
func (ev *Evictor) offer(c evictCandidate) {
	for i := range ev.pool {
		if ev.pool[i].db == c.db && ev.pool[i].key == c.key {
			ev.pool = append(ev.pool[:i], ev.pool[i+1:]...)
			break
		}
	}
	if len(ev.pool) == evictPoolSize {
		if c.score <= ev.pool[0].score {
			return
		}
		ev.pool = append(ev.pool[:0], ev.pool[1:]...)
	}
	i := len(ev.pool)
	for i > 0 && ev.pool[i-1].score > c.score {
		i--
	}
	ev.pool = append(ev.pool, evictCandidate{})
	copy(ev.pool[i+1:], ev.pool[i:])
	ev.pool[i] = c
}

// Reset forgets the pooled candidates (after FLUSHALL, a policy change).
func (ev *Evictor) Reset() { ev.pool = ev.pool[:0] }

// Evict removes e to free memory: it counts in evicted_keys and is
// signalled as modified (WATCH) and to OnEvicted.
func (db *DB) Evict(e *Entry) {
	db.drop(e, false)
	db.deleteEntry(e)
	db.ks.Stats.EvictedKeys++
	if db.ks.OnModify != nil {
		db.ks.OnModify(db, e.Key)
	}
	if db.ks.OnEvicted != nil {
		db.ks.OnEvicted(db, e.Key)
	}
}
