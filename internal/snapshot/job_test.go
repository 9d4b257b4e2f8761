package snapshot

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
	"github.com/enclavekv/enclavekv/internal/types/hash"
	"github.com/enclavekv/enclavekv/internal/types/list"
	"github.com/enclavekv/enclavekv/internal/types/set"
	"github.com/enclavekv/enclavekv/internal/types/stream"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

const now0 = int64(1_700_000_000_000)

// fill puts n keys of every type into db 0 and a few into db 3.
func fill(ks *keyspace.Keyspace, n int, rnd *rand.Rand) {
	for i := 0; i < n; i++ {
		db := ks.DBs[0]
		if i%50 == 0 {
			db = ks.DBs[3]
		}
		key := []byte(fmt.Sprintf("key:%d", i))
		switch i % 6 {
		case 0:
			e := db.SetString(key, []byte(fmt.Sprintf("value-%d", rnd.IntN(1000))), now0, false)
			if i%10 == 0 {
				db.SetExpire(e, now0+1e12+int64(rnd.IntN(1e9)))
			}
		case 1:
			l := list.New()
			for j := 0; j < 1+rnd.IntN(20); j++ {
				l.PushRight(fmt.Sprint(j))
			}
			db.SetObject(key, l, now0)
		case 2:
			h := hash.New()
			for j := 0; j < 1+rnd.IntN(200); j++ {
				h.Set([]byte(fmt.Sprint("f", j)), []byte(fmt.Sprint(j)), rdbconv.DefaultLimits.Hash)
			}
			db.SetObject(key, h, now0)
		case 3:
			s := set.New()
			for j := 0; j < 1+rnd.IntN(600); j++ {
				s.Add([]byte(fmt.Sprint(j*7)), rdbconv.DefaultLimits.MaxIntset)
			}
			db.SetObject(key, s, now0)
		case 4:
			z := zset.New()
			for j := 0; j < 1+rnd.IntN(200); j++ {
				z.Set([]byte(fmt.Sprint("m", j)), float64(rnd.IntN(100))/4, rdbconv.DefaultLimits.ZSet)
			}
			db.SetObject(key, z, now0)
		case 5:
			st := stream.New()
			for j := 0; j < 1+rnd.IntN(300); j++ {
				st.Add(stream.ID{Ms: uint64(j + 1)}, [][]byte{[]byte("f"), []byte(fmt.Sprint(j))}, stream.DefaultLimits)
			}
			g := st.CreateGroup([]byte("g"), stream.ID{}, 0)
			c := g.CreateConsumer([]byte("c"), now0)
			g.Deliver(stream.ID{Ms: 1}, c, now0)
			db.SetObject(key, st, now0)
		}
	}
}

// entryState is one key as a snapshot must record it.
type entryState struct {
	v      *rdb.Value
	expire int64
}

// state copies every key's value, in rdb's form.
func state(t testing.TB, ks *keyspace.Keyspace) map[string]entryState {
	out := map[string]entryState{}
	for _, db := range ks.DBs {
		for c := uint64(0); ; {
			c = db.Scan(c, func(e *keyspace.Entry) {
				v, err := rdbconv.Value(e)
				if err != nil {
					t.Fatal(err)
				}
				out[fmt.Sprintf("%d/%s", db.ID, e.Key)] = entryState{normalize(deepCopy(v)), e.Expire}
			})
			if c == 0 {
				break
			}
		}
	}
	return out
}

func deepCopy(v *rdb.Value) *rdb.Value {
	c := *v
	c.Str = bytes.Clone(v.Str)
	c.List = clone2(v.List)
	c.Set = clone2(v.Set)
	c.Hash = nil
	for _, f := range v.Hash {
		c.Hash = append(c.Hash, rdb.HashField{Field: bytes.Clone(f.Field), Value: bytes.Clone(f.Value)})
	}
	c.ZSet = nil
	for _, m := range v.ZSet {
		c.ZSet = append(c.ZSet, rdb.ZMember{Member: bytes.Clone(m.Member), Score: m.Score})
	}
	if v.Stream != nil {
		st := *v.Stream
		st.Entries = nil
		for _, e := range v.Stream.Entries {
			st.Entries = append(st.Entries, rdb.StreamEntry{ID: e.ID, Fields: clone2(e.Fields)})
		}
		st.Nodes = nil
		for _, n := range v.Stream.Nodes {
			var nn rdb.StreamNode
			for _, e := range n.Entries {
				nn.Entries = append(nn.Entries, rdb.StreamEntry{ID: e.ID, Fields: clone2(e.Fields)})
			}
			nn.Deleted = append([]bool(nil), n.Deleted...)
			st.Nodes = append(st.Nodes, nn)
		}
		st.Groups = nil
		for _, g := range v.Stream.Groups {
			ng := g
			ng.Name = bytes.Clone(g.Name)
			ng.PEL = append([]rdb.PendingEntry(nil), g.PEL...)
			ng.Consumers = nil
			for _, c := range g.Consumers {
				nc := c
				nc.Name = bytes.Clone(c.Name)
				nc.PEL = append([]rdb.StreamID(nil), c.PEL...)
				ng.Consumers = append(ng.Consumers, nc)
			}
			st.Groups = append(st.Groups, ng)
		}
		c.Stream = &st
	}
	return &c
}

