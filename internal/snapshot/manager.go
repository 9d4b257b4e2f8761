package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/enclavekv/enclavekv/internal/atomicfile"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
	"github.com/enclavekv/enclavekv/internal/seal"
)

// KeyFileName is the instance key file's name in dir.
const KeyFileName = "enclavekv.key"

// Platform is what persistence needs from the enclave: its identity for
// the sealed files' headers, and sealing keys for the key file.
type Platform interface {
	Identity() enclave.Identity
	NewSealKey(policy enclave.SealPolicy) (key, info []byte, err error)
	SealKey(info []byte) ([]byte, error)
}

// Logger receives the log lines Redis prints around saving and loading.
type Logger interface {
	Notice(msg string)
	Warning(msg string)
}

// Options wire a Manager.
type Options struct {
	KS       *keyspace.Keyspace
	Lock     sync.Locker // the server's command lock, which guards KS
	Config   *config.Config
	Platform Platform
	Policy   enclave.SealPolicy
	Log      Logger
	// RedisVersion is written as the RDB's redis-ver AUX field.
	RedisVersion string
	// Functions, when set, holds the FUNCTION LOAD libraries: saved with
	// the data, replaced by a loaded snapshot's. Without it a snapshot
	// holding libraries does not load (they would be lost).
	Functions FunctionStore
}

// FunctionStore is where function libraries live (the script engine).
type FunctionStore interface {
	// LibraryCodes returns every library's code, as FUNCTION LOAD took it.
	LibraryCodes() [][]byte
	// ReplaceLibraries replaces every library by these; if one does not
	// load, it fails and changes nothing.
	ReplaceLibraries(codes [][]byte) error
}

// functions returns the libraries to save.
func (m *Manager) functions() [][]byte {
	if m.o.Functions == nil {
		return nil
	}
	return m.o.Functions.LibraryCodes()
}

// Errors with Redis's reply texts are the command layer's; these are what
// it maps.
var (
	ErrInProgress = errors.New("a background save is already in progress")
	// ErrKeyMissing: a sealed snapshot exists but no key file to open it.
	ErrKeyMissing = errors.New("key file missing")
)

// Manager runs persistence: the instance key, SAVE, the forkless BGSAVE,
// save points, loading at start, and the status INFO persistence shows.
// Methods are called with the command lock held unless they say
// otherwise.
type Manager struct {
	o      Options
	master *seal.MasterKey
	// keyFile is the key file's bytes, written again to a new dir.
	keyFile []byte

	job         *Job // the running BGSAVE, or nil
	jobStart    time.Time
	dirtyAtJob  int64
	scheduled   bool // BGSAVE SCHEDULE waiting for the running one
	lastSave    int64
	lastOK      bool
	lastTry     int64 // Unix s of the last BGSAVE attempt
	lastBgTime  int64 // seconds, -1 when none
	saves       int64
	generation  uint64
	loadedKeys  int64
	expiredKeys int64
	// done is closed when the running BGSAVE has finished (tests, shutdown).
	done chan struct{}
	// fileMu orders the renames of snapshot files: a background writer
	// that was aborted meanwhile must not rename its older file over a
	// newer one.
	fileMu sync.Mutex
}

// New returns a Manager; nothing touches the disk until LoadAtStart or a
// save.
func New(o Options) *Manager {
	return &Manager{o: o, lastOK: true, lastBgTime: -1, lastSave: time.Now().Unix()}
}

func (m *Manager) dir() string { return m.o.Config.String("dir") }

// Path is the snapshot file's path: dir/dbfilename.
func (m *Manager) Path() string {
	return filepath.Join(m.dir(), m.o.Config.String("dbfilename"))
}

