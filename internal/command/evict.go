package command

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// maxmemory: before each command, as Redis's processCommand does, the
// server frees memory by evicting keys (maxmemory-policy) until used
// memory is back under maxmemory; when it cannot, commands that would
// grow the dataset get the OOM error.
//
// Redis knows its used memory exactly (every allocation is counted). The
// Go heap does not free anything until the collector runs, so used memory
// is estimated as the bytes the last collection found live, plus what was
// allocated since, minus what eviction has freed since (measured per key
// with MEMORY USAGE's estimator). Garbage made since the last collection
// counts until the next one; the server keeps it small by setting the
// runtime's soft memory limit a little above maxmemory, so that the
// collector runs before eviction would have to make up for garbage.

// memGauge is that estimate. It reads the runtime at most once per
// millisecond (a read costs about a microsecond); between reads growth is
// not seen, which lets used memory overshoot by at most a millisecond of
// writes, as Redis's own check before each command lets one command
// overshoot.
type memGauge struct {
	readAt   int64 // monoNanos of the last read; 0 = never
	live     int64 // live heap found by the last collection
	allocs   int64 // bytes allocated in all, at the last read
	allocsGC int64 // bytes allocated in all, when that collection was first seen
	cycles   uint64
	freed    int64 // evicted since that collection, estimated
	samples  []metrics.Sample
}

const memGaugeRefresh = int64(time.Millisecond)

// used returns the estimate, reading the runtime if the last read is
// older than memGaugeRefresh (or fresh is set).
func (g *memGauge) used(fresh bool) int64 {
	now := monoNanos()
	if fresh || g.readAt == 0 || now-g.readAt >= memGaugeRefresh {
		g.read(now)
	}
	return max(g.live+g.allocs-g.allocsGC-g.freed, 0)
}

func (g *memGauge) read(now int64) {
	if g.samples == nil {
		g.samples = []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/gc/heap/allocs:bytes"},
			{Name: "/gc/cycles/total:gc-cycles"},
		}
	}
	metrics.Read(g.samples)
	u := func(i int) uint64 {
		if g.samples[i].Value.Kind() == metrics.KindUint64 {
			return g.samples[i].Value.Uint64()
		}
		return 0
	}
	g.readAt = now
	g.allocs = int64(u(1))
	if c := u(2); c != g.cycles {
		// A collection ended since the last read: its live figure replaces
		// everything counted before it. (Before the first one, everything
		// ever allocated counts.)
		g.cycles = c
		g.live = int64(u(0))
		g.allocsGC = g.allocs
		g.freed = 0
	}
}

// evictState is the eviction bookkeeping kept in State.
type evictState struct {
	// maxmemory is the option, cached: it is read before every command.
	maxmemory atomic.Int64
	gauge     memGauge
	evictor   keyspace.Evictor
	// overSince is when used memory went over maxmemory (monoNanos), 0
	// while under; overTotal the time spent over before that (INFO
	// total_eviction_exceeded_time).
	overSince, overTotal int64
	// pending is set when an eviction round ran out of time: the cron
	// carries on (EvictCron) even if no command comes.
	pending bool
	// scriptOOM is what the check before the running EVAL or FCALL found,
	// as Redis's server.script_oom: a script may not start writing then.
	scriptOOM bool
	// lastGC is when a collection was last forced (monoNanos); dropped
	// is set when a whole table went since (FLUSHDB, FLUSHALL), which
	// may have freed any amount.
	lastGC  int64
	dropped bool
}

// evictionTimeLimit is how long one round may evict before the command
// goes ahead and the cron finishes the job, from
// maxmemory-eviction-tenacity as Redis computes it.
func evictionTimeLimit(tenacity int64) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < 100:
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// watchMaxmemory keeps the cached maxmemory current, and forgets pooled
// candidates when the policy changes (their scores are another measure).
func (s *State) watchMaxmemory() {
	if s.Config == nil {
		return
	}
	s.evict.maxmemory.Store(int64(min(s.Config.Uint("maxmemory"), math.MaxInt64)))
	s.Config.OnChange("maxmemory", func(c *config.Config) error {
		s.evict.maxmemory.Store(int64(min(c.Uint("maxmemory"), math.MaxInt64)))
		return nil
	})
	s.Config.OnChange("maxmemory-policy", func(*config.Config) error {
		s.evict.evictor.Reset()
		return nil
	})
}

