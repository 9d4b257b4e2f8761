package command

import (
	"strconv"
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// PFADD and PFCOUNT through the executor over 10 keys: redis-benchmark's
// "PFADD/PFCOUNT" shape, with the keys filled to sparse (300 elements) or
// dense (20000) sketches first.
func BenchmarkHLL(b *testing.B) {
	for _, fill := range []int{300, 20000} {
		for _, tc := range []struct {
			name string
			args func(i int) []string
		}{
			// Mostly known elements: the no-change path, as in steady use.
			{"PFADD", func(i int) []string {
				return []string{"PFADD", "hll:" + strconv.Itoa(i%10), "el:" + strconv.Itoa(i%(fill*2))}
			}},
			// Alternating PFADD of a new element and PFCOUNT: the cache is
			// always stale, so every count is a full estimate.
			{"PFADD+PFCOUNT", func(i int) []string {
				if i%2 == 0 {
					return []string{"PFADD", "hll:" + strconv.Itoa(i/2%10), "new:" + strconv.Itoa(i)}
				}
				return []string{"PFCOUNT", "hll:" + strconv.Itoa(i/2%10)}
			}},
			{"PFCOUNT_cached", func(i int) []string {
				return []string{"PFCOUNT", "hll:" + strconv.Itoa(i%10)}
			}},
			{"PFCOUNT_10keys", func(int) []string {
				args := []string{"PFCOUNT"}
				for k := 0; k < 10; k++ {
					args = append(args, "hll:"+strconv.Itoa(k))
				}
				return args
			}},
		} {
			b.Run(tc.name+"/"+strconv.Itoa(fill), func(b *testing.B) {
				x := &Executor{Table: NewTable(), KS: keyspace.New(16), State: NewState(config.New())}
				cl := &Client{ID: 1, Proto: 2, User: "default", Authed: true}
				w := &resp.Writer{Proto: 2}
				do := func(args []string) {
					bargs := make([][]byte, len(args))
					for i, a := range args {
						bargs[i] = []byte(a)
					}
					w.Buf = w.Buf[:0]
					x.Exec(cl, bargs, w, 1_700_000_000_000)
				}
				for k := 0; k < 10; k++ {
					for i := 0; i < fill; i += 100 {
						args := []string{"PFADD", "hll:" + strconv.Itoa(k)}
						for j := i; j < i+100 && j < fill; j++ {
							args = append(args, "el:"+strconv.Itoa(j*10+k))
						}
						do(args)
					}
				}
				cmds := make([][][]byte, 1000)
				for i := range cmds {
					for _, a := range tc.args(i) {
						cmds[i] = append(cmds[i], []byte(a))
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					w.Buf = w.Buf[:0]
					x.Exec(cl, cmds[i%len(cmds)], w, 1_700_000_000_000)
				}
			})
		}
	}
}
