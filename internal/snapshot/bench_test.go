package snapshot

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
	"github.com/enclavekv/enclavekv/internal/types/hash"
)

// benchKeyspace holds n 100-byte strings, and n/10 hashes of 10 fields
// when withHashes.
func benchKeyspace(n int, withHashes bool) *keyspace.Keyspace {
	ks := keyspace.New(16)
	db := ks.DBs[0]
	val := make([]byte, 100)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	for i := 0; i < n; i++ {
		db.SetString([]byte(fmt.Sprint("key:", i)), val, now0, false)
	}
	if withHashes {
		for i := 0; i < n/10; i++ {
			h := hash.New()
			for f := 0; f < 10; f++ {
				h.Set([]byte(fmt.Sprint("field", f)), []byte(fmt.Sprint("value", i, f)), rdbconv.DefaultLimits.Hash)
			}
			db.SetObject([]byte(fmt.Sprint("hash:", i)), h, now0)
		}
	}
	return ks
}

// BenchmarkJob is a whole snapshot walk, as BGSAVE runs it (in steps,
// taking the bytes after each); B/op is the garbage a save makes, which
// is what its extra memory comes from.
func BenchmarkJob(b *testing.B) {
	for _, withHashes := range []bool{false, true} {
		name := "strings"
		if withHashes {
			name = "strings+hashes"
		}
		b.Run(name, func(b *testing.B) {
			ks := benchKeyspace(100_000, withHashes)
			var buf []byte
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				job := Begin(ks, rdb.WriterOptions{Compress: true, Checksum: true}, nil, nil)
				for !job.Step(stepKeys) {
					buf = job.TakeInto(buf[:0])
				}
				if err := job.Finish(); err != nil {
					b.Fatal(err)
				}
				buf = job.TakeInto(buf[:0])
			}
		})
	}
}

// BenchmarkLoad is loading a snapshot's RDB into a fresh keyspace, as a
// start does (without the sealing, measured in internal/seal).
func BenchmarkLoad(b *testing.B) {
	var file bytes.Buffer
	if err := WriteAll(benchKeyspace(1_000_000, false), &file, rdb.WriterOptions{Compress: true, Checksum: true}, nil, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ld := &loader{ks: keyspace.New(16), lim: rdbconv.DefaultLimits, now: now0}
		if err := rdb.Load(bytes.NewReader(file.Bytes()), ld, rdb.Limits{MaxDB: 16}); err != nil {
			b.Fatal(err)
		}
	}
}
