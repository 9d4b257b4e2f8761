package command

import (
	"crypto/rand"
	"encoding/hex"
	"github.com/enclavekv/enclavekv/internal/script"
	"sync"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/config"
)

// State is the server-wide state that commands manage themselves: config,
// counters, the slow log, latency samples and monitors. It is shared by all
// connections and guarded by the server's command lock unless a field says
// otherwise.
type State struct {
	Config  *config.Config
	Stats   Stats
	Slowlog *Slowlog
	Latency *Latency

	errMu     sync.Mutex
	errCounts map[string]int64

	monitors []*MonitorSink
	watched  watchers
	pubsub   pubsubState
	notify   atomic.Int32 // notify-keyspace-events flags
	engine   *script.Engine
	// busy is the script or function running past busy-reply-threshold:
	// while it is set, other clients' commands get BUSY unless they are
	// flagged allow-busy.
	busy *scriptRun
	// evict is maxmemory's bookkeeping (evict.go).
	evict evictState

	// Log, when set, writes one line to the server's log at level 0
	// (debug) to 3 (warning): redis.log from scripts.
	Log func(level int, msg string)

	// ActiveExpireOff is DEBUG SET-ACTIVE-EXPIRE 0: the background expiry
	// cycle pauses (lazy expiry on access still happens).
	ActiveExpireOff atomic.Bool

	// hists are the per-command latency histograms (latency-tracking).
	hists           map[*Command]*latHist
	latencyTracking atomic.Bool

	// Persist is the snapshot machinery (nil when not wired: unit tests).
	Persist Persistence

	// Enclave is the runtime the server runs in (nil in unit tests that
	// do not need one).
	Enclave *Enclave
	// evidence limits ENCLAVE EVIDENCE before AUTH.
	evidence evidenceBucket

	// ReplID is the replication ID INFO replication reports.
	ReplID string
	// memPeak is the highest used_memory seen (INFO, MEMORY STATS);
	// memStartup the used_memory right after start.
	memPeak    atomic.Int64
	memStartup int64
}

// Stats are server-wide counters kept by the command layer.
type Stats struct {
	Commands atomic.Int64 // total_commands_processed
	Rejected atomic.Int64 // rejected calls of unknown commands
	Errors   atomic.Int64 // total_error_replies
}

// NewState creates the command layer's shared state.
func NewState(cfg *config.Config) *State {
	s := &State{
		Config:    cfg,
		Slowlog:   NewSlowlog(cfg),
		Latency:   NewLatency(cfg),
		errCounts: make(map[string]int64),
		hists:     make(map[*Command]*latHist),
		ReplID:    randomHex(40),
	}
	s.latencyTracking.Store(true)
	if cfg != nil {
		s.notify.Store(int32(cfg.NotifyKeyspaceEvents()))
		cfg.OnChange("notify-keyspace-events", func(c *config.Config) error {
			s.notify.Store(int32(c.NotifyKeyspaceEvents()))
			return nil
		})
		s.latencyTracking.Store(cfg.Bool("latency-tracking"))
		cfg.OnChange("latency-tracking", func(c *config.Config) error {
			s.latencyTracking.Store(c.Bool("latency-tracking"))
			return nil
		})
	}
	s.watchMaxmemory()
	s.memStartup = s.UsedMemory()
	s.memPeak.Store(s.memStartup)
	return s
}

// recordLatency adds one call's duration to cmd's histogram.
func (s *State) recordLatency(cmd *Command, ns int64) {
	h := s.hists[cmd]
	if h == nil {
		h = &latHist{}
		s.hists[cmd] = h
	}
	h.record(ns)
}

// ResetCommandStats zeroes every command's counters and latency histogram
// (CONFIG RESETSTAT).
func (s *State) ResetCommandStats(t *Table) {
	for _, cmd := range t.All() {
		resetCmdStats(cmd)
		for _, sub := range cmd.Subs {
			resetCmdStats(sub)
		}
	}
	s.hists = make(map[*Command]*latHist)
}

func resetCmdStats(cmd *Command) {
	cmd.Stats.Calls.Store(0)
	cmd.Stats.Usec.Store(0)
	cmd.Stats.Rejected.Store(0)
	cmd.Stats.Failed.Store(0)
}

// CountError records an error reply under its code (INFO errorstats).
func (s *State) CountError(msg string) {
	s.Stats.Errors.Add(1)
	code := errorCode(msg)
	s.errMu.Lock()
	if len(s.errCounts) < 128 || s.errCounts[code] > 0 {
		s.errCounts[code]++
	}
	s.errMu.Unlock()
}

// ErrorCounts returns a copy of the per-code error counters.
func (s *State) ErrorCounts() map[string]int64 {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	out := make(map[string]int64, len(s.errCounts))
	for k, v := range s.errCounts {
		out[k] = v
	}
	return out
}

// ResetErrors zeroes the error counters (CONFIG RESETSTAT).
func (s *State) ResetErrors() {
	s.errMu.Lock()
	s.errCounts = make(map[string]int64)
	s.errMu.Unlock()
	s.Stats.Errors.Store(0)
}

// DebugAllowed applies enable-debug-command: "yes", or "local" from a
// loopback or unix-socket client.
func (s *State) DebugAllowed(cl *Client) bool {
	switch s.Config.String("enable-debug-command") {
	case "yes":
		return true
	case "local":
		return cl.Unix || isLoopbackAddr(cl.Addr)
	}
	return false
}

func isLoopbackAddr(addr string) bool {
	return len(addr) >= 10 && addr[:10] == "127.0.0.1:" || len(addr) >= 5 && addr[:5] == "[::1]"
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
