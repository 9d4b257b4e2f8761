// Package server accepts connections and runs clients' commands against the
// keyspace: listeners (TCP and unix socket), an epoll event loop that serves
// every connection, pipelined batches answered with one write, the client
// registry, client pauses, MONITOR feeds and the background expiry cycle.
//
// Every command runs while holding one lock, so each command is atomic and
// the history is serialisable. The event loop takes the lock once per turn
// (one epoll_wait's worth of ready sockets), not once per request.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"golang.org/x/sys/unix"
)

// Version is enclavekv's own version; RedisVersion the protocol it speaks.
const (
	Version      = "0.1.0"
	RedisVersion = "7.0.15"
)

// Server is one running enclavekv instance.
type Server struct {
	// baseMemLimit is the runtime's memory limit at start (GOMEMLIMIT,
	// the enclave's heap): the ceiling tuneMemoryLimit stays under.
	baseMemLimit int64
	cfg          *config.Config
	log          *Logger
	ks           *keyspace.Keyspace
	exec         *command.Executor
	st           *command.State

	mu sync.Mutex // the command lock: held while any command runs

	loop *eventLoop
	// The port and bind addresses the TCP listeners serve (guarded by mu).
	tcpPort  int64
	tcpBinds []string
	unixPath string

	clientsMu sync.Mutex
	clients   map[int64]*conn
	nextID    atomic.Int64

	pauseUntil     int64 // Unix ms, 0 = not paused; guarded by mu
	pauseWriteOnly bool

	maxClients atomic.Int64
	// obufLimits is client-output-buffer-limit, per client class.
	obufLimits atomic.Pointer[[3]config.OBufLimit]
	timeoutSec atomic.Int64
	// Request limits, read by every connection before parsing.
	protoMaxBulk, queryBufLimit atomic.Int64

	stats struct {
		connections, rejected, netIn, netOut atomic.Int64
	}
	ops opsMeter

	start   time.Time
	runID   string
	done    chan struct{}
	stopped sync.Once
	serving bool // Serve started the loop (guarded by mu)
	// stopping is set (under mu) once SHUTDOWN has decided to stop: no
	// command runs after it, so nothing is acknowledged that a final save
	// made just before would not hold.
	stopping bool
	wg       sync.WaitGroup

	blk blocking // clients in BLPOP & co.; guarded by mu

	// localPeer tells whether a TCP peer is on this host, for protected
	// mode; tests replace it to play a remote client over loopback.
	localPeer func(unix.Sockaddr) bool

	// ShutdownHook is called with the command lock held (nothing else runs)
	// when SHUTDOWN or a signal stops the server; persistence will hang its
	// final save here. It must not take the lock itself.
	ShutdownHook func(opts command.ShutdownOpts) error
}

// New prepares a server from its configuration; Serve starts it.
func New(cfg *config.Config, log *Logger) *Server {
	s := &Server{
		cfg:       cfg,
		log:       log,
		clients:   make(map[int64]*conn),
		start:     time.Now(),
		done:      make(chan struct{}),
		loop:      &eventLoop{conns: make(map[int]*conn), spareFD: -1},
		localPeer: isLoopback,
	}
	var id [20]byte
	_, _ = rand.Read(id[:])
	s.runID = hex.EncodeToString(id[:])
	s.ks = keyspace.New(int(cfg.Int("databases")))
	s.blk.init()
	s.ks.OnModify = s.keyTouched
	s.ks.OnReplace = s.tableReplaced
	s.ks.OnExpired = func(db *keyspace.DB, key string) {
		if s.st.NotifyOn(config.NotifyExpired) {
			s.st.NotifyKeyspace(config.NotifyExpired, "expired", []byte(key), db.ID)
		}
	}
	s.ks.OnDrop = func(e *keyspace.Entry, valueOnly bool) { s.st.Dropped(e, valueOnly) }
	s.ks.OnEvicted = func(db *keyspace.DB, key string) {
		if s.st.NotifyOn(config.NotifyEvicted) {
			s.st.NotifyKeyspace(config.NotifyEvicted, "evicted", []byte(key), db.ID)
		}
	}
	s.ks.OnCreated = func(db *keyspace.DB, key string) {
		if s.st.NotifyOn(config.NotifyNew) {
			s.st.NotifyKeyspace(config.NotifyNew, "new", []byte(key), db.ID)
		}
	}
	s.ks.OnMiss = func(db *keyspace.DB, key []byte) {
		s.st.NotifyKeyspace(config.NotifyKeyMiss, "keymiss", key, db.ID)
	}
	s.st = command.NewState(cfg)
	s.st.Log = func(level int, msg string) {
		switch level {
		case 0:
			s.log.Debug(msg)
		case 1:
			s.log.Verbose(msg)
		case 2:
			s.log.Notice(msg)
		default:
			s.log.Warning(msg)
		}
	}
	s.exec = &command.Executor{Table: command.NewTable(), KS: s.ks, State: s.st, Srv: s}
	s.maxClients.Store(cfg.Int("maxclients"))
	s.timeoutSec.Store(cfg.Int("timeout"))
	s.protoMaxBulk.Store(cfg.Int("proto-max-bulk-len"))
	s.queryBufLimit.Store(cfg.Int("client-query-buffer-limit"))
	s.watchConfig()
	return s
}

