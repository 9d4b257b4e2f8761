package zset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func elems(z *ZSet) []Elem {
	var out []Elem
	z.Range(0, z.Len()-1, false, func(e Elem) bool { out = append(out, e); return true })
	return out
}

// Both forms against a sorted reference through random adds, updates and
// removals: order, ranks, access by rank, reverse ranges.
func TestFormsAgainstReference(t *testing.T) {
	for _, lim := range []Limits{{Entries: 1 << 30, Value: 1 << 30}, {Entries: 0, Value: 64}} {
		r := rand.New(rand.NewPCG(3, 4))
		z := New()
		ref := map[string]float64{}
		for step := 0; step < 5000; step++ {
			m := fmt.Sprint("m", r.IntN(300))
			if r.IntN(4) == 0 {
				_, had := ref[m]
				if z.Remove([]byte(m)) != had {
					t.Fatalf("%s step %d: Remove(%s) disagrees", z.Encoding(), step, m)
				}
				delete(ref, m)
				continue
			}
			s := float64(r.IntN(50))
			_, had := ref[m]
			if z.Set([]byte(m), s, lim) == had {
				t.Fatalf("%s step %d: Set(%s) added=%v, had=%v", z.Encoding(), step, m, !had, had)
			}
			ref[m] = s
		}
		var want []Elem
		for m, s := range ref {
			want = append(want, Elem{m, s})
		}
		slices.SortFunc(want, cmpElem)
		if got := elems(z); !slices.Equal(got, want) {
			t.Fatalf("%s: order differs (%d vs %d elements)", z.Encoding(), len(got), len(want))
		}
		for i, e := range want {
			if rank, ok := z.Rank([]byte(e.Member)); !ok || rank != i {
				t.Fatalf("%s: Rank(%s) = %d, want %d", z.Encoding(), e.Member, rank, i)
			}
			if got := z.At(i); got != e {
				t.Fatalf("%s: At(%d) = %v, want %v", z.Encoding(), i, got, e)
			}
			if s, ok := z.Score([]byte(e.Member)); !ok || s != e.Score {
				t.Fatalf("%s: Score(%s) = %v", z.Encoding(), e.Member, s)
			}
		}
		// Scores below 10: a prefix, counted in O(log n).
		n := z.CountBefore(func(s float64, _ string) bool { return s < 10 })
		k := 0
		for _, e := range want {
			if e.Score < 10 {
				k++
			}
		}
		if n != k {
			t.Fatalf("%s: CountBefore(score<10) = %d, want %d", z.Encoding(), n, k)
		}
		var rev []Elem
		z.Range(2, 7, true, func(e Elem) bool { rev = append(rev, e); return true })
		for i, e := range rev {
			if e != want[7-i] {
				t.Fatalf("%s: reverse range element %d = %v", z.Encoding(), i, e)
			}
		}
		c := z.Clone().(*ZSet)
		z.Remove([]byte(want[0].Member))
		if c.Len() != len(want) || c.At(0) != want[0] {
			t.Fatalf("%s: clone changed with its source", z.Encoding())
		}
	}
}

func TestConversion(t *testing.T) {
	lim := Limits{Entries: 2, Value: 4}
	z := New()
	z.Set([]byte("a"), 1, lim)
	z.Set([]byte("b"), 2, lim)
	if z.Encoding() != "listpack" {
		t.Fatal(z.Encoding())
	}
	z.Set([]byte("c"), 3, lim)
	if z.Encoding() != "skiplist" {
		t.Fatal("past the entries limit:", z.Encoding())
	}
	z = New()
	z.Set([]byte("abcde"), 1, lim)
	if z.Encoding() != "skiplist" {
		t.Fatal("long member:", z.Encoding())
	}
	if NewSized(3, 1, lim).Encoding() != "skiplist" || NewSized(2, 4, lim).Encoding() != "listpack" {
		t.Fatal("NewSized")
	}
}
