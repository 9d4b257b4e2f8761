package snapshot

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
	"github.com/enclavekv/enclavekv/internal/seal"
)

// fakePlatform derives one fixed seal key; another "platform" has another.
type fakePlatform struct{ secret byte }

func (p fakePlatform) Identity() enclave.Identity {
	return enclave.Identity{Platform: "sim", ProductID: 1, SVN: 1}
}

func (p fakePlatform) NewSealKey(enclave.SealPolicy) ([]byte, []byte, error) {
	return bytes.Repeat([]byte{p.secret}, 32), []byte("fake key info"), nil
}

func (p fakePlatform) SealKey(info []byte) ([]byte, error) {
	if string(info) != "fake key info" {
		return nil, enclave.ErrKeyInfo
	}
	return bytes.Repeat([]byte{p.secret}, 32), nil
}

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Notice(m string)  { l.mu.Lock(); l.lines = append(l.lines, m); l.mu.Unlock() }
func (l *logLines) Warning(m string) { l.Notice(m) }
func (l *logLines) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

type env struct {
	dir string
	cfg *config.Config
	mu  sync.Mutex
	ks  *keyspace.Keyspace
	m   *Manager
	log *logLines
}

func newEnv(t *testing.T, dir string, p Platform) *env {
	t.Helper()
	cfg, err := config.Parse([]string{"--dir", dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: dir, cfg: cfg, ks: keyspace.New(16), log: &logLines{}}
	e.m = New(Options{KS: e.ks, Lock: &e.mu, Config: cfg, Platform: p, Policy: enclave.SealToSigner, Log: e.log, RedisVersion: "7.0.15"})
	return e
}

func (e *env) load(t *testing.T) error {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := e.m.Load(rdbconv.DefaultLimits)
	return err
}

func (e *env) save(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.m.Save(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	fill(a.ks, 500, rand.New(rand.NewPCG(1, 2)))
	a.ks.DBs[0].SetString([]byte("secret-key"), []byte("secret-value-xyzzy"), now0, false)
	want := state(t, a.ks)
	a.save(t)
	if !a.log.has("DB saved on disk") {
		t.Error("no 'DB saved on disk' line")
	}
	// Nothing the server wrote shows the data in the clear.
	ents, _ := os.ReadDir(dir)
	for _, de := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, de.Name()))
		for _, s := range []string{"secret-key", "secret-value-xyzzy", "key:1", "REDIS"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains %q in the clear", de.Name(), s)
			}
		}
		if fi, _ := de.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", de.Name(), fi.Mode())
		}
	}
	b := newEnv(t, dir, fakePlatform{1})
	if err := b.load(t); err != nil {
		t.Fatal(err)
	}
	if got := state(t, b.ks); len(got) != len(want) {
		t.Fatalf("loaded %d keys, saved %d", len(got), len(want))
	}
	compareStates(t, state(t, b.ks), want)
	if !b.log.has("DB loaded from disk") {
		t.Error("no 'DB loaded from disk' line")
	}
}