// SetEnclave tells the command layer which enclave runtime the server runs
// in (INFO enclave, ENCLAVE). Call it before Serve.
func (s *Server) SetEnclave(e *command.Enclave) { s.st.Enclave = e }

// SetPersistence wires the snapshot machinery: commands reach it, the cron
// runs its save points, INFO reports it. Call it before Serve.
func (s *Server) SetPersistence(p command.Persistence) { s.st.Persist = p }

// Keyspace exposes the data for wiring persistence in cmd/.
func (s *Server) Keyspace() *keyspace.Keyspace { return s.ks }

// Functions is where FUNCTION LOAD libraries live, for snapshots to save
// and restore (methods called with the command lock held).
func (s *Server) Functions() *command.State { return s.st }

// Lock and Unlock take the command lock for code outside the connection
// loop (persistence, tests).
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

func (s *Server) watchConfig() {
	limits := s.cfg.ClientOutputBufferLimits()
	s.obufLimits.Store(&limits)
	s.cfg.OnChange("client-output-buffer-limit", func(c *config.Config) error {
		limits := c.ClientOutputBufferLimits()
		s.obufLimits.Store(&limits)
		return nil
	})
	s.cfg.OnChange("maxclients", func(c *config.Config) error {
		n := c.Int("maxclients")
		if n > s.maxClients.Load() {
			if err := checkMaxClients(n); err != nil {
				return err
			}
		}
		s.maxClients.Store(n)
		return nil
	})
	// Redis's texts for a port or bind change it could not make.
	s.cfg.OnChange("port", func(c *config.Config) error {
		return s.rebindTCP(c.Int("port"), c.Strings("bind"), "Unable to listen on this port. Check server logs.")
	})
	s.cfg.OnChange("bind", func(c *config.Config) error {
		return s.rebindTCP(c.Int("port"), c.Strings("bind"), "Failed to bind to specified addresses.")
	})
	s.cfg.OnChange("timeout", func(c *config.Config) error {
		s.timeoutSec.Store(c.Int("timeout"))
		return nil
	})
	s.cfg.OnChange("proto-max-bulk-len", func(c *config.Config) error {
		s.protoMaxBulk.Store(c.Int("proto-max-bulk-len"))
		return nil
	})
	s.cfg.OnChange("client-query-buffer-limit", func(c *config.Config) error {
		s.queryBufLimit.Store(c.Int("client-query-buffer-limit"))
		return nil
	})
	s.cfg.OnChange("loglevel", func(c *config.Config) error {
		return s.log.SetLevel(c.String("loglevel"))
	})
	s.cfg.OnChange("slowlog-log-slower-than", func(c *config.Config) error {
		s.st.Slowlog.Configure(c.Int("slowlog-log-slower-than"), c.Int("slowlog-max-len"))
		return nil
	})
	s.cfg.OnChange("slowlog-max-len", func(c *config.Config) error {
		s.st.Slowlog.Configure(c.Int("slowlog-log-slower-than"), c.Int("slowlog-max-len"))
		return nil
	})
	s.cfg.OnChange("latency-monitor-threshold", func(c *config.Config) error {
		s.st.Latency.SetThreshold(c.Int("latency-monitor-threshold"))
		return nil
	})
	s.cfg.OnChange("maxmemory-policy", func(c *config.Config) error {
		s.ks.LFU = strings.Contains(c.String("maxmemory-policy"), "lfu")
		return nil
	})
	s.ks.LFU = strings.Contains(s.cfg.String("maxmemory-policy"), "lfu")
	s.baseMemLimit = debug.SetMemoryLimit(-1)
	s.cfg.OnChange("maxmemory", func(c *config.Config) error {
		s.tuneMemoryLimit(true)
		return nil
	})
	s.tuneMemoryLimit(false)
}

