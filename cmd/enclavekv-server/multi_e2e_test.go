package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Transactions and scripts are isolated under load: writers increment two
// counters in one MULTI/EXEC or one EVAL while readers check with MGET
// that they never see one incremented without the other; optimistic WATCH
// loops lose no update.
func TestTransactionsIsolatedUnderLoad(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.addr(), PoolSize: 32})
	t.Cleanup(func() { c.Close() })
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	const writers, scripters, readers, perWriter = 8, 4, 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, writers+scripters+2*readers)
	stop := make(chan struct{})
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perWriter; j++ {
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Incr(ctx, "x")
					p.Incr(ctx, "y")
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	both := redis.NewScript("redis.call('incr', KEYS[1]); return redis.call('incr', KEYS[2])")
	for i := 0; i < scripters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perWriter; j++ {
				// Run tries EVALSHA first and falls back to EVAL on NOSCRIPT.
				if err := both.Run(ctx, c, []string{"x", "y"}).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for i := 0; i < readers; i++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.MGet(ctx, "x", "y").Result()
				if err != nil {
					errs <- err
					return
				}
				if v[0] != v[1] {
					errs <- errors.New("MGET saw x=" + str(v[0]) + " y=" + str(v[1]) + ": a transaction interleaved")
					return
				}
			}
		}()
	}
	// Optimistic increments with WATCH: every retry loop ends with its
	// increment applied exactly once.
	const watchers, perWatcher = 4, 100
	for i := 0; i < watchers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perWatcher; j++ {
				for {
					err := c.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "opt").Int()
						if err != nil && err != redis.Nil {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "opt", n+1, 0)
							return nil
						})
						return err
					}, "opt")
					if err == nil {
						break
					}
					if err != redis.TxFailedErr {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"x": (writers + scripters) * perWriter, "y": (writers + scripters) * perWriter, "opt": watchers * perWatcher} {
		if n, err := c.Get(ctx, key).Int(); err != nil || n != want {
			t.Errorf("%s = %d, %v; want %d (lost updates)", key, n, err, want)
		}
	}
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return "nil"
	}
	return strconv.Quote("?")
}

// A script that wrote and then runs on cannot be killed (UNKILLABLE);
// SHUTDOWN NOSAVE ends it and the server, saving nothing.
func TestUnkillableScriptAndShutdownNosave(t *testing.T) {
	p := start(t, "--busy-reply-threshold", "100", "--save", "")
	ctx := context.Background()
	a, b := client(t, p, 2), client(t, p, 2)
	ran := make(chan error, 1)
	go func() {
		ran <- a.Eval(ctx, "redis.call('set', KEYS[1], 'partial') while true do end", []string{"k"}).Err()
	}()
	time.Sleep(400 * time.Millisecond)
	if err := b.Get(ctx, "k").Err(); err == nil || !strings.HasPrefix(err.Error(), "BUSY ") {
		t.Fatalf("GET during the script: %v, want BUSY", err)
	}
	if err := b.ScriptKill(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "UNKILLABLE ") {
		t.Fatalf("SCRIPT KILL: %v, want UNKILLABLE", err)
	}
	_ = b.Do(ctx, "SHUTDOWN", "NOSAVE").Err() // the connection closes under it
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("server still running after SHUTDOWN NOSAVE during a busy script")
	}
	<-ran
	if !strings.Contains(p.output(), "Slow script detected") || !strings.Contains(p.output(), "User requested shutdown") {
		t.Errorf("log lacks the slow script or shutdown lines:\n%s", p.output())
	}
}
