package command

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// INFO: the sections, their order and their field names follow Redis 7.0.
// Figures enclavekv does not have (Lua, forks, replication links, ...) are
// reported at their idle values so that tools parsing INFO find every field.

// infoSections lists every section in output order; default marks those
// INFO without arguments (or "default") prints.
var infoSections = []struct {
	name, title string
	def         bool
}{
	{"server", "Server", true},
	{"clients", "Clients", true},
	{"memory", "Memory", true},
	{"persistence", "Persistence", true},
	{"stats", "Stats", true},
	{"replication", "Replication", true},
	{"cpu", "CPU", true},
	{"modules", "Modules", true},
	{"commandstats", "Commandstats", false},
	{"errorstats", "Errorstats", true},
	{"latencystats", "Latencystats", false},
	{"cluster", "Cluster", true},
	{"keyspace", "Keyspace", true},
	// enclavekv's own section, shown like a module's: asked for by name or
	// with "everything", never by default or "all".
	{"enclave", "Enclave", false},
}

// infoWanted turns INFO's arguments into the set of sections to print.
// Unknown names are ignored, as Redis does.
func infoWanted(args [][]byte) map[string]bool {
	want := make(map[string]bool)
	addDefault := func() {
		for _, s := range infoSections {
			if s.def {
				want[s.name] = true
			}
		}
	}
	if len(args) == 0 {
		addDefault()
		return want
	}
	for _, a := range args {
		switch name := strings.ToLower(string(a)); name {
		case "default":
			addDefault()
		case "all", "everything":
			for _, s := range infoSections {
				if s.name != "enclave" || name == "everything" {
					want[s.name] = true
				}
			}
		default:
			want[name] = true
		}
	}
	return want
}

func infoCmd(c *Ctx) {
	want := infoWanted(c.Args[1:])
	text := c.St.GenInfo(c, want)
	c.W.Verbatim("txt", text)
}

// infoWriter builds the INFO text: "# Title" lines, "field:value" lines,
// all ending in CRLF, and an empty line between sections.
type infoWriter struct {
	b        strings.Builder
	sections int
}

func (w *infoWriter) section(title string) {
	if w.sections > 0 {
		w.b.WriteString("\r\n")
	}
	w.sections++
	w.b.WriteString("# ")
	w.b.WriteString(title)
	w.b.WriteString("\r\n")
}

func (w *infoWriter) field(name string, v any) {
	w.b.WriteString(name)
	w.b.WriteByte(':')
	switch x := v.(type) {
	case string:
		w.b.WriteString(x)
	case int:
		w.b.WriteString(strconv.Itoa(x))
	case int64:
		w.b.WriteString(strconv.FormatInt(x, 10))
	case bool:
		if x {
			w.b.WriteByte('1')
		} else {
			w.b.WriteByte('0')
		}
	default:
		fmt.Fprint(&w.b, x)
	}
	w.b.WriteString("\r\n")
}

func (w *infoWriter) fieldf(name, format string, a ...any) {
	w.field(name, fmt.Sprintf(format, a...))
}

// GenInfo renders the wanted INFO sections.
func (s *State) GenInfo(c *Ctx, want map[string]bool) string {
	var si ServerInfo
	if c.Srv != nil {
		si = c.Srv.Info()
	}
	w := &infoWriter{}
	for _, sec := range infoSections {
		if !want[sec.name] || sec.name == "enclave" && s.Enclave == nil {
			continue
		}
		w.section(sec.title)
		switch sec.name {
		case "server":
			s.infoServer(w, &si)
		case "clients":
			s.infoClients(w, &si)
		case "memory":
			s.infoMemory(w, c, &si)
		case "persistence":
			s.infoPersistence(w, c, &si)
		case "stats":
			s.infoStats(w, c, &si)
		case "replication":
			s.infoReplication(w)
		case "cpu":
			infoCPU(w)
		case "commandstats":
			s.infoCommandstats(w, c.Table)
		case "errorstats":
			s.infoErrorstats(w)
		case "latencystats":
			s.infoLatencystats(w, c.Table)
		case "cluster":
			w.field("cluster_enabled", 0)
		case "keyspace":
			infoKeyspace(w, c)
		case "enclave":
			s.infoEnclave(w)
		}
	}
	return w.b.String()
}

