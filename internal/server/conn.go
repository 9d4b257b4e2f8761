package server

import (
	"errors"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// conn is one client connection. The event loop owns it: every field is
// read and written by the loop's goroutine, or by other goroutines while
// they hold the command lock (s.mu) and the loop therefore does not run.
type conn struct {
	s  *Server
	fd int
	rd *resp.Reader
	w  resp.Writer // replies not yet written are w.Buf[written:]
	cl command.Client

	written  int    // bytes at the front of w.Buf already sent
	interest uint32 // epoll events asked for: evRead, or evWrite while output waits
	running  bool   // executing one of its own requests
	// parked is a request CLIENT PAUSE holds back (a private copy: the read
	// buffer may move under it), run when the pause ends. While parked the
	// connection runs nothing else.
	parked  [][]byte
	closing bool // closed at the end of the loop's turn; nothing more runs
	queued  bool // in the loop's flush queue
	// softSince is when the output first went over its class's soft
	// limit (Unix ms), 0 while under it.
	softSince int64
}

// Output beyond this much queued for a monitor disconnects it, as Redis's
// client-output-buffer-limit for replicas/monitors would.
const monitorMaxPending = 256 << 20

// A batch of pipelined requests writes its replies out once they pass this
// size, so that one huge pipeline does not hold all its replies in memory;
// if the socket cannot take them, reading pauses until it can.
const midBatchFlush = 1 << 20

// pending is the number of reply bytes not yet written.
func (c *conn) pending() int { return len(c.w.Buf) - c.written }

// process runs the complete requests buffered for c, in order, until the
// buffer holds no complete request, a request is held by a pause, the
// connection is to close, or its output is blocked. Replies are queued for
// the end of the loop's turn.
func (s *Server) process(c *conn, now int64) {
	if c.parked != nil || c.cl.Blocked != nil || c.closing || c.cl.CloseAfterReply || s.stopping {
		return
	}
	c.rd.MaxBulk = s.protoMaxBulk.Load()
	c.rd.MaxQuery = s.queryBufLimit.Load()
	defer s.queueFlush(c)
	for {
		if c.pending() > midBatchFlush && !s.flushConn(c) {
			return // resumed by the writable event
		}
		args, err := c.rd.Next()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				c.w.Error(pe.Msg)
				s.st.CountError(pe.Msg)
				s.log.Verbose("Protocol error from client: " + pe.Msg)
			} else if errors.Is(err, resp.ErrQueryBufferLimit) {
				s.logQueryBufferLimit(c)
			}
			c.cl.CloseAfterReply = true
			return
		}
		if args == nil {
			return
		}
		// Monitors are exempt from pauses, as Redis's replicas are.
		if s.pauseUntil != 0 && !c.cl.Monitor && s.pauseHolds(c, args) {
			s.park(c, args)
			return
		}
		if !s.execOne(c, args, now) {
			return
		}
	}
}

// execOne runs one request of c and reports whether c may run more.
func (s *Server) execOne(c *conn, args [][]byte, now int64) bool {
	c.refreshBufferFigures()
	c.running = true
	s.exec.Exec(&c.cl, args, &c.w, now)
	c.running = false
	if s.overOutputLimit(c, now) {
		return false
	}
	if c.cl.Blocked != nil {
		s.blockConn(c)
		return false
	}
	if len(s.blk.ready) > 0 || len(s.blk.resumeq) > 0 {
		s.serveReady(now)
	}
	return !c.cl.CloseAfterReply && !c.cl.Killed.Load() && !c.closing && !s.stopping
}

// logQueryBufferLimit logs a client dropped for its query buffer as Redis
// does: the whole client line and the first 64 bytes it sent.
func (s *Server) logQueryBufferLimit(c *conn) {
	c.refreshBufferFigures()
	head := command.AppendRepr(nil, c.rd.QueryBufferHead(64))
	s.log.Warning("Closing client that reached max query buffer length: " + command.ClientInfoLine(&c.cl, time.Now().UnixMilli()) + " (qbuf initial bytes: " + string(head) + ")")
}

// pauseHolds reports whether the current CLIENT PAUSE holds args back.
func (s *Server) pauseHolds(c *conn, args [][]byte) bool {
	return !s.pauseWriteOnly || s.exec.MayWrite(&c.cl, args)
}

// park holds c's request until the pause ends (resumeParked).
func (s *Server) park(c *conn, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	c.parked = cp
	s.loop.parked = append(s.loop.parked, c)
}

// resumeParked runs the requests held by a pause that has ended, in the
// order they were held, then whatever their clients sent meanwhile.
func (s *Server) resumeParked(now int64) {
	if s.stopping {
		return
	}
	waiting := s.loop.parked
	s.loop.parked = nil
	for _, c := range waiting {
		if c.closing || c.parked == nil {
			continue
		}
		args := c.parked
		if s.pauseUntil != 0 && s.pauseHolds(c, args) {
			s.loop.parked = append(s.loop.parked, c) // a new pause began
			continue
		}
		c.parked = nil
		if s.execOne(c, args, now) {
			s.process(c, now)
		} else {
			s.queueFlush(c)
		}
	}
}

