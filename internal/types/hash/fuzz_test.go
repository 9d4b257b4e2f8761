package hash

import (
	"strconv"
	"testing"
)

// FuzzOps reads the input as operations on a hash and checks them against
// a map, across the listpack → hashtable conversion (low limits), and that
// a listpack keeps insertion order.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 2, 6, 1, 1, 0, 0, 1, 7})
	f.Add([]byte{0, 1, 200, 0, 2, 1, 0, 3, 1, 0, 4, 1, 0, 5, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		lim := Limits{Entries: 5, Value: 10}
		h, model := New(), map[string]string{}
		var order []string
		for i := 0; i+2 < len(ops); i += 3 {
			field := strconv.Itoa(int(ops[i+1] % 16))
			value := string(make([]byte, int(ops[i+2])%16))
			switch ops[i] % 3 {
			case 0:
				_, had := model[field]
				if h.Set([]byte(field), []byte(value), lim) == had {
					t.Fatalf("op %d: Set(%s) disagrees", i, field)
				}
				if !had {
					order = append(order, field)
				}
				model[field] = value
			case 1:
				_, had := model[field]
				if h.Delete([]byte(field)) != had {
					t.Fatalf("op %d: Delete(%s) disagrees", i, field)
				}
				delete(model, field)
				for j, f := range order {
					if f == field {
						order = append(order[:j], order[j+1:]...)
						break
					}
				}
			case 2:
				v, ok := h.Get([]byte(field))
				if want, had := model[field]; ok != had || v != want {
					t.Fatalf("op %d: Get(%s) = %q %v, model %q %v", i, field, v, ok, want, had)
				}
			}
			if h.Len() != len(model) {
				t.Fatalf("op %d: Len %d, model %d", i, h.Len(), len(model))
			}
		}
		if h.IsListpack() {
			j := 0
			h.Each(func(f, _ string) bool {
				if order[j] != f {
					t.Fatalf("listpack order: %s at %d, want %s", f, j, order[j])
				}
				j++
				return true
			})
		}
	})
}
