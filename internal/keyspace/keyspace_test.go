package keyspace

import (
	"fmt"
	"testing"
)

const t0 = int64(1_700_000_000_000) // a fixed "now" in Unix ms

// fakeList is a non-string value for type-dependent paths.
type fakeList struct{ items []string }

func (*fakeList) Kind() Kind       { return KindList }
func (*fakeList) Encoding() string { return "listpack" }
func (l *fakeList) Clone() Object  { return &fakeList{items: append([]string(nil), l.items...)} }
func (l *fakeList) push(s string)  { l.items = append(l.items, s) }
func (l *fakeList) len() int       { return len(l.items) }

// recorder records WriteHook, OnModify and OnReplace calls.
type recorder struct {
	writes   []string
	replaced []string // "db:keys in the old table→keys now"
	modified []string
}

func (r *recorder) BeforeWrite(db *DB, e *Entry) {
	r.writes = append(r.writes, fmt.Sprintf("%d:%s", db.ID, e.Key))
}

func newTestKS(t *testing.T) (*Keyspace, *recorder) {
	t.Helper()
	ks := New(4)
	rec := &recorder{}
	ks.Hook = rec
	ks.OnModify = func(db *DB, key string) { rec.modified = append(rec.modified, fmt.Sprintf("%d:%s", db.ID, key)) }
	ks.OnReplace = func(db *DB, old Table) {
		rec.replaced = append(rec.replaced, fmt.Sprintf("%d:%d→%d", db.ID, old.Len(), db.Len()))
	}
	return ks, rec
}

func (r *recorder) reset() { r.writes, r.replaced, r.modified = nil, nil, nil }

func checkVolatile(t *testing.T, db *DB) {
	t.Helper()
	n := 0
	db.dict.each(func(e *Entry) bool {
		if e.Expire != 0 {
			n++
			if int(e.volIdx) >= len(db.volatile) || e.volIdx < 0 || db.volatile[e.volIdx] != e {
				t.Fatalf("key %q: volatile index %d is wrong", e.Key, e.volIdx)
			}
		} else if e.volIdx != -1 {
			t.Fatalf("key %q without expiry has volatile index %d", e.Key, e.volIdx)
		}
		return true
	})
	if n != len(db.volatile) {
		t.Fatalf("%d keys with expiry, %d in the volatile list", n, len(db.volatile))
	}
}

func TestLookupFlavoursStatsAndClock(t *testing.T) {
	tests := []struct {
		name                 string
		lookup               func(db *DB, key []byte, now int64) *Entry
		hits, misses         int64
		touches              bool
		reclaimsExpired      bool
		expiredKeysAfterMiss int64
	}{
		{"Lookup", (*DB).Lookup, 0, 0, true, true, 1},
		{"LookupRead", (*DB).LookupRead, 1, 1, true, true, 1},
		{"Peek", (*DB).Peek, 0, 0, false, true, 1},
		{"PeekRead", (*DB).PeekRead, 1, 1, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, rec := newTestKS(t)
			db := ks.DBs[0]
			db.SetString([]byte("k"), []byte("v"), t0, false)
			gone := db.SetString([]byte("gone"), []byte("v"), t0, false)
			db.SetExpire(gone, t0+10)
			rec.reset()
			later := t0 + 5_000
			e := tt.lookup(db, []byte("k"), later)
			if e == nil || string(e.Str) != "v" {
				t.Fatal("live key not found")
			}
			if tt.lookup(db, []byte("nosuch"), later) != nil {
				t.Fatal("missing key found")
			}
			if got := e.IdleMillis(later); (got == 0) != tt.touches {
				t.Errorf("idle %dms after lookup; touches=%v", got, tt.touches)
			}
			if tt.lookup(db, []byte("gone"), later) != nil {
				t.Fatal("expired key found")
			}
			// Counted flavours: one hit ("k"), two misses ("nosuch", "gone").
			if ks.Stats.Hits != tt.hits || ks.Stats.Misses != 2*tt.misses {
				t.Errorf("hits/misses = %d/%d, want %d/%d", ks.Stats.Hits, ks.Stats.Misses, tt.hits, 2*tt.misses)
			}
			if ks.Stats.ExpiredKeys != tt.expiredKeysAfterMiss || db.Len() != 1 {
				t.Errorf("expired_keys %d, %d keys left", ks.Stats.ExpiredKeys, db.Len())
			}
			if ks.Stats.Dirty != 2 {
				t.Errorf("lazy expiry changed dirty: %d, want 2 (the two SETs)", ks.Stats.Dirty)
			}
			if len(rec.modified) != 1 || rec.modified[0] != "0:gone" {
				t.Errorf("OnModify calls %v, want the expired key", rec.modified)
			}
			if len(rec.writes) != 1 || rec.writes[0] != "0:gone" {
				t.Errorf("hook calls %v, want one before the expired key goes", rec.writes)
			}
			checkVolatile(t, db)
		})
	}
}