// A damaged snapshot loads nothing: the dataset stays as it was.
func TestLoadRefusesTampered(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	fill(a.ks, 300, rand.New(rand.NewPCG(3, 4)))
	a.save(t)
	path := filepath.Join(dir, "dump.rdb")
	orig, _ := os.ReadFile(path)
	cases := map[string]func([]byte) []byte{
		"bit flip":  func(b []byte) []byte { b[len(b)/2] ^= 4; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)-100] },
		"appended":  func(b []byte) []byte { return append(b, 'x') },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(path, change(bytes.Clone(orig)), 0o600)
			b := newEnv(t, dir, fakePlatform{1})
			b.ks.DBs[0].SetString([]byte("kept"), []byte("1"), now0, false)
			err := b.load(t)
			if !errors.Is(err, seal.ErrTampered) || !strings.Contains(err.Error(), "is corrupt or was tampered with") {
				t.Fatalf("load: %v", err)
			}
			if b.ks.DBs[0].Len() != 1 {
				t.Fatalf("dataset changed by a failed load: %d keys", b.ks.DBs[0].Len())
			}
		})
	}
	// A valid snapshot of another instance (same platform) in its place.
	otherDir := t.TempDir()
	o := newEnv(t, otherDir, fakePlatform{1})
	o.ks.DBs[0].SetString([]byte("planted"), []byte("1"), now0, false)
	o.save(t)
	foreign, _ := os.ReadFile(filepath.Join(otherDir, "dump.rdb"))
	os.WriteFile(path, foreign, 0o600)
	if err := newEnv(t, dir, fakePlatform{1}).load(t); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("another instance's snapshot: %v", err)
	}
	// A sealed file of this instance but another content type.
	var other bytes.Buffer
	mk, err := seal.OpenKeyFile(mustRead(t, filepath.Join(dir, KeyFileName)), fakePlatform{1}.SealKey)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := seal.NewWriter(&other, mk, seal.Header{Type: seal.AOF})
	sw.Write(orig)
	sw.Close()
	os.WriteFile(path, other.Bytes(), 0o600)
	if err := newEnv(t, dir, fakePlatform{1}).load(t); !errors.Is(err, seal.ErrTampered) {
		t.Fatalf("another content type: %v", err)
	}
	os.WriteFile(path, orig, 0o600)
	if err := newEnv(t, dir, fakePlatform{1}).load(t); err != nil {
		t.Fatalf("the original snapshot no longer loads: %v", err)
	}
	// Another platform cannot open the key file.
	if err := newEnv(t, dir, fakePlatform{2}).load(t); !errors.Is(err, seal.ErrKeyFile) {
		t.Fatalf("other platform: %v", err)
	}
	// Without the key file, the snapshot cannot be opened, and says so.
	os.Remove(filepath.Join(dir, KeyFileName))
	if err := newEnv(t, dir, fakePlatform{1}).load(t); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("missing key file: %v", err)
	}
}

// A plaintext dump.rdb is never loaded silently.
func TestPlaintextRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("REDIS0010\xfa\x09redis-ver\x067.0.15\xff\x00\x00\x00\x00\x00\x00\x00\x00"), 0o644)
	err := newEnv(t, dir, fakePlatform{1}).load(t)
	if err == nil || !strings.Contains(err.Error(), "plaintext RDB") || !strings.Contains(err.Error(), "enclavekv rdb import") {
		t.Fatalf("plaintext dump: %v", err)
	}
}

// BGSAVE while writers run: the file equals the dataset at the BGSAVE.
func TestBGSaveWhileWriting(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	const n = 20000
	rnd := rand.New(rand.NewPCG(5, 6))
	fill(a.ks, n, rnd)
	a.mu.Lock()
	want := state(t, a.ks)
	if _, err := a.m.BGSave(false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.m.BGSave(false); !errors.Is(err, ErrInProgress) {
		t.Fatalf("second BGSAVE: %v", err)
	}
	a.mu.Unlock()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(8, 9))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a.mu.Lock()
			mutate(a.ks, n, r, i)
			a.mu.Unlock()
		}
	}()
	a.m.Wait()
	close(stop)
	wg.Wait()
	a.mu.Lock()
	st := a.m.Status()
	a.mu.Unlock()
	if !st.LastOK || st.Running || st.Saves != 1 {
		t.Fatalf("status after BGSAVE: %+v", st)
	}
	b := newEnv(t, dir, fakePlatform{1})
	if err := b.load(t); err != nil {
		t.Fatal(err)
	}
	compareStates(t, state(t, b.ks), want)
}

