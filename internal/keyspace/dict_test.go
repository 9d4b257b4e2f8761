package keyspace

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

func testDict() *dict { return newDict(maphash.MakeSeed()) }

func dictAdd(d *dict, key string) *Entry {
	e := &Entry{Key: key, volIdx: -1}
	d.insert(e)
	return e
}

// checkDict verifies the bookkeeping: count, bucket placement, power-of-two size.
func checkDict(t *testing.T, d *dict) {
	t.Helper()
	if n := len(d.buckets); n < minBuckets || n&(n-1) != 0 {
		t.Fatalf("bucket count %d is not a power of two >= %d", n, minBuckets)
	}
	mask := uint64(len(d.buckets) - 1)
	n := 0
	for i, e := range d.buckets {
		for ; e != nil; e = e.next {
			n++
			if got := d.hashString(e.Key) & mask; got != uint64(i) {
				t.Fatalf("key %q in bucket %d, hashes to %d", e.Key, i, got)
			}
		}
	}
	if n != d.count {
		t.Fatalf("count %d, but %d entries linked", d.count, n)
	}
}

func TestDictInsertFindRemove(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		removes int
		// wantBuckets is the table size after the inserts.
		wantBuckets int
	}{
		{"empty", 0, 0, 4},
		{"below initial size", 3, 0, 4},
		{"exactly initial size", 4, 0, 4},
		{"one over grows", 5, 0, 8},
		{"grows like Redis", 9, 0, 16},
		{"many", 1000, 0, 1024},
		{"many then shrink", 1000, 990, 1024},
		{"all removed", 100, 100, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDict()
			entries := make([]*Entry, tt.n)
			for i := range entries {
				entries[i] = dictAdd(d, fmt.Sprintf("key:%d", i))
			}
			if len(d.buckets) != tt.wantBuckets {
				t.Errorf("after %d inserts: %d buckets, want %d", tt.n, len(d.buckets), tt.wantBuckets)
			}
			checkDict(t, d)
			for i := 0; i < tt.removes; i++ {
				d.remove(entries[i])
			}
			checkDict(t, d)
			if d.count != tt.n-tt.removes {
				t.Fatalf("count %d, want %d", d.count, tt.n-tt.removes)
			}
			for i, e := range entries {
				got := d.find([]byte(e.Key))
				if i < tt.removes && got != nil {
					t.Fatalf("removed key %q still found", e.Key)
				}
				if i >= tt.removes && got != e {
					t.Fatalf("key %q not found", e.Key)
				}
			}
			if tt.removes > 0 && tt.n-tt.removes < len(d.buckets)/10 && len(d.buckets) > minBuckets {
				t.Errorf("table did not shrink: %d keys in %d buckets", d.count, len(d.buckets))
			}
		})
	}
}

func TestDictScanEmpty(t *testing.T) {
	d := testDict()
	for _, cur := range []uint64{0, 1, 3, 12345, 1<<64 - 1} {
		calls := 0
		if next := d.scan(cur, func(*Entry) { calls++ }); next != 0 || calls != 0 {
			t.Errorf("scan(%d) of an empty dict = %d after %d calls, want 0, 0", cur, next, calls)
		}
	}
}

func TestDictScanCursorSequence(t *testing.T) {
	// With a fixed table size the cursor walks every bucket exactly once
	// in reverse-binary order and ends at 0.
	for _, size := range []int{4, 8, 64, 1024} {
		d := testDict()
		d.resize(size)
		dictAdd(d, "x") // not empty, so scan walks
		d.resize(size)
		seen := make(map[uint64]bool)
		cur := uint64(0)
		for {
			bucket := cur & uint64(size-1)
			if seen[bucket] {
				t.Fatalf("size %d: bucket %d visited twice", size, bucket)
			}
			seen[bucket] = true
			cur = d.scan(cur, func(*Entry) {})
			if cur == 0 {
				break
			}
		}
		if len(seen) != size {
			t.Fatalf("size %d: visited %d buckets", size, len(seen))
		}
	}
}

// TestDictScanGuarantee checks SCAN's promise: every element present from
// the start to the end of a full scan is returned at least once, while the
// table grows and shrinks between the calls.
func TestDictScanGuarantee(t *testing.T) {
	tests := []struct {
		name          string
		stable        int // keys present for the whole scan
		churn         int // keys added (>0) or removed per step
		initialExtras int // removable keys present at the start
	}{
		{"static", 500, 0, 0},
		{"growing", 50, 40, 0},
		{"growing fast", 5, 500, 0},
		{"shrinking", 20, -30, 3000},
		{"shrinking to nothing else", 3, -200, 5000},
		{"tiny", 1, 10, 0},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", tt.name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, seed*7))
				d := testDict()
				stable := make(map[string]bool)
				for i := 0; i < tt.stable; i++ {
					k := fmt.Sprintf("stable:%d", i)
					dictAdd(d, k)
					stable[k] = true
				}
				var extras []*Entry
				for i := 0; i < tt.initialExtras; i++ {
					extras = append(extras, dictAdd(d, fmt.Sprintf("extra:%d", i)))
				}
				next := tt.initialExtras
				seen := make(map[string]bool)
				cur := uint64(0)
				for steps := 0; ; steps++ {
					cur = d.scan(cur, func(e *Entry) { seen[e.Key] = true })
					if cur == 0 {
						break
					}
					if steps > 200_000 {
						t.Fatal("scan does not terminate")
					}
					switch {
					case tt.churn > 0 && len(extras) < 20000:
						// Bounded: a table that doubles at every step
						// forever would never let the cursor finish.
						for i := 0; i < tt.churn; i++ {
							extras = append(extras, dictAdd(d, fmt.Sprintf("extra:%d", next)))
							next++
						}
					case tt.churn < 0:
						for i := 0; i < -tt.churn && len(extras) > 0; i++ {
							j := rng.IntN(len(extras))
							d.remove(extras[j])
							extras[j] = extras[len(extras)-1]
							extras = extras[:len(extras)-1]
						}
					}
				}
				for k := range stable {
					if !seen[k] {
						t.Fatalf("key %q present for the whole scan was not returned", k)
					}
				}
				checkDict(t, d)
			})
		}
	}
}

func TestDictRandomEntry(t *testing.T) {
	d := testDict()
	if d.randomEntry(rand.Uint64) != nil {
		t.Fatal("random entry of an empty dict")
	}
	const n = 20
	for i := 0; i < n; i++ {
		dictAdd(d, fmt.Sprintf("k%d", i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[string]int)
	for i := 0; i < 5000; i++ {
		seen[d.randomEntry(rng.Uint64).Key]++
	}
	if len(seen) != n {
		t.Fatalf("random entries cover %d of %d keys", len(seen), n)
	}
}

func TestDictEachAndClear(t *testing.T) {
	d := testDict()
	for i := 0; i < 100; i++ {
		dictAdd(d, fmt.Sprintf("k%d", i))
	}
	n := 0
	d.each(func(*Entry) bool { n++; return true })
	if n != 100 {
		t.Fatalf("each visited %d, want 100", n)
	}
	n = 0
	d.each(func(*Entry) bool { n++; return n < 10 })
	if n != 10 {
		t.Fatalf("each did not stop: %d", n)
	}
	d.clear()
	if d.count != 0 || len(d.buckets) != minBuckets || d.find([]byte("k1")) != nil {
		t.Fatal("clear left entries")
	}
	checkDict(t, d)
}
