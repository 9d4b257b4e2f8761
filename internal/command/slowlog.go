package command

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/config"
)

// Slowlog keeps the most recent commands that ran longer than
// slowlog-log-slower-than microseconds, newest first.
type Slowlog struct {
	// threshold and maxLen mirror the config so the hot path reads atomics.
	threshold atomic.Int64
	maxLen    atomic.Int64

	mu      sync.Mutex
	nextID  int64
	entries []SlowEntry // newest first
}

// SlowEntry is one SLOWLOG GET record.
type SlowEntry struct {
	ID       int64
	Time     int64 // Unix seconds
	Duration int64 // microseconds
	Args     []string
	Addr     string
	Name     string
}

// Redis keeps at most this many arguments and bytes per argument.
const (
	slowlogMaxArgc = 32
	slowlogMaxArgl = 128
)

// NewSlowlog creates a slow log following cfg's slowlog-* options.
func NewSlowlog(cfg *config.Config) *Slowlog {
	s := &Slowlog{}
	s.threshold.Store(10000)
	s.maxLen.Store(128)
	if cfg != nil {
		s.Configure(cfg.Int("slowlog-log-slower-than"), cfg.Int("slowlog-max-len"))
	}
	return s
}

// Configure updates the threshold (µs, negative disables) and length.
func (s *Slowlog) Configure(threshold, maxLen int64) {
	s.threshold.Store(threshold)
	s.maxLen.Store(maxLen)
	s.mu.Lock()
	s.trim()
	s.mu.Unlock()
}

func (s *Slowlog) trim() {
	if n := int(s.maxLen.Load()); len(s.entries) > n {
		s.entries = s.entries[:n]
	}
}

// Observe records a command if it was slow enough.
func (s *Slowlog) Observe(cl *Client, args [][]byte, now, usec int64) {
	t := s.threshold.Load()
	if t < 0 || usec < t {
		return
	}
	argc := len(args)
	if argc > slowlogMaxArgc {
		argc = slowlogMaxArgc
	}
	kept := make([]string, argc)
	for i := 0; i < argc; i++ {
		if argc != len(args) && i == argc-1 {
			kept[i] = "... (" + strconv.Itoa(len(args)-argc+1) + " more arguments)"
			break
		}
		a := args[i]
		if len(a) > slowlogMaxArgl {
			kept[i] = string(a[:slowlogMaxArgl]) + "... (" + strconv.Itoa(len(a)-slowlogMaxArgl) + " more bytes)"
		} else {
			kept[i] = string(a)
		}
	}
	s.mu.Lock()
	s.entries = append(s.entries, SlowEntry{})
	copy(s.entries[1:], s.entries)
	s.entries[0] = SlowEntry{ID: s.nextID, Time: now / 1000, Duration: usec, Args: kept, Addr: cl.Addr, Name: cl.Name}
	s.nextID++
	s.trim()
	s.mu.Unlock()
}

// Get returns up to n newest entries (n < 0: all).
func (s *Slowlog) Get(n int) []SlowEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 || n > len(s.entries) {
		n = len(s.entries)
	}
	return append([]SlowEntry(nil), s.entries[:n]...)
}

// Len is the number of entries.
func (s *Slowlog) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Reset drops every entry.
func (s *Slowlog) Reset() {
	s.mu.Lock()
	s.entries = nil
	s.mu.Unlock()
}
