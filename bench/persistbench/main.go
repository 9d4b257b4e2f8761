// Command persistbench measures a background save and a restart side by
// side on redis-server and enclavekv-server (docs/performance.md, issue 5):
//
//   - BGSAVE wall time: from the BGSAVE reply until INFO reports the save
//     finished, with a writer overwriting keys throughout;
//   - extra peak memory during the save: the highest resident memory seen
//     (for Redis the parent's RSS plus the forked child's private pages,
//     which is what copy-on-write costs) minus the RSS just before the save,
//     as a share of the dataset's own RSS (after loading minus empty);
//   - the longest pause a client sees: the slowest PING of a client sending
//     one every millisecond, and the slowest SET of the writer;
//   - load time: from starting the process on the saved file until PING
//     answers PONG, and the "DB loaded from disk" time the server logs.
//
// Each round runs both servers one after the other (the order alternates),
// on fresh 127.0.0.1 ports and temporary directories; the figures printed
// are medians over the rounds and enclavekv/redis ratios.
//
//	go run ./bench/persistbench -keys 1000000 -rounds 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	keys      = flag.Int("keys", 1_000_000, "keys loaded before the save")
	valueSize = flag.Int("value-size", 100, "value size in bytes")
	rounds    = flag.Int("rounds", 3, "rounds (each runs both servers)")
	redisBin  = flag.String("redis-server", "redis-server", "redis-server binary")
	ekvBin    = flag.String("enclavekv", "", "enclavekv-server binary (built from this tree when empty)")
)

// result is one server's figures for one round.
type result struct {
	saveWall     time.Duration
	baseRSS      int64 // before loading
	dataRSS      int64 // after loading, before the save
	peakRSS      int64 // highest during the save
	maxPing      time.Duration
	maxSet       time.Duration
	writes       int64 // SETs the writer completed during the save
	loadWall     time.Duration
	loadLogged   float64 // seconds, from the log line
	fileSize     int64
	savedKeysOK  bool
	loadedKeysOK bool
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "persistbench:", err)
		os.Exit(1)
	}
}

