package dict

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestSetGetDelete(t *testing.T) {
	m := New[int](0)
	for i := 0; i < 1000; i++ {
		if !m.Set([]byte(fmt.Sprint(i)), i) {
			t.Fatalf("Set %d: not new", i)
		}
	}
	if m.Set([]byte("7"), 70) || m.Len() != 1000 {
		t.Fatalf("overwrite: new, or Len %d", m.Len())
	}
	if v, ok := m.Get([]byte("7")); !ok || v != 70 {
		t.Fatalf("Get 7 = %d %v", v, ok)
	}
	*m.Ref([]byte("8")) = 80
	if v, _ := m.Get([]byte("8")); v != 80 {
		t.Fatalf("Ref did not change the value: %d", v)
	}
	if m.Ref([]byte("nope")) != nil {
		t.Fatal("Ref of a missing key")
	}
	for i := 0; i < 1000; i++ {
		if !m.Delete([]byte(fmt.Sprint(i))) {
			t.Fatalf("Delete %d failed", i)
		}
	}
	if m.Len() != 0 || m.Delete([]byte("1")) || len(m.buckets) != minBuckets {
		t.Fatalf("after deleting all: Len %d, %d buckets", m.Len(), len(m.buckets))
	}
}

// The SCAN guarantee: an element present for the whole iteration is
// returned at least once, however the table grows or shrinks between
// calls.
func TestScanSurvivesResizes(t *testing.T) {
	for _, tc := range []struct {
		name          string
		start, during int // elements before, and added (+) or removed (-) per call
	}{
		{"steady", 1000, 0},
		{"growing", 100, 50},
		{"shrinking", 3000, -100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New[int](0)
			for i := 0; i < tc.start; i++ {
				m.Set([]byte(fmt.Sprint(i)), i)
			}
			stable := map[string]bool{}
			for i := 0; i < tc.start; i++ {
				stable[fmt.Sprint(i)] = true
			}
			seen := map[string]bool{}
			next := tc.start
			var cursor uint64
			for calls := 0; ; calls++ {
				cursor = m.Scan(cursor, func(k string, _ int) { seen[k] = true })
				if cursor == 0 {
					break
				}
				switch {
				case tc.during > 0 && next < tc.start+5000:
					// Grow for a while (a table growing for ever is
					// never fully scanned, in Redis either).
					for j := 0; j < tc.during; j++ {
						m.Set([]byte(fmt.Sprint(next)), next)
						next++
					}
				case tc.during < 0:
					// Remove from the top; those are no longer "stable".
					for j := 0; j < -tc.during && next > 1000; j++ {
						next--
						m.Delete([]byte(fmt.Sprint(next)))
						delete(stable, fmt.Sprint(next))
					}
				}
				if calls > 1<<20 {
					t.Fatal("scan did not end")
				}
			}
			for k := range stable {
				if !seen[k] {
					t.Fatalf("element %s present throughout was never returned", k)
				}
			}
		})
	}
	if New[int](0).Scan(12345, func(string, int) {}) != 0 {
		t.Error("scan of an empty map did not end at once")
	}
}

func TestRandomAndEach(t *testing.T) {
	m := New[int](0)
	if _, _, ok := m.Random(rand.Uint64); ok {
		t.Fatal("Random of an empty map")
	}
	for i := 0; i < 50; i++ {
		m.Insert(fmt.Sprint(i), i)
	}
	hits := map[string]int{}
	for i := 0; i < 5000; i++ {
		k, v, ok := m.Random(rand.Uint64)
		if !ok || fmt.Sprint(v) != k {
			t.Fatalf("Random = %q %d %v", k, v, ok)
		}
		hits[k]++
	}
	if len(hits) != 50 {
		t.Errorf("5000 random picks hit %d of 50 elements", len(hits))
	}
	n := 0
	m.Each(func(string, int) bool { n++; return n < 10 })
	if n != 10 {
		t.Errorf("Each did not stop: %d", n)
	}
}