// ensureKey opens or creates the instance key and makes sure dir holds its
// key file.
func (m *Manager) ensureKey(create bool) error {
	path := filepath.Join(m.dir(), KeyFileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		ki, perr := seal.ParseKeyFileInfo(b)
		if perr != nil {
			return fmt.Errorf("key file %s: %w", path, perr)
		}
		if m.master != nil {
			if ki.Instance != m.master.Instance {
				return fmt.Errorf("key file %s belongs to another instance", path)
			}
			return nil
		}
		// The key must be bound the way the manifest says: a key file made
		// under the signer policy (which other builds of the signer can
		// open) is not good enough for a build that asks for its own
		// measurement, and the reverse.
		if ki.Policy != uint8(m.o.Policy) {
			return fmt.Errorf("key file %s was sealed under the %s policy, but the manifest asks for %s: refusing it",
				path, enclave.SealPolicy(ki.Policy), m.o.Policy)
		}
		mk, oerr := seal.OpenKeyFile(b, m.o.Platform.SealKey)
		if oerr != nil {
			return fmt.Errorf("key file %s: %w", path, oerr)
		}
		m.master, m.keyFile = mk, b
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return err
	case m.master == nil && !create:
		return ErrKeyMissing
	}
	if m.master == nil {
		mk, err := seal.NewMasterKey(uint8(m.o.Policy))
		if err != nil {
			return err
		}
		key, info, err := m.o.Platform.NewSealKey(m.o.Policy)
		if err != nil {
			return fmt.Errorf("sealing key: %w", err)
		}
		kf, err := mk.MarshalKeyFile(key, info)
		clear(key)
		if err != nil {
			return err
		}
		m.master, m.keyFile = mk, kf
		m.o.Log.Notice("Created the instance key file " + path + " (instance " + fmt.Sprintf("%x", mk.Instance) + ")")
	}
	return atomicfile.Write(path, "temp-key-", 0o600, func(w io.Writer) error {
		_, err := w.Write(m.keyFile)
		return err
	})
}

func (m *Manager) header() seal.Header {
	id := m.o.Platform.Identity()
	m.generation++
	return seal.Header{Type: seal.Snapshot, Generation: m.generation, Sealer: seal.Identity{
		Measurement: id.Measurement[:], Signer: id.Signer[:], ProductID: id.ProductID, SVN: id.SVN,
	}}
}

func (m *Manager) aux(now time.Time) [][2]string {
	return [][2]string{
		{"redis-ver", m.o.RedisVersion},
		{"redis-bits", strconv.Itoa(strconv.IntSize)},
		{"ctime", strconv.FormatInt(now.Unix(), 10)},
		{"used-mem", strconv.FormatUint(usedMem(), 10)},
		{"aof-base", "0"},
	}
}

func usedMem() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func (m *Manager) writerOptions() rdb.WriterOptions {
	return rdb.WriterOptions{Compress: m.o.Config.Bool("rdbcompression"), Checksum: m.o.Config.Bool("rdbchecksum")}
}

// stepKeys is how many keys a walk step looks at with the lock held.
const stepKeys = 512

// Save writes a snapshot now, with the lock held throughout (SAVE, and
// saving at shutdown). A running BGSAVE makes it fail, as in Redis.
func (m *Manager) Save() error {
	if m.job != nil {
		return ErrInProgress
	}
	start := time.Now()
	if err := m.saveLocked(); err != nil {
		m.o.Log.Warning("Failed saving the DB: " + logSafe(err))
		m.lastOK = false
		return err
	}
	m.o.Log.Notice("DB saved on disk")
	m.o.KS.Stats.Dirty = 0
	m.lastSave = time.Now().Unix()
	m.lastOK = true
	m.saves++
	_ = start
	return nil
}

func (m *Manager) saveLocked() error {
	if err := m.ensureKey(true); err != nil {
		return err
	}
	h := m.header()
	job := Begin(m.o.KS, m.writerOptions(), m.aux(time.Now()), m.functions())
	err := atomicfile.WriteGuarded(m.Path(), "temp-", 0o600, func(w io.Writer) error {
		sw, err := seal.NewWriter(w, m.master, h)
		if err != nil {
			return err
		}
		var data []byte
		for done := false; !done; {
			done = job.Step(stepKeys * 8)
			if done {
				if err := job.Finish(); err != nil {
					return err
				}
			}
			data = job.TakeInto(data[:0])
			if _, err := sw.Write(data); err != nil {
				return err
			}
		}
		return sw.Close()
	}, &m.fileMu, nil)
	if err != nil {
		job.Abort()
		for !job.Step(1 << 30) {
		}
	}
	return err
}

// BGSave starts a background save (BGSAVE), or with schedule leaves it to
// the next Cron (BGSAVE inside EXEC). It reports whether it scheduled it.
func (m *Manager) BGSave(schedule bool) (scheduled bool, err error) {
	if schedule {
		m.scheduled = true
		return true, nil
	}
	if m.job != nil {
		return false, ErrInProgress
	}
	return false, m.startBG()
}