func run() error {
	tmp, err := os.MkdirTemp("", "persistbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *ekvBin == "" {
		*ekvBin = filepath.Join(tmp, "enclavekv-server")
		out, err := exec.Command("go", "build", "-o", *ekvBin, "./cmd/enclavekv-server").CombinedOutput()
		if err != nil {
			return fmt.Errorf("building enclavekv-server (run from the repository root): %v\n%s", err, out)
		}
	}
	res := map[string][]result{}
	for r := 0; r < *rounds; r++ {
		order := []string{"redis", "enclavekv"}
		if r%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, name := range order {
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", name, r))
			if err := os.Mkdir(dir, 0o700); err != nil {
				return err
			}
			x, err := measure(name, dir)
			os.RemoveAll(dir)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", name, r+1, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %-9s save %v, peak +%.1f MB (dataset %.1f MB), ping max %v, set max %v, load %v (logged %.3fs)\n",
				r+1, name, x.saveWall.Round(time.Millisecond), mb(x.peakRSS-x.dataRSS), mb(x.dataRSS-x.baseRSS),
				x.maxPing.Round(10*time.Microsecond), x.maxSet.Round(10*time.Microsecond), x.loadWall.Round(time.Millisecond), x.loadLogged)
			res[name] = append(res[name], x)
		}
	}
	report(res)
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// server is one running server process.
type server struct {
	name, dir string
	port      int
	cmd       *exec.Cmd
	log       string
	cl        *redis.Client
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(name, dir string) (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	s := &server{name: name, dir: dir, port: port, log: filepath.Join(dir, "server.log")}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", s.log}
	bin := *ekvBin
	if name == "redis" {
		bin = *redisBin
		args = append(args, "--daemonize", "no")
	}
	s.cmd = exec.Command(bin, args...)
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, 0, err
	}
	s.cl = redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: time.Minute, PoolSize: 4})
	for {
		if pong, err := s.cl.Ping(context.Background()).Result(); err == nil && pong == "PONG" {
			return s, time.Since(began), nil
		}
		if time.Since(began) > 5*time.Minute {
			s.stop()
			return nil, 0, errors.New("server did not answer PONG within 5 minutes")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (s *server) stop() {
	s.cl.Close()
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func (s *server) info(field string) (string, error) {
	txt, err := s.cl.Info(context.Background(), "persistence").Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(txt, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("INFO has no %s", field)
}

// rss is the memory the server costs now: its resident set plus, for a
// forked child, the child's private (copied or new) pages.
func (s *server) rss() int64 {
	pid := s.cmd.Process.Pid
	total := statusKB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, k := range strings.Fields(string(kids)) {
		total += statusKB("/proc/"+k+"/smaps_rollup", "Private_Dirty:")
		total += statusKB("/proc/"+k+"/smaps_rollup", "Private_Clean:")
	}
	return total * 1024
}

func statusKB(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

func measure(name, dir string) (result, error) {
	var x result
	ctx := context.Background()
	s, _, err := start(name, dir)
	if err != nil {
		return x, err
	}
	defer func() {
		if s != nil {
			s.stop()
		}
	}()
	x.baseRSS = s.rss()
	if err := populate(ctx, s.cl); err != nil {
		return x, fmt.Errorf("loading keys: %w", err)
	}
	time.Sleep(500 * time.Millisecond) // let the allocator settle
	x.dataRSS = s.rss()
	x.peakRSS = x.dataRSS

	// The writer and the pinger run through the whole save.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var maxPing, maxSet atomic.Int64
	var writes atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		cl := redis.NewClient(&redis.Options{Addr: s.cl.Options().Addr, PoolSize: 1, ReadTimeout: time.Minute})
		defer cl.Close()
		val := strings.Repeat("w", *valueSize)
		for {
			select {
			case <-stop:
				return
			default:
			}
			k := "key:" + strconv.Itoa(rand.IntN(*keys))
			t := time.Now()
			if cl.Set(ctx, k, val, 0).Err() != nil {
				return
			}
			storeMax(&maxSet, time.Since(t))
			writes.Add(1)
		}
	}()
	go func() {
		defer wg.Done()
		cl := redis.NewClient(&redis.Options{Addr: s.cl.Options().Addr, PoolSize: 1, ReadTimeout: time.Minute})
		defer cl.Close()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			t := time.Now()
			if cl.Ping(ctx).Err() != nil {
				return
			}
			storeMax(&maxPing, time.Since(t))
		}
	}()
	time.Sleep(100 * time.Millisecond)
	maxPing.Store(0)
	maxSet.Store(0)
	writes.Store(0)

	began := time.Now()
	if err := s.cl.Do(ctx, "BGSAVE").Err(); err != nil {
		close(stop)
		wg.Wait()
		return x, fmt.Errorf("BGSAVE: %w", err)
	}
	for {
		if r := s.rss(); r > x.peakRSS {
			x.peakRSS = r
		}
		v, err := s.info("rdb_bgsave_in_progress")
		if err != nil {
			close(stop)
			wg.Wait()
			return x, err
		}
		if v == "0" {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	x.saveWall = time.Since(began)
	close(stop)
	wg.Wait()
	x.maxPing, x.maxSet, x.writes = time.Duration(maxPing.Load()), time.Duration(maxSet.Load()), writes.Load()
	if st, err := s.info("rdb_last_bgsave_status"); err != nil || st != "ok" {
		return x, fmt.Errorf("BGSAVE status %q %v", st, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil {
		x.fileSize = fi.Size()
	}
	n, err := s.cl.DBSize(ctx).Result()
	if err != nil {
		return x, err
	}
	x.savedKeysOK = n == int64(*keys)

	// Restart on the file just written.
	s.stop()
	s = nil
	s2, wall, err := start(name, dir)
	if err != nil {
		return x, fmt.Errorf("restart: %w", err)
	}
	s = s2
	x.loadWall = wall
	if n, err := s.cl.DBSize(ctx).Result(); err != nil || n != int64(*keys) {
		return x, fmt.Errorf("after restart DBSIZE = %d (%v), want %d", n, err, *keys)
	}
	x.loadedKeysOK = true
	logb, _ := os.ReadFile(s.log)
	if m := loadedRE.FindAllSubmatch(logb, -1); len(m) > 0 {
		x.loadLogged, _ = strconv.ParseFloat(string(m[len(m)-1][1]), 64)
	}
	return x, nil
}

// populate writes key:0 .. key:N-1 with pipelined SETs (DEBUG POPULATE
// is not open to the host on enclavekv).
func populate(ctx context.Context, cl *redis.Client) error {
	const batch = 1000
	for i := 0; i < *keys; i += batch {
		p := cl.Pipeline()
		for j := i; j < i+batch && j < *keys; j++ {
			v := "value:" + strconv.Itoa(j)
			if len(v) < *valueSize {
				v += strings.Repeat("x", *valueSize-len(v))
			}
			p.Set(ctx, "key:"+strconv.Itoa(j), v, 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

var loadedRE = regexp.MustCompile(`DB loaded from disk: ([0-9.]+) seconds`)

func storeMax(m *atomic.Int64, d time.Duration) {
	for {
		old := m.Load()
		if int64(d) <= old || m.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(res map[string][]result) {
	type metric struct {
		name string
		f    func(result) float64
		unit string
	}
	metrics := []metric{
		{"BGSAVE wall time", func(r result) float64 { return r.saveWall.Seconds() }, "s"},
		{"dataset RSS", func(r result) float64 { return mb(r.dataRSS - r.baseRSS) }, "MB"},
		{"extra peak memory during save", func(r result) float64 { return mb(r.peakRSS - r.dataRSS) }, "MB"},
		{"  as % of dataset", func(r result) float64 { return 100 * float64(r.peakRSS-r.dataRSS) / float64(r.dataRSS-r.baseRSS) }, "%"},
		{"longest PING during save", func(r result) float64 { return float64(r.maxPing) / 1e6 }, "ms"},
		{"longest SET during save", func(r result) float64 { return float64(r.maxSet) / 1e6 }, "ms"},
		{"SETs done during save", func(r result) float64 { return float64(r.writes) }, ""},
		{"snapshot file", func(r result) float64 { return mb(r.fileSize) }, "MB"},
		{"start to PONG on the file", func(r result) float64 { return r.loadWall.Seconds() }, "s"},
		{"load time logged", func(r result) float64 { return r.loadLogged }, "s"},
	}
	fmt.Printf("%d keys, %d-byte values, median of %d rounds\n", *keys, *valueSize, *rounds)
	fmt.Printf("%-32s %12s %12s %8s\n", "", "redis", "enclavekv", "ratio")
	for _, m := range metrics {
		var a, b []float64
		for _, r := range res["redis"] {
			a = append(a, m.f(r))
		}
		for _, r := range res["enclavekv"] {
			b = append(b, m.f(r))
		}
		ra, rb := median(a), median(b)
		ratio := "-"
		if ra != 0 {
			ratio = fmt.Sprintf("%.2f", rb/ra)
		}
		fmt.Printf("%-32s %10.3f%-2s %10.3f%-2s %8s\n", m.name, ra, m.unit, rb, m.unit, ratio)
	}
}