// tuneMemoryLimit sets the Go runtime's soft memory limit above maxmemory
// (never above the limit the process started with, the enclave's heap),
// so that the collector runs before garbage adds up to much: used memory,
// as eviction estimates it, counts garbage the keyspace did not see freed
// until the next collection. warn logs Redis's warning
// when CONFIG SET puts maxmemory under the memory in use.
func (s *Server) tuneMemoryLimit(warn bool) {
	mm := int64(min(s.cfg.Uint("maxmemory"), math.MaxInt64/2))
	limit := s.baseMemLimit
	if mm > 0 {
		// Room for the runtime's own memory (fragmentation, stacks,
		// metadata) and for garbage between collections: the smaller it
		// is, the more often the collector runs.
		limit = min(limit, mm+mm/2+32<<20)
	}
	debug.SetMemoryLimit(limit)
	if warn && mm > 0 {
		if used := s.st.UsedMemory(); used > mm {
			s.log.Warning(fmt.Sprintf("WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.", mm, used))
		}
	}
}

// Listen opens the TCP and unix listeners the config asks for. Bind
// addresses prefixed with '-' are optional: failing to bind them (e.g. no
// IPv6) is not an error, as in Redis.
func (s *Server) Listen() error {
	if err := s.adjustMaxClients(); err != nil {
		return err
	}
	p, err := newPoller()
	if err != nil {
		return fmt.Errorf("Failed creating the event loop: %w", err)
	}
	s.loop.p = p
	s.loop.spareFD = openSpareFD()
	if err := s.listen(); err != nil {
		s.releaseLoop()
		return err
	}
	for _, ls := range s.loop.lsocks {
		if err := p.add(ls.fd, evRead); err != nil {
			s.closeListeners()
			s.releaseLoop()
			return fmt.Errorf("Failed registering a listening socket: %w", err)
		}
	}
	return nil
}

func (s *Server) listen() error {
	port := s.cfg.Int("port")
	tcp, err := s.openTCP(port, s.cfg.Strings("bind"))
	if err != nil {
		return fmt.Errorf("Failed listening on port %d (tcp), aborting: %w", port, err)
	}
	s.loop.lsocks = append(s.loop.lsocks, tcp...)
	if path := s.cfg.String("unixsocket"); path != "" {
		_ = os.Remove(path)
		ln, err := net.Listen("unix", path)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("Failed opening Unix socket: %w (check that the directory of unixsocket exists and is writable)", err)
		}
		if perm := s.cfg.Int("unixsocketperm"); perm != 0 {
			if err := os.Chmod(path, os.FileMode(perm)); err != nil {
				ln.Close()
				s.closeListeners()
				return fmt.Errorf("Failed setting permissions on Unix socket %s: %w", path, err)
			}
		}
		s.unixPath = path
		ls, err := adoptListener(ln, true, path)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("Failed opening Unix socket: %w", err)
		}
		s.loop.lsocks = append(s.loop.lsocks, ls)
	}
	s.tcpPort, s.tcpBinds = port, s.cfg.Strings("bind")
	if len(s.loop.lsocks) == 0 {
		return errors.New("Configured to not listen anywhere, exiting.")
	}
	return nil
}

