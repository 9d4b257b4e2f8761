package server

import (
	"errors"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/resp"
	"golang.org/x/sys/unix"
)

// ServeBusy runs the requests other clients sent while a script or
// function runs past busy-reply-threshold: the executor answers all but
// the allow-busy commands (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE,
// AUTH, MULTI ...) with BUSY. It is called from inside the script, on the
// loop's goroutine with the command lock held, so it touches connections
// exactly as a turn of the loop would; the script's own connection and
// connections that are not being read (blocked, paused, waiting to write)
// are left for after the script.
func (s *Server) ServeBusy(self *command.Client) {
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
		s.answerBusy(c, now)
		s.flushConn(c)
	}
}

// answerBusy runs every complete request buffered for c. Unlike process it
// serves no blocked client afterwards: keys the script made ready wait for
// the script to end, as everything else does.
func (s *Server) answerBusy(c *conn, now int64) {
	// The same request limits as process applies.
	c.rd.MaxBulk = s.protoMaxBulk.Load()
	c.rd.MaxQuery = s.queryBufLimit.Load()
	for !c.cl.CloseAfterReply && !c.cl.Killed.Load() && !s.stopping {
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
		c.refreshBufferFigures()
		c.running = true
		s.exec.Exec(&c.cl, args, &c.w, now)
		c.running = false
		if s.overOutputLimit(c, now) {
			return
		}
	}
}