func TestExpireBookkeeping(t *testing.T) {
	ks, _ := newTestKS(t)
	db := ks.DBs[0]
	var es []*Entry
	for i := 0; i < 10; i++ {
		e := db.SetString([]byte(fmt.Sprintf("k%d", i)), []byte("v"), t0, false)
		db.SetExpire(e, t0+int64(i+1)*1000)
		es = append(es, e)
	}
	checkVolatile(t, db)
	if db.Expires() != 10 {
		t.Fatalf("Expires = %d", db.Expires())
	}
	db.SetExpire(es[3], t0+99_000) // change, not add
	if db.Expires() != 10 || es[3].Expire != t0+99_000 {
		t.Fatal("changing an expiry added a volatile entry")
	}
	if !db.Persist(es[0]) || db.Persist(es[0]) {
		t.Fatal("Persist should report true once")
	}
	db.DeleteEntry(es[5])
	db.SetString([]byte("k6"), []byte("new"), t0, false) // drops the TTL
	db.SetString([]byte("k7"), []byte("new"), t0, true)  // keeps it
	checkVolatile(t, db)
	if es[7].Expire == 0 || db.Expires() != 7 {
		t.Fatalf("KEEPTTL lost the expiry or bookkeeping off: %d volatile", db.Expires())
	}
	// Active expiry reclaims what is due at t0+4.5s: k1 and k2 (k0 was
	// persisted, k3 moved to 99s, k4 is due at 5s).
	sampled, expired := 0, 0
	for i := 0; i < 100; i++ {
		s, x := db.ExpireSample(t0+4_500, 20)
		sampled += s
		expired += x
	}
	if expired != 2 || ks.Stats.ExpiredKeys != 2 {
		t.Fatalf("active expiry reclaimed %d (stat %d), want 2", expired, ks.Stats.ExpiredKeys)
	}
	checkVolatile(t, db)
	if db.AvgTTL <= 0 {
		t.Errorf("AvgTTL not estimated: %d", db.AvgTTL)
	}
	// Once everything volatile has expired the average is 0 again, as
	// INFO keyspace shows in Redis (avg_ttl=0), not the last estimate.
	for i := 0; i < 100 && db.Expires() > 0; i++ {
		db.ExpireSample(t0+1_000_000, 20)
	}
	if db.Expires() != 0 {
		t.Fatalf("%d volatile keys left", db.Expires())
	}
	db.ExpireSample(t0+1_000_000, 20)
	if db.AvgTTL != 0 {
		t.Errorf("AvgTTL with no volatile key = %d, want 0", db.AvgTTL)
	}
}

func TestDeleteAndDirty(t *testing.T) {
	ks, rec := newTestKS(t)
	db := ks.DBs[1]
	db.SetString([]byte("a"), []byte("1"), t0, false)
	e := db.SetString([]byte("b"), []byte("2"), t0, false)
	db.SetExpire(e, t0+1)
	ks.Stats.Dirty = 0
	rec.reset()
	if !db.Delete([]byte("a"), t0) || db.Delete([]byte("a"), t0) {
		t.Fatal("Delete should succeed once")
	}
	if db.Delete([]byte("b"), t0+1) {
		t.Fatal("Delete of an expired key reported a deletion")
	}
	if ks.Stats.Dirty != 1 || ks.Stats.ExpiredKeys != 1 || db.Len() != 0 {
		t.Fatalf("dirty %d expired %d len %d", ks.Stats.Dirty, ks.Stats.ExpiredKeys, db.Len())
	}
	if fmt.Sprint(rec.modified) != "[1:a 1:b]" {
		t.Errorf("OnModify %v", rec.modified)
	}
}

