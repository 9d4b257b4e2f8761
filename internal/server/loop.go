package server

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/resp"
	"golang.org/x/sys/unix"
)

// The event loop serves every client connection from one goroutine, the
// way Redis does: epoll says which sockets are ready, each ready socket is
// read once, its complete requests run, and at the end of the turn every
// reply produced is written with one write per client.
//
// A goroutine per connection would cost, per request, an extra read that
// finds nothing, a park and a wake-up through the Go scheduler, and a hop
// between cores; on a busy server that is a third of the CPU time.
//
// The loop holds the command lock (s.mu) for the whole of a turn and
// releases it only while it sleeps, so other goroutines (the cron,
// persistence) run between turns and never see a half-run command.

// listenSock is one listening socket owned by the loop.
type listenSock struct {
	fd     int
	isUnix bool
	path   string // unix socket path
	addr   net.Addr
}

// eventLoop is the loop's state, guarded by s.mu except for sleeping
// (atomic) and p's wake, which any goroutine may call.
type eventLoop struct {
	p      *poller
	lsocks []listenSock
	conns  map[int]*conn // by file descriptor

	flushq []*conn // replies to write at the end of the turn
	closeq []*conn // connections to close at the end of the turn
	parked []*conn // requests held by CLIENT PAUSE, oldest first
	// recheckParked is set when the pause changes (ends, or a new one
	// starts): only then can a parked request become runnable.
	recheckParked bool

	// busyEvents is ServeBusy's own event buffer.
	busyEvents []unix.EpollEvent

	// spareFD is held open so that, out of descriptors, one can be freed
	// to accept and refuse a pending connection (-1 if none).
	spareFD        int
	lastAcceptWarn int64 // Unix ms of the last accept warning

	inTurn   bool        // the loop goroutine holds s.mu for a turn
	sleeping atomic.Bool // the loop is in (or about to enter) epoll_wait
}

// wakeLoop makes the loop run a turn soon; safe from any goroutine.
func (s *Server) wakeLoop() {
	if s.loop.sleeping.Load() {
		s.loop.p.wake()
	}
}

// protectedFrom reports whether protected mode refuses a TCP client from
// peer: protected-mode is on, the default user has no password, and the
// client is not on loopback (as Redis's clientAcceptHandler decides).
func (s *Server) protectedFrom(peer unix.Sockaddr) bool {
	if !s.cfg.Bool("protected-mode") || s.cfg.String("requirepass") != "" {
		return false
	}
	return !s.localPeer(peer)
}

func isLoopback(sa unix.Sockaddr) bool {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.IP(a.Addr[:]).IsLoopback()
	case *unix.SockaddrInet6:
		return net.IP(a.Addr[:]).IsLoopback()
	}
	return false
}

// refuse answers a just-accepted connection with one error and closes it;
// it counts in rejected_connections, not in total_connections_received.
func (s *Server) refuse(fd int, msg string) {
	s.stats.rejected.Add(1)
	_, _ = writeFD(fd, []byte("-"+msg+"\r\n"))
	closeFD(fd)
}

// acceptFailed handles an accept error. Out of file descriptors, the
// pending connection would keep the listening socket ready and the loop
// spinning: the spare descriptor is given up for a moment to take the
// connection, tell the client, and close it. The warning is logged at most
// once a second.
func (s *Server) acceptFailed(ls *listenSock, err error, now int64) {
	l := s.loop
	if (err == unix.EMFILE || err == unix.ENFILE) && l.spareFD >= 0 {
		closeFD(l.spareFD)
		if fd, _, aerr := acceptFD(ls.fd); aerr == nil {
			s.refuse(fd, command.ErrMaxClients)
		}
		l.spareFD = openSpareFD()
	}
	if now-l.lastAcceptWarn >= 1000 {
		l.lastAcceptWarn = now
		s.log.Warning("Accepting client connection: " + err.Error())
	}
}

// maxAcceptsPerTurn bounds accepts per turn so that a connection storm
// cannot starve clients already connected (Redis's MAX_ACCEPTS_PER_CALL).
const maxAcceptsPerTurn = 1000

