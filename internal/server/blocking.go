package server

import (
	"time"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// Clients blocked in BLPOP and friends. The command layer describes a wait
// in Client.Blocked; the server queues the connection on each of its keys
// (first come, first served), stops running its further requests, and:
//   - when a write touches a key someone waits on, the key is marked ready
//     and, after the command that wrote it, its waiting clients are served
//     in order while the key can serve them;
//   - when a deadline passes, the client gets its timeout reply;
//   - CLIENT UNBLOCK and disconnects end waits too.

// blockKey is a key in one database.
type blockKey struct {
	db  *keyspace.DB
	key string
}

// blocking is the server's state for blocked clients; guarded by s.mu.
type blocking struct {
	waiters map[blockKey][]*conn // FIFO per key
	ready   []blockKey
	isReady map[blockKey]bool
	blocked map[*conn]bool
	serving bool
	resumeq []*conn // served clients whose further requests are to run
	// nextDeadline is the nearest wait deadline (Unix ms, 0 for none),
	// which bounds the loop's sleep.
	nextDeadline int64
}

func (b *blocking) init() {
	b.waiters = make(map[blockKey][]*conn)
	b.isReady = make(map[blockKey]bool)
	b.blocked = make(map[*conn]bool)
}

// keyTouched is the keyspace's OnModify hook: clients watching the key
// will fail their EXEC, and a key with waiters becomes ready.
func (s *Server) keyTouched(db *keyspace.DB, key string) {
	if s.st.Watching() {
		s.st.KeyTouched(db, key)
	}
	if len(s.blk.waiters) > 0 {
		s.blk.markReady(blockKey{db, key})
	}
}

// tableReplaced is the keyspace's OnReplace hook (FLUSHDB, SWAPDB, a
// reload): only the keys someone watches or waits on are looked at, so
// the cost does not grow with the database.
func (s *Server) tableReplaced(db *keyspace.DB, old keyspace.Table) {
	if old.Len() > 0 {
		s.st.TableDropped()
	}
	if s.st.Watching() {
		s.st.TableReplaced(db, old)
	}
	for k := range s.blk.waiters {
		if k.db == db && db.Has(k.key) {
			s.blk.markReady(k)
		}
	}
}

// markReady queues k's waiters to be served, if it has any.
func (b *blocking) markReady(k blockKey) {
	if len(b.waiters[k]) == 0 || b.isReady[k] {
		return
	}
	b.isReady[k] = true
	b.ready = append(b.ready, k)
}

// blockConn queues c, whose command just asked to wait.
func (s *Server) blockConn(c *conn) {
	b := &s.blk
	db := s.ks.DBs[c.cl.DBIndex]
	for _, k := range c.cl.Blocked.Keys {
		bk := blockKey{db, string(k)}
		q := b.waiters[bk]
		dup := false
		for _, w := range q {
			if w == c {
				dup = true
			}
		}
		if !dup {
			b.waiters[bk] = append(q, c)
		}
	}
	b.blocked[c] = true
	if !s.loop.inTurn {
		s.wakeLoop() // the loop's sleep must end by the deadline
	}
}

// unblockConn removes c from every queue (its wait is over).
func (s *Server) unblockConn(c *conn) {
	b := &s.blk
	if !b.blocked[c] {
		return
	}
	delete(b.blocked, c)
	db := s.ks.DBs[c.cl.DBIndex]
	if c.cl.Blocked != nil {
		for _, k := range c.cl.Blocked.Keys {
			bk := blockKey{db, string(k)}
			q := b.waiters[bk]
			for i, w := range q {
				if w == c {
					q = append(q[:i], q[i+1:]...)
					break
				}
			}
			if len(q) == 0 {
				delete(b.waiters, bk)
			} else {
				b.waiters[bk] = q
			}
		}
	}
}

// serveReady serves the clients waiting on keys that became ready, until
// no key is ready (serving one may make others ready: BLMOVE), then runs
// what the served clients sent meanwhile.
func (s *Server) serveReady(now int64) {
	b := &s.blk
	if b.serving {
		return
	}
	b.serving = true
	for len(b.ready) > 0 {
		ready := b.ready
		b.ready = nil
		for _, k := range ready {
			delete(b.isReady, k)
			for _, c := range append([]*conn(nil), b.waiters[k]...) {
				if c.closing || c.cl.Blocked == nil {
					continue
				}
				blocked := c.cl.Blocked
				if !s.exec.ServeBlocked(&c.cl, []byte(k.key), &c.w, now) {
					continue
				}
				c.cl.Blocked = blocked // for unblockConn's key list
				s.unblockConn(c)
				c.cl.Blocked = nil
				s.queueFlush(c)
				b.resumeq = append(b.resumeq, c)
			}
		}
	}
	b.serving = false
	s.resumeServed(now)
}

// resumeServed runs the requests served clients sent while they waited.
func (s *Server) resumeServed(now int64) {
	b := &s.blk
	for len(b.resumeq) > 0 {
		c := b.resumeq[0]
		b.resumeq = b.resumeq[1:]
		if !c.closing && c.cl.Blocked == nil {
			s.process(c, now)
		}
	}
	b.resumeq = nil
}

// expireBlocked gives the timeout reply to the clients whose deadline has
// passed, and returns the nearest deadline still ahead (0 if none).
func (s *Server) expireBlocked(now int64) int64 {
	b := &s.blk
	next := int64(0)
	var expired []*conn
	for c := range b.blocked {
		d := c.cl.Blocked.Deadline
		switch {
		case d == 0:
		case d <= now:
			expired = append(expired, c)
		case next == 0 || d < next:
			next = d
		}
	}
	for _, c := range expired {
		s.endWait(c, false, now)
	}
	return next
}

// endWait ends c's wait without serving it: timeout reply, or UNBLOCKED.
func (s *Server) endWait(c *conn, withError bool, now int64) {
	s.unblockConn(c)
	s.exec.TimeoutBlocked(&c.cl, &c.w, withError)
	s.queueFlush(c)
	// Its further requests run after the current command (CLIENT UNBLOCK)
	// or at the end of the loop's turn (timeouts).
	s.blk.resumeq = append(s.blk.resumeq, c)
}

// Unblock implements CLIENT UNBLOCK; called with the command lock held.
func (s *Server) Unblock(id int64, withError bool) bool {
	s.clientsMu.Lock()
	c := s.clients[id]
	s.clientsMu.Unlock()
	if c == nil || c.cl.Blocked == nil || !s.blk.blocked[c] {
		return false
	}
	s.endWait(c, withError, time.Now().UnixMilli())
	return true
}
