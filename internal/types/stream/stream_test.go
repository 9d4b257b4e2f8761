package stream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in        string
		star      bool
		want      ID
		seqGiven  bool
		ok        bool
		missingSq uint64
	}{
		{in: "0", want: ID{0, 0}, seqGiven: true, ok: true},
		{in: "5", missingSq: math.MaxUint64, want: ID{5, math.MaxUint64}, seqGiven: true, ok: true},
		{in: "1-2", want: ID{1, 2}, seqGiven: true, ok: true},
		{in: "18446744073709551615-18446744073709551615", want: MaxID, seqGiven: true, ok: true},
		{in: "18446744073709551616", ok: false},
		{in: "1-18446744073709551616", ok: false},
		{in: "00005-007", want: ID{5, 7}, seqGiven: true, ok: true}, // strtoull takes leading zeros
		{in: " 6", want: ID{6, 0}, seqGiven: true, ok: true},        // and leading blanks
		{in: "+6-+1", want: ID{6, 1}, seqGiven: true, ok: true},     // and a plus sign
		{in: "5--3", ok: false},                                     // a negative canonical number is refused
		{in: "-5", ok: false},
		{in: "5-", ok: false},
		{in: "-", ok: false},
		{in: "", ok: false},
		{in: "a-1", ok: false},
		{in: "1-a", ok: false},
		{in: "1 ", ok: false},
		{in: "5-*", ok: false},
		{in: "5-*", star: true, want: ID{5, 0}, seqGiven: false, ok: true},
		{in: "5-**", star: true, ok: false},
		{in: string(make([]byte, 128)), ok: false},
	} {
		got, seqGiven, ok := ParseID([]byte(tc.in), tc.missingSq, tc.star)
		if ok != tc.ok || ok && (got != tc.want || seqGiven != tc.seqGiven) {
			t.Errorf("ParseID(%q, star=%v) = %v %v %v, want %v %v %v", tc.in, tc.star, got, seqGiven, ok, tc.want, tc.seqGiven, tc.ok)
		}
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0", "1-1", "5-*", " 7", "+3-+4", "18446744073709551615-18446744073709551615", "-", "1--1", "99999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, seqGiven, ok := ParseID(b, 0, true)
		if !ok {
			return
		}
		// An accepted ID prints as something that parses back to itself.
		back, _, ok2 := ParseID([]byte(id.String()), 0, false)
		if !ok2 || back != id {
			t.Fatalf("%q -> %v, printed %q parses to %v %v", b, id, id.String(), back, ok2)
		}
		if !seqGiven && id.Seq != 0 {
			t.Fatalf("%q: starred sequence %d", b, id.Seq)
		}
	})
}

// model is a plain list of live entries.
type model struct {
	ids    []ID
	fields map[ID]string
}

func (m *model) rangeOf(start, end ID, rev bool, count int) []ID {
	var out []ID
	for _, id := range m.ids {
		if !id.Less(start) && !end.Less(id) {
			out = append(out, id)
		}
	}
	if rev {
		slices.Reverse(out)
	}
	if count > 0 && len(out) > count {
		out = out[:count]
	}
	return out
}

// TestStreamAgainstModel runs random adds, deletes, exact trims and range
// reads against the model, checking the node bookkeeping as it goes.
func TestStreamAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		lim := Limits{Entries: int64(1 + r.IntN(8)), Bytes: int64(40 + r.IntN(400))}
		s, m := New(), &model{fields: map[ID]string{}}
		next := ID{1, 0}
		for step := 0; step < 2000; step++ {
			switch op := r.IntN(10); {
			case op < 5:
				v := strconv.Itoa(r.IntN(1000))
				fields := [][]byte{[]byte("f"), []byte(v)}
				if r.IntN(4) == 0 {
					fields = append(fields, []byte("g"), []byte(v+v))
				}
				if err := s.Add(next, fields, lim); err != nil {
					t.Fatal(err)
				}
				m.ids = append(m.ids, next)
				m.fields[next] = fmt.Sprint(fields)
				next = ID{next.Ms + uint64(r.IntN(2)), next.Seq + 1}
			case op < 7 && len(m.ids) > 0:
				id := m.ids[r.IntN(len(m.ids))]
				if !s.Delete(id) {
					t.Fatalf("seed %d: Delete(%v) found nothing", seed, id)
				}
				if s.Delete(id) {
					t.Fatalf("seed %d: Delete(%v) twice", seed, id)
				}
				m.ids = slices.DeleteFunc(m.ids, func(x ID) bool { return x == id })
				s.RefreshFirstID()
			case op < 8:
				maxLen := uint64(r.IntN(len(m.ids) + 5))
				n := s.Trim(false, maxLen, ID{}, false, 0)
				want := max(0, len(m.ids)-int(maxLen))
				if int(n) != want {
					t.Fatalf("seed %d: trim to %d removed %d, want %d", seed, maxLen, n, want)
				}
				m.ids = m.ids[want:]
			case op < 9 && len(m.ids) > 0:
				minID := m.ids[r.IntN(len(m.ids))]
				n := s.Trim(true, 0, minID, false, 0)
				i, _ := slices.BinarySearchFunc(m.ids, minID, func(a, b ID) int { return a.Compare(b) })
				if int(n) != i {
					t.Fatalf("seed %d: trim below %v removed %d, want %d", seed, minID, n, i)
				}
				m.ids = m.ids[i:]
			default:
				a, b := ID{uint64(r.IntN(int(next.Ms + 2))), uint64(r.IntN(int(next.Seq + 2)))}, ID{uint64(r.IntN(int(next.Ms + 2))), math.MaxUint64}
				rev, count := r.IntN(2) == 0, r.IntN(5)
				var got []ID
				s.Range(a, b, rev, func(e *Entry) bool {
					if fmt.Sprint(e.Fields) != m.fields[e.ID] {
						t.Fatalf("seed %d: entry %v has %q", seed, e.ID, e.Fields)
					}
					got = append(got, e.ID)
					return count == 0 || len(got) < count
				})
				if want := m.rangeOf(a, b, rev, count); !slices.Equal(got, want) {
					t.Fatalf("seed %d: Range(%v, %v, rev=%v, %d) = %v, want %v", seed, a, b, rev, count, got, want)
				}
			}
			checkInvariants(t, s, m, lim)
		}
	}
}

