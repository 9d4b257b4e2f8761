package server

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// conn is one client connection and the goroutine serving it.
type conn struct {
	s  *Server
	nc net.Conn
	rd *resp.Reader
	w  resp.Writer
	cl command.Client
	// running is true while this connection executes a batch (under s.mu).
	running bool

	// MONITOR: other clients' commands are queued here and written by a
	// separate goroutine so that a slow monitor never blocks the server.
	monMu   sync.Mutex
	monBuf  []byte
	monWake chan struct{}
}

// Output beyond this much queued for a monitor disconnects it, as Redis's
// client-output-buffer-limit for replicas/monitors would.
const monitorMaxPending = 256 << 20

func (s *Server) newConn(nc net.Conn, isUnix bool) *conn {
	c := &conn{s: s, nc: nc}
	c.rd = resp.NewReader(nc)
	now := time.Now().UnixMilli()
	c.cl = command.Client{
		ID:         s.nextID.Add(1),
		Addr:       nc.RemoteAddr().String(),
		LAddr:      nc.LocalAddr().String(),
		FD:         connFD(nc),
		Unix:       isUnix,
		Created:    now,
		LastActive: now,
		Proto:      2,
		User:       "default",
		Authed:     true,
		Events:     "r",
	}
	if isUnix {
		c.cl.Addr = nc.LocalAddr().String() + ":0"
		c.cl.LAddr = nc.LocalAddr().String()
	}
	c.w.Proto = 2
	s.clientsMu.Lock()
	s.clients[c.cl.ID] = c
	s.clientsMu.Unlock()
	return c
}

func connFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	_ = raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

func (c *conn) serve() {
	s := c.s
	defer s.wg.Done()
	defer c.close()
	for {
		if t := s.timeoutSec.Load(); t > 0 && !c.cl.Monitor {
			_ = c.nc.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
		}
		before := c.rd.Buffered()
		err := c.rd.Fill()
		s.stats.netIn.Add(int64(c.rd.Buffered() - before))
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() && s.timeoutSec.Load() > 0 {
				s.log.Verbose("Closing idle client")
			}
			return
		}
		if !c.runBatch() {
			return
		}
		if c.cl.Killed.Load() && !c.cl.CloseAfterReply {
			return
		}
	}
}

// runBatch executes every complete request buffered, under one hold of the
// command lock, then writes all replies at once. It reports whether the
// connection stays open.
func (c *conn) runBatch() bool {
	s := c.s
	keep := true
	c.rd.MaxBulk = s.protoMaxBulk.Load()
	c.rd.MaxQuery = s.queryBufLimit.Load()
	s.mu.Lock()
	c.running = true
	now := time.Now().UnixMilli()
	for {
		args, err := c.rd.Next()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				c.w.Error(pe.Msg)
				s.st.CountError(pe.Msg)
				s.log.Verbose("Protocol error from client: " + pe.Msg)
			} else if errors.Is(err, resp.ErrQueryBufferLimit) {
				s.log.Warning("Closing client that reached max query buffer length: " + c.cl.Addr)
			}
			keep = false
			break
		}
		if args == nil {
			break
		}
		if s.pauseUntil != 0 && !c.waitPause(args) {
			keep = false
			break
		}
		c.refreshBufferFigures()
		s.exec.Exec(&c.cl, args, &c.w, now)
		if c.cl.CloseAfterReply || c.cl.Killed.Load() {
			keep = false
			break
		}
		// Bound memory held by replies to one huge pipeline: flush midway.
		if len(c.w.Buf) > 1<<20 {
			c.running = false
			s.mu.Unlock()
			if !c.flush() {
				return false
			}
			s.mu.Lock()
			c.running = true
			now = time.Now().UnixMilli()
		}
	}
	c.running = false
	s.mu.Unlock()
	if !c.flush() {
		return false
	}
	return keep
}

// waitPause blocks a paused command until the pause ends, releasing the
// command lock while it waits. It reports false if the server stops.
func (c *conn) waitPause(args [][]byte) bool {
	s := c.s
	for s.pauseUntil != 0 {
		if s.pauseWriteOnly && !s.exec.MayWrite(args) {
			return true
		}
		wake := s.unpaused
		wait := time.Until(time.UnixMilli(s.pauseUntil))
		c.running = false
		s.mu.Unlock()
		c.flush()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-wake:
			case <-t.C:
			case <-s.done:
				t.Stop()
				s.mu.Lock()
				return false
			}
			t.Stop()
		}
		s.mu.Lock()
		c.running = true
		if s.pauseUntil != 0 && time.Now().UnixMilli() >= s.pauseUntil {
			s.Unpause()
		}
	}
	return true
}

func (c *conn) refreshBufferFigures() {
	c.cl.QBuf = int64(c.rd.QueryBufferSize())
	c.cl.QBufFree = int64(c.rd.QueryBufferCap() - c.rd.QueryBufferSize())
	c.cl.OutBuf = int64(len(c.w.Buf))
	c.cl.OutMem = int64(cap(c.w.Buf))
}

func (c *conn) flush() bool {
	if len(c.w.Buf) == 0 {
		return true
	}
	n, err := c.nc.Write(c.w.Buf)
	c.s.stats.netOut.Add(int64(n))
	if cap(c.w.Buf) > 64<<10 {
		c.w.Buf = nil
	} else {
		c.w.Buf = c.w.Buf[:0]
	}
	return err == nil
}

func (c *conn) close() {
	s := c.s
	s.mu.Lock()
	if c.cl.Monitor {
		s.st.RemoveMonitor(&c.cl)
	}
	s.mu.Unlock()
	s.clientsMu.Lock()
	delete(s.clients, c.cl.ID)
	s.clientsMu.Unlock()
	c.monMu.Lock()
	if c.monWake != nil {
		close(c.monWake)
		c.monWake = nil
	}
	c.monMu.Unlock()
	c.nc.Close()
}

func (c *conn) startMonitor() {
	c.monMu.Lock()
	c.monWake = make(chan struct{}, 1)
	wake := c.monWake
	c.monMu.Unlock()
	go func() {
		for range wake {
			c.monMu.Lock()
			buf := c.monBuf
			c.monBuf = nil
			c.monMu.Unlock()
			if len(buf) > 0 {
				if _, err := c.nc.Write(buf); err != nil {
					c.nc.Close()
					return
				}
				c.s.stats.netOut.Add(int64(len(buf)))
			}
		}
	}()
}

func (c *conn) sendMonitor(line []byte) {
	c.monMu.Lock()
	defer c.monMu.Unlock()
	if c.monWake == nil {
		return
	}
	if len(c.monBuf)+len(line) > monitorMaxPending {
		c.nc.Close()
		return
	}
	c.monBuf = append(c.monBuf, line...)
	select {
	case c.monWake <- struct{}{}:
	default:
	}
}
