package command

import (
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// The per-command cost of the executor and the string family's hot paths,
// without the network: what redis-benchmark's SET and GET exercise.
func BenchmarkExec(b *testing.B) {
	cases := []struct {
		name string
		args []string
	}{
		{"SET", []string{"SET", "key:000000000042", "xxx"}},
		{"GET", []string{"GET", "key:000000000042"}},
		{"INCR", []string{"INCR", "counter:000000000042"}},
		{"PING", []string{"PING"}},
		{"LRANGE_100", []string{"LRANGE", "mylist", "0", "99"}},
		{"LRANGE_600", []string{"LRANGE", "mylist", "0", "599"}},
		{"LPUSH", []string{"LPUSH", "biglist", "xxx"}},
		{"ZADD", []string{"ZADD", "myzset", "0", "element:000000000042"}},
		{"HSET", []string{"HSET", "myhash", "element:000000000042", "xxx"}},
		// redis-benchmark's SPOP, RPOP and ZPOPMIN mostly find the key
		// gone (its SADD/LPUSH/ZADD wrote one member).
		{"SPOP_missing", []string{"SPOP", "myset"}},
		{"RPOP_missing", []string{"RPOP", "nolist"}},
		{"ZPOPMIN_missing", []string{"ZPOPMIN", "nozset"}},
		{"MSET10", []string{"MSET", "k1", "xxx", "k2", "xxx", "k3", "xxx", "k4", "xxx", "k5", "xxx", "k6", "xxx", "k7", "xxx", "k8", "xxx", "k9", "xxx", "k10", "xxx"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			// maxmemory as the enclave sets it by default (its heap size):
			// every command pays for the memory check.
			cfg := config.New()
			if err := cfg.Set([][2]string{{"maxmemory", "4gb"}}); err != nil {
				b.Fatal(err)
			}
			x := &Executor{Table: NewTable(), KS: keyspace.New(16), State: NewState(cfg)}
			cl := &Client{ID: 1, Proto: 2, User: "default", Authed: true}
			args := make([][]byte, len(tc.args))
			for i, a := range tc.args {
				args[i] = []byte(a)
			}
			w := &resp.Writer{Proto: 2}
			x.Exec(cl, [][]byte{[]byte("SET"), []byte("key:000000000042"), []byte("xxx")}, w, 1)
			// redis-benchmark's LRANGE tests read a list of 600 elements.
			for i := 0; i < 600; i++ {
				x.Exec(cl, [][]byte{[]byte("LPUSH"), []byte("mylist"), []byte("xxx")}, w, 1)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Buf = w.Buf[:0]
				x.Exec(cl, args, w, 1_700_000_000_000)
			}
		})
	}
}
