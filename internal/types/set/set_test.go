package set

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestIntsetSortedAndConversions(t *testing.T) {
	s := New()
	for _, m := range []string{"5", "-3", "12", "5", "0"} {
		s.Add([]byte(m), 4)
	}
	if got := strings.Join(s.Members(), ","); got != "-3,0,5,12" || s.Encoding() != "intset" {
		t.Fatalf("members %s, encoding %s", got, s.Encoding())
	}
	if !s.Has([]byte("12")) || s.Has([]byte("012")) || s.Has([]byte("x")) || s.Remove([]byte("+5")) {
		t.Fatal("membership of non-canonical forms")
	}
	s.Add([]byte("7"), 4)
	if s.Encoding() != "hashtable" || s.Len() != 5 || !s.Has([]byte("7")) || !s.Has([]byte("-3")) {
		t.Fatalf("past the entries limit: %s, %d members", s.Encoding(), s.Len())
	}
	for _, m := range []string{"01", "-0", "+1", "1.0", "9223372036854775808", "", " 1"} {
		s := New()
		s.Add([]byte(m), 512)
		if s.Encoding() != "hashtable" || !s.Has([]byte(m)) {
			t.Errorf("%q: encoding %s", m, s.Encoding())
		}
	}
	for _, m := range []string{"0", "-1", "9223372036854775807", "-9223372036854775808"} {
		s := New()
		s.Add([]byte(m), 512)
		if s.Encoding() != "intset" || s.Members()[0] != m {
			t.Errorf("%q: encoding %s, members %v", m, s.Encoding(), s.Members())
		}
	}
}

func TestFormsAgreeAndCloneIsDeep(t *testing.T) {
	for _, max := range []int{512, 0} {
		s := New()
		for i := 0; i < 50; i++ {
			if !s.Add([]byte(fmt.Sprint(i)), max) {
				t.Fatalf("Add %d not new", i)
			}
		}
		c := s.Clone().(*Set)
		s.Remove([]byte("3"))
		if !c.Has([]byte("3")) || c.Len() != 50 || s.Len() != 49 {
			t.Fatalf("%s: clone changed with its source", s.Encoding())
		}
		seen := map[string]bool{}
		var cursor uint64
		for {
			cursor = c.Scan(cursor, func(m string) { seen[m] = true })
			if cursor == 0 {
				break
			}
		}
		if len(seen) != 50 {
			t.Fatalf("%s: scan saw %d members", c.Encoding(), len(seen))
		}
		if m := c.Random(rand.Uint64); !c.Has([]byte(m)) {
			t.Fatalf("%s: Random gave %q, not a member", c.Encoding(), m)
		}
	}
}