func checkInvariants(t *testing.T, s *Stream, m *model, lim Limits) {
	t.Helper()
	if s.Len() != uint64(len(m.ids)) {
		t.Fatalf("Len %d, model %d", s.Len(), len(m.ids))
	}
	var total int64
	for i, n := range s.nodes {
		if n.live <= 0 {
			t.Fatalf("node %d has %d live entries", i, n.live)
		}
		offs := n.offsets(nil)
		if n.live+n.deleted != int64(len(offs)) || n.count != len(offs) {
			t.Fatalf("node %d: live %d + deleted %d, count %d, %d entries", i, n.live, n.deleted, n.count, len(offs))
		}
		if first := n.at(0).id; n.master != first {
			t.Fatalf("node %d: master %v, first entry %v", i, n.master, first)
		}
		if last := n.at(offs[len(offs)-1]).id; n.last != last {
			t.Fatalf("node %d: last %v, last entry %v", i, n.last, last)
		}
		var dead int64
		for _, off := range offs {
			if n.at(off).deleted() {
				dead++
			}
		}
		if dead != n.deleted {
			t.Fatalf("node %d: %d flagged deleted, counted %d", i, dead, n.deleted)
		}
		if n.live+n.deleted > max(lim.Entries, 1) {
			t.Fatalf("node %d holds %d entries, limit %d", i, n.live+n.deleted, lim.Entries)
		}
		total += n.live
	}
	if uint64(total) != s.Len() {
		t.Fatalf("nodes hold %d live entries, Len %d", total, s.Len())
	}
	if len(m.ids) > 0 && s.FirstID != m.ids[0] {
		t.Fatalf("FirstID %v, want %v", s.FirstID, m.ids[0])
	}
}

func TestEstimateDistance(t *testing.T) {
	s := New()
	if d := s.EstimateDistance(ID{5, 0}); d != 0 {
		t.Fatalf("empty, never used: %d", d)
	}
	for i := uint64(1); i <= 5; i++ {
		s.Add(ID{i, 0}, [][]byte{[]byte("f"), []byte("v")}, DefaultLimits)
	}
	for _, tc := range []struct {
		id   ID
		want int64
	}{{ID{5, 0}, 5}, {ID{6, 0}, InvalidRead}, {ID{1, 0}, 1}, {ID{0, 5}, 0}, {ID{3, 0}, InvalidRead}} {
		if d := s.EstimateDistance(tc.id); d != tc.want {
			t.Errorf("EstimateDistance(%v) = %d, want %d", tc.id, d, tc.want)
		}
	}
	// A deletion before the first entry leaves no gap ahead.
	s.Delete(ID{1, 0})
	s.RefreshFirstID()
	if d := s.EstimateDistance(ID{2, 0}); d != 2 {
		t.Errorf("after a deletion at the head: %d", d)
	}
	// One in the middle does.
	s.Delete(ID{3, 0})
	if d := s.EstimateDistance(ID{2, 0}); d != InvalidRead {
		t.Errorf("after a deletion in the middle: %d", d)
	}
}