// runLoop is the event loop; it returns when the server closes.
func (s *Server) runLoop() {
	defer s.wg.Done()
	l := s.loop
	s.mu.Lock()
	for {
		// Checked under the lock before every sleep, the first one
		// included: Close closes done under the lock and then wakes the
		// loop only if it sleeps, so a loop that had not reached its first
		// sleep yet must see done here rather than sleep for ever.
		select {
		case <-s.done:
			s.shutdownLoop()
			l.inTurn = false
			s.mu.Unlock()
			return
		default:
		}
		timeout := -1
		wakeAt := s.pauseUntil
		if d := s.blk.nextDeadline; d != 0 && (wakeAt == 0 || d < wakeAt) {
			wakeAt = d
		}
		if wakeAt != 0 {
			// epoll_wait takes a C int: a pause of weeks would overflow it,
			// so wake at least hourly and look again.
			timeout = int(min(max(wakeAt-time.Now().UnixMilli(), 1), 3_600_000))
		}
		// Marked while still holding the lock: a goroutine that changes
		// the loop's state after this unlock is sure to see the flag and
		// wake the loop.
		l.sleeping.Store(true)
		l.inTurn = false
		s.mu.Unlock()
		evs, err := l.p.wait(timeout)
		l.sleeping.Store(false)
		if err != nil {
			s.log.Warning("epoll_wait: " + err.Error())
			time.Sleep(10 * time.Millisecond) // not holding the lock
		}
		s.mu.Lock()
		l.inTurn = true
		now := time.Now().UnixMilli()
		for i := range evs {
			s.handleEvent(&evs[i], now)
		}
		if s.pauseUntil != 0 && now >= s.pauseUntil {
			s.Unpause()
		}
		if l.recheckParked {
			l.recheckParked = false
			s.resumeParked(now)
		}
		if len(s.blk.blocked) > 0 {
			s.blk.nextDeadline = s.expireBlocked(time.Now().UnixMilli())
		} else {
			s.blk.nextDeadline = 0
		}
		if len(s.blk.ready) > 0 || len(s.blk.resumeq) > 0 {
			s.serveReady(now)
		}
		s.endTurn()
	}
}

func (s *Server) handleEvent(ev *unix.EpollEvent, now int64) {
	l := s.loop
	fd := int(ev.Fd)
	if fd == l.p.wakeFD {
		l.p.drainWake()
		return
	}
	c := l.conns[fd]
	if c == nil {
		for i := range l.lsocks {
			if l.lsocks[i].fd == fd {
				s.acceptAll(&l.lsocks[i], now)
				return
			}
		}
		return
	}
	if c.closing {
		return
	}
	if c.interest&evWrite != 0 {
		// Waiting for the socket to drain: errors show up on the write.
		if ev.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 && s.flushConn(c) {
			s.process(c, now)
		}
		return
	}
	s.onReadable(c, now)
}

// onReadable reads what the socket has (one read) and runs the complete
// requests it holds.
func (s *Server) onReadable(c *conn, now int64) {
	before := c.rd.Buffered()
	err := c.rd.Fill()
	if err == errAgain {
		return
	}
	if err != nil {
		s.closeConn(c)
		return
	}
	s.stats.netIn.Add(int64(c.rd.Buffered() - before))
	// Any input counts as activity for the idle timeout, as in Redis: a
	// client slowly uploading a big value is not idle.
	c.cl.LastActive = now
	if c.parked != nil || c.cl.Blocked != nil {
		// A held or blocked client keeps being read, so that a
		// disconnect is seen, but within the query buffer limit.
		if int64(c.rd.Buffered()) > s.queryBufLimit.Load() {
			s.logQueryBufferLimit(c)
			s.closeConn(c)
		}
		return
	}
	s.process(c, now)
}

