package integration

// HyperLogLog with inputs too large for a case file: thousands of PFADDs
// through the sparse → dense promotion with the raw bytes compared after
// each batch, merges of large sketches, values carried between the two
// servers by DUMP/RESTORE, and keyspace notifications.

import (
	"fmt"
	"strconv"
	"testing"
)

// hllBatch returns "PFADD key" and n elements named prefix<i*step>.
func hllBatch(key, prefix string, from, n, step int) []string {
	args := []string{"PFADD", key}
	for i := from; i < from+n; i++ {
		args = append(args, prefix+strconv.Itoa(i*step))
	}
	return args
}

func TestDiffHLLLarge(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	// One element at a time through the whole sparse life and the
	// promotion (hll-sparse-max-bytes 3000 is crossed near 2000 elements).
	for i := 0; i < 2600; i++ {
		diffDo(t, a, "PFADD", "one", "e"+strconv.Itoa(i*7919))
		if i%50 == 0 || (i > 1700 && i < 2300 && i%5 == 0) {
			diffDo(t, a, "GET", "one")
			diffDo(t, a, "PFCOUNT", "one")
			diffDo(t, a, "GET", "one")
		}
		if t.Failed() {
			t.Fatalf("stopped after element %d", i)
		}
	}
	diffDo(t, a, "PFDEBUG", "ENCODING", "one")

	// Batches up to 100000 elements, dense.
	for i := 0; i < 100; i++ {
		diffDo(t, a, hllBatch("big", "x", i*1000, 1000, 3)...)
		if i%10 == 9 {
			diffDo(t, a, "PFCOUNT", "big")
			diffDo(t, a, "GET", "big")
		}
	}
	// Two sparse sketches and their merge, each way.
	diffDo(t, a, hllBatch("s1", "a", 0, 700, 1)...)
	diffDo(t, a, hllBatch("s2", "b", 0, 900, 1)...)
	diffDo(t, a, "GET", "s1")
	diffDo(t, a, "GET", "s2")
	diffDo(t, a, "PFCOUNT", "s1", "s2")
	diffDo(t, a, "PFMERGE", "s12", "s1", "s2")
	diffDo(t, a, "GET", "s12")
	diffDo(t, a, "PFDEBUG", "ENCODING", "s12")
	diffDo(t, a, "PFMERGE", "s1", "s2")
	diffDo(t, a, "GET", "s1")
	diffDo(t, a, "PFCOUNT", "s1", "s2", "one", "big")
	diffDo(t, a, "PFMERGE", "all", "s1", "s2", "one", "big")
	diffDo(t, a, "GET", "all")
	diffDo(t, a, "PFCOUNT", "all")
	// A sparse destination raised register by register past the limit.
	diffDo(t, a, "CONFIG", "SET", "hll-sparse-max-bytes", "1200")
	diffDo(t, a, "PFADD", "dst", "seed")
	diffDo(t, a, "PFMERGE", "dst", "s12")
	diffDo(t, a, "PFDEBUG", "ENCODING", "dst")
	diffDo(t, a, "GET", "dst")
	diffDo(t, a, "CONFIG", "SET", "hll-sparse-max-bytes", "3000")
	// TODENSE keeps the cache; GETREG of every register.
	diffDo(t, a, "PFDEBUG", "TODENSE", "s2")
	diffDo(t, a, "GET", "s2")
	diffDo(t, a, "PFDEBUG", "GETREG", "s2")
	diffDo(t, a, "PFDEBUG", "GETREG", "big")
}

// TestDiffHLLDumpRestore carries sketches made by each server to the other
// one: the same bytes, the same count, and further PFADDs agree.
func TestDiffHLLDumpRestore(t *testing.T) {
	diffFlushAll(t)
	a := newConnPair(t)
	for _, tc := range []struct {
		key  string
		args []string
	}{
		{"empty", []string{"PFADD", "empty"}},
		{"sparse", hllBatch("sparse", "s", 0, 300, 1)},
		{"dense", hllBatch("dense", "d", 0, 5000, 1)},
	} {
		diffDo(t, a, tc.args...)
		for _, dir := range []struct {
			name     string
			src, dst *respConn
		}{{"redis->enclavekv", a.ref, a.sut}, {"enclavekv->redis", a.sut, a.ref}} {
			r := dir.src.do("DUMP", tc.key)
			if r.end != endReply || r.replies[0].kind != '$' || r.replies[0].null {
				t.Fatalf("DUMP %s (%s): %s", tc.key, dir.name, r)
			}
			moved := tc.key + ":" + dir.name
			if rr := dir.dst.do("RESTORE", moved, "0", string(r.replies[0].data)); rr.end != endReply || string(rr.replies[0].raw) != "+OK\r\n" {
				t.Fatalf("RESTORE %s: %s", moved, rr)
			}
			// The other server gets the same value from its own side.
			mirror := a.ref
			if dir.dst == a.ref {
				mirror = a.sut
			}
			mirror.do("COPY", tc.key, moved)
			diffDo(t, a, "GET", moved)
			diffDo(t, a, "PFCOUNT", moved)
			diffDo(t, a, "PFADD", moved, "more1", "more2", "more3")
			diffDo(t, a, "PFCOUNT", moved, tc.key)
			diffDo(t, a, "GET", moved)
		}
		// DUMP payloads themselves may differ: the RDB encoder's LZF
		// compression is not Redis's byte for byte.
	}
}

func TestDiffNotifyHLL(t *testing.T) {
	cmds := []string{
		"PFADD h a b c", "PFADD h a", "PFADD h", "PFADD new", "PFCOUNT h", "PFCOUNT h",
		"PFCOUNT nokey", "PFCOUNT h nokey", "PFMERGE m h", "PFMERGE m2 nokey", "PFMERGE m",
		"PFDEBUG TODENSE h", "PFDEBUG GETREG m", "PFDEBUG ENCODING h",
		"SET s x", "PFADD s a", "PFCOUNT s", "PFMERGE s h",
		fmt.Sprintf("SET c %q", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"),
		"PFCOUNT c", "PFMERGE d c", "PFADD c x",
	}
	diffEvents(t, "KEA", cmds)
	diffEvents(t, "$", cmds)
	diffEvents(t, "Km", []string{"PFCOUNT nokey", "PFCOUNT nokey nokey2", "PFMERGE d nokey"})
}
