package keyspace

import "math/bits"

// AllocSize rounds an allocation of n bytes up to jemalloc's size class,
// as Redis's zmalloc_size reports it: MEMORY USAGE and the eviction
// figures estimate what Redis would count for the same data.
func AllocSize(n int64) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	// Four classes per doubling: (2^k, 2^(k+1)] in steps of 2^(k-2).
	k := bits.Len64(uint64(n-1)) - 1
	step := int64(1) << uint(k-2)
	return (n + step - 1) / step * step
}