func TestRename(t *testing.T) {
	tests := []struct {
		name      string
		dstExists bool
		dstTTL    bool
		srcTTL    bool
	}{
		{"plain", false, false, false},
		{"with ttl", false, false, true},
		{"over existing", true, false, false},
		{"over existing with ttl", true, true, false},
		{"ttl over ttl", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, rec := newTestKS(t)
			db := ks.DBs[0]
			src := db.SetString([]byte("src"), []byte("hello"), t0, false)
			src.MarkRaw()
			if tt.srcTTL {
				db.SetExpire(src, t0+50_000)
			}
			if tt.dstExists {
				d := db.SetObject([]byte("dst"), &fakeList{}, t0)
				if tt.dstTTL {
					db.SetExpire(d, t0+9_000)
				}
			}
			ks.Stats.Dirty = 0
			rec.reset()
			later := t0 + 3_000
			ne := db.Rename(src, []byte("dst"), later)
			if db.Peek([]byte("src"), later) != nil {
				t.Fatal("source still exists")
			}
			got := db.Peek([]byte("dst"), later)
			if got != ne || string(got.Str) != "hello" || got.Obj != nil || !got.IsRaw() {
				t.Fatalf("destination wrong: %+v", got)
			}
			want := int64(0)
			if tt.srcTTL {
				want = t0 + 50_000
			}
			if got.Expire != want {
				t.Errorf("expiry %d, want %d", got.Expire, want)
			}
			if got.IdleMillis(later) != 3_000 {
				t.Errorf("rename reset the access clock: idle %d", got.IdleMillis(later))
			}
			if ks.Stats.Dirty != 1 {
				t.Errorf("dirty %d, want 1", ks.Stats.Dirty)
			}
			if fmt.Sprint(rec.modified) != "[0:src 0:dst]" {
				t.Errorf("OnModify %v", rec.modified)
			}
			if db.Len() != 1 {
				t.Errorf("%d keys", db.Len())
			}
			checkVolatile(t, db)
		})
	}
}

func TestMoveTo(t *testing.T) {
	ks, rec := newTestKS(t)
	src, dst := ks.DBs[0], ks.DBs[2]
	e := src.SetObject([]byte("k"), &fakeList{items: []string{"x"}}, t0)
	src.SetExpire(e, t0+60_000)
	ks.Stats.Dirty = 0
	rec.reset()
	ne := src.MoveTo(e, dst, t0+1_000)
	if src.Len() != 0 || dst.Len() != 1 || dst.Peek([]byte("k"), t0) != ne {
		t.Fatal("key not moved")
	}
	if ne.Expire != t0+60_000 || ne.Kind() != KindList || ne.IdleMillis(t0+1_000) != 1_000 {
		t.Fatalf("moved entry lost data: %+v", ne)
	}
	if src.Expires() != 0 || dst.Expires() != 1 {
		t.Fatal("volatile lists not updated")
	}
	if ks.Stats.Dirty != 1 || fmt.Sprint(rec.modified) != "[0:k 2:k]" {
		t.Fatalf("dirty %d, OnModify %v", ks.Stats.Dirty, rec.modified)
	}
	checkVolatile(t, src)
	checkVolatile(t, dst)
}