func TestRadixNodes(t *testing.T) {
	s := New()
	if n := s.RadixNodes(); n != 1 {
		t.Fatalf("empty: %d", n)
	}
	lim := Limits{Entries: 1}
	s.Add(ID{1, 0}, [][]byte{[]byte("f"), []byte("v")}, lim)
	if n := s.RadixNodes(); n != 2 {
		t.Fatalf("one key: %d", n)
	}
	s.Add(ID{2, 0}, [][]byte{[]byte("f"), []byte("v")}, lim)
	// The root compressed over bytes 0-6, the branch at byte 7, below it
	// one node per key compressed over the rest, and the two leaves.
	if n := s.RadixNodes(); n != 6 {
		t.Fatalf("two keys: %d", n)
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := New()
	s.Add(ID{1, 0}, [][]byte{[]byte("f"), []byte("v")}, DefaultLimits)
	g := s.CreateGroup([]byte("g"), ID{}, 0)
	c := g.CreateConsumer([]byte("c"), 1)
	g.Deliver(ID{1, 0}, c, 2)
	cp := s.Clone().(*Stream)
	s.Get(ID{1, 0}).Fields[1][0] = 'X'
	g.Ack(ID{1, 0})
	if got := string(cp.Get(ID{1, 0}).Fields[1]); got != "v" {
		t.Fatalf("clone shares field bytes: %q", got)
	}
	cg := cp.Group([]byte("g"))
	if cg.PendingCount() != 1 || cg.FirstPending().Consumer != cg.Consumer([]byte("c")) || cg.Consumer([]byte("c")).PendingCount() != 1 {
		t.Fatalf("clone's pending entries are not its own")
	}
}

// XADD * never goes backwards, whatever the clock does.
func TestNextAutoIDMonotonic(t *testing.T) {
	s := New()
	for _, tc := range []struct {
		now  int64
		want ID
	}{
		{1000, ID{1000, 0}},
		{1000, ID{1000, 1}}, // same millisecond
		{900, ID{1000, 2}},  // the clock went back
		{0, ID{1000, 3}},
		{1001, ID{1001, 0}},
	} {
		id, ok := s.NextAutoID(tc.now)
		if !ok || id != tc.want {
			t.Fatalf("NextAutoID(%d) = %v %v, want %v", tc.now, id, ok, tc.want)
		}
		if err := s.Add(id, [][]byte{[]byte("f"), []byte("v")}, DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}
	s.LastID = ID{math.MaxUint64, math.MaxUint64}
	if _, ok := s.NextAutoID(5000); ok {
		t.Fatal("an ID after the last possible one")
	}
}

// radixModel counts the fully compressed radix tree's nodes by listing
// them: the root, every key, every prefix where keys part, and the node
// just below each such prefix.
func radixModel(ids []ID) int64 {
	if len(ids) == 0 {
		return 1
	}
	key := func(id ID) string {
		var b [16]byte
		for i := 0; i < 8; i++ {
			b[i] = byte(id.Ms >> (56 - 8*i))
			b[8+i] = byte(id.Seq >> (56 - 8*i))
		}
		return string(b[:])
	}
	seen := map[string]bool{"": true}
	prev := key(ids[0])
	seen[prev] = true
	for _, id := range ids[1:] {
		k := key(id)
		l := 0
		for l < 16 && k[l] == prev[l] {
			l++
		}
		seen[k[:l]], seen[k[:l+1]], seen[prev[:l+1]], seen[k] = true, true, true, true
		prev = k
	}
	return int64(len(seen))
}

func TestRadixCounterAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for round := 0; round < 2000; round++ {
		n := r.IntN(40)
		set := map[ID]bool{}
		for len(set) < n {
			// Clustered IDs share long prefixes; a few far ones do not.
			id := ID{uint64(r.IntN(4)) << (8 * uint(r.IntN(8))), uint64(r.IntN(300))}
			if r.IntN(10) == 0 {
				id = ID{r.Uint64(), r.Uint64()}
			}
			set[id] = true
		}
		var ids []ID
		for id := range set {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b ID) int { return a.Compare(b) })
		var rc radixCounter
		for _, id := range ids {
			rc.add(id)
		}
		if got, want := rc.total(), radixModel(ids); got != want {
			t.Fatalf("%v: counted %d nodes, model %d", ids, got, want)
		}
	}
}

// Acknowledging a long pending list oldest first, and dropping a consumer
// with many entries, stay fast (a B-tree, not a sorted slice).
func BenchmarkAckOldestFirst(b *testing.B) {
	s := New()
	g := s.CreateGroup([]byte("g"), ID{}, 0)
	c := g.CreateConsumer([]byte("c"), 0)
	for i := 0; i < b.N; i++ {
		g.Deliver(ID{uint64(i + 1), 0}, c, 0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.Ack(ID{uint64(i + 1), 0})
	}
}
