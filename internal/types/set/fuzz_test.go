package set

import (
	"slices"
	"strconv"
	"testing"
)

// FuzzOps reads the input as a sequence of operations on a set and checks
// every step against a map: membership, size, and the intset's sorted
// order. Small member spaces and a low intset limit push the set through
// its conversion often.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 1, 1, 0, 200, 2, 3})
	f.Add([]byte("\x00\x05\x00\x06\x00\x07\x00\x08\x00\x09\x01\x05\x03\x00"))
	f.Add([]byte{0, 255, 0, 128, 0, 3, 1, 255, 1, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		s, model := New(), map[string]bool{}
		for i := 0; i+1 < len(ops); i += 2 {
			// Members 0..127 are integers, 128..255 strings.
			m := strconv.Itoa(int(ops[i+1]))
			if ops[i+1] >= 128 {
				m = "m" + m
			}
			switch ops[i] % 4 {
			case 0, 3:
				if s.Add([]byte(m), 6) == model[m] {
					t.Fatalf("op %d: Add(%s) new=%v, model has it=%v", i, m, !model[m], model[m])
				}
				model[m] = true
			case 1:
				if s.Remove([]byte(m)) != model[m] {
					t.Fatalf("op %d: Remove(%s) disagrees", i, m)
				}
				delete(model, m)
			case 2:
				if s.Has([]byte(m)) != model[m] {
					t.Fatalf("op %d: Has(%s) disagrees", i, m)
				}
			}
			if s.Len() != len(model) {
				t.Fatalf("op %d: Len %d, model %d", i, s.Len(), len(model))
			}
		}
		members := s.Members()
		for _, m := range members {
			if !model[m] {
				t.Fatalf("member %s not in the model", m)
			}
		}
		if s.IsIntset() && !slices.IsSortedFunc(members, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		}) {
			t.Fatalf("intset not sorted: %v", members)
		}
	})
}