func TestCopy(t *testing.T) {
	ks, rec := newTestKS(t)
	db, other := ks.DBs[0], ks.DBs[3]
	n := db.SetString([]byte("n"), []byte("42"), t0, false)
	db.SetExpire(n, t0+5_000)
	l := &fakeList{items: []string{"a"}}
	db.SetObject([]byte("l"), l, t0)
	r := db.SetString([]byte("r"), []byte("ab"), t0, false)
	r.MarkRaw()
	old := other.SetString([]byte("n"), []byte("old"), t0, false)
	other.SetExpire(old, t0+1)
	ks.Stats.Dirty = 0
	rec.reset()

	later := t0 + 2_000
	c := db.Copy(n, db, []byte("n2"), later)
	if string(c.Str) != "42" || c.Expire != t0+5_000 || c.IdleMillis(later) != 0 {
		t.Fatalf("copy wrong: %+v", c)
	}
	if n.SharedInteger() == false || c.SharedInteger() {
		t.Error("a copied small integer must be its own object, the source stays shared")
	}
	if c.Encoding() != "int" {
		t.Errorf("copy encoding %s", c.Encoding())
	}
	c.Str[0] = '9'
	if string(n.Str) != "42" {
		t.Fatal("copy shares bytes with the source")
	}
	cl := db.Copy(db.Peek([]byte("l"), later), other, []byte("l"), later)
	l.push("b")
	if cl.Obj.(*fakeList).len() != 1 {
		t.Fatal("object copy is not deep")
	}
	cr := db.Copy(r, other, []byte("r"), later)
	if cr.Encoding() != "raw" {
		t.Errorf("raw copy reports %s", cr.Encoding())
	}
	// Replacing: the caller looked dst up (here it is expired and replaced).
	cn := db.Copy(n, other, []byte("n"), later)
	if other.Peek([]byte("n"), later) != cn || other.Len() != 3 {
		t.Fatal("replace failed")
	}
	if ks.Stats.Dirty != 4 {
		t.Errorf("dirty %d, want 4", ks.Stats.Dirty)
	}
	checkVolatile(t, db)
	checkVolatile(t, other)
}

func TestFlushAndSwap(t *testing.T) {
	ks, rec := newTestKS(t)
	a, b := ks.DBs[0], ks.DBs[1]
	for i := 0; i < 5; i++ {
		e := a.SetString([]byte(fmt.Sprintf("a%d", i)), []byte("v"), t0, false)
		a.SetExpire(e, t0+100_000)
	}
	b.SetString([]byte("b"), []byte("v"), t0, false)
	rec.reset()
	ks.Swap(1, 1)
	if len(rec.replaced) != 0 || len(rec.modified) != 0 {
		t.Fatal("swapping a database with itself did something")
	}
	before0, before1 := a.Table(), b.Table()
	ks.Swap(0, 1)
	if a.Len() != 1 || b.Len() != 5 || a.Expires() != 0 || b.Expires() != 5 {
		t.Fatalf("swap: %d/%d keys, %d/%d volatile", a.Len(), b.Len(), a.Expires(), b.Expires())
	}
	if a.Peek([]byte("b"), t0) == nil || b.Peek([]byte("a3"), t0) == nil {
		t.Fatal("keys not swapped")
	}
	// No per-key work: the tables trade places, and a write hook sees
	// nothing (a snapshot walks the tables wherever they went).
	if fmt.Sprint(rec.replaced) != "[0:5→1 1:1→5]" || len(rec.modified) != 0 || len(rec.writes) != 0 {
		t.Fatalf("hooks: replaced %v, modified %v, writes %v", rec.replaced, rec.modified, rec.writes)
	}
	if a.Table() != before1 || b.Table() != before0 || !before0.Has("a3") || before0.Has("b") {
		t.Fatal("the tables did not trade places")
	}
	rec.reset()
	if n := b.Flush(); n != 5 || b.Len() != 0 || b.Expires() != 0 {
		t.Fatalf("Flush = %d, %d left", n, b.Len())
	}
	if fmt.Sprint(rec.replaced) != "[1:5→0]" || len(rec.modified) != 0 || len(rec.writes) != 0 {
		t.Fatalf("hooks: replaced %v, modified %v, writes %v", rec.replaced, rec.modified, rec.writes)
	}
	// The dropped table is intact for whoever still walks it.
	if before0.Len() != 5 || b.Table() == before0 {
		t.Fatal("Flush emptied the table in place")
	}
	n := 0
	for c := uint64(0); ; {
		c = before0.Scan(c, func(*Entry) { n++ })
		if c == 0 {
			break
		}
	}
	if n != 5 {
		t.Fatalf("scan of the dropped table saw %d keys", n)
	}
	if b.Flush() != 0 {
		t.Fatal("flushing an empty db")
	}
}