func (c *conn) refreshBufferFigures() {
	c.cl.QBuf = int64(c.rd.QueryBufferSize())
	c.cl.QBufFree = int64(c.rd.QueryBufferCap() - c.rd.QueryBufferSize())
	c.cl.OutBuf = int64(c.pending())
	c.cl.OutMem = int64(cap(c.w.Buf))
}

// queueFlush schedules c's replies to be written at the end of the turn.
func (s *Server) queueFlush(c *conn) {
	if c.queued || c.closing {
		return
	}
	c.queued = true
	s.loop.flushq = append(s.loop.flushq, c)
	if !s.loop.inTurn {
		s.wakeLoop()
	}
}

// flushConn writes as much of c's pending output as the socket takes and
// reports whether all of it went. When some is left, c stops reading until
// the socket drains; a write error closes c.
func (s *Server) flushConn(c *conn) bool {
	if c.closing {
		return false
	}
	if c.pending() > 0 {
		n, err := writeFD(c.fd, c.w.Buf[c.written:])
		s.stats.netOut.Add(int64(n))
		c.written += n
		if err != nil {
			s.closeConn(c)
			return false
		}
		if c.pending() > 0 {
			// Drop what was sent: a client that keeps reading a little
			// behind (a subscriber) would otherwise grow the buffer by
			// everything ever written to it, while the output limits only
			// see the unsent part.
			if c.written >= 64<<10 && c.written >= c.pending() {
				c.w.Buf = append(c.w.Buf[:0], c.w.Buf[c.written:]...)
				c.written = 0
			}
			s.setInterest(c, evWrite)
			return false
		}
	}
	c.written = 0
	if cap(c.w.Buf) > 64<<10 {
		c.w.Buf = nil
	} else {
		c.w.Buf = c.w.Buf[:0]
	}
	if c.cl.CloseAfterReply {
		s.closeConn(c)
		return false
	}
	s.setInterest(c, evRead)
	return true
}

func (s *Server) setInterest(c *conn, ev uint32) {
	if c.interest == ev || c.closing {
		return
	}
	if err := s.loop.p.modify(c.fd, ev); err != nil {
		s.closeConn(c)
		return
	}
	c.interest = ev
	if ev&evWrite != 0 {
		c.cl.Events = "w"
	} else {
		c.cl.Events = "r"
	}
}

// closeConn schedules c to be closed at the end of the loop's turn (so
// that its file descriptor number is not reused while events for it may
// still be in hand) and stops everything it had in progress.
func (s *Server) closeConn(c *conn) {
	if c.closing {
		return
	}
	c.closing = true
	s.loop.closeq = append(s.loop.closeq, c)
	if !s.loop.inTurn {
		s.wakeLoop()
	}
}

// deliver appends a published message to c (command.Client.Deliver).
func (s *Server) deliver(c *conn, msg []byte) {
	if c.closing {
		return
	}
	start := len(c.w.Buf)
	c.w.Buf = append(c.w.Buf, msg...)
	if c.running {
		c.cl.Pushed(start, len(c.w.Buf))
	}
	// No clock read here: a PUBLISH to many subscribers would pay one per
	// subscriber; the limit check reads it only when the soft limit is hit.
	if s.overOutputLimit(c, 0) {
		return
	}
	s.queueFlush(c)
}

// overOutputLimit applies client-output-buffer-limit to c's unsent
// output, as Redis does: over the hard limit, or over the soft limit for
// longer than its seconds, the client is closed (and true returned). A
// client with subscriptions is of the pubsub class, others normal. now is
// the time in Unix ms, or 0 to read the clock only if needed.
func (s *Server) overOutputLimit(c *conn, now int64) bool {
	class := config.ClassNormal
	if c.cl.PubSub() {
		class = config.ClassPubsub
	}
	lim := s.obufLimits.Load()[class]
	if lim.Hard == 0 && lim.Soft == 0 {
		return false
	}
	used := uint64(c.pending())
	over := lim.Hard != 0 && used >= lim.Hard
	if lim.Soft != 0 && used >= lim.Soft {
		if now == 0 {
			now = time.Now().UnixMilli()
		}
		if c.softSince == 0 {
			c.softSince = now
		} else if now-c.softSince > lim.SoftSeconds*1000 {
			over = true
		}
	} else {
		c.softSince = 0
	}
	if !over || c.closing {
		return over
	}
	if now == 0 {
		now = time.Now().UnixMilli()
	}
	c.refreshBufferFigures()
	s.log.Warning("Client " + command.ClientInfoLine(&c.cl, now) + " scheduled to be closed ASAP for overcoming of output buffer limits.")
	s.closeConn(c)
	return true
}

// sendMonitor queues one MONITOR line on c.
func (s *Server) sendMonitor(c *conn, line []byte) {
	if c.closing {
		return
	}
	if c.pending()+len(line) > monitorMaxPending {
		s.closeConn(c)
		return
	}
	c.w.Buf = append(c.w.Buf, line...)
	s.queueFlush(c)
}