// openTCP opens the TCP listening sockets for port on the bind addresses
// (none when port is 0 or there is no address, as in Redis). Addresses
// prefixed with '-' are optional: one that does not exist on this machine
// is skipped. On error nothing stays open.
func (s *Server) openTCP(port int64, binds []string) ([]listenSock, error) {
	if port == 0 || len(binds) == 0 {
		return nil, nil
	}
	var out []listenSock
	fail := func(err error) ([]listenSock, error) {
		for _, ls := range out {
			closeFD(ls.fd)
		}
		return nil, err
	}
	for _, addr := range binds {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		switch addr {
		case "*":
			addr = "0.0.0.0"
		case "::*":
			addr = "::"
		}
		ln, err := listenTCP(addr, port)
		if err != nil {
			s.log.Warning(fmt.Sprintf("Warning: Could not create server TCP listening socket %s:%d: %v", addr, port, err))
			if optional && isAddrUnavailable(err) {
				continue
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return fail(errors.New("another process is using it; stop that process or choose another port with --port"))
			}
			return fail(errors.New("check the bind addresses (--bind) exist on this machine"))
		}
		ls, err := adoptListener(ln, false, "")
		if err != nil {
			return fail(err)
		}
		out = append(out, ls)
	}
	// Only optional addresses, none of them here: no TCP listener, which
	// is fine as long as something else listens (Listen checks that).
	return out, nil
}

// adoptListener takes a listening socket's descriptor from a Go listener
// for the event loop.
func adoptListener(ln net.Listener, isUnix bool, path string) (listenSock, error) {
	addr := ln.Addr()
	fd, err := listenerFD(ln)
	if err != nil {
		return listenSock{}, err
	}
	return listenSock{fd: fd, isUnix: isUnix, path: path, addr: addr}, nil
}

// rebindTCP applies CONFIG SET port/bind as Redis does: the old TCP
// listeners are closed, the new ones opened, and if that fails the old
// ones are opened again and the change is refused (errText). Called with
// the command lock held; a no-op when nothing changed (as on the second
// call that follows a rolled-back CONFIG SET).
func (s *Server) rebindTCP(port int64, binds []string, errText string) error {
	if port == s.tcpPort && slices.Equal(binds, s.tcpBinds) {
		return nil
	}
	var old []int
	for _, ls := range s.loop.lsocks {
		if !ls.isUnix {
			old = append(old, ls.fd)
		}
	}
	// To another port, the new listeners open before the old ones close:
	// the server never stops listening, and a failure changes nothing.
	// On the same port they cannot coexist, so the old ones go first.
	if port != s.tcpPort && port != 0 {
		if err := s.serveTCP(port, binds); err != nil {
			return errors.New(errText)
		}
		s.dropListeners(old)
		return nil
	}
	s.dropListeners(old)
	if err := s.serveTCP(port, binds); err != nil {
		if rerr := s.serveTCP(s.tcpPort, s.tcpBinds); rerr != nil {
			s.log.Warning("Failed to restore old listening sockets.")
			// Nothing listens on TCP now: forget the old values, so that
			// the rollback's call (or a later CONFIG SET) really binds.
			s.tcpPort, s.tcpBinds = 0, nil
		}
		return errors.New(errText)
	}
	return nil
}

// dropListeners closes the listening sockets with these descriptors and
// takes them out of the loop.
func (s *Server) dropListeners(fds []int) {
	kept := s.loop.lsocks[:0]
	for _, ls := range s.loop.lsocks {
		if slices.Contains(fds, ls.fd) {
			s.loop.p.remove(ls.fd)
			closeFD(ls.fd)
			continue
		}
		kept = append(kept, ls)
	}
	s.loop.lsocks = kept
}

// serveTCP opens the TCP listeners for port and binds and adds them to
// the running loop.
func (s *Server) serveTCP(port int64, binds []string) error {
	fresh, err := s.openTCP(port, binds)
	if err != nil {
		return err
	}
	for i, ls := range fresh {
		if err := s.loop.p.add(ls.fd, evRead); err != nil {
			for _, f := range fresh[:i] {
				s.loop.p.remove(f.fd)
			}
			for _, f := range fresh {
				closeFD(f.fd)
			}
			return err
		}
	}
	s.loop.lsocks = append(s.loop.lsocks, fresh...)
	s.tcpPort, s.tcpBinds = port, slices.Clone(binds)
	return nil
}

