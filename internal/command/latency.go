package command

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
)

// Latency is the latency monitor: for each event (such as "command") it
// keeps the latest samples above latency-monitor-threshold milliseconds.
type Latency struct {
	thresholdMs atomic.Int64 // 0 disables the monitor

	mu     sync.Mutex
	events map[string]*latencyEvent
}

// LatencySample is one recorded spike.
type LatencySample struct {
	Time int64 // Unix seconds
	Ms   int64
}

type latencyEvent struct {
	samples []LatencySample // oldest first, at most latencyHistory
	max     int64
}

const latencyHistory = 160

// NewLatency creates a latency monitor following cfg.
func NewLatency(cfg *config.Config) *Latency {
	l := &Latency{events: make(map[string]*latencyEvent)}
	if cfg != nil {
		l.thresholdMs.Store(cfg.Int("latency-monitor-threshold"))
	}
	return l
}

// SetThreshold changes latency-monitor-threshold.
func (l *Latency) SetThreshold(ms int64) { l.thresholdMs.Store(ms) }

// Observe records dur for event if it crosses the threshold.
func (l *Latency) Observe(event string, now int64, dur time.Duration) {
	t := l.thresholdMs.Load()
	if t <= 0 {
		return
	}
	ms := dur.Milliseconds()
	if ms < t {
		return
	}
	l.Add(event, now/1000, ms)
}

// Add records a sample; samples in the same second are merged, keeping the max.
func (l *Latency) Add(event string, sec, ms int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		l.events[event] = ev
	}
	if ms > ev.max {
		ev.max = ms
	}
	if n := len(ev.samples); n > 0 && ev.samples[n-1].Time == sec {
		if ms > ev.samples[n-1].Ms {
			ev.samples[n-1].Ms = ms
		}
		return
	}
	ev.samples = append(ev.samples, LatencySample{Time: sec, Ms: ms})
	if len(ev.samples) > latencyHistory {
		ev.samples = ev.samples[1:]
	}
}

// Events returns, per event, its samples (oldest first) and all-time max.
func (l *Latency) Events() map[string]struct {
	Samples []LatencySample
	Max     int64
} {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]struct {
		Samples []LatencySample
		Max     int64
	}, len(l.events))
	for name, ev := range l.events {
		out[name] = struct {
			Samples []LatencySample
			Max     int64
		}{append([]LatencySample(nil), ev.samples...), ev.max}
	}
	return out
}

// Reset drops the named events (all when none are named) and returns how many it dropped.
func (l *Latency) Reset(names ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(names) == 0 {
		n := len(l.events)
		l.events = make(map[string]*latencyEvent)
		return n
	}
	n := 0
	for _, name := range names {
		if _, ok := l.events[name]; ok {
			delete(l.events, name)
			n++
		}
	}
	return n
}

// latHist is a command's latency histogram (LATENCY HISTOGRAM, INFO
// latencystats): log-linear buckets of nanoseconds, 16 per power of two
// (about 6% precision), plus the power-of-two buckets Redis reports.
type latHist struct {
	calls  int64
	fine   [latFineBuckets]int64
	coarse [latCoarseBuckets]int64 // bucket k holds durations <= 1024<<k ns
}

const (
	latSub           = 16
	latFineBuckets   = 61 * latSub
	latCoarseBuckets = 54
)

func latFineIndex(ns uint64) int {
	if ns < latSub {
		return int(ns)
	}
	e := bits.Len64(ns) - 5 // ns>>e is in [16, 32)
	return (e+1)*latSub + int(ns>>uint(e)) - latSub
}

// latFineTop is the largest duration that falls in bucket i.
func latFineTop(i int) uint64 {
	if i < latSub {
		return uint64(i)
	}
	e := uint(i/latSub - 1)
	m := uint64(i%latSub + latSub)
	return (m+1)<<e - 1
}

func (h *latHist) record(ns int64) {
	if ns < 0 {
		ns = 0
	}
	v := uint64(ns)
	h.calls++
	h.fine[latFineIndex(v)]++
	k := 0
	if v > 1024 {
		k = bits.Len64((v - 1) >> 10)
	}
	if k >= latCoarseBuckets {
		k = latCoarseBuckets - 1
	}
	h.coarse[k]++
}

// percentile returns the duration (ns) under which p percent of the calls
// completed, as the top of the bucket holding that rank.
func (h *latHist) percentile(p float64) uint64 {
	if h.calls == 0 {
		return 0
	}
	rank := int64(math.Ceil(p / 100 * float64(h.calls)))
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for i, n := range h.fine {
		seen += n
		if seen >= rank {
			return latFineTop(i)
		}
	}
	return latFineTop(len(h.fine) - 1)
}

// coarseTopUsec is how Redis labels its power-of-two buckets: the highest
// value a 2-significant-digit HDR histogram stores with 1024<<k, in µs.
func coarseTopUsec(k int) int64 {
	v := int64(1024) << uint(k)
	w := v >> 7
	if w < 1 {
		w = 1
	}
	return (v + w - 1) / 1000
}
