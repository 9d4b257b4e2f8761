package rdb

import (
	"hash/crc64"
	"testing"
)

// referenceCRC64 is Redis's CRC-64 through hash/crc64 alone.
func referenceCRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, crcTable, p)
}

func TestCRC64(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
	}{
		{"", 0},
		{"123456789", 0xe9c6d914c4b8d9ca}, // the check value in Redis's crc64.c
	}
	for _, tt := range tests {
		if got := CRC64([]byte(tt.in)); got != tt.want {
			t.Errorf("CRC64(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
		if got := referenceCRC64(0, []byte(tt.in)); got != tt.want {
			t.Errorf("hash/crc64 for %q = %#x, want %#x", tt.in, got, tt.want)
		}
	}
	// Every length and split gives what hash/crc64 gives.
	buf := make([]byte, 5000)
	for i := range buf {
		buf[i] = byte(i*7 + i>>8)
	}
	for n := range 100 {
		if got, want := CRC64(buf[:n]), referenceCRC64(0, buf[:n]); got != want {
			t.Fatalf("length %d: %#x, want %#x", n, got, want)
		}
	}
	whole := referenceCRC64(0, buf)
	byByte := uint64(0)
	for _, b := range buf {
		byByte = crc64Byte(byByte, b)
	}
	if byByte != whole {
		t.Errorf("byte at a time: %#x, want %#x", byByte, whole)
	}
	for _, cut := range []int{1, 7, 8, 9, 15, 16, 17, 63, 64, 2047, 2048, 2049, 4999} {
		if got := crc64Update(crc64Update(0, buf[:cut]), buf[cut:]); got != whole {
			t.Errorf("split at %d: %#x, want %#x", cut, got, whole)
		}
	}
}

func BenchmarkCRC64(b *testing.B) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		CRC64(buf)
	}
}