func (m *Manager) startBG() error {
	now := time.Now()
	m.lastTry = now.Unix()
	if err := m.ensureKey(true); err != nil {
		m.lastOK = false
		m.o.Log.Warning("Can't save in background: " + err.Error())
		return err
	}
	m.job = Begin(m.o.KS, m.writerOptions(), m.aux(now), m.functions())
	m.jobStart = now
	m.dirtyAtJob = m.o.KS.Stats.Dirty
	m.done = make(chan struct{})
	m.o.Log.Notice("Background saving started")
	go m.runBG(m.job, m.Path(), m.master, m.header(), m.done)
	return nil
}

// runBG writes the running job's bytes, sealed, to a temp file and
// renames it into place. It holds the lock only for walk steps.
func (m *Manager) runBG(job *Job, path string, master *seal.MasterKey, h seal.Header, done chan struct{}) {
	defer close(done)
	lock := m.o.Lock
	err := atomicfile.WriteGuarded(path, "temp-", 0o600, func(w io.Writer) error {
		sw, err := seal.NewWriter(w, master, h)
		if err != nil {
			return err
		}
		var data []byte // reused: a save makes no garbage per step
		for finished := false; !finished; {
			lock.Lock()
			finished = job.Step(stepKeys)
			var ferr error
			if finished {
				ferr = job.Finish()
			}
			data = job.TakeInto(data[:0])
			lock.Unlock()
			if ferr != nil {
				return ferr
			}
			if _, err := sw.Write(data); err != nil {
				return err
			}
			// Let waiting clients have the lock between steps.
			runtime.Gosched()
		}
		return sw.Close()
	}, &m.fileMu, func() bool { return !job.Aborted() })
	lock.Lock()
	defer lock.Unlock()
	if err != nil && !job.Aborted() {
		// Every key must carry the current mark before the next snapshot.
		job.Abort()
		for !job.Step(1 << 30) {
		}
	}
	if m.job != job {
		return // aborted and detached: the manager has moved on
	}
	m.bgDone(err)
}

func (m *Manager) bgDone(err error) {
	m.job = nil
	m.lastBgTime = int64(time.Since(m.jobStart).Seconds())
	switch {
	case errors.Is(err, ErrAborted):
		m.o.Log.Notice("Background saving aborted")
		return
	case err != nil:
		m.lastOK = false
		m.o.Log.Warning("Background saving error: " + logSafe(err))
	default:
		m.o.Log.Notice("DB saved on disk")
		m.o.Log.Notice("Background saving terminated with success")
		m.lastOK = true
		m.lastSave = time.Now().Unix()
		m.o.KS.Stats.Dirty = max(0, m.o.KS.Stats.Dirty-m.dirtyAtJob)
		m.saves++
	}
	if m.scheduled {
		m.scheduled = false
		_ = m.startBG()
	}
}

// Wait blocks until the running BGSAVE, if any, has finished. Call it
// without the lock.
func (m *Manager) Wait() {
	m.o.Lock.Lock()
	done := m.done
	running := m.job != nil
	m.o.Lock.Unlock()
	if running && done != nil {
		<-done
	}
}

// Dump returns the whole dataset as a plaintext RDB (SYNC, for
// redis-cli --rdb). The caller decides who may have it.
func (m *Manager) Dump() ([]byte, error) {
	var b bytes.Buffer
	err := WriteAll(m.o.KS, &b, m.writerOptions(), m.aux(time.Now()), m.functions())
	return b.Bytes(), err
}

// Running reports whether a BGSAVE is in progress.
func (m *Manager) Running() bool { return m.job != nil }

// Cron starts a BGSAVE when a save point is reached (Redis's serverCron
// rule: enough changes, enough time since the last save, and after a
// failure at least 5 seconds since the last attempt).
func (m *Manager) Cron(now time.Time) {
	if m.job != nil {
		return
	}
	if m.scheduled {
		m.scheduled = false
		_ = m.startBG()
		return
	}
	unix := now.Unix()
	dirty := m.o.KS.Stats.Dirty
	for _, sp := range m.o.Config.SavePoints() {
		if dirty >= int64(sp.Changes) && unix-m.lastSave > int64(sp.Seconds) && (m.lastOK || unix-m.lastTry > 5) {
			m.o.Log.Notice(fmt.Sprintf("%d changes in %d seconds. Saving...", sp.Changes, sp.Seconds))
			_ = m.startBG()
			return
		}
	}
}

