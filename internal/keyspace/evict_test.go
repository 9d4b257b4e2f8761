package keyspace

import (
	"fmt"
	"testing"
)

// evictFixture fills databases 0 and 1 with 200 keys each. Key i was last
// accessed i seconds before t0, has an expiry i seconds after t0 when i is
// even, and keys below 20 were read often (high LFU counters).
func evictFixture(t *testing.T, lfu bool) *Keyspace {
	ks, _ := newTestKS(t)
	ks.LFU = lfu
	for d := 0; d < 2; d++ {
		db := ks.DBs[d]
		for i := 0; i < 200; i++ {
			key := []byte(fmt.Sprintf("k%03d", i))
			e := db.SetString(key, []byte("v"), t0-int64(i)*1000, false)
			if i%2 == 0 {
				db.SetExpire(e, t0+int64(i+1)*1000)
			}
			if lfu && i < 20 {
				for range 2000 {
					db.Lookup(key, t0)
				}
			}
		}
	}
	return ks
}

func keyIndex(key string) int {
	var i int
	fmt.Sscanf(key, "k%03d", &i)
	return i
}

func TestEvictorPolicies(t *testing.T) {
	tests := []struct {
		policy EvictPolicy
		lfu    bool
		// good reports whether key index i is a fitting victim among the
		// first 50 evicted; at least 80% must be (sampling is approximate).
		good         func(i int) bool
		volatileOnly bool
	}{
		{AllKeysLRU, false, func(i int) bool { return i >= 100 }, false},
		{VolatileLRU, false, func(i int) bool { return i >= 100 }, true},
		{AllKeysLFU, true, func(i int) bool { return i >= 20 }, false},
		{VolatileLFU, true, func(i int) bool { return i >= 20 }, true},
		{VolatileTTL, false, func(i int) bool { return i < 100 }, true},
		{AllKeysRandom, false, func(int) bool { return true }, false},
		{VolatileRandom, false, func(int) bool { return true }, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.policy), func(t *testing.T) {
			ks := evictFixture(t, tc.lfu)
			var evicted []string
			ks.OnEvicted = func(db *DB, key string) { evicted = append(evicted, fmt.Sprintf("%d:%s", db.ID, key)) }
			var ev Evictor
			good := 0
			for n := 0; n < 50; n++ {
				db, e := ev.Candidate(ks, tc.policy, 10, t0)
				if e == nil {
					t.Fatalf("no candidate after %d evictions", n)
				}
				if tc.volatileOnly && e.Expire == 0 {
					t.Fatalf("%s has no expiry but was chosen", e.Key)
				}
				if tc.good(keyIndex(e.Key)) {
					good++
				}
				db.Evict(e)
			}
			if good < 40 {
				t.Errorf("%d of 50 victims fit the policy, want ≥ 40", good)
			}
			if ks.Stats.EvictedKeys != 50 || len(evicted) != 50 {
				t.Errorf("evicted_keys %d, OnEvicted calls %d, want 50", ks.Stats.EvictedKeys, len(evicted))
			}
			if got := ks.DBs[0].Len() + ks.DBs[1].Len(); got != 350 {
				t.Errorf("%d keys left, want 350", got)
			}
			checkVolatile(t, ks.DBs[0])
			checkVolatile(t, ks.DBs[1])
		})
	}
}

// Every key can be evicted under an allkeys policy; a volatile policy
// stops at the last key with an expiry; noeviction never offers one.
func TestEvictorRunsOut(t *testing.T) {
	tests := []struct {
		policy EvictPolicy
		want   int
	}{
		{NoEviction, 0}, {AllKeysLRU, 400}, {AllKeysRandom, 400}, {VolatileTTL, 200}, {VolatileLFU, 200}, {VolatileRandom, 200},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.policy), func(t *testing.T) {
			ks := evictFixture(t, false)
			var ev Evictor
			n := 0
			for {
				db, e := ev.Candidate(ks, tc.policy, 5, t0)
				if e == nil {
					break
				}
				db.Evict(e)
				if n++; n > 400 {
					t.Fatal("eviction does not end")
				}
			}
			if n != tc.want {
				t.Errorf("evicted %d keys, want %d", n, tc.want)
			}
		})
	}
}

// Evicting goes through the mutation point (a running snapshot sees the
// value first) and tells WATCH.
func TestEvictHooks(t *testing.T) {
	ks, rec := newTestKS(t)
	db := ks.DBs[2]
	e := db.SetString([]byte("a"), []byte("1"), t0, false)
	db.SetExpire(e, t0+1000)
	rec.reset()
	db.Evict(e)
	if fmt.Sprint(rec.writes) != "[2:a]" || fmt.Sprint(rec.modified) != "[2:a]" {
		t.Errorf("hooks: writes %v modified %v", rec.writes, rec.modified)
	}
	if db.Len() != 0 || db.Expires() != 0 {
		t.Errorf("key still there: len %d expires %d", db.Len(), db.Expires())
	}
	if ks.Stats.ExpiredKeys != 0 {
		t.Error("an eviction counted as an expiry")
	}
}

func TestParseEvictPolicy(t *testing.T) {
	for name, p := range policyNames {
		if ParseEvictPolicy(name) != p {
			t.Errorf("%s", name)
		}
	}
	if ParseEvictPolicy("bogus") != NoEviction {
		t.Error("unknown policy is not noeviction")
	}
}
