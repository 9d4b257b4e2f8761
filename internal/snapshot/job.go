package snapshot

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
)

// Job is one point-in-time snapshot being taken while clients keep
// writing, without fork (design §6). Begin marks every existing key
// unwritten; the walk then writes keys in small steps, and the keyspace's
// pre-write hook writes a key's old value the moment a client is about to
// change or delete a key the walk has not reached. Keys created after
// Begin are not part of the snapshot. The RDB produced equals the dataset
// as it was at Begin.
//
// FLUSHDB and SWAPDB replace a database's table rather than change its
// keys (keyspace.Table), so the walk goes over the tables the databases
// had at Begin, each written under the database number it had then.
//
// Every method must be called with the keyspace's lock held (the server's
// command lock); the bytes produced are handed out with TakeInto, to be sealed
// and written to disk without the lock.
type origin struct {
	t  keyspace.Table
	db int
}

type Job struct {
	ks  *keyspace.Keyspace
	out bytes.Buffer
	w   *rdb.Writer
	val rdb.Value // scratch for the value being written

	tables  []origin               // the non-empty tables at Begin, in database order
	origin  map[keyspace.Table]int // every table at Begin → its database then
	next    int                    // index in tables of the one being walked
	cursor  uint64                 // the walk's cursor in it
	inDB    bool                   // the walk has begun it (cursor 0 means "start" only then)
	selDB   int                    // database of the last SELECTDB written, -1 for none
	done    bool
	discard bool // aborted: the walk only marks keys, writing nothing
	// aborted is discard for the writer goroutine, which reads it without
	// the lock just before renaming its file into place.
	aborted atomic.Bool
	err     error
	written int64 // keys written so far
	total   int64 // keys at Begin
}

// Begin starts a snapshot of ks and installs it as ks's write hook. aux are
// the RDB AUX fields to write after the header, in order, and functions
// the function libraries' code, written next.
func Begin(ks *keyspace.Keyspace, opts rdb.WriterOptions, aux [][2]string, functions [][]byte) *Job {
	j := &Job{ks: ks, selDB: -1}
	j.w = rdb.NewWriter(&j.out, opts)
	j.setErr(j.w.Header())
	for _, kv := range aux {
		j.setErr(j.w.Aux(kv[0], kv[1]))
	}
	for _, code := range functions {
		j.setErr(j.w.Function(code))
	}
	j.origin = make(map[keyspace.Table]int, len(ks.DBs))
	for _, db := range ks.DBs {
		t := db.Table()
		j.origin[t] = db.ID
		if t.Len() > 0 {
			j.tables = append(j.tables, origin{t, db.ID})
		}
		j.total += int64(t.Len())
	}
	ks.BeginSnapshot()
	ks.Hook = j
	return j
}

func (j *Job) setErr(err error) {
	if err != nil && j.err == nil {
		j.err = err
	}
}

// Err is the first error the job met (a value that could not be encoded).
func (j *Job) Err() error { return j.err }

// Progress reports keys written so far and keys the snapshot holds.
func (j *Job) Progress() (written, total int64) { return j.written, j.total }

// BeforeWrite is the keyspace's pre-write hook: e is about to change. An
// unwritten entry is in a table the snapshot began with, maybe since
// swapped to another database: it is written under the database it was in.
func (j *Job) BeforeWrite(db *keyspace.DB, e *keyspace.Entry) {
	if j.ks.MarkWritten(e) {
		id, ok := j.origin[db.Table()]
		if !ok {
			id = db.ID
		}
		j.write(id, e)
	}
}

func (j *Job) write(db int, e *keyspace.Entry) {
	if j.err != nil || j.discard {
		return
	}
	if db != j.selDB {
		j.setErr(j.w.SelectDB(db))
		j.selDB = db
	}
	if err := rdbconv.Fill(&j.val, e); err != nil {
		j.setErr(err)
		return
	}
	j.setErr(j.w.Entry(rdbconv.BytesOf(e.Key), &j.val, e.Expire))
	j.written++
}