// WritesRefused reports whether writes must be refused with MISCONF: the
// last background save failed, save points exist, and
// stop-writes-on-bgsave-error is on.
func (m *Manager) WritesRefused() bool {
	return !m.lastOK && m.o.Config.Bool("stop-writes-on-bgsave-error") && len(m.o.Config.SavePoints()) > 0
}

// LastSave is the Unix time of the last successful save (LASTSAVE).
func (m *Manager) LastSave() int64 { return m.lastSave }

// Status is what INFO persistence reports.
type Status struct {
	Running        bool
	LastSave       int64
	LastOK         bool
	LastBgTimeSec  int64
	CurrentTimeSec int64
	Saves          int64
	KeysWritten    int64
	KeysTotal      int64
	LoadedKeys     int64
	ExpiredKeys    int64
}

func (m *Manager) Status() Status {
	st := Status{Running: m.job != nil, LastSave: m.lastSave, LastOK: m.lastOK, LastBgTimeSec: m.lastBgTime,
		CurrentTimeSec: -1, Saves: m.saves, LoadedKeys: m.loadedKeys, ExpiredKeys: m.expiredKeys}
	if m.job != nil {
		st.CurrentTimeSec = int64(time.Since(m.jobStart).Seconds())
		st.KeysWritten, st.KeysTotal = m.job.Progress()
	}
	return st
}

// AbortBG gives up a running BGSAVE (SHUTDOWN, FLUSHALL, DEBUG RELOAD
// replace it). It finishes the aborted walk's marking at once (no
// serialization, so this is quick) and detaches the job: its writer
// goroutine finds it aborted, removes its temp file instead of renaming
// it, and leaves the manager's state alone. A save may start right after.
func (m *Manager) AbortBG() {
	job := m.job
	if job == nil {
		return
	}
	job.Abort()
	for !job.Step(1 << 30) {
	}
	m.job = nil
	m.scheduled = false
	m.o.Log.Notice("Background saving aborted")
}

// Load reads the sealed snapshot at Path into a fresh keyspace and, only
// if the whole file was authentic and valid, replaces the dataset with it.
// It reports whether a snapshot existed. Call it with the lock held.
func (m *Manager) Load(lim rdbconv.Limits) (bool, error) {
	path := m.Path()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	start := time.Now()
	if err := m.ensureKey(false); err != nil {
		if errors.Is(err, ErrKeyMissing) {
			// A plaintext RDB gets its own message below, not this one.
			if h := readMagic(f); h == "REDIS" {
				return true, plaintextError(path)
			}
			return true, fmt.Errorf("sealed snapshot %s cannot be opened: the instance key file %s is missing", path, filepath.Join(m.dir(), KeyFileName))
		}
		return true, err
	}
	sr, err := seal.NewReader(bufio.NewReaderSize(f, 1<<20), m.master, seal.Snapshot, path)
	switch {
	case errors.Is(err, seal.ErrPlaintextRDB):
		return true, plaintextError(path)
	case errors.Is(err, seal.ErrNotSealed):
		return true, fmt.Errorf("%s is not a sealed snapshot", path)
	case err != nil:
		return true, err
	}
	staging := keyspace.New(len(m.o.KS.DBs))
	staging.LFU = m.o.KS.LFU
	ld := &loader{ks: staging, lim: lim, now: time.Now().UnixMilli(), acceptFunctions: m.o.Functions != nil}
	br := bufio.NewReaderSize(sr, 256<<10)
	if err := rdb.Load(br, ld, rdb.Limits{MaxDB: len(m.o.KS.DBs)}); err != nil {
		return true, loadError(path, err)
	}
	// The RDB ended; the sealed file must end right there, authenticated.
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = &seal.TamperError{Name: path}
		}
		return true, err
	}
	if g := sr.Header().Generation; g > m.generation {
		m.generation = g
	}
	if m.o.Functions != nil {
		// Before the data: the libraries are the part that can still fail.
		// The engine's error quotes library code: not for the host's log.
		if err := m.o.Functions.ReplaceLibraries(ld.functions); err != nil {
			return true, fmt.Errorf("snapshot %s: %w", path, errFunctions)
		}
	}
	m.AbortBG() // a save in progress would write the replaced dataset
	m.o.KS.Adopt(staging)
	m.o.KS.Stats.Dirty = 0
	m.loadedKeys, m.expiredKeys = ld.loaded, ld.expired
	m.o.Log.Notice(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d.", ld.loaded, ld.expired))
	m.o.Log.Notice(fmt.Sprintf("DB loaded from disk: %.3f seconds", time.Since(start).Seconds()))
	return true, nil
}