// releaseLoop closes the poller and the spare descriptor of a loop that
// will not run.
func (s *Server) releaseLoop() {
	if s.loop.p != nil {
		s.loop.p.close()
		s.loop.p = nil
	}
	if s.loop.spareFD >= 0 {
		closeFD(s.loop.spareFD)
		s.loop.spareFD = -1
	}
}

// closeListeners closes every listening socket (a failed Listen, or a
// Close before Serve).
func (s *Server) closeListeners() {
	for _, ls := range s.loop.lsocks {
		closeFD(ls.fd)
	}
	s.loop.lsocks = nil
}

// listenTCP listens on one address. IPv6 sockets are v6-only, as Redis
// makes them, so "* -::*" can bind 0.0.0.0 and :: on the same port.
func listenTCP(addr string, port int64) (net.Listener, error) {
	lc := net.ListenConfig{}
	network := "tcp"
	if ip := net.ParseIP(addr); ip != nil && ip.To4() != nil {
		network = "tcp4"
	} else if ip != nil {
		network = "tcp6"
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	return lc.Listen(context.Background(), network, net.JoinHostPort(addr, strconv.FormatInt(port, 10)))
}

func isAddrUnavailable(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

// Addrs returns the addresses actually listened on.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrsLocked()
}

func (s *Server) addrsLocked() []net.Addr {
	var out []net.Addr
	for _, ls := range s.loop.lsocks {
		out = append(out, ls.addr)
	}
	return out
}

// Serve runs the event loop until Close. It logs the ready lines first.
func (s *Server) Serve() {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	var tcp, unix bool
	for _, ls := range s.loop.lsocks {
		tcp, unix = tcp || !ls.isUnix, unix || ls.isUnix
	}
	if tcp {
		s.log.Notice("Ready to accept connections tcp")
	}
	if unix {
		s.log.Notice("Ready to accept connections unix")
	}
	s.serving = true
	s.wg.Add(2)
	s.mu.Unlock()
	go s.cron()
	go s.runLoop()
	<-s.done
}

// Done is closed when the server stops.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops accepting, disconnects every client and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closeLocked()
	s.mu.Unlock()
	s.wg.Wait()
	if s.unixPath != "" {
		_ = os.Remove(s.unixPath)
	}
}

// closeLocked starts the stop, with the command lock held: no request runs
// after it (stopping), and the loop is woken while the lock keeps it from
// having closed its eventfd yet.
func (s *Server) closeLocked() {
	s.stopped.Do(func() {
		close(s.done)
		s.stopping = true
		if s.serving {
			s.loop.p.wake()
		} else if s.loop.p != nil {
			// Listened but never served: nothing runs to clean up.
			s.closeListeners()
			s.releaseLoop()
		}
	})
}

// StopOnSignal is SIGTERM/SIGINT: like SHUTDOWN, the shutdown hook runs
// with nothing else running, then the server stops. If the hook fails the
// server goes on, as Redis does when it cannot save on SIGTERM.
func (s *Server) StopOnSignal(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Warning("User requested shutdown...")
	if s.ShutdownHook != nil {
		if err := s.ShutdownHook(command.ShutdownOpts{}); err != nil {
			s.log.Warning(name + " received but errors trying to shut down the server, check the logs for more information")
			return
		}
	}
	s.closeLocked()
}

// cron runs the periodic work: active expiry and the ops meter.
func (s *Server) cron() {
	defer s.wg.Done()
	// hz is read every tick, so CONFIG SET hz takes effect at once.
	period := func() time.Duration { return time.Second / time.Duration(max(s.cfg.Int("hz"), 1)) }
	tick := time.NewTimer(period())
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		p := period()
		tick.Reset(p)
		s.activeExpire(p)
		s.mu.Lock()
		s.st.EvictCron(s.ks, time.Now().UnixMilli())
		s.mu.Unlock()
		if ps := s.st.Persist; ps != nil {
			s.mu.Lock()
			ps.Cron(time.Now())
			s.mu.Unlock()
		}
		s.ops.sample(s.st.Stats.Commands.Load(), s.stats.netIn.Load(), s.stats.netOut.Load())
		s.closeIdleClients()
	}
}