// endTurn writes the replies of the turn and closes what was to close.
func (s *Server) endTurn() {
	l := s.loop
	// Replies first, pub/sub messages after: a client waiting for its
	// reply can send its next request while the messages go out, so the
	// next turn finds more requests at once and subscribers get them in
	// fewer, larger writes.
	for pass := 0; pass < 2; pass++ {
		for _, c := range l.flushq {
			if c == nil || (pass == 0) == c.cl.PubSub() {
				continue
			}
			c.queued = false
			if c.interest&evWrite != 0 {
				// Waiting for the socket to drain: the writable event
				// flushes, then runs the requests still buffered. Flushing
				// here could empty the output with nobody left to run them.
				continue
			}
			s.flushConn(c)
		}
	}
	clear(l.flushq)
	l.flushq = l.flushq[:0]
	for i := 0; i < len(l.closeq); i++ { // closing may queue more
		s.finishClose(l.closeq[i])
		l.closeq[i] = nil
	}
	l.closeq = l.closeq[:0]
}

// finishClose releases a connection scheduled by closeConn.
func (s *Server) finishClose(c *conn) {
	l := s.loop
	if c.cl.Monitor {
		s.st.RemoveMonitor(&c.cl)
	}
	s.unblockConn(c) // a disconnected waiter leaves no trace
	s.st.UnsubscribeAll(&c.cl)
	s.st.ClientGone(&c.cl)
	c.cl.Blocked = nil
	l.p.remove(c.fd)
	closeFD(c.fd)
	delete(l.conns, c.fd)
	s.clientsMu.Lock()
	delete(s.clients, c.cl.ID)
	s.clientsMu.Unlock()
	c.parked = nil
	c.w.Buf = nil
}

// acceptAll takes the pending connections of one listening socket.
func (s *Server) acceptAll(ls *listenSock, now int64) {
	for i := 0; i < maxAcceptsPerTurn; i++ {
		fd, sa, err := acceptFD(ls.fd)
		if err == errAgain {
			return
		}
		if err != nil {
			s.acceptFailed(ls, err, now)
			return
		}
		s.clientsMu.Lock()
		n := int64(len(s.clients))
		s.clientsMu.Unlock()
		if n >= s.maxClients.Load() {
			s.refuse(fd, command.ErrMaxClients)
			continue
		}
		if !ls.isUnix && s.protectedFrom(sa) {
			s.refuse(fd, command.ErrProtectedMode)
			continue
		}
		s.stats.connections.Add(1) // Redis counts only the accepted ones
		if !ls.isUnix {
			tuneTCP(fd, int(s.cfg.Int("tcp-keepalive")))
		}
		c := s.newConn(fd, sa, ls, now)
		if err := s.loop.p.add(fd, evRead); err != nil {
			s.log.Warning("Registering client connection: " + err.Error())
			s.finishClose(c)
			continue
		}
		c.interest = evRead
	}
}

func (s *Server) newConn(fd int, sa unix.Sockaddr, ls *listenSock, now int64) *conn {
	c := &conn{s: s, fd: fd}
	c.rd = resp.NewReader(fdReader{fd})
	c.cl = command.Client{
		ID:         s.nextID.Add(1),
		FD:         fd,
		Unix:       ls.isUnix,
		Created:    now,
		LastActive: now,
		Proto:      2,
		User:       "default",
		// As Redis: a connection starts authenticated while the default
		// user needs no password; CONFIG SET requirepass later does not
		// log out the clients already connected.
		Authed: s.cfg.String("requirepass") == "",
		Events: "r",
	}
	if ls.isUnix {
		c.cl.Addr = ls.path + ":0"
		c.cl.LAddr = ls.path + ":0"
		c.cl.SocketPath = ls.path
	} else {
		c.cl.Addr = formatAddr(sa)
		c.cl.LAddr = localAddr(fd)
	}
	c.w.Proto = 2
	c.cl.Deliver = func(msg []byte) { s.deliver(c, msg) }
	s.loop.conns[fd] = c
	s.clientsMu.Lock()
	s.clients[c.cl.ID] = c
	s.clientsMu.Unlock()
	return c
}

// shutdownLoop closes every connection and listening socket.
func (s *Server) shutdownLoop() {
	l := s.loop
	for _, c := range l.conns {
		s.closeConn(c)
	}
	s.endTurn()
	for _, ls := range l.lsocks {
		closeFD(ls.fd)
	}
	l.lsocks = nil
	s.releaseLoop()
}
