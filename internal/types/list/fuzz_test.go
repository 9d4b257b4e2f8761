package list

import (
	"slices"
	"strconv"
	"testing"
)

// FuzzOps reads the input as deque operations and checks them against a
// slice.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 2, 0, 3, 0, 4, 1, 5, 0})
	f.Add([]byte{1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 0, 6, 2, 0, 2, 0, 3, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		l, ref := New(), []string(nil)
		for i := 0; i+1 < len(ops); i += 2 {
			v := strconv.Itoa(i)
			arg := int(ops[i+1])
			switch ops[i] % 6 {
			case 0:
				l.PushLeft(v)
				ref = slices.Insert(ref, 0, v)
			case 1:
				l.PushRight(v)
				ref = append(ref, v)
			case 2:
				if len(ref) > 0 {
					if l.PopLeft() != ref[0] {
						t.Fatalf("op %d: PopLeft", i)
					}
					ref = ref[1:]
				}
			case 3:
				if len(ref) > 0 {
					if l.PopRight() != ref[len(ref)-1] {
						t.Fatalf("op %d: PopRight", i)
					}
					ref = ref[:len(ref)-1]
				}
			case 4:
				j := arg % (len(ref) + 1)
				l.Insert(j, v)
				ref = slices.Insert(ref, j, v)
			case 5:
				if len(ref) > 0 {
					j := arg % len(ref)
					l.RemoveAt(j)
					ref = slices.Delete(ref, j, j+1)
				}
			}
			if l.Len() != len(ref) {
				t.Fatalf("op %d: Len %d, want %d", i, l.Len(), len(ref))
			}
		}
		for i, v := range ref {
			if l.At(i) != v {
				t.Fatalf("At(%d) = %s, want %s", i, l.At(i), v)
			}
		}
	})
}
