package command

import (
	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// Transactions: MULTI queues commands, EXEC runs them back to back (the
// server's command lock makes that atomic: no other client's command runs
// in between), WATCH makes EXEC conditional on keys staying unchanged.
//
// Queuing happens in the Executor, after the checks that reject a command
// outright (unknown, arity, NOAUTH, ...); such a rejection marks the
// transaction so that EXEC answers EXECABORT, as Redis does.

func init() {
	tx := []string{"transaction"}
	register(
		&Command{Name: "multi", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Handler: multiCmd, Categories: append([]string{"fast"}, tx...)},
		&Command{Name: "exec", Arity: 1, Flags: NoScript | Loading | Stale | SkipSlowlog, Handler: execCmd, Categories: append([]string{"slow"}, tx...)},
		&Command{Name: "discard", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Handler: discardCmd, Categories: append([]string{"fast"}, tx...)},
		&Command{Name: "watch", Arity: -2, Flags: NoScript | Loading | Stale | Fast | AllowBusy, FirstKey: 1, LastKey: -1, Handler: watchCmd, Categories: append([]string{"fast"}, tx...)},
		&Command{Name: "unwatch", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Handler: unwatchCmd, Categories: append([]string{"fast"}, tx...)},
	)
}

// Tx is a client's open transaction: the commands queued since MULTI.
type Tx struct {
	queue []queued
	// flags is the union of the queued commands' flags (CLIENT PAUSE WRITE
	// holds an EXEC that would write).
	flags Flags
	// aborted is set when a command was rejected while queuing: EXEC then
	// answers EXECABORT and runs nothing.
	aborted bool
	// mem is the bytes the queued arguments hold (CLIENT LIST multi-mem).
	mem int64
}

type queued struct {
	cmd  *Command
	args [][]byte
}

// Len is the number of queued commands (CLIENT LIST multi=).
func (t *Tx) Len() int { return len(t.queue) }

// Mem is the memory the queued commands hold (CLIENT LIST multi-mem=).
func (t *Tx) Mem() int64 { return t.mem }

// queue copies args, which alias the connection's read buffer, into one
// allocation and appends the command.
func (t *Tx) add(cmd *Command, args [][]byte) {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	cp := make([][]byte, len(args))
	for i, a := range args {
		start := len(buf)
		buf = append(buf, a...)
		cp[i] = buf[start:len(buf):len(buf)]
	}
	t.queue = append(t.queue, queued{cmd: cmd, args: cp})
	t.flags |= cmd.Flags
	// The slice headers count too, as Redis counts its argv arrays.
	t.mem += int64(n) + int64(len(args))*24 + 32
}

// queuesIn reports whether cmd is queued when sent inside MULTI: all but
// the commands that steer the transaction or the connection itself.
func queuesIn(cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	return true
}

// watchKey names a key in one database.
type watchKey struct {
	db  *keyspace.DB
	key string
}

// watch is one client's WATCH of one key.
type watch struct {
	cl *Client
	k  watchKey
	// expired records that the key existed but had expired when WATCH ran:
	// its deletion by expiry then is no change (Redis 7.0's rule).
	expired bool
}

// watchers is the WATCH registry: who watches each key. Guarded by the
// command lock.
type watchers map[watchKey][]*watch

func multiCmd(c *Ctx) {
	if c.Client.Multi != nil {
		c.Error(ErrMultiNested)
		return
	}
	c.Client.Multi = &Tx{}
	c.W.OK()
}

func discardCmd(c *Ctx) {
	if c.Client.Multi == nil {
		c.Error(ErrDiscardNoMulti)
		return
	}
	c.St.DiscardTx(c.Client)
	c.W.OK()
}

func watchCmd(c *Ctx) {
	if c.Client.Multi != nil {
		c.Error(ErrWatchInMulti)
		return
	}
	// A client whose watched keys already changed keeps failing: there is
	// nothing more to watch.
	if !c.Client.DirtyCAS {
		for _, k := range c.Args[1:] {
			c.St.watch(c.Client, c.DB, k, c.Now)
		}
	}
	c.W.OK()
}

func unwatchCmd(c *Ctx) {
	c.St.Unwatch(c.Client)
	c.W.OK()
}

func execCmd(c *Ctx) {
	cl := c.Client
	tx := cl.Multi
	if tx == nil {
		c.Error(ErrExecNoMulti)
		return
	}
	if !cl.DirtyCAS && c.St.watchedKeyExpired(cl, c.Now) {
		cl.DirtyCAS = true
	}
	if tx.aborted {
		c.St.DiscardTx(cl)
		c.Error(ErrExecAbort)
		return
	}
	if cl.DirtyCAS {
		c.St.DiscardTx(cl)
		c.W.NullArray()
		return
	}
	// The watches have done their job; dropping them first spares the
	// commands below from dirtying this client.
	c.St.Unwatch(cl)
	cl.Multi = nil
	cl.InExec = true
	c.W.Array(len(tx.queue))
	for _, q := range tx.queue {
		c.x.Exec(cl, q.args, c.W, c.Now)
	}
	cl.InExec = false
}

// DiscardTx ends cl's transaction without running it and drops its
// watches (DISCARD, a failed EXEC, RESET).
func (s *State) DiscardTx(cl *Client) {
	cl.Multi = nil
	s.Unwatch(cl)
}

// watch registers cl's WATCH of key in db.
func (s *State) watch(cl *Client, db *keyspace.DB, key []byte, now int64) {
	for _, w := range cl.watching {
		if w.k.db == db && w.k.key == string(key) {
			return
		}
	}
	if s.watched == nil {
		s.watched = make(watchers)
	}
	w := &watch{cl: cl, k: watchKey{db, string(key)}, expired: db.IsExpired(key, now)}
	cl.watching = append(cl.watching, w)
	s.watched[w.k] = append(s.watched[w.k], w)
}

// Unwatch drops all of cl's watches and clears its dirty mark (UNWATCH,
// EXEC, DISCARD, RESET, disconnect).
func (s *State) Unwatch(cl *Client) {
	for _, w := range cl.watching {
		ws := s.watched[w.k]
		for i, o := range ws {
			if o == w {
				ws = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(s.watched, w.k)
		} else {
			s.watched[w.k] = ws
		}
	}
	cl.watching = nil
	cl.DirtyCAS = false
}

// Watching reports whether any client watches any key, so that the
// keyspace's change hook can return at once in the common case.
func (s *State) Watching() bool { return len(s.watched) > 0 }

// KeyTouched marks the clients watching key in db: their EXEC will fail.
// The server calls it for every change the keyspace reports.
func (s *State) KeyTouched(db *keyspace.DB, key string) {
	ws := s.watched[watchKey{db, key}]
	if len(ws) == 0 {
		return
	}
	var dirty []*Client
	for _, w := range ws {
		if w.expired {
			if !db.Has(key) {
				// The key that had already expired was deleted: no change.
				w.expired = false
				continue
			}
		}
		dirty = append(dirty, w.cl)
	}
	for _, cl := range dirty {
		s.Unwatch(cl)
		cl.DirtyCAS = true
	}
}

// TableReplaced is KeyTouched for a database whose whole table was
// replaced (FLUSHDB, SWAPDB, a reload): a watched key of db counts as
// touched if it was in old or is in db now. It looks only at watched keys.
func (s *State) TableReplaced(db *keyspace.DB, old keyspace.Table) {
	var touched []string
	for k := range s.watched {
		if k.db == db && (old.Has(k.key) || db.Has(k.key)) {
			touched = append(touched, k.key)
		}
	}
	for _, key := range touched {
		s.KeyTouched(db, key)
	}
}

// watchedKeyExpired reports whether a key cl watches, live when watched,
// has expired since (EXEC fails then even if nothing deleted it yet).
func (s *State) watchedKeyExpired(cl *Client, now int64) bool {
	for _, w := range cl.watching {
		if !w.expired && w.k.db.IsExpired([]byte(w.k.key), now) {
			return true
		}
	}
	return false
}

// ClientGone forgets a disconnected client's transaction and watches.
func (s *State) ClientGone(cl *Client) { s.DiscardTx(cl) }
