package resp

import (
	"math"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		proto int
		write func(w *Writer)
		want  string
	}{
		{"simple", 2, func(w *Writer) { w.Simple("OK") }, "+OK\r\n"},
		{"error strips newlines", 2, func(w *Writer) { w.Error("ERR a\r\nb") }, "-ERR a  b\r\n"},
		{"int", 2, func(w *Writer) { w.Int(-42) }, ":-42\r\n"},
		{"small int", 2, func(w *Writer) { w.Int(7) }, ":7\r\n"},
		{"bulk", 2, func(w *Writer) { w.Bulk([]byte("hi")) }, "$2\r\nhi\r\n"},
		{"bulk empty", 2, func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n"},
		{"bulk 63", 2, func(w *Writer) { w.BulkString(strings.Repeat("a", 63)) }, "$63\r\n" + strings.Repeat("a", 63) + "\r\n"},
		{"bulk 64", 2, func(w *Writer) { w.BulkString(strings.Repeat("b", 64)) }, "$64\r\n" + strings.Repeat("b", 64) + "\r\n"},
		{"bulk 1000", 2, func(w *Writer) { w.Bulk([]byte(strings.Repeat("c", 1000))) }, "$1000\r\n" + strings.Repeat("c", 1000) + "\r\n"},
		{"bulks grow the buffer", 2, func(w *Writer) {
			for i := 0; i < 100; i++ {
				w.BulkString("xyz")
			}
		}, strings.Repeat("$3\r\nxyz\r\n", 100)},
		{"null resp2", 2, func(w *Writer) { w.Null() }, "$-1\r\n"},
		{"null resp3", 3, func(w *Writer) { w.Null() }, "_\r\n"},
		{"null array resp2", 2, func(w *Writer) { w.NullArray() }, "*-1\r\n"},
		{"map resp2", 2, func(w *Writer) { w.Map(2) }, "*4\r\n"},
		{"map resp3", 3, func(w *Writer) { w.Map(2) }, "%2\r\n"},
		{"set resp3", 3, func(w *Writer) { w.Set(1) }, "~1\r\n"},
		{"push resp3", 3, func(w *Writer) { w.Push(3) }, ">3\r\n"},
		{"bool resp2", 2, func(w *Writer) { w.Bool(true) }, ":1\r\n"},
		{"bool resp3", 3, func(w *Writer) { w.Bool(false) }, "#f\r\n"},
		{"double resp2", 2, func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n"},
		{"double resp3", 3, func(w *Writer) { w.Double(1.1) }, ",1.1000000000000001\r\n"},
		{"double inf", 3, func(w *Writer) { w.Double(math.Inf(-1)) }, ",-inf\r\n"},
		{"verbatim resp3", 3, func(w *Writer) { w.Verbatim("txt", "hi") }, "=6\r\ntxt:hi\r\n"},
		{"verbatim resp2", 2, func(w *Writer) { w.Verbatim("txt", "hi") }, "$2\r\nhi\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Writer{Proto: tt.proto}
			tt.write(w)
			if string(w.Buf) != tt.want {
				t.Fatalf("got %q, want %q", w.Buf, tt.want)
			}
		})
	}
}

func TestAppendG17(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-2.5, "-2.5"},
		{0.1, "0.10000000000000001"},
		{1e17, "1e+17"},
		{1e16, "10000000000000000"},
		{123456789012345678, "1.2345678901234568e+17"},
		{0.0001, "0.0001"},
		{0.00001, "1.0000000000000001e-05"},
		{3.0e-300, "3.0000000000000002e-300"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
	}
	for _, tt := range tests {
		if got := string(AppendG17(nil, tt.in)); got != tt.want {
			t.Errorf("AppendG17(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