func TestScanStepAndExpireIfNeeded(t *testing.T) {
	ks, _ := newTestKS(t)
	db := ks.DBs[0]
	if db.Scan(0, func(*Entry) { t.Fatal("entry in an empty db") }) != 0 {
		t.Fatal("empty scan must end at once")
	}
	live := map[string]bool{}
	for i := 0; i < 50; i++ {
		k := fmt.Sprintf("k%d", i)
		e := db.SetString([]byte(k), []byte("v"), t0, false)
		if i%5 == 0 {
			db.SetExpire(e, t0+10)
		} else {
			live[k] = true
		}
	}
	seen := map[string]bool{}
	var raw int
	cur := uint64(0)
	for {
		var batch []*Entry
		cur = db.Scan(cur, func(e *Entry) { batch = append(batch, e) })
		raw += len(batch)
		for _, e := range batch {
			if !db.ExpireIfNeeded(e, t0+10) {
				seen[e.Key] = true
			}
		}
		if cur == 0 {
			break
		}
	}
	if raw != 50 {
		t.Errorf("raw scan visited %d entries, want 50", raw)
	}
	if len(seen) != len(live) {
		t.Fatalf("scan returned %d live keys, want %d", len(seen), len(live))
	}
	for k := range live {
		if !seen[k] {
			t.Fatalf("live key %s missed", k)
		}
	}
	if ks.Stats.ExpiredKeys != 10 || db.Len() != 40 {
		t.Fatalf("expired %d, len %d", ks.Stats.ExpiredKeys, db.Len())
	}
	// An entry already removed is not "expired" again (Redis: key gone).
	e := db.SetString([]byte("x"), []byte("v"), t0, false)
	db.SetExpire(e, t0+1)
	if !db.ExpireIfNeeded(e, t0+1) || db.ExpireIfNeeded(e, t0+1) {
		t.Fatal("ExpireIfNeeded on a removed entry must report false")
	}
	if ks.Stats.ExpiredKeys != 11 {
		t.Fatalf("expired counted twice: %d", ks.Stats.ExpiredKeys)
	}
}

func TestEachSkipsExpiredWithoutReclaiming(t *testing.T) {
	ks, _ := newTestKS(t)
	db := ks.DBs[0]
	db.SetString([]byte("a"), []byte("v"), t0, false)
	e := db.SetString([]byte("b"), []byte("v"), t0, false)
	db.SetExpire(e, t0+1)
	var keys []string
	db.Each(t0+1, func(e *Entry) bool { keys = append(keys, e.Key); return true })
	if fmt.Sprint(keys) != "[a]" || db.Len() != 2 || ks.Stats.ExpiredKeys != 0 {
		t.Fatalf("Each: %v, len %d, expired %d", keys, db.Len(), ks.Stats.ExpiredKeys)
	}
}

func TestRandomKey(t *testing.T) {
	tests := []struct {
		name         string
		live, volExp int // live keys, expired volatile keys
		wantNil      bool
	}{
		{"empty", 0, 0, true},
		{"one live", 1, 0, false},
		{"all expired", 0, 300, true},
		{"one live among expired", 1, 300, false},
		{"mixed", 50, 50, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, _ := newTestKS(t)
			db := ks.DBs[0]
			for i := 0; i < tt.live; i++ {
				db.SetString([]byte(fmt.Sprintf("live%d", i)), []byte("v"), t0, false)
			}
			for i := 0; i < tt.volExp; i++ {
				e := db.SetString([]byte(fmt.Sprintf("exp%d", i)), []byte("v"), t0, false)
				db.SetExpire(e, t0+1)
			}
			for round := 0; round < 20; round++ {
				e := db.RandomKey(t0 + 1)
				if (e == nil) != tt.wantNil {
					t.Fatalf("RandomKey = %v, wantNil %v", e, tt.wantNil)
				}
				if e != nil && e.Expire != 0 {
					t.Fatalf("RandomKey returned expired key %s", e.Key)
				}
			}
			if tt.live == 0 && db.Len() != 0 {
				t.Fatalf("expired keys not reclaimed: %d left", db.Len())
			}
			checkVolatile(t, db)
		})
	}
}

