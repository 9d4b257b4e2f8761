package hll

import (
	"strconv"
	"testing"
)

func benchSketches(b *testing.B, n int) [][]byte {
	b.Helper()
	hs := make([][]byte, 10)
	for k := range hs {
		h := New()
		for i := 0; i < n; i++ {
			h, _, _ = Add(h, []byte("el:"+strconv.Itoa(i*10+k)), DefaultSparseMaxBytes)
		}
		hs[k] = h
	}
	return hs
}

// Adds and counts over 10 sketches, sparse (300 elements) and dense
// (20000).
func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{300, 20000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			hs := benchSketches(b, n)
			eles := make([][]byte, 1024)
			for i := range eles {
				eles[i] = []byte("new:" + strconv.Itoa(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % 10
				h, _, _ := Add(hs[k], eles[i%len(eles)], DefaultSparseMaxBytes)
				hs[k] = h
			}
		})
	}
}

func BenchmarkCount(b *testing.B) {
	for _, n := range []int{300, 20000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			hs := benchSketches(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, _ = Count(hs[i%10])
			}
		})
		b.Run("union10/"+strconv.Itoa(n), func(b *testing.B) {
			hs := benchSketches(b, n)
			max := make([]uint8, Registers)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clear(max)
				for _, h := range hs {
					_ = Merge(max, h)
				}
				_ = CountRegisters(max)
			}
		})
	}
}