// Dropped is the keyspace's OnDrop: what a deleted or replaced value
// occupied no longer counts in used memory, though the collector has
// not reclaimed it yet.
func (s *State) Dropped(e *keyspace.Entry, valueOnly bool) {
	if s.evict.maxmemory.Load() <= 0 {
		return
	}
	size := entryMemoryUsage(e, memoryDefaultSamples)
	if valueOnly {
		size -= sdsAlloc(int64(len(e.Key))) + dictEntrySize
	}
	s.evict.gauge.freed += size
}

// TableDropped is told that a database's table was dropped or replaced
// as a whole (FLUSHDB, FLUSHALL, loading): the next time memory is short,
// a collection is worth its cost before writes are refused.
func (s *State) TableDropped() { s.evict.dropped = true }

// UsedMemory is used_memory: the estimate that maxmemory is compared to.
func (s *State) UsedMemory() int64 { return s.evict.gauge.used(true) }

// freeMemory is Redis's performEvictions: it evicts keys until used
// memory is under maxmemory and reports false only when that is
// impossible (the policy allows no more evictions). Running out of time
// reports true and leaves the rest to the cron.
func (s *State) freeMemory(ks *keyspace.Keyspace, now int64) bool {
	limit := s.evict.maxmemory.Load()
	if limit <= 0 {
		return true
	}
	ev := &s.evict
	used := ev.gauge.used(false)
	if used <= limit {
		s.underLimit()
		ev.pending = false
		return true
	}
	if ev.overSince == 0 {
		ev.overSince = monoNanos()
	}
	policy := keyspace.ParseEvictPolicy(s.Config.String("maxmemory-policy"))
	samples := int(s.Config.Int("maxmemory-samples"))
	deadline := monoNanos() + int64(evictionTimeLimit(s.Config.Int("maxmemory-eviction-tenacity")))
	for n := 0; used > limit; n++ {
		db, e := ev.evictor.Candidate(ks, policy, samples, now)
		if e == nil {
			// Nothing (more) may be evicted. Before refusing writes, make
			// sure it is not garbage that fills the heap: keys deleted
			// since the last collection are still counted.
			if s.collect(used, limit) {
				if used = ev.gauge.used(true); used <= limit {
					s.underLimit()
					ev.pending = false
					return true
				}
			}
			return false
		}
		used -= entryMemoryUsage(e, memoryDefaultSamples)
		db.Evict(e) // Dropped counts it in the gauge
		// The clock is read every 16 keys, as Redis does.
		if n&15 == 15 && monoNanos() > deadline {
			ev.pending = true
			return true
		}
	}
	s.underLimit()
	ev.pending = false
	return true
}

// collect forces a collection when garbage could be what keeps used
// memory over the limit: more was allocated since the last collection
// than the overshoot (deleted keys, overwritten values). At most one a
// second: a collection holds the server up for a while, and the writes
// that are refused meanwhile would only ask again.
func (s *State) collect(used, limit int64) bool {
	ev := &s.evict
	g := &ev.gauge
	recent := ev.lastGC != 0 && monoNanos()-ev.lastGC < int64(time.Second)
	if !ev.dropped && (g.allocs-g.allocsGC < used-limit || recent) {
		return false
	}
	runtime.GC()
	ev.lastGC = monoNanos()
	ev.dropped = false
	return true
}

func (s *State) underLimit() {
	ev := &s.evict
	if ev.overSince != 0 {
		ev.overTotal += monoNanos() - ev.overSince
		ev.overSince = 0
	}
}

// evictionExceeded returns INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time, in milliseconds.
func (s *State) evictionExceeded() (total, current int64) {
	ev := &s.evict
	if ev.overSince != 0 {
		current = (monoNanos() - ev.overSince) / 1e6
	}
	return ev.overTotal/1e6 + current, current
}

// EvictCron continues an eviction that ran out of time; the server calls
// it from its cron with the command lock held.
func (s *State) EvictCron(ks *keyspace.Keyspace, now int64) {
	if s.evict.pending {
		s.freeMemory(ks, now)
	}
}

// oomRejects reports whether a command refused for lack of memory is
// cmd: one that may grow the dataset, any command queued in MULTI (the
// queue itself takes memory), or an EXEC whose queue holds one.
func oomRejects(cl *Client, cmd *Command) bool {
	if cmd.Flags&DenyOOM != 0 {
		return true
	}
	if cl.Multi == nil {
		return false
	}
	switch cmd.Name {
	case "exec":
		return cl.Multi.flags&DenyOOM != 0
	case "discard", "quit", "reset":
		return false
	}
	return true
}

// isScriptCall is true for the commands that record the memory check for
// the scripts they run (EXEC: those queued in the transaction).
func isScriptCall(cmd *Command) bool {
	switch cmd.Name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "exec":
		return true
	}
	return false
}
