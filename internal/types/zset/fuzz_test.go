package zset

import (
	"slices"
	"strconv"
	"testing"
)

// FuzzOps reads the input as operations on a sorted set and checks them
// against a map and a sorted copy: order, ranks, and access by rank, in
// both forms (the listpack limit is low).
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 2, 3, 1, 1, 0, 0, 3, 3})
	f.Add([]byte{0, 1, 1, 0, 2, 1, 0, 3, 1, 0, 4, 1, 0, 5, 1, 0, 6, 1, 2, 3, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		lim := Limits{Entries: 4, Value: 64}
		z, model := New(), map[string]float64{}
		for i := 0; i+2 < len(ops); i += 3 {
			m := strconv.Itoa(int(ops[i+1] % 32))
			score := float64(int(ops[i+2]%8)) - 3
			switch ops[i] % 3 {
			case 0:
				_, had := model[m]
				if z.Set([]byte(m), score, lim) == had {
					t.Fatalf("op %d: Set(%s) disagrees", i, m)
				}
				model[m] = score
			case 1:
				_, had := model[m]
				if z.Remove([]byte(m)) != had {
					t.Fatalf("op %d: Remove(%s) disagrees", i, m)
				}
				delete(model, m)
			case 2:
				s, ok := z.Score([]byte(m))
				if want, had := model[m]; ok != had || s != want {
					t.Fatalf("op %d: Score(%s) disagrees", i, m)
				}
			}
		}
		var want []Elem
		for m, s := range model {
			want = append(want, Elem{m, s})
		}
		slices.SortFunc(want, cmpElem)
		if z.Len() != len(want) {
			t.Fatalf("Len %d, model %d", z.Len(), len(want))
		}
		for i, e := range want {
			if got := z.At(i); got != e {
				t.Fatalf("At(%d) = %v, want %v (%s)", i, got, e, z.Encoding())
			}
			if r, ok := z.Rank([]byte(e.Member)); !ok || r != i {
				t.Fatalf("Rank(%s) = %d, want %d", e.Member, r, i)
			}
		}
	})
}
