package hash

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func pairs(h *Hash) string {
	var b strings.Builder
	h.Each(func(f, v string) bool {
		fmt.Fprintf(&b, "%s=%s ", f, v)
		return true
	})
	return b.String()
}

var lim = Limits{Entries: 4, Value: 8}

func TestListpackKeepsInsertionOrder(t *testing.T) {
	h := New()
	for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"b", "22"}} {
		h.Set([]byte(kv[0]), []byte(kv[1]), lim)
	}
	h.Delete([]byte("a"))
	h.Set([]byte("a"), []byte("11"), lim)
	if got := pairs(h); got != "b=22 c=3 a=11 " || h.Encoding() != "listpack" || h.Len() != 3 {
		t.Fatalf("pairs %q, encoding %s, len %d", got, h.Encoding(), h.Len())
	}
	var scanned []string
	if cur := h.Scan(0, func(f, v string) { scanned = append(scanned, f) }); cur != 0 || strings.Join(scanned, ",") != "b,c,a" {
		t.Fatalf("listpack scan: cursor %d, %v", cur, scanned)
	}
	if f, v := h.At(1); f != "c" || v != "3" {
		t.Fatalf("At(1) = %s %s", f, v)
	}
}

func TestConversion(t *testing.T) {
	tests := []struct {
		name string
		do   func(h *Hash)
		want string
	}{
		{"at the entries limit", func(h *Hash) {
			for i := 0; i < 4; i++ {
				h.Set([]byte(fmt.Sprint(i)), []byte("v"), lim)
			}
		}, "listpack"},
		{"past the entries limit", func(h *Hash) {
			for i := 0; i < 5; i++ {
				h.Set([]byte(fmt.Sprint(i)), []byte("v"), lim)
			}
		}, "hashtable"},
		{"value at the limit", func(h *Hash) { h.Set([]byte("f"), []byte("12345678"), lim) }, "listpack"},
		{"value past the limit", func(h *Hash) { h.Set([]byte("f"), []byte("123456789"), lim) }, "hashtable"},
		{"field past the limit", func(h *Hash) { h.Set([]byte("123456789"), []byte("v"), lim) }, "hashtable"},
		{"Fit on a long argument", func(h *Hash) { h.Fit(lim, []byte("x"), []byte("123456789")) }, "hashtable"},
		{"Fit on short arguments", func(h *Hash) { h.Fit(lim, []byte("x"), []byte("y")) }, "listpack"},
		{"deleting does not convert back", func(h *Hash) {
			h.Set([]byte("f"), []byte("123456789"), lim)
			h.Delete([]byte("f"))
		}, "hashtable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New()
			tt.do(h)
			if h.Encoding() != tt.want {
				t.Fatalf("encoding %s, want %s", h.Encoding(), tt.want)
			}
		})
	}
}

// Both forms answer the same, and a clone is independent of its source.
func TestFormsAgreeAndCloneIsDeep(t *testing.T) {
	for _, l := range []Limits{{Entries: 1000, Value: 64}, {Entries: 0, Value: 64}} {
		h := New()
		for i := 0; i < 20; i++ {
			if !h.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint(i)), l) {
				t.Fatalf("Set f%d not new", i)
			}
		}
		if h.Set([]byte("f3"), []byte("x"), l) {
			t.Fatal("overwrite reported as new")
		}
		if v, ok := h.Get([]byte("f3")); !ok || v != "x" || h.Len() != 20 {
			t.Fatalf("%s: Get f3 = %q %v, Len %d", h.Encoding(), v, ok, h.Len())
		}
		c := h.Clone().(*Hash)
		h.Delete([]byte("f3"))
		h.Set([]byte("f4"), []byte("changed"), l)
		if v, _ := c.Get([]byte("f4")); v != "4" || c.Len() != 20 {
			t.Fatalf("%s: the clone changed with its source", h.Encoding())
		}
		f, v := c.Random(rand.Uint64)
		if got, _ := c.Get([]byte(f)); got != v {
			t.Fatalf("%s: Random gave %s=%s, the hash says %s", h.Encoding(), f, v, got)
		}
	}
}