func (s *State) infoServer(w *infoWriter, si *ServerInfo) {
	now := time.Now()
	uptime := int64(0)
	if si.StartMs > 0 {
		uptime = (now.UnixMilli() - si.StartMs) / 1000
	}
	ver := si.RedisVersion
	if ver == "" {
		ver = redisVersion
	}
	w.field("redis_version", ver)
	w.field("redis_git_sha1", "00000000")
	w.field("redis_git_dirty", 0)
	w.field("redis_build_id", buildID(si.Version))
	w.field("redis_mode", "standalone")
	w.field("os", osName())
	w.field("arch_bits", strconv.IntSize)
	w.field("monotonic_clock", "POSIX clock_gettime")
	w.field("multiplexing_api", "epoll")
	w.field("atomicvar_api", "c11-builtin")
	w.field("gcc_version", "0.0.0")
	w.field("process_id", si.Pid)
	w.field("process_supervised", "no")
	w.field("run_id", si.RunID)
	w.field("tcp_port", si.TCPPort)
	w.field("server_time_usec", now.UnixMicro())
	w.field("uptime_in_seconds", uptime)
	w.field("uptime_in_days", uptime/86400)
	w.field("hz", si.Hz)
	w.field("configured_hz", si.Hz)
	w.field("lru_clock", (now.UnixMilli()/1000)&(1<<24-1))
	w.field("executable", si.Executable)
	w.field("config_file", si.ConfigFile)
	w.field("io_threads_active", 0)
	if si.Version != "" {
		w.field("enclavekv_version", si.Version)
	}
}

// buildID is a stable 16-hex-digit identifier of this build.
func buildID(version string) string {
	h := uint64(14695981039346656037)
	for _, c := range []byte(version + runtime.Version()) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return strconv.FormatUint(h, 16)
}

func osName() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS
	}
	str := func(a [65]int8) string {
		var b []byte
		for _, c := range a {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	return str(u.Sysname) + " " + str(u.Release) + " " + str(u.Machine)
}

func (s *State) infoClients(w *infoWriter, si *ServerInfo) {
	w.field("connected_clients", si.ConnectedClients)
	w.field("cluster_connections", 0)
	w.field("maxclients", si.MaxClients)
	w.field("client_recent_max_input_buffer", si.ClientRecentMaxInput)
	w.field("client_recent_max_output_buffer", si.ClientRecentMaxOutput)
	w.field("blocked_clients", si.BlockedClients)
	w.field("tracking_clients", si.TrackingClients)
	w.field("clients_in_timeout_table", 0)
}

// memFigures are the memory figures INFO memory and MEMORY STATS share.
type memFigures struct {
	used, peak, startup, rss, overhead, dataset int64
	allocated, active, resident                 int64
	clientsNormal                               int64
	keys                                        int64
}

var memSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/memory/classes/heap/free:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
}

func readMem() (objects, unused, free, total, released int64) {
	s := make([]metrics.Sample, len(memSamples))
	copy(s, memSamples)
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return int64(s[i].Value.Uint64())
		}
		return 0
	}
	return v(0), v(1), v(2), v(3), v(4)
}