func clone2(in [][]byte) [][]byte {
	if in == nil {
		return nil
	}
	out := make([][]byte, len(in))
	for i, b := range in {
		out[i] = bytes.Clone(b)
	}
	return out
}

// normalize orders the unordered collections, so that states compare.
func normalize(v *rdb.Value) *rdb.Value {
	sort.Slice(v.Set, func(i, j int) bool { return bytes.Compare(v.Set[i], v.Set[j]) < 0 })
	sort.Slice(v.Hash, func(i, j int) bool { return bytes.Compare(v.Hash[i].Field, v.Hash[j].Field) < 0 })
	if len(v.Str) == 0 {
		v.Str = nil
	}
	if len(v.List) == 0 {
		v.List = nil
	}
	if len(v.Set) == 0 {
		v.Set = nil
	}
	if len(v.Hash) == 0 {
		v.Hash = nil
	}
	if len(v.ZSet) == 0 {
		v.ZSet = nil
	}
	return v
}

// collector loads an RDB into a state map.
type collector struct{ out map[string]entryState }

func (c *collector) Aux(k, v []byte) error                   { return nil }
func (c *collector) ResizeDB(db int, keys, exp uint64) error { return nil }
func (c *collector) Entry(db int, key []byte, v *rdb.Value, exp int64, _ rdb.LRUInfo) error {
	k := fmt.Sprintf("%d/%s", db, key)
	if _, dup := c.out[k]; dup {
		return fmt.Errorf("key %s written twice", k)
	}
	c.out[k] = entryState{normalize(deepCopy(v)), exp}
	return nil
}

// mutate changes the keyspace the way commands do, through its mutation
// points, hitting keys the walk has and has not reached.
func mutate(ks *keyspace.Keyspace, n int, rnd *rand.Rand, step int) {
	db := ks.DBs[0]
	if rnd.IntN(10) == 0 {
		db = ks.DBs[3]
	}
	key := []byte(fmt.Sprintf("key:%d", rnd.IntN(n)))
	e := db.Lookup(key, now0)
	switch op := rnd.IntN(9); {
	case e == nil || op == 0:
		db.SetString(key, []byte(fmt.Sprint("new-", step)), now0, false)
	case op == 1:
		db.DeleteEntry(e)
	case op == 2:
		db.SetExpire(e, now0+1e12)
	case op == 3:
		db.Persist(e)
	case op == 4:
		db.Rename(e, []byte(fmt.Sprint("renamed-", step)), now0)
	case op == 5:
		db.Copy(e, ks.DBs[5], []byte(fmt.Sprint("copy-", step)), now0)
	default:
		db.WillModify(e)
		switch o := e.Obj.(type) {
		case nil:
			e.Str = append(e.Str[:len(e.Str):len(e.Str)], "!"...)
		case *list.List:
			o.PushLeft("pushed")
		case *hash.Hash:
			o.Set([]byte("f0"), []byte("changed"), rdbconv.DefaultLimits.Hash)
		case *set.Set:
			o.Add([]byte("member"), rdbconv.DefaultLimits.MaxIntset)
		case *zset.ZSet:
			o.Set([]byte("m0"), 1e6, rdbconv.DefaultLimits.ZSet)
		case *stream.Stream:
			switch rnd.IntN(3) {
			case 0:
				id, _ := o.NextAutoID(now0)
				o.Add(id, [][]byte{[]byte("f"), []byte("added")}, stream.DefaultLimits)
			case 1:
				if first := o.First(); first != nil {
					o.Delete(first.ID)
					o.RefreshFirstID()
				}
			default:
				if last := o.Last(); last != nil {
					g := o.Group([]byte("g"))
					g.Deliver(last.ID, g.Consumer([]byte("c")), now0+int64(step))
				}
			}
		}
		db.Modified(e, 1)
	}
}

func runJob(t testing.TB, ks *keyspace.Keyspace, during func(step int)) []byte {
	var out bytes.Buffer
	job := Begin(ks, rdb.WriterOptions{Compress: true, Checksum: true}, [][2]string{{"redis-ver", "7.0.15"}}, nil)
	for step := 0; ; step++ {
		done := job.Step(16)
		out.Write(job.TakeInto(nil))
		if done {
			break
		}
		if during != nil {
			during(step)
		}
	}
	if err := job.Finish(); err != nil {
		t.Fatal(err)
	}
	out.Write(job.TakeInto(nil))
	if ks.Hook != nil {
		t.Fatal("hook left installed")
	}
	return out.Bytes()
}