// loadError says why a snapshot did not load without a word of its
// content: the log is the host's to read, so a key name in an error (the
// RDB reader's errors name keys) would leak one. The kind of failure is
// kept; an authentication failure is only ever the uniform tamper error.
func loadError(path string, err error) error {
	if errors.Is(err, seal.ErrTampered) {
		return &seal.TamperError{Name: path}
	}
	for _, kind := range []error{rdb.ErrModule, rdb.ErrFunction, rdb.ErrVersion, rdb.ErrChecksum,
		rdb.ErrTruncated, rdb.ErrTooLarge, rdb.ErrNotRDB, rdb.ErrCorrupt, errDuplicateKey, errDatabase} {
		if errors.Is(err, kind) {
			return fmt.Errorf("snapshot %s: %w", path, kind)
		}
	}
	return fmt.Errorf("snapshot %s: the data inside is not valid", path)
}

var (
	errDuplicateKey = errors.New("a key appears twice")
	errDatabase     = errors.New("a database number is out of range")
	errFunctions    = errors.New("its function libraries do not load")
)

// logSafe is a save error as the host-visible log may show it: file system
// errors as they are (they name the host's own paths), anything else (an
// encoding error may quote a key) only by its kind.
func logSafe(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) || errors.Is(err, ErrAborted) {
		return err.Error()
	}
	return "a value could not be written"
}

// RemoveTemps deletes the temp files a crash left in dir (saves that were
// never renamed into place). Call it at start, before any save.
func (m *Manager) RemoveTemps() {
	names, _ := filepath.Glob(filepath.Join(m.dir(), "temp-*.tmp"))
	for _, n := range names {
		if os.Remove(n) == nil {
			m.o.Log.Notice("Removed " + n + ", left by an interrupted save")
		}
	}
}

func readMagic(f *os.File) string {
	var b [5]byte
	n, _ := f.ReadAt(b[:], 0)
	return string(b[:n])
}

func plaintextError(path string) error {
	return fmt.Errorf("%s is a plaintext RDB file, which enclavekv never loads from the host's disk (the host could have planted it); "+
		"to bring Redis data in, seal it for this instance with 'enclavekv rdb import' and remove the plaintext file (see docs/persistence.md)", path)
}

// loader builds a keyspace from an RDB's entries.
type loader struct {
	ks               *keyspace.Keyspace
	lim              rdbconv.Limits
	now              int64
	loaded, expired  int64
	emptyKeysSkipped int64
	acceptFunctions  bool
	functions        [][]byte
}

// Function keeps a library's code, applied only once the whole file
// loaded.
func (l *loader) Function(code []byte) error {
	if !l.acceptFunctions {
		return rdb.ErrFunction
	}
	l.functions = append(l.functions, code)
	return nil
}

func (l *loader) Aux(key, value []byte) error { return nil }
func (l *loader) ResizeDB(db int, keys, exp uint64) error {
	if d := l.ks.DB(db); d != nil {
		d.Reserve(keys)
	}
	return nil
}

func (l *loader) Entry(db int, key []byte, v *rdb.Value, expireMs int64, _ rdb.LRUInfo) error {
	d := l.ks.DB(db)
	if d == nil {
		return errDatabase
	}
	// Keys already expired are not loaded, as a Redis master does.
	if expireMs != 0 && expireMs < l.now {
		l.expired++
		return nil
	}
	str, obj, err := rdbconv.Object(v, l.lim)
	if err != nil {
		return err
	}
	// The reader hands key and value over: they are kept without copies.
	e, ok := d.Insert(rdbconv.StringOf(key), str, obj, l.now)
	if !ok {
		return errDuplicateKey
	}
	if expireMs != 0 {
		d.SetExpire(e, expireMs)
	}
	l.loaded++
	return nil
}
