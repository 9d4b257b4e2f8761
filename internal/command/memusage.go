package command

import (
	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// MEMORY USAGE estimates what Redis 7.0 (with jemalloc) would report for
// the same key and value: the value object, the key string and the
// dictionary entry. For strings the estimate is exact for values Redis
// stores as int, embstr or a fresh raw string.

// memoryDefaultSamples is MEMORY USAGE's default SAMPLES.
const memoryDefaultSamples = 5

// MemorySizer is implemented by values (lists, sets, ...) that can
// estimate their own size; samples bounds how many elements they look at.
type MemorySizer interface {
	MemoryUsage(samples int64) int64
}

const (
	robjSize      = 16 // sizeof(robj)
	dictEntrySize = 24 // sizeof(dictEntry)
)

// jemallocSize rounds an allocation up to jemalloc's size class.
func jemallocSize(n int64) int64 { return keyspace.AllocSize(n) }

// sdsAlloc is the allocation of an sds string of length n.
func sdsAlloc(n int64) int64 {
	hdr := int64(3)
	switch {
	case n >= 1<<32:
		hdr = 17
	case n >= 1<<16:
		hdr = 9
	case n >= 1<<8:
		hdr = 5
	}
	return jemallocSize(hdr + n + 1)
}

// keyAlloc is the allocation of a key: Redis copies it with sdsdup, which
// gives keys under 32 bytes the one-byte header of SDS_TYPE_5.
func keyAlloc(n int64) int64 {
	if n > 0 && n < 32 {
		return jemallocSize(1 + n + 1)
	}
	return sdsAlloc(n)
}

// entryMemoryUsage is MEMORY USAGE for one key.
func entryMemoryUsage(e *keyspace.Entry, samples int64) int64 {
	usage := keyAlloc(int64(len(e.Key))) + dictEntrySize
	if e.Obj != nil {
		if ms, ok := e.Obj.(MemorySizer); ok {
			return usage + robjSize + ms.MemoryUsage(samples)
		}
		return usage + robjSize + 64
	}
	switch e.Encoding() {
	case "int":
		usage += robjSize
	case "embstr":
		usage += jemallocSize(robjSize + 3 + int64(len(e.Str)) + 1)
	default:
		n := int64(len(e.Str))
		if e.IsRaw() {
			n = int64(cap(e.Str)) // grown in place: sds keeps spare room too
		}
		usage += robjSize + sdsAlloc(n)
	}
	return usage
}

func keyspaceStatsZero() keyspace.Stats { return keyspace.Stats{} }