func TestStringEncoding(t *testing.T) {
	long := "abcdefghijabcdefghijabcdefghijabcdefghijabcd" // 44 bytes
	tests := []struct {
		val      string
		mark     func(*Entry)
		encoding string
		shared   bool
	}{
		{"0", nil, "int", true},
		{"123", nil, "int", true},
		{"9999", nil, "int", true},
		{"10000", nil, "int", false},
		{"-1", nil, "int", false},
		{"9223372036854775807", nil, "int", false},
		{"-9223372036854775808", nil, "int", false},
		{"9223372036854775808", nil, "embstr", false},
		{"-9223372036854775809", nil, "embstr", false},
		{"01", nil, "embstr", false},
		{"-0", nil, "embstr", false},
		{"+1", nil, "embstr", false},
		{" 1", nil, "embstr", false},
		{"1.5", nil, "embstr", false},
		{"", nil, "embstr", false},
		{"-", nil, "embstr", false},
		{long, nil, "embstr", false},
		{long + "e", nil, "raw", false},
		{"12", (*Entry).MarkRaw, "raw", false},
		{"12", (*Entry).MarkPlain, "embstr", false},
		{"3", (*Entry).MarkPlain, "embstr", false},
		{long + "e", (*Entry).MarkPlain, "raw", false},
		{"12", func(e *Entry) { e.MarkRaw(); ClearRaw(e) }, "int", true},
		{"12", func(e *Entry) { e.MarkPlain(); ClearRaw(e) }, "int", true},
	}
	for _, tt := range tests {
		ks, _ := newTestKS(t)
		e := ks.DBs[0].SetString([]byte("k"), []byte(tt.val), t0, false)
		if tt.mark != nil {
			tt.mark(e)
		}
		if got := e.Encoding(); got != tt.encoding {
			t.Errorf("%q: encoding %s, want %s", tt.val, got, tt.encoding)
		}
		if got := e.SharedInteger(); got != tt.shared {
			t.Errorf("%q: shared %v, want %v", tt.val, got, tt.shared)
		}
		// Overwriting clears every mark.
		ks.DBs[0].SetString([]byte("k"), []byte("7"), t0, false)
		if e.Encoding() != "int" || !e.SharedInteger() {
			t.Errorf("%q: SET did not reset the encoding marks", tt.val)
		}
	}
	ks, _ := newTestKS(t)
	o := ks.DBs[0].SetObject([]byte("l"), &fakeList{}, t0)
	if o.Encoding() != "listpack" || o.SharedInteger() {
		t.Error("object encoding not delegated")
	}
}

func TestLFUAccessData(t *testing.T) {
	ks, _ := newTestKS(t)
	ks.LFU = true
	db := ks.DBs[0]
	e := db.SetString([]byte("k"), []byte("v"), t0, false)
	if got := e.LFUCounter(t0); got != lfuInitVal {
		t.Fatalf("new key counter %d, want %d", got, lfuInitVal)
	}
	db.PeekRead([]byte("k"), t0)
	if got := e.LFUCounter(t0); got != lfuInitVal {
		t.Fatalf("PeekRead changed the counter: %d", got)
	}
	db.LookupRead([]byte("k"), t0)
	if got := e.LFUCounter(t0); got != lfuInitVal+1 {
		t.Fatalf("first access must always count: %d", got)
	}
	// Decay: one per lfu-decay-time minute.
	if got := e.LFUCounter(t0 + 3*60_000); got != lfuInitVal+1-3 {
		t.Fatalf("decayed counter %d", got)
	}
	if got := e.LFUCounter(t0 + 60*60_000); got != 0 {
		t.Fatalf("fully decayed counter %d", got)
	}
}

