package server

import (
	"bytes"
	"errors"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/resp"
	"golang.org/x/sys/unix"
)

// ServeBusy answers, without running them, the requests other clients
// sent while a script or function runs past busy-reply-threshold: SCRIPT
// KILL and FUNCTION KILL get run.Kill's verdict, everything else Redis's
// BUSY error. It is called from
// inside the script, on the loop's goroutine with the command lock held,
// so it touches connections exactly as a turn of the loop would; the
// script's own connection and connections that are not being read
// (blocked, paused, waiting to write) are left for after the script.
func (s *Server) ServeBusy(self *command.Client, run command.BusyRun) {
	l := s.loop
	if l.busyEvents == nil {
		l.busyEvents = make([]unix.EpollEvent, 64)
	}
	now := time.Now().UnixMilli()
	for _, ev := range l.p.poll(l.busyEvents) {
		fd := int(ev.Fd)
		if fd == l.p.wakeFD {
			l.p.drainWake()
			continue
		}
		c := l.conns[fd]
		if c == nil {
			for i := range l.lsocks {
				if l.lsocks[i].fd == fd {
					s.acceptAll(&l.lsocks[i], now)
				}
			}
			continue
		}
		if &c.cl == self || c.closing || c.parked != nil || c.cl.Blocked != nil || c.interest&evWrite != 0 {
			continue
		}
		if err := c.rd.Fill(); err != nil {
			if err != errAgain {
				s.closeConn(c)
			}
			continue
		}
		s.answerBusy(c, run)
		s.flushConn(c)
	}
}

// answerBusy replies to every complete request buffered for c.
func (s *Server) answerBusy(c *conn, run command.BusyRun) {
	// The same request limits as process applies.
	c.rd.MaxBulk = s.protoMaxBulk.Load()
	c.rd.MaxQuery = s.queryBufLimit.Load()
	for {
		args, err := c.rd.Next()
		if err != nil {
			// As in process: the error, then the connection closes once
			// flushConn has written it.
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				c.w.Error(pe.Msg)
			} else if errors.Is(err, resp.ErrQueryBufferLimit) {
				s.logQueryBufferLimit(c)
			}
			c.cl.CloseAfterReply = true
			return
		}
		if args == nil {
			return
		}
		if len(args) == 2 && bytes.EqualFold(args[1], []byte("kill")) {
			fn := bytes.EqualFold(args[0], []byte("function"))
			if fn || bytes.EqualFold(args[0], []byte("script")) {
				if msg := run.Kill(false, fn); msg != "" {
					c.w.Error(msg)
				} else {
					c.w.OK()
				}
				continue
			}
		}
		if len(args) == 2 && bytes.EqualFold(args[0], []byte("shutdown")) && bytes.EqualFold(args[1], []byte("nosave")) {
			// Nothing is saved, so the script's partial writes are lost
			// with the rest: it may be stopped whatever it wrote.
			if msg := s.Shutdown(command.ShutdownOpts{NoSave: true}); msg != "" {
				c.w.Error(msg)
				continue
			}
			run.Kill(true, false)
			return
		}
		c.w.Error(run.BusyError())
	}
}