// closeIdleClients disconnects clients silent for longer than timeout, as
// Redis's clientsCronHandleTimeout does; monitors and clients held by a
// pause are exempt.
func (s *Server) closeIdleClients() {
	t := s.timeoutSec.Load()
	if t <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixMilli()
	for _, c := range s.loop.conns {
		// Blocked clients wait for their own timeout, as in Redis.
		if c.closing || c.cl.Monitor || c.parked != nil || c.cl.Blocked != nil {
			continue
		}
		if now-c.cl.LastActive > t*1000 {
			s.log.Verbose("Closing idle client")
			s.closeConn(c)
		}
	}
}

// activeExpire reclaims expired keys that no client touches, spending at
// most 25% of each tick (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). It
// releases the command lock between small batches so clients keep running.
func (s *Server) activeExpire(period time.Duration) {
	if s.st.ActiveExpireOff.Load() {
		return
	}
	budget := period / 4
	start := time.Now()
	const perRound = 20
	for _, db := range s.ks.DBs {
		for {
			s.mu.Lock()
			now := time.Now().UnixMilli()
			sampled, expired := db.ExpireSample(now, perRound)
			s.mu.Unlock()
			// Keep going while more than 10% of sampled keys were expired.
			if sampled == 0 || expired*10 <= sampled {
				break
			}
			if time.Since(start) > budget {
				return
			}
		}
	}
}

// Clients lists connected clients in ID order (command.Server).
func (s *Server) Clients() []*command.Client {
	s.clientsMu.Lock()
	out := make([]*command.Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, &c.cl)
	}
	s.clientsMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Kill disconnects a client (command.Server); called with the command
// lock held.
func (s *Server) Kill(cl *command.Client) {
	s.clientsMu.Lock()
	c := s.clients[cl.ID]
	s.clientsMu.Unlock()
	if c == nil {
		return
	}
	cl.Killed.Store(true)
	if c.running {
		// The client is killing itself: close after its reply is written.
		cl.CloseAfterReply = true
		return
	}
	s.closeConn(c)
}

// Pause implements CLIENT PAUSE; called with the command lock held.
func (s *Server) Pause(untilMs int64, writeOnly bool) {
	if s.pauseUntil == 0 {
		s.pauseWriteOnly = writeOnly
	} else if !writeOnly {
		// A pause of everything overrides a write pause, never the reverse.
		s.pauseWriteOnly = false
	}
	if untilMs > s.pauseUntil {
		s.pauseUntil = untilMs
	}
	s.ks.ExpiryPaused = true
	s.loop.recheckParked = true
	if !s.loop.inTurn {
		s.wakeLoop() // the loop's sleep must now end with the pause
	}
}

// Unpause implements CLIENT UNPAUSE; called with the command lock held.
// The held requests run at the end of the loop's current (or next) turn.
func (s *Server) Unpause() {
	s.pauseUntil = 0
	s.pauseWriteOnly = false
	s.ks.ExpiryPaused = false
	s.loop.recheckParked = true
	if len(s.loop.parked) > 0 && !s.loop.inTurn {
		s.wakeLoop()
	}
}

// Monitor turns cl's connection into a MONITOR feed.
func (s *Server) Monitor(cl *command.Client) {
	s.clientsMu.Lock()
	c := s.clients[cl.ID]
	s.clientsMu.Unlock()
	if c == nil || cl.Monitor {
		return
	}
	cl.Monitor = true
	s.st.AddMonitor(&command.MonitorSink{Client: cl, Send: func(line []byte) { s.sendMonitor(c, line) }})
}