func processRSS() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func totalSystemMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "MemTotal:") {
			fs := strings.Fields(line)
			if len(fs) >= 2 {
				kb, _ := strconv.ParseInt(fs[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func (s *State) memFigures(c *Ctx) memFigures {
	objects, unused, _, total, released := readMem()
	m := memFigures{used: s.UsedMemory(), startup: s.memStartup, rss: processRSS()}
	if m.used > s.memPeak.Load() {
		s.memPeak.Store(m.used)
	}
	m.peak = s.memPeak.Load()
	m.allocated = objects
	m.active = objects + unused
	m.resident = total - released
	if c.Srv != nil {
		for _, cl := range c.Srv.Clients() {
			m.clientsNormal += cl.QBuf + cl.OutMem
		}
	}
	for _, db := range c.KS.DBs {
		m.keys += int64(db.Len())
	}
	// The dictionary overhead: one entry (key string header, pointers,
	// expiry) per key, as Redis counts its dict entries.
	m.overhead = m.startup + m.clientsNormal + m.keys*dictEntryOverhead
	m.dataset = m.used - m.overhead
	if m.dataset < 0 {
		m.dataset = 0
	}
	return m
}

// dictEntryOverhead is the per-key bookkeeping counted as overhead.
const dictEntryOverhead = 72

// bytesToHuman formats a byte count as Redis's INFO does.
func bytesToHuman(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", d/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", d/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", d/(1024*1024*1024*1024))
	case n < 1024*1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fP", d/(1024*1024*1024*1024*1024))
	}
	return strconv.FormatInt(n, 10) + "B"
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *State) infoMemory(w *infoWriter, c *Ctx, si *ServerInfo) {
	m := s.memFigures(c)
	maxmem := int64(0)
	policy := "noeviction"
	if s.Config != nil {
		maxmem = int64(s.Config.Uint("maxmemory"))
		policy = s.Config.String("maxmemory-policy")
	}
	sys := totalSystemMemory()
	w.field("used_memory", m.used)
	w.field("used_memory_human", bytesToHuman(m.used))
	w.field("used_memory_rss", m.rss)
	w.field("used_memory_rss_human", bytesToHuman(m.rss))
	w.field("used_memory_peak", m.peak)
	w.field("used_memory_peak_human", bytesToHuman(m.peak))
	w.fieldf("used_memory_peak_perc", "%.2f%%", 100*ratio(m.used, m.peak))
	w.field("used_memory_overhead", m.overhead)
	w.field("used_memory_startup", m.startup)
	w.field("used_memory_dataset", m.dataset)
	w.fieldf("used_memory_dataset_perc", "%.2f%%", 100*ratio(m.dataset, m.used-m.startup))
	w.field("allocator_allocated", m.allocated)
	w.field("allocator_active", m.active)
	w.field("allocator_resident", m.resident)
	w.field("total_system_memory", sys)
	w.field("total_system_memory_human", bytesToHuman(sys))
	w.field("used_memory_lua", 0)
	w.field("used_memory_vm_eval", 0)
	w.field("used_memory_lua_human", "0B")
	w.field("used_memory_scripts_eval", 0)
	w.field("number_of_cached_scripts", s.CachedScripts())
	fns, libs := 0, 0
	if s.engine != nil {
		fns, libs = s.engine.FunctionCount(), s.engine.LibraryCount()
	}
	w.field("number_of_functions", fns)
	w.field("number_of_libraries", libs)
	w.field("used_memory_vm_functions", 0)
	w.field("used_memory_vm_total", 0)
	w.field("used_memory_vm_total_human", "0B")
	w.field("used_memory_functions", 0)
	w.field("used_memory_scripts", 0)
	w.field("used_memory_scripts_human", "0B")
	w.field("maxmemory", maxmem)
	w.field("maxmemory_human", bytesToHuman(maxmem))
	w.field("maxmemory_policy", policy)
	w.fieldf("allocator_frag_ratio", "%.2f", ratio(m.active, m.allocated))
	w.field("allocator_frag_bytes", m.active-m.allocated)
	w.fieldf("allocator_rss_ratio", "%.2f", ratio(m.resident, m.active))
	w.field("allocator_rss_bytes", m.resident-m.active)
	w.fieldf("rss_overhead_ratio", "%.2f", ratio(m.rss, m.resident))
	w.field("rss_overhead_bytes", m.rss-m.resident)
	w.fieldf("mem_fragmentation_ratio", "%.2f", ratio(m.rss, m.used))
	w.field("mem_fragmentation_bytes", m.rss-m.used)
	w.field("mem_not_counted_for_evict", 0)
	w.field("mem_replication_backlog", 0)
	w.field("mem_total_replication_buffers", 0)
	w.field("mem_clients_slaves", 0)
	w.field("mem_clients_normal", m.clientsNormal)
	w.field("mem_cluster_links", 0)
	w.field("mem_aof_buffer", 0)
	w.field("mem_allocator", runtime.Version())
	w.field("active_defrag_running", 0)
	w.field("lazyfree_pending_objects", 0)
	w.field("lazyfreed_objects", 0)
}

func (s *State) infoPersistence(w *infoWriter, c *Ctx, si *ServerInfo) {
	p := si.Persistence
	if p == nil {
		p = &PersistenceInfo{LastBgsaveOK: true, LastBgsaveTimeSec: -1, CurrentBgsaveTimeSec: -1,
			AOFLastRewriteSec: -1, AOFCurrentRewriteSec: -1, AOFLastRewriteOK: true, AOFLastWriteOK: true}
	}
	okErr := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	lastSave := p.LastSaveUnix
	if lastSave == 0 {
		lastSave = si.StartMs / 1000
	}
	w.field("loading", p.Loading)
	w.field("async_loading", 0)
	w.field("current_cow_peak", 0)
	w.field("current_cow_size", 0)
	w.field("current_cow_size_age", 0)
	w.field("current_fork_perc", "0.00")
	w.field("current_save_keys_processed", p.KeysProcessed)
	w.field("current_save_keys_total", p.KeysTotal)
	w.field("rdb_changes_since_last_save", c.KS.Stats.Dirty)
	w.field("rdb_bgsave_in_progress", p.BgsaveInProgress)
	w.field("rdb_last_save_time", lastSave)
	w.field("rdb_last_bgsave_status", okErr(p.LastBgsaveOK))
	w.field("rdb_last_bgsave_time_sec", p.LastBgsaveTimeSec)
	w.field("rdb_current_bgsave_time_sec", p.CurrentBgsaveTimeSec)
	w.field("rdb_saves", p.Saves)
	w.field("rdb_last_cow_size", 0)
	w.field("rdb_last_load_keys_expired", p.LoadKeysExpired)
	w.field("rdb_last_load_keys_loaded", p.LoadKeysLoaded)
	w.field("aof_enabled", p.AOFEnabled)
	w.field("aof_rewrite_in_progress", p.AOFRewriteInProgress)
	w.field("aof_rewrite_scheduled", p.AOFRewriteScheduled)
	w.field("aof_last_rewrite_time_sec", p.AOFLastRewriteSec)
	w.field("aof_current_rewrite_time_sec", p.AOFCurrentRewriteSec)
	w.field("aof_last_bgrewrite_status", okErr(p.AOFLastRewriteOK))
	w.field("aof_rewrites", p.AOFRewrites)
	w.field("aof_rewrites_consecutive_failures", 0)
	w.field("aof_last_write_status", okErr(p.AOFLastWriteOK))
	w.field("aof_last_cow_size", 0)
	w.field("module_fork_in_progress", 0)
	w.field("module_fork_last_cow_size", 0)
}

func (s *State) infoStats(w *infoWriter, c *Ctx, si *ServerInfo) {
	ks := &c.KS.Stats
	w.field("total_connections_received", si.TotalConnections)
	w.field("total_commands_processed", s.Stats.Commands.Load())
	w.field("instantaneous_ops_per_sec", si.InstantaneousOps)
	w.field("total_net_input_bytes", si.NetInputBytes)
	w.field("total_net_output_bytes", si.NetOutputBytes)
	w.field("total_net_repl_input_bytes", 0)
	w.field("total_net_repl_output_bytes", 0)
	w.fieldf("instantaneous_input_kbps", "%.2f", si.InstantaneousInputKbps)
	w.fieldf("instantaneous_output_kbps", "%.2f", si.InstantaneousOutputKbps)
	w.field("instantaneous_input_repl_kbps", "0.00")
	w.field("instantaneous_output_repl_kbps", "0.00")
	w.field("rejected_connections", si.RejectedConnections)
	w.field("sync_full", 0)
	w.field("sync_partial_ok", 0)
	w.field("sync_partial_err", 0)
	w.field("expired_keys", ks.ExpiredKeys)
	w.fieldf("expired_stale_perc", "%.2f", ks.ExpiredStalePerc*100)
	w.field("expired_time_cap_reached_count", ks.ExpiredTimeCapped)
	w.field("expire_cycle_cpu_milliseconds", si.ExpireCycleCPUMillis)
	w.field("evicted_keys", ks.EvictedKeys)
	w.field("evicted_clients", 0)
	total, current := s.evictionExceeded()
	w.field("total_eviction_exceeded_time", total)
	w.field("current_eviction_exceeded_time", current)
	w.field("keyspace_hits", ks.Hits)
	w.field("keyspace_misses", ks.Misses)
	w.field("pubsub_channels", si.PubsubChannels)
	w.field("pubsub_patterns", si.PubsubPatterns)
	w.field("pubsubshard_channels", si.PubsubShardChannels)
	w.field("latest_fork_usec", 0)
	w.field("total_forks", 0)
	w.field("migrate_cached_sockets", 0)
	w.field("slave_expires_tracked_keys", 0)
	w.field("active_defrag_hits", 0)
	w.field("active_defrag_misses", 0)
	w.field("active_defrag_key_hits", 0)
	w.field("active_defrag_key_misses", 0)
	w.field("total_active_defrag_time", 0)
	w.field("current_active_defrag_time", 0)
	w.field("tracking_total_keys", 0)
	w.field("tracking_total_items", 0)
	w.field("tracking_total_prefixes", 0)
	w.field("unexpected_error_replies", 0)
	w.field("total_error_replies", s.Stats.Errors.Load())
	w.field("dump_payload_sanitizations", 0)
	w.field("total_reads_processed", si.TotalReads)
	w.field("total_writes_processed", si.TotalWrites)
	w.field("io_threaded_reads_processed", 0)
	w.field("io_threaded_writes_processed", 0)
	w.field("reply_buffer_shrinks", 0)
	w.field("reply_buffer_expands", 0)
}

func (s *State) infoReplication(w *infoWriter) {
	backlog := int64(1 << 20)
	if s.Config != nil {
		backlog = s.Config.Int("repl-backlog-size")
	}
	w.field("role", "master")
	w.field("connected_slaves", 0)
	w.field("master_failover_state", "no-failover")
	w.field("master_replid", s.ReplID)
	w.field("master_replid2", strings.Repeat("0", 40))
	w.field("master_repl_offset", 0)
	w.field("second_repl_offset", -1)
	w.field("repl_backlog_active", 0)
	w.field("repl_backlog_size", backlog)
	w.field("repl_backlog_first_byte_offset", 0)
	w.field("repl_backlog_histlen", 0)
}

func infoCPU(w *infoWriter) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string {
		return fmt.Sprintf("%d.%06d", t.Sec, t.Usec)
	}
	w.field("used_cpu_sys", tv(self.Stime))
	w.field("used_cpu_user", tv(self.Utime))
	w.field("used_cpu_sys_children", tv(children.Stime))
	w.field("used_cpu_user_children", tv(children.Utime))
	// Go has no main thread doing all the work; report the process.
	w.field("used_cpu_sys_main_thread", tv(self.Stime))
	w.field("used_cpu_user_main_thread", tv(self.Utime))
}

// statCommands lists every command and subcommand in the order INFO
// commandstats prints them: by name, subcommands after their parent.
func statCommands(t *Table) []*Command {
	var out []*Command
	if t == nil {
		return nil
	}
	for _, cmd := range t.All() {
		out = append(out, cmd)
		subs := make([]*Command, 0, len(cmd.Subs))
		for _, sub := range cmd.Subs {
			subs = append(subs, sub)
		}
		sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
		out = append(out, subs...)
	}
	return out
}

func (s *State) infoCommandstats(w *infoWriter, t *Table) {
	for _, cmd := range statCommands(t) {
		calls := cmd.Stats.Calls.Load()
		rejected := cmd.Stats.Rejected.Load()
		failed := cmd.Stats.Failed.Load()
		if calls == 0 && rejected == 0 && failed == 0 {
			continue
		}
		usec := cmd.Stats.Usec.Load()
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		w.fieldf("cmdstat_"+cmd.Name, "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			calls, usec, perCall, rejected, failed)
	}
}

func (s *State) infoErrorstats(w *infoWriter) {
	counts := s.ErrorCounts()
	codes := make([]string, 0, len(counts))
	for k := range counts {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		w.fieldf("errorstat_"+k, "count=%d", counts[k])
	}
}

func (s *State) infoLatencystats(w *infoWriter, t *Table) {
	pcts := []float64{50, 99, 99.9}
	if s.Config != nil {
		pcts = s.Config.LatencyPercentiles()
	}
	for _, cmd := range statCommands(t) {
		h := s.hists[cmd]
		if h == nil || h.calls == 0 {
			continue
		}
		var b strings.Builder
		for i, p := range pcts {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "p%s=%.3f", strconv.FormatFloat(p, 'f', -1, 64), float64(h.percentile(p))/1000)
		}
		w.field("latency_percentiles_usec_"+cmd.Name, b.String())
	}
}

func infoKeyspace(w *infoWriter, c *Ctx) {
	for _, db := range c.KS.DBs {
		if db.Len() == 0 {
			continue
		}
		w.fieldf(fmt.Sprintf("db%d", db.ID), "keys=%d,expires=%d,avg_ttl=%d", db.Len(), db.Expires(), db.AvgTTL)
	}
}