// Step walks on until about n keys were looked at, or the walk is over. It
// reports whether the walk is over (then call Finish).
func (j *Job) Step(n int) bool {
	for seen := 0; seen < n && !j.done; {
		if j.next >= len(j.tables) {
			j.done = true
			break
		}
		o := j.tables[j.next]
		if j.discard && !j.attached(o.t) {
			// A dropped table needs no marks: nothing will read them.
			j.next++
			j.inDB = false
			continue
		}
		if !j.inDB {
			j.inDB = true
			j.cursor = 0
			if !j.discard {
				j.setErr(j.w.SelectDB(o.db))
				j.selDB = o.db
				j.setErr(j.w.ResizeDB(uint64(o.t.Len()), uint64(j.ks.DBs[o.db].Expires())))
			}
		} else if j.selDB != o.db && !j.discard {
			// The hook wrote keys of another database meanwhile.
			j.setErr(j.w.SelectDB(o.db))
			j.selDB = o.db
		}
		j.cursor = o.t.Scan(j.cursor, func(e *keyspace.Entry) {
			seen++
			if j.ks.MarkWritten(e) {
				j.write(o.db, e)
			}
		})
		if j.cursor == 0 {
			j.next++
			j.inDB = false
		}
	}
	return j.done
}

// attached reports whether t is a database's table now.
func (j *Job) attached(t keyspace.Table) bool {
	for _, db := range j.ks.DBs {
		if db.Table() == t {
			return true
		}
	}
	return false
}

// Pending is the number of bytes produced and not yet taken.
func (j *Job) Pending() int { return j.out.Len() }

// TakeInto appends the bytes produced since the last TakeInto to dst and
// returns them; they are the caller's, and a caller that reuses dst makes no garbage.
func (j *Job) TakeInto(dst []byte) []byte {
	dst = append(dst, j.out.Bytes()...)
	j.out.Reset()
	return dst
}

// Finish ends a complete walk: the hook is removed and the RDB trailer
// written. Take the last bytes after it with TakeInto.
func (j *Job) Finish() error {
	j.removeHook()
	if j.discard {
		return ErrAborted
	}
	if j.err == nil {
		j.setErr(j.w.End())
	}
	return j.err
}

// ErrAborted is Finish's error for an aborted job: its file must not be
// kept.
var ErrAborted = errors.New("snapshot aborted")

// Abort gives the snapshot up (its file could not be written): the hook is
// removed and nothing more is produced. The caller must still Step until
// the walk is over, which then only marks keys: every key must carry the
// current mark before the next snapshot begins, or that one would skip
// the keys this one never reached.
func (j *Job) Abort() {
	j.removeHook()
	j.discard = true
	j.aborted.Store(true)
	j.out.Reset()
}

// Aborted reports whether Abort was called; safe without the lock.
func (j *Job) Aborted() bool { return j.aborted.Load() }

func (j *Job) removeHook() {
	if j.ks.Hook == j {
		j.ks.Hook = nil
	}
}

// WriteAll writes the whole keyspace as an RDB to dst in one go, with the
// lock held throughout and nothing changing meanwhile, so it needs no hook
// and leaves the snapshot marks alone (a BGSAVE may be running). It serves
// SYNC, whose client wants the data now.
func WriteAll(ks *keyspace.Keyspace, dst io.Writer, opts rdb.WriterOptions, aux [][2]string, functions [][]byte) error {
	w := rdb.NewWriter(dst, opts)
	if err := w.Header(); err != nil {
		return err
	}
	for _, kv := range aux {
		if err := w.Aux(kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, code := range functions {
		if err := w.Function(code); err != nil {
			return err
		}
	}
	for _, db := range ks.DBs {
		if db.Len() == 0 {
			continue
		}
		if err := w.SelectDB(db.ID); err != nil {
			return err
		}
		if err := w.ResizeDB(uint64(db.Len()), uint64(db.Expires())); err != nil {
			return err
		}
		var err error
		for cursor := uint64(0); ; {
			cursor = db.Scan(cursor, func(e *keyspace.Entry) {
				if err != nil {
					return
				}
				var v *rdb.Value
				if v, err = rdbconv.Value(e); err == nil {
					err = w.Entry([]byte(e.Key), v, e.Expire)
				}
			})
			if err != nil {
				return err
			}
			if cursor == 0 {
				break
			}
		}
	}
	return w.End()
}