// A BGSAVE that cannot write fails cleanly, keeps the previous snapshot,
// and makes writes refused (MISCONF) while save points exist.
func TestBGSaveFailure(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	a.ks.DBs[0].SetString([]byte("k"), []byte("v1"), now0, false)
	a.save(t)
	if err := a.cfg.Set([][2]string{{"save", "3600 1"}}); err != nil {
		t.Fatal(err)
	}
	a.ks.DBs[0].SetString([]byte("k"), []byte("v2"), now0, false)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	a.mu.Lock()
	_, err := a.m.BGSave(false)
	a.mu.Unlock()
	if err == nil {
		a.m.Wait()
	}
	a.mu.Lock()
	refused := a.m.WritesRefused()
	a.mu.Unlock()
	if !refused {
		t.Fatal("writes not refused after a failed BGSAVE")
	}
	os.Chmod(dir, 0o700)
	b := newEnv(t, dir, fakePlatform{1})
	if err := b.load(t); err != nil {
		t.Fatal(err)
	}
	if e := b.ks.DBs[0].Lookup([]byte("k"), now0); e == nil || string(e.Str) != "v1" {
		t.Fatal("previous snapshot lost")
	}
	_ = time.Second
}

// The scale: a million keys, BGSAVE while writers overwrite,
// delete and create keys; the loaded file equals the dataset at BGSAVE.
func TestBGSaveMillionKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("a million keys: skipped with -short")
	}
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	const n = 1_000_000
	db := a.ks.DBs[0]
	for i := 0; i < n; i++ {
		db.SetString([]byte("k"+strconv.Itoa(i)), []byte("v"+strconv.Itoa(i)), now0, false)
	}
	fill(a.ks, 2000, rand.New(rand.NewPCG(11, 12)))
	a.mu.Lock()
	want := state(t, a.ks)
	if _, err := a.m.BGSave(false); err != nil {
		t.Fatal(err)
	}
	a.mu.Unlock()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a.mu.Lock()
				for j := 0; j < 50; j++ {
					k := []byte("k" + strconv.Itoa(r.IntN(n)))
					switch r.IntN(3) {
					case 0:
						db.SetString(k, []byte("overwritten"), now0, false)
					case 1:
						db.Delete(k, now0)
					default:
						db.SetString([]byte("new"+strconv.Itoa(w)+"-"+strconv.Itoa(i*50+j)), []byte("x"), now0, false)
					}
				}
				a.mu.Unlock()
			}
		}(w)
	}
	a.m.Wait()
	close(stop)
	wg.Wait()
	b := newEnv(t, dir, fakePlatform{1})
	if err := b.load(t); err != nil {
		t.Fatal(err)
	}
	compareStates(t, state(t, b.ks), want)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Damage past the first chunk (where the RDB reader has already decoded
// keys) still gives only the uniform message: the host reads the log, and
// no key name may reach it.
func TestTamperMessageLeaksNothing(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	for i := 0; i < 20000; i++ {
		a.ks.DBs[0].SetString([]byte("secretkey"+strconv.Itoa(i)), []byte("v"), now0, false)
	}
	a.save(t)
	path := filepath.Join(dir, "dump.rdb")
	b := mustRead(t, path)
	if len(b) < 3*seal.ChunkSize {
		t.Fatalf("snapshot of %d bytes: too small for the test", len(b))
	}
	for _, off := range []int{seal.ChunkSize + 200, 2*seal.ChunkSize + 300, len(b) - 5} {
		bad := bytes.Clone(b)
		bad[off] ^= 1
		os.WriteFile(path, bad, 0o600)
		err := newEnv(t, dir, fakePlatform{1}).load(t)
		if want := "sealed file " + path + " is corrupt or was tampered with"; err == nil || err.Error() != want {
			t.Fatalf("flip at %d: %q, want %q", off, err, want)
		}
	}
}

// A key file made under another sealing policy than the manifest's is
// refused, even when the platform can open it.
func TestKeyFilePolicyMustMatch(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	a.ks.DBs[0].SetString([]byte("k"), []byte("v"), now0, false)
	a.save(t) // signer policy
	b := newEnv(t, dir, fakePlatform{1})
	b.m.o.Policy = enclave.SealToMeasurement
	if err := b.load(t); err == nil || !strings.Contains(err.Error(), "policy") {
		t.Fatalf("measurement-policy instance opened a signer-policy key file: %v", err)
	}
}

// Temp files an interrupted save left behind are removed at start.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"temp-abc.tmp", "temp-key-1.tmp", "keep.rdb"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
	}
	newEnv(t, dir, fakePlatform{1}).m.RemoveTemps()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "keep.rdb" {
		t.Fatalf("left: %v", ents)
	}
}

