package script

import (
	"context"
	"testing"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// BenchmarkRun is one EVALSHA of a short script, without and with a
// redis.call (answered by a fake Caller): the engine's own cost per call.
func BenchmarkRun(b *testing.B) {
	for _, tc := range []struct{ name, body string }{
		{"return1", "return 1"},
		{"call", "return redis.call('incr', KEYS[1])"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e, err := NewEngine()
			if err != nil {
				b.Fatal(err)
			}
			sha, err := e.Load([]byte(tc.body))
			if err != nil {
				b.Fatal(err)
			}
			keys := [][]byte{[]byte("counter")}
			reply := []byte(":42\r\n")
			call := func(args [][]byte, proto int) []byte { return reply }
			w := resp.Writer{Proto: 2}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w.Buf = w.Buf[:0]
				e.Run(sha, keys, nil, call, &w, RunOptions{})
			}
		})
	}
}

// BenchmarkLoopWithContext is a script of 3,000 instructions run with and
// without a context: the price of gopher-lua asking the context before
// every instruction (what makes SCRIPT KILL possible).
func BenchmarkLoopWithContext(b *testing.B) {
	for _, withCtx := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "context"}[withCtx], func(b *testing.B) {
			e, err := NewEngine()
			if err != nil {
				b.Fatal(err)
			}
			sha, err := e.Load([]byte("local n = 0 for i = 1, 1000 do n = n + i end return n"))
			if err != nil {
				b.Fatal(err)
			}
			opts := RunOptions{}
			if withCtx {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				opts.Ctx = ctx
			}
			w := resp.Writer{Proto: 2}
			for i := 0; i < b.N; i++ {
				w.Buf = w.Buf[:0]
				e.Run(sha, nil, nil, nil, &w, opts)
			}
		})
	}
}

// BenchmarkCallFunction is one FCALL of a short function, the counterpart
// of BenchmarkRun: keys and args travel as two fresh tables per call.
func BenchmarkCallFunction(b *testing.B) {
	e, err := NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	code := "#!lua name=bench\nredis.register_function('incr', function(keys) return redis.call('incr', keys[1]) end)"
	if _, err := e.LoadLibrary([]byte(code), false); err != nil {
		b.Fatal(err)
	}
	keys := [][]byte{[]byte("counter")}
	reply := []byte(":42\r\n")
	call := func(args [][]byte, proto int) []byte { return reply }
	w := resp.Writer{Proto: 2}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Buf = w.Buf[:0]
		e.CallFunction("incr", keys, nil, call, &w, RunOptions{})
	}
}