func loadState(t testing.TB, b []byte) map[string]entryState {
	c := &collector{out: map[string]entryState{}}
	if err := rdb.Load(bytes.NewReader(b), c, rdb.Limits{}); err != nil {
		t.Fatalf("load: %v", err)
	}
	return c.out
}

func compareStates(t *testing.T, got, want map[string]entryState) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("snapshot holds %d keys, the dataset at Begin %d", len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("key %s missing from the snapshot", k)
		} else if g.expire != w.expire || !reflect.DeepEqual(g.v, w.v) {
			t.Errorf("key %s: snapshot has %+v (expire %d), Begin had %+v (expire %d)", k, g.v, g.expire, w.v, w.expire)
		}
		if t.Failed() {
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("snapshot has key %s, created after Begin", k)
		}
	}
}

// The snapshot equals the dataset at Begin, whatever writes happen during
// the walk: overwrites, deletes, creations, renames, copies, expiry
// changes, in-place collection changes, FLUSHDB and SWAPDB.
func TestPointInTime(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 99))
			ks := keyspace.New(16)
			const n = 3000
			fill(ks, n, rnd)
			want := state(t, ks)
			b := runJob(t, ks, func(step int) {
				for i := 0; i < 5; i++ {
					mutate(ks, n, rnd, step*10+i)
				}
				switch {
				case seed == 2 && step == 40:
					ks.DBs[3].Flush()
				case seed == 3 && step == 30:
					ks.Swap(0, 3)
				case seed == 4 && step == 20:
					ks.Swap(3, 7)
				case seed == 5 && step == 10:
					ks.Swap(0, 3) // writes then land in swapped tables
				case seed == 5 && step == 25:
					ks.Swap(3, 5)
				case seed == 5 && step == 50:
					ks.DBs[0].Flush()
				case seed == 6 && step == 15:
					for _, db := range ks.DBs { // FLUSHALL
						db.Flush()
					}
				}
			})
			compareStates(t, loadState(t, b), want)

			// A second snapshot right after sees the dataset as it is now.
			want2 := state(t, ks)
			compareStates(t, loadState(t, runJob(t, ks, nil)), want2)
		})
	}
}

// FLUSHDB and SWAPDB during a snapshot cost the command nothing: no key
// is written out at that moment (the walk reaches the old tables later).
func TestFlushAndSwapWriteNothingAtOnce(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	ks := keyspace.New(16)
	fill(ks, 5000, rnd)
	want := state(t, ks)
	job := Begin(ks, rdb.WriterOptions{}, nil, nil)
	var out bytes.Buffer
	job.Step(50)
	out.Write(job.TakeInto(nil))
	ks.Swap(0, 3)
	ks.DBs[3].Flush()
	ks.DBs[0].Flush()
	if job.Pending() != 0 {
		t.Fatalf("flush and swap wrote %d bytes at once", job.Pending())
	}
	for !job.Step(100) {
		out.Write(job.TakeInto(nil))
	}
	if err := job.Finish(); err != nil {
		t.Fatal(err)
	}
	out.Write(job.TakeInto(nil))
	compareStates(t, loadState(t, out.Bytes()), want)
}

// Aborting after FLUSHALL marks nothing (the dropped tables are skipped);
// after SWAPDB the swapped tables are still marked, so the next snapshot
// is complete.
func TestAbortAfterFlushAndSwap(t *testing.T) {
	for _, flushAll := range []bool{false, true} {
		t.Run(fmt.Sprint("flushall=", flushAll), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(5, 5))
			ks := keyspace.New(16)
			fill(ks, 3000, rnd)
			job := Begin(ks, rdb.WriterOptions{}, nil, nil)
			job.Step(200)
			ks.Swap(0, 3)
			mutate(ks, 3000, rnd, 1)
			if flushAll {
				for _, db := range ks.DBs {
					db.Flush()
				}
				fill(ks, 100, rnd) // born marked: not part of the aborted walk
			}
			job.Abort()
			steps := 0
			for !job.Step(100) {
				steps++
			}
			if flushAll && steps != 0 {
				t.Errorf("abort after FLUSHALL walked %d steps", steps)
			}
			want := state(t, ks)
			compareStates(t, loadState(t, runJob(t, ks, nil)), want)
		})
	}
}

// An aborted snapshot writes nothing more, and once its walk has marked
// every key, the next snapshot is complete.
func TestAbortThenSnapshot(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	ks := keyspace.New(16)
	fill(ks, 2000, rnd)
	job := Begin(ks, rdb.WriterOptions{}, nil, nil)
	job.Step(100)
	job.Abort()
	if ks.Hook != nil {
		t.Fatal("hook still installed after Abort")
	}
	mutate(ks, 2000, rnd, 1)
	for !job.Step(1000) {
	}
	if err := job.Finish(); err != ErrAborted {
		t.Fatalf("Finish after Abort: %v", err)
	}
	if job.Pending() != 0 {
		t.Fatalf("aborted job produced %d bytes", job.Pending())
	}
	want := state(t, ks)
	compareStates(t, loadState(t, runJob(t, ks, nil)), want)
}