// AbortBG returns at once with the marks consistent: a SAVE right after
// is complete, and the aborted writer never renames its file over it.
func TestAbortThenSave(t *testing.T) {
	dir := t.TempDir()
	a := newEnv(t, dir, fakePlatform{1})
	fill(a.ks, 5000, rand.New(rand.NewPCG(21, 22)))
	a.mu.Lock()
	if _, err := a.m.BGSave(false); err != nil {
		t.Fatal(err)
	}
	a.m.AbortBG()
	mutate(a.ks, 5000, rand.New(rand.NewPCG(1, 1)), 1)
	want := state(t, a.ks)
	if err := a.m.Save(); err != nil {
		t.Fatal(err)
	}
	a.mu.Unlock()
	time.Sleep(200 * time.Millisecond) // let the aborted writer finish
	b := newEnv(t, dir, fakePlatform{1})
	if err := b.load(t); err != nil {
		t.Fatal(err)
	}
	compareStates(t, state(t, b.ks), want)
}

// fakeFunctions is a FunctionStore; fail makes ReplaceLibraries refuse.
type fakeFunctions struct {
	codes [][]byte
	fail  bool
}

func (f *fakeFunctions) LibraryCodes() [][]byte { return f.codes }
func (f *fakeFunctions) ReplaceLibraries(codes [][]byte) error {
	if f.fail {
		return errors.New("library x: user_function:1: secret code here")
	}
	f.codes = codes
	return nil
}

// Function libraries are saved with the data (sealed: their code is not
// in the clear) and come back with it; a snapshot whose libraries do not
// load changes nothing, and a server without a function store refuses a
// snapshot that holds libraries rather than drop them.
func TestFunctionsInSnapshot(t *testing.T) {
	dir := t.TempDir()
	lib := []byte("#!lua name=secretlib\nredis.register_function('f', function() return 1 end)")
	a := newEnv(t, dir, fakePlatform{1})
	a.m.o.Functions = &fakeFunctions{codes: [][]byte{lib}}
	a.ks.DBs[0].SetString([]byte("k"), []byte("v"), now0, false)
	a.save(t)
	b, _ := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if bytes.Contains(b, []byte("secretlib")) {
		t.Error("library code in the clear in the snapshot")
	}

	tests := []struct {
		name     string
		store    *fakeFunctions
		wantErr  bool
		wantKeys int
	}{
		{"store", &fakeFunctions{}, false, 1},
		{"store refuses", &fakeFunctions{codes: [][]byte{[]byte("old")}, fail: true}, true, 0},
		{"no store", nil, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, dir, fakePlatform{1})
			if tc.store != nil {
				e.m.o.Functions = tc.store
			}
			err := e.load(t)
			if (err != nil) != tc.wantErr || e.ks.DBs[0].Len() != tc.wantKeys {
				t.Fatalf("load: %v, %d keys", err, e.ks.DBs[0].Len())
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("load error quotes library code: %v", err)
			}
			if tc.store != nil && !tc.wantErr && (len(tc.store.codes) != 1 || !bytes.Equal(tc.store.codes[0], lib)) {
				t.Errorf("libraries after load: %q", tc.store.codes)
			}
			if tc.store != nil && tc.store.fail && string(tc.store.codes[0]) != "old" {
				t.Error("a refused load replaced the libraries")
			}
		})
	}
}
