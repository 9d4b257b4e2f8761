package hll

import (
	"bytes"
	"testing"
)

// FuzzParse treats the input as a HyperLogLog string value, as SET or
// RESTORE can store anything: no reader may panic, and a sketch the
// readers accept stays consistent through updates (registers only grow,
// the sparse and dense forms count the same, an update never corrupts a
// valid sketch). The first two bytes pick the registers the updates touch.
func FuzzParse(f *testing.F) {
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x80"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x80\x87\x7f\xfd"))
	f.Add([]byte("not an hll"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := append([]byte(nil), data...)
		if Check(h) != nil {
			return
		}
		_ = Encoding(h)
		_, _ = CachedCard(h)
		_ = Decode(h)
		n, countErr := Count(h)
		before := make([]uint8, Registers)
		mergeErr := Merge(before, h)
		d, denseErr := ToDense(h)
		if (mergeErr == nil) != (denseErr == nil) {
			t.Fatalf("Merge err %v but ToDense err %v", mergeErr, denseErr)
		}
		valid := mergeErr == nil
		if valid {
			if countErr != nil {
				t.Fatalf("Merge accepts but Count refuses: %v", countErr)
			}
			if dn, err := Count(d); err != nil || dn != n {
				t.Fatalf("dense count %d (%v), sparse %d", dn, err, n)
			}
			if rn := CountRegisters(before); rn != n {
				t.Fatalf("CountRegisters %d, Count %d", rn, n)
			}
		}
		// Updates: a few registers chosen by the input.
		seed := 0
		if len(data) > 1 {
			seed = int(data[0])<<8 | int(data[1])
		}
		want := append([]uint8(nil), before...)
		g := h
		for k := 0; k < 8; k++ {
			i := (seed*31 + k*2053) % Registers
			v := uint8(1 + (seed+k)%40)
			var err error
			g, _, err = Set(g, i, v, 64+seed%400)
			if err != nil {
				if valid {
					t.Fatalf("Set(%d,%d) on a valid sketch: %v", i, v, err)
				}
				return
			}
			want[i] = max(want[i], v)
			if Check(g) != nil {
				t.Fatalf("Set(%d,%d) broke the header", i, v)
			}
		}
		_ = Decode(g)
		_, _ = Count(g)
		if valid {
			got, err := RegisterValues(g)
			if err != nil {
				t.Fatalf("updated sketch unreadable: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("registers after updates differ from the model")
			}
		}
	})
}