func TestString2l(t *testing.T) {
	for _, tt := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"-7", -7, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false}, {"123456789012345678901", 0, false},
		{"", 0, false}, {"-", 0, false}, {"00", 0, false}, {"-0", 0, false}, {"1a", 0, false},
	} {
		n, ok := string2l([]byte(tt.in))
		if n != tt.n || ok != tt.ok {
			t.Errorf("string2l(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

// While expiry is paused (CLIENT PAUSE), expired keys read as absent but
// stay, active expiry does nothing, and RANDOMKEY still ends when every
// key has expired.
func TestExpiryPaused(t *testing.T) {
	ks, _ := newTestKS(t)
	db := ks.DBs[0]
	for _, k := range []string{"a", "b", "c"} {
		e := db.SetString([]byte(k), []byte("v"), t0, false)
		db.SetExpire(e, t0+10)
	}
	ks.ExpiryPaused = true
	later := t0 + 1000
	if db.Lookup([]byte("a"), later) != nil || db.Exists([]byte("b"), later) {
		t.Fatal("an expired key read as present during the pause")
	}
	if s, x := db.ExpireSample(later, 20); s != 0 || x != 0 || db.Len() != 3 || ks.Stats.ExpiredKeys != 0 {
		t.Fatalf("keys reclaimed during the pause: sampled %d expired %d len %d", s, x, db.Len())
	}
	if e := db.RandomKey(later); e != nil {
		t.Fatalf("RANDOMKEY with only expired keys: %q", e.Key)
	}
	db.SetString([]byte("live"), []byte("v"), later, false)
	for i := 0; i < 20; i++ {
		if e := db.RandomKey(later); e == nil || e.Key != "live" {
			t.Fatalf("RANDOMKEY must find the one live key, got %v", e)
		}
	}
	ks.ExpiryPaused = false
	if db.Lookup([]byte("a"), later) != nil || db.Len() != 3 {
		t.Fatalf("after the pause a lookup reclaims: len %d", db.Len())
	}
}

// While expiry is paused, RENAME and MOVE onto a key that has expired (but
// is still stored) replace it rather than storing the key twice.
func TestTransferOntoPausedExpiredKey(t *testing.T) {
	for _, op := range []string{"rename", "move"} {
		t.Run(op, func(t *testing.T) {
			ks := New(16)
			db, other := ks.DBs[0], ks.DBs[1]
			const t0 = int64(1_700_000_000_000)
			target := db
			if op == "move" {
				target = other
			}
			old := target.SetString([]byte("dst"), []byte("old"), t0, false)
			target.SetExpire(old, t0+50)
			src := db.SetString([]byte("src"), []byte("new"), t0, false)
			if op == "move" {
				src = db.SetString([]byte("dst"), []byte("new"), t0, false)
			}
			ks.ExpiryPaused = true
			now := t0 + 100
			if op == "rename" {
				db.Rename(src, []byte("dst"), now)
			} else {
				db.MoveTo(src, other, now)
			}
			ks.ExpiryPaused = false
			if n := target.Len(); n != 1 {
				t.Fatalf("%d keys in the target database, want 1", n)
			}
			if e := target.Lookup([]byte("dst"), now); e == nil || string(e.Str) != "new" {
				t.Fatal("dst does not hold the moved value")
			}
		})
	}
}

// Insert adds a key with the value it is given (no copy) and refuses an
// existing key without touching it; Reserve only spares resizes.
func TestInsertAndReserve(t *testing.T) {
	ks, _ := newTestKS(t)
	db := ks.DBs[0]
	db.Reserve(1000)
	buckets := len(db.dict.buckets)
	if buckets < 1000 {
		t.Fatalf("Reserve(1000) left %d buckets", buckets)
	}
	db.Reserve(1 << 62) // a hostile hint is capped
	if len(db.dict.buckets) > maxReserve*2 {
		t.Fatalf("huge Reserve made %d buckets", len(db.dict.buckets))
	}
	ks2, _ := newTestKS(t)
	db = ks2.DBs[0]
	db.Reserve(1000)
	val := []byte("v1")
	tests := []struct {
		key    string
		obj    Object
		wantOK bool
	}{
		{"a", nil, true},
		{"b", &fakeList{items: []string{"x"}}, true},
		{"a", nil, false},
		{"b", nil, false},
	}
	for _, tc := range tests {
		e, ok := db.Insert(tc.key, val, tc.obj, t0)
		if ok != tc.wantOK || (ok && (e.Key != tc.key || e.Obj != tc.obj)) {
			t.Errorf("Insert(%q) = %v, %v", tc.key, e, ok)
		}
	}
	if db.Len() != 2 || len(db.dict.buckets) != buckets {
		t.Fatalf("%d keys, %d buckets (reserved %d)", db.Len(), len(db.dict.buckets), buckets)
	}
	if e := db.Peek([]byte("a"), t0); e == nil || &e.Str[0] != &val[0] {
		t.Error("Insert copied the value or lost the key")
	}
}
