package rdb

import (
	"bytes"
	"fmt"
	"testing"
)

// benchFile is a file of many small keys and a few big collections, the
// shape of a typical dataset.
func benchFile(b *testing.B, opts WriterOptions) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	w.Header()
	w.SelectDB(0)
	for i := range 100_000 {
		w.Entry([]byte(fmt.Sprintf("key:%08d", i)), vStr(fmt.Sprintf("value-%d-abcdefghijklmnopqrstuvwxyz", i)), 0)
	}
	for i := range 20 {
		w.Entry([]byte(fmt.Sprintf("hash:%d", i)), bigHash(), 0)
		w.Entry([]byte(fmt.Sprintf("list:%d", i)), vList(seq("element-%d", 1, 5000)...), 0)
		w.Entry([]byte(fmt.Sprintf("zset:%d", i)), bigZSet(), 0)
	}
	w.End()
	return buf.Bytes()
}

func BenchmarkLoad(b *testing.B) {
	f := benchFile(b, WriterOptions{Compress: true, Checksum: true})
	b.SetBytes(int64(len(f)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Load(bytes.NewReader(f), plainHandler{}, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	v := []*Value{vStr("value-1234-abcdefghijklmnopqrstuvwxyz"), bigHash(), vList(seq("element-%d", 1, 5000)...), bigZSet()}
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		w := NewWriter(&buf, WriterOptions{Compress: true, Checksum: true})
		for i, x := range v {
			w.Entry([]byte{byte(i)}, x, 0)
		}
		n = int64(buf.Len())
	}
	b.SetBytes(n)
}
