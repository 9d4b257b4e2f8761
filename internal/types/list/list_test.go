package list

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func contents(l *List) []string {
	out := make([]string, l.Len())
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

// The ring buffer against a plain slice, through random operations that
// wrap around, grow and shrink it.
func TestAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	l, ref := New(), []string(nil)
	for step := 0; step < 20000; step++ {
		v := fmt.Sprint(step)
		switch op := r.IntN(10); {
		case op < 3:
			l.PushLeft(v)
			ref = slices.Insert(ref, 0, v)
		case op < 6:
			l.PushRight(v)
			ref = append(ref, v)
		case op == 6 && len(ref) > 0:
			if got := l.PopLeft(); got != ref[0] {
				t.Fatalf("step %d: PopLeft %s, want %s", step, got, ref[0])
			}
			ref = ref[1:]
		case op == 7 && len(ref) > 0:
			if got := l.PopRight(); got != ref[len(ref)-1] {
				t.Fatalf("step %d: PopRight %s, want %s", step, got, ref[len(ref)-1])
			}
			ref = ref[:len(ref)-1]
		case op == 8:
			i := r.IntN(len(ref) + 1)
			l.Insert(i, v)
			ref = slices.Insert(ref, i, v)
		case op == 9 && len(ref) > 0:
			i := r.IntN(len(ref))
			l.RemoveAt(i)
			ref = slices.Delete(ref, i, i+1)
		}
		if l.Len() != len(ref) {
			t.Fatalf("step %d: Len %d, want %d", step, l.Len(), len(ref))
		}
	}
	if !slices.Equal(contents(l), ref) {
		t.Fatal("contents differ from the reference")
	}
	// Popping everything shrinks the buffer back.
	for l.Len() > 0 {
		l.PopLeft()
	}
	if len(l.buf) > 64 {
		t.Errorf("empty list keeps a buffer of %d", len(l.buf))
	}
}

func TestTrimFilterClone(t *testing.T) {
	l := New()
	for i := 0; i < 10; i++ {
		l.PushRight(fmt.Sprint(i))
	}
	c := l.Clone().(*List)
	l.Trim(2, 5)
	if got := fmt.Sprint(contents(l)); got != "[2 3 4 5]" {
		t.Fatalf("Trim: %s", got)
	}
	if n := l.Filter(func(_ int, v string) bool { return v != "3" && v != "5" }); n != 2 || fmt.Sprint(contents(l)) != "[2 4]" {
		t.Fatalf("Filter dropped %d: %v", n, contents(l))
	}
	l.SetAt(0, "x")
	if c.Len() != 10 || c.At(0) != "0" || c.At(2) != "2" {
		t.Fatalf("clone changed with its source: %v", contents(c))
	}
	if l.Encoding() != "quicklist" {
		t.Fatalf("encoding %s", l.Encoding())
	}
}
