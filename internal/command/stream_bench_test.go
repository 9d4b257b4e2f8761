package command

import (
	"strconv"
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// Stream commands through the executor: XADD with auto IDs (trimmed and
// not), XRANGE of 10 entries, XREADGROUP of one new entry followed by its
// XACK (a consumer's steady loop), and XLEN.
func BenchmarkStream(b *testing.B) {
	now := int64(1_700_000_000_000)
	for _, tc := range []struct {
		name string
		args func(i int) []string
	}{
		{"XADD", func(i int) []string { return []string{"XADD", "s", "*", "field", "value:" + strconv.Itoa(i)} }},
		{"XADD_MAXLEN~1000", func(i int) []string {
			return []string{"XADD", "s", "MAXLEN", "~", "1000", "*", "field", "value:" + strconv.Itoa(i)}
		}},
		{"XRANGE_10", func(i int) []string {
			return []string{"XRANGE", "s", strconv.Itoa(1 + i%9000), "+", "COUNT", "10"}
		}},
		{"XREADGROUP+XACK", nil},
		{"XLEN", func(int) []string { return []string{"XLEN", "s"} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			x := &Executor{Table: NewTable(), KS: keyspace.New(16), State: NewState(config.New())}
			cl := &Client{ID: 1, Proto: 2, User: "default", Authed: true}
			w := &resp.Writer{Proto: 2}
			do := func(args ...string) {
				bargs := make([][]byte, len(args))
				for i, a := range args {
					bargs[i] = []byte(a)
				}
				w.Buf = w.Buf[:0]
				x.Exec(cl, bargs, w, now)
			}
			for i := 1; i <= 10000; i++ {
				do("XADD", "s", strconv.Itoa(i), "field", "value:"+strconv.Itoa(i))
			}
			do("XGROUP", "CREATE", "s", "g", "0")
			b.ReportAllocs()
			if tc.args == nil {
				read := [][]byte{[]byte("XREADGROUP"), []byte("GROUP"), []byte("g"), []byte("c"), []byte("COUNT"), []byte("1"), []byte("STREAMS"), []byte("s"), []byte(">")}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if i%10000 == 0 {
						b.StopTimer()
						do("XGROUP", "SETID", "s", "g", "0")
						b.StartTimer()
					}
					w.Buf = w.Buf[:0]
					x.Exec(cl, read, w, now)
					x.Exec(cl, [][]byte{[]byte("XACK"), []byte("s"), []byte("g"), []byte(strconv.Itoa(1 + i%10000))}, w, now)
				}
				return
			}
			cmds := make([][][]byte, 1000)
			for i := range cmds {
				for _, a := range tc.args(i) {
					cmds[i] = append(cmds[i], []byte(a))
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Buf = w.Buf[:0]
				x.Exec(cl, cmds[i%len(cmds)], w, now)
			}
		})
	}
}