// Shutdown stops the server (SHUTDOWN).
func (s *Server) Shutdown(opts command.ShutdownOpts) string {
	if opts.Abort {
		return command.ErrNoShutdown
	}
	s.log.Warning("User requested shutdown...")
	if s.ShutdownHook != nil {
		if err := s.ShutdownHook(opts); err != nil && !opts.Force {
			s.log.Warning("Errors trying to SHUTDOWN. Check logs.")
			return command.ErrShutdownErrors
		}
	}
	s.closeLocked() // we are in a loop turn: the lock is held
	return ""
}

// Info reports server-wide figures (command.Server).
func (s *Server) Info() command.ServerInfo {
	exe, _ := os.Executable()
	s.clientsMu.Lock()
	n := len(s.clients)
	var maxIn, maxOut int64
	for _, c := range s.clients {
		if v := c.cl.QBuf; v > maxIn {
			maxIn = v
		}
		if v := c.cl.OutMem; v > maxOut {
			maxOut = v
		}
	}
	s.clientsMu.Unlock()
	port := 0
	for _, a := range s.addrsLocked() {
		if a, ok := a.(*net.TCPAddr); ok {
			port = a.Port
			break
		}
	}
	ops, in, out := s.ops.rates()
	var persist *command.PersistenceInfo
	if p := s.st.Persist; p != nil {
		pi := p.Info()
		persist = &pi
	}
	chans, pats, shards := s.st.PubSubCounts()
	return command.ServerInfo{
		Persistence:             persist,
		Version:                 Version,
		RedisVersion:            RedisVersion,
		Pid:                     os.Getpid(),
		RunID:                   s.runID,
		TCPPort:                 port,
		StartMs:                 s.start.UnixMilli(),
		Executable:              exe,
		ConfigFile:              s.cfg.File(),
		Hz:                      int(s.cfg.Int("hz")),
		ConnectedClients:        n,
		MaxClients:              int(s.maxClients.Load()),
		TotalConnections:        s.stats.connections.Load(),
		RejectedConnections:     s.stats.rejected.Load(),
		NetInputBytes:           s.stats.netIn.Load(),
		NetOutputBytes:          s.stats.netOut.Load(),
		ClientRecentMaxInput:    maxIn,
		ClientRecentMaxOutput:   maxOut,
		BlockedClients:          len(s.blk.blocked),
		PubsubChannels:          chans,
		PubsubPatterns:          pats,
		PubsubShardChannels:     shards,
		PausedUntilMs:           s.pauseUntil,
		PauseWriteOnly:          s.pauseWriteOnly,
		InstantaneousOps:        ops,
		InstantaneousInputKbps:  in,
		InstantaneousOutputKbps: out,
	}
}

// ResetStats zeroes the server's counters (CONFIG RESETSTAT).
func (s *Server) ResetStats() {
	s.stats.connections.Store(0)
	s.stats.rejected.Store(0)
	s.stats.netIn.Store(0)
	s.stats.netOut.Store(0)
}

// opsMeter computes instantaneous_ops_per_sec and the kbps figures the way
// Redis does: a rolling average over the last 16 samples.
type opsMeter struct {
	mu                       sync.Mutex
	lastT                    time.Time
	lastOps, lastIn, lastOut int64
	ops, in, out             [16]float64
	idx                      int
}

func (m *opsMeter) sample(ops, in, out int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if !m.lastT.IsZero() {
		dt := now.Sub(m.lastT).Seconds()
		if dt > 0 {
			m.ops[m.idx] = float64(ops-m.lastOps) / dt
			m.in[m.idx] = float64(in-m.lastIn) / dt / 1024
			m.out[m.idx] = float64(out-m.lastOut) / dt / 1024
			m.idx = (m.idx + 1) % len(m.ops)
		}
	}
	m.lastT, m.lastOps, m.lastIn, m.lastOut = now, ops, in, out
}

func (m *opsMeter) rates() (int64, float64, float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var o, i, w float64
	for k := range m.ops {
		o += m.ops[k]
		i += m.in[k]
		w += m.out[k]
	}
	n := float64(len(m.ops))
	return int64(o / n), i / n, w / n
}

// MemStats is read for INFO memory; kept here so the command layer does not
// stop the world more than needed.
func MemStats() runtime.MemStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}
