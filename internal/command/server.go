package command

import (
	"errors"
	"math"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/config"
)

func init() {
	adm := Admin | NoScript | Loading | Stale
	register(
		&Command{Name: "info", Arity: -1, Flags: Loading | Stale, Handler: infoCmd},
		&Command{Name: "config", Arity: -2, Subs: subs(
			&Command{Name: "config|get", Arity: -3, Flags: adm, Handler: configGetCmd},
			&Command{Name: "config|set", Arity: -4, Flags: adm, Handler: configSetCmd},
			&Command{Name: "config|resetstat", Arity: 2, Flags: adm, Handler: configResetstatCmd},
			&Command{Name: "config|rewrite", Arity: 2, Flags: adm, Handler: configRewriteCmd},
			&Command{Name: "config|help", Arity: 2, Flags: Loading | Stale, Handler: configHelpCmd},
		)},
		&Command{Name: "command", Arity: -1, Flags: Loading | Stale, Handler: commandCmd, Subs: subs(
			&Command{Name: "command|count", Arity: 2, Flags: Loading | Stale, Handler: commandCountCmd},
			&Command{Name: "command|info", Arity: -2, Flags: Loading | Stale, Handler: commandInfoCmd},
			&Command{Name: "command|docs", Arity: -2, Flags: Loading | Stale, Handler: commandDocsCmd},
			&Command{Name: "command|list", Arity: -2, Flags: Loading | Stale, Handler: commandListCmd},
			&Command{Name: "command|getkeys", Arity: -4, Flags: Loading | Stale, Handler: commandGetkeysCmd},
			&Command{Name: "command|getkeysandflags", Arity: -4, Flags: Loading | Stale, Handler: commandGetkeysAndFlagsCmd},
			&Command{Name: "command|help", Arity: 2, Flags: Loading | Stale, Handler: commandHelpCmd},
		)},
		&Command{Name: "time", Arity: 1, Flags: Loading | Stale | Fast, Handler: timeCmd},
		&Command{Name: "shutdown", Arity: -1, Flags: adm | NoMulti | AllowBusy, Handler: shutdownCmd},
		&Command{Name: "monitor", Arity: 1, Flags: adm, Handler: monitorCmd},
		&Command{Name: "slowlog", Arity: -2, Subs: subs(
			&Command{Name: "slowlog|get", Arity: -2, Flags: Admin | Loading | Stale, Handler: slowlogGetCmd},
			&Command{Name: "slowlog|len", Arity: 2, Flags: Admin | Loading | Stale, Handler: slowlogLenCmd},
			&Command{Name: "slowlog|reset", Arity: 2, Flags: Admin | Loading | Stale, Handler: slowlogResetCmd},
			&Command{Name: "slowlog|help", Arity: 2, Flags: Loading | Stale, Handler: slowlogHelpCmd},
		)},
		&Command{Name: "memory", Arity: -2, Subs: subs(
			&Command{Name: "memory|usage", Arity: -3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Handler: memoryUsageCmd},
			&Command{Name: "memory|stats", Arity: 2, Handler: memoryStatsCmd},
			&Command{Name: "memory|doctor", Arity: 2, Handler: memoryDoctorCmd},
			&Command{Name: "memory|malloc-stats", Arity: 2, Handler: memoryMallocStatsCmd},
			&Command{Name: "memory|purge", Arity: 2, Handler: memoryPurgeCmd},
			&Command{Name: "memory|help", Arity: 2, Flags: Loading | Stale, Handler: memoryHelpCmd},
		)},
		&Command{Name: "latency", Arity: -2, Subs: subs(
			&Command{Name: "latency|latest", Arity: 2, Flags: adm, Handler: latencyLatestCmd},
			&Command{Name: "latency|history", Arity: 3, Flags: adm, Handler: latencyHistoryCmd},
			&Command{Name: "latency|reset", Arity: -2, Flags: adm, Handler: latencyResetCmd},
			&Command{Name: "latency|graph", Arity: 3, Flags: adm, Handler: latencyGraphCmd},
			&Command{Name: "latency|doctor", Arity: 2, Flags: adm, Handler: latencyDoctorCmd},
			&Command{Name: "latency|histogram", Arity: -2, Flags: adm, Handler: latencyHistogramCmd},
			&Command{Name: "latency|help", Arity: 2, Flags: Loading | Stale, Handler: latencyHelpCmd},
		)},
		&Command{Name: "debug", Arity: -2, Flags: adm | Protected, Handler: debugCmd},
	)
}

// replyHelp writes a HELP reply the way Redis's addReplyHelp does: a
// header line, the given lines, then HELP itself, all as status replies.
func replyHelp(c *Ctx, lines ...string) {
	name := c.Cmd.Name
	if c.Cmd.Parent != nil {
		name = c.Cmd.Parent.Name
	}
	c.W.Array(len(lines) + 3)
	c.W.Simple(strings.ToUpper(name) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.W.Simple(l)
	}
	c.W.Simple("HELP")
	c.W.Simple("    Prints this help.")
}

// subcommandSyntaxError is Redis's reply when a subcommand got arguments
// its handler does not accept.
func (c *Ctx) subcommandSyntaxError() {
	name := c.Cmd.Name
	if c.Cmd.Parent != nil {
		name = c.Cmd.Parent.Name
	}
	sub := cstr(c.Args[1])
	if len(sub) > 128 {
		sub = sub[:128]
	}
	c.Errorf(ErrSubcommandSyntax, sub, strings.ToUpper(name))
}

// isLocalClient tells whether the client came over loopback or a unix
// socket ("local" for enable-protected-configs / enable-debug-command).
func isLocalClient(cl *Client) bool { return cl.Unix || isLoopbackAddr(cl.Addr) }

// --- CONFIG ---

func configGetCmd(c *Ctx) {
	pats := make([]string, len(c.Args)-2)
	for i, a := range c.Args[2:] {
		pats[i] = string(a)
	}
	pairs := c.St.Config.Get(pats...)
	c.W.Map(len(pairs))
	for _, p := range pairs {
		c.W.BulkString(p[0])
		c.W.BulkString(p[1])
	}
}

func configSetCmd(c *Ctx) {
	if len(c.Args)%2 != 0 {
		c.SyntaxError()
		return
	}
	pairs := make([][2]string, 0, (len(c.Args)-2)/2)
	for i := 2; i+1 < len(c.Args); i += 2 {
		pairs = append(pairs, [2]string{string(c.Args[i]), string(c.Args[i+1])})
	}
	if err := c.St.Config.SetFrom(pairs, isLocalClient(c.Client)); err != nil {
		c.replyConfigError(err)
		return
	}
	c.W.OK()
}

func (c *Ctx) replyConfigError(err error) {
	var re *config.ReplyError
	if errors.As(err, &re) {
		c.Error(re.Msg)
		return
	}
	c.Error("ERR " + err.Error())
}

func configResetstatCmd(c *Ctx) {
	c.St.ResetStats(c)
	c.W.OK()
}

// ResetStats implements CONFIG RESETSTAT: every counter INFO reports goes
// back to zero (the keyspace's dirty counter is not a statistic).
func (s *State) ResetStats(c *Ctx) {
	s.Stats.Commands.Store(0)
	s.Stats.Rejected.Store(0)
	s.ResetErrors()
	s.ResetCommandStats(c.Table)
	s.memPeak.Store(s.UsedMemory())
	s.evict.overTotal = 0
	if c.KS != nil {
		dirty := c.KS.Stats.Dirty
		c.KS.Stats = keyspaceStatsZero()
		c.KS.Stats.Dirty = dirty
	}
	if c.Srv != nil {
		c.Srv.ResetStats()
	}
	if s.Config != nil {
		s.Config.ResetStat()
	}
}

func configRewriteCmd(c *Ctx) {
	if err := c.St.Config.Rewrite(); err != nil {
		c.replyConfigError(err)
		return
	}
	c.W.OK()
}

func configHelpCmd(c *Ctx) {
	replyHelp(c,
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	)
}

// --- TIME, SHUTDOWN, MONITOR ---

func timeCmd(c *Ctx) {
	now := time.Now()
	c.W.Array(2)
	c.W.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.W.BulkString(strconv.Itoa(now.Nanosecond() / 1000))
}

func shutdownCmd(c *Ctx) {
	var o ShutdownOpts
	for _, a := range c.Args[1:] {
		switch {
		case eqFold(a, "nosave"):
			o.NoSave = true
		case eqFold(a, "save"):
			o.Save = true
		case eqFold(a, "now"):
			o.Now = true
		case eqFold(a, "force"):
			o.Force = true
		case eqFold(a, "abort"):
			o.Abort = true
		default:
			c.SyntaxError()
			return
		}
	}
	if (o.Abort && (o.NoSave || o.Save || o.Now || o.Force)) || (o.NoSave && o.Save) {
		c.SyntaxError()
		return
	}
	if c.Srv == nil {
		c.Error(ErrShutdownErrors)
		return
	}
	// During a busy script only SHUTDOWN NOSAVE goes through: nothing is
	// saved, so the script's partial writes are lost with the rest and it
	// may be stopped whatever it wrote.
	run := c.St.busy
	if run != nil && !o.NoSave {
		c.Error(run.BusyError())
		return
	}
	if msg := c.Srv.Shutdown(o); msg != "" {
		c.Error(msg)
		return
	}
	if run != nil {
		run.Kill(true, false)
	}
	if o.Abort {
		c.W.OK()
		return
	}
	// The server is going down: no reply, the connection is closed.
	c.Client.CloseAfterReply = true
}

func monitorCmd(c *Ctx) {
	if c.Client.Monitor {
		return // already monitoring: Redis ignores it silently
	}
	if c.Client.InExec {
		c.Error(ErrMonitorDenyBlock)
		return
	}
	c.W.OK()
	if c.Srv != nil {
		c.Srv.Monitor(c.Client)
	}
}

// --- SLOWLOG ---

func slowlogGetCmd(c *Ctx) {
	count := int64(10)
	switch len(c.Args) {
	case 2:
	case 3:
		n, ok := parseInt(c.Args[2])
		if !ok || n < -1 {
			c.Error(ErrSlowlogCount)
			return
		}
		count = n
	default:
		c.subcommandSyntaxError()
		return
	}
	if count > math.MaxInt32 {
		count = math.MaxInt32
	}
	entries := c.St.Slowlog.Get(int(count))
	c.W.Array(len(entries))
	for _, e := range entries {
		c.W.Array(6)
		c.W.Int(e.ID)
		c.W.Int(e.Time)
		c.W.Int(e.Duration)
		c.W.Array(len(e.Args))
		for _, a := range e.Args {
			c.W.BulkString(a)
		}
		c.W.BulkString(e.Addr)
		c.W.BulkString(e.Name)
	}
}

func slowlogLenCmd(c *Ctx) { c.W.Int(int64(c.St.Slowlog.Len())) }

func slowlogResetCmd(c *Ctx) {
	c.St.Slowlog.Reset()
	c.W.OK()
}

func slowlogHelpCmd(c *Ctx) {
	replyHelp(c,
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	)
}

// --- MEMORY ---

func memoryUsageCmd(c *Ctx) {
	samples := int64(memoryDefaultSamples)
	for j := 3; j < len(c.Args); j++ {
		if eqFold(c.Args[j], "samples") && j+1 < len(c.Args) {
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				c.SyntaxError()
				return
			}
			if n == 0 {
				n = math.MaxInt64
			}
			samples = n
			j++
			continue
		}
		c.SyntaxError()
		return
	}
	// Redis looks the key up without counting or notifying anything.
	e := c.DB.Peek(c.Args[2], c.Now)
	if e == nil {
		c.W.Null()
		return
	}
	c.W.Int(entryMemoryUsage(e, samples))
}

func memoryStatsCmd(c *Ctx) {
	m := c.St.memFigures(c)
	var dbs []int
	for _, db := range c.KS.DBs {
		if db.Len() > 0 {
			dbs = append(dbs, db.ID)
		}
	}
	f32 := func(x float64) float64 { return float64(float32(x)) }
	c.W.Map(27 + len(dbs))
	kv := func(k string, v int64) {
		c.W.BulkString(k)
		c.W.Int(v)
	}
	kd := func(k string, v float64) {
		c.W.BulkString(k)
		c.W.Double(f32(v))
	}
	kv("peak.allocated", m.peak)
	kv("total.allocated", m.used)
	kv("startup.allocated", m.startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", m.clientsNormal)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, id := range dbs {
		db := c.KS.DBs[id]
		c.W.BulkString("db." + strconv.Itoa(id))
		c.W.Map(3)
		kv("overhead.hashtable.main", int64(db.Len())*dictEntryOverhead)
		kv("overhead.hashtable.expires", int64(db.Expires())*dictEntryOverhead/3)
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", m.overhead)
	kv("keys.count", m.keys)
	perKey := int64(0)
	if m.keys > 0 {
		perKey = (m.used - m.startup) / m.keys
	}
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", m.dataset)
	kd("dataset.percentage", 100*ratio(m.dataset, m.used-m.startup))
	kd("peak.percentage", 100*ratio(m.used, m.peak))
	kv("allocator.allocated", m.allocated)
	kv("allocator.active", m.active)
	kv("allocator.resident", m.resident)
	kd("allocator-fragmentation.ratio", ratio(m.active, m.allocated))
	kv("allocator-fragmentation.bytes", m.active-m.allocated)
	kd("allocator-rss.ratio", ratio(m.resident, m.active))
	kv("allocator-rss.bytes", m.resident-m.active)
	kd("rss-overhead.ratio", ratio(m.rss, m.resident))
	kv("rss-overhead.bytes", m.rss-m.resident)
	kd("fragmentation", ratio(m.rss, m.used))
	kv("fragmentation.bytes", m.rss-m.used)
}

func memoryDoctorCmd(c *Ctx) {
	if c.St.UsedMemory() < 5<<20 {
		c.W.Verbatim("txt", MemoryDoctorEmpty)
		return
	}
	c.W.Verbatim("txt", MemoryDoctorFine)
}

func memoryMallocStatsCmd(c *Ctx) {
	objects, unused, free, total, released := readMem()
	var b strings.Builder
	b.WriteString("___ Begin Go runtime memory statistics ___\n")
	for _, l := range []struct {
		k string
		v int64
	}{{"heap objects", objects}, {"heap unused", unused}, {"heap free", free}, {"heap released", released}, {"total mapped", total}} {
		b.WriteString(l.k + ": " + strconv.FormatInt(l.v, 10) + "\n")
	}
	b.WriteString("--- End Go runtime memory statistics ---\n")
	c.W.Verbatim("txt", b.String())
}

func memoryPurgeCmd(c *Ctx) {
	debug.FreeOSMemory()
	c.W.OK()
}

func memoryHelpCmd(c *Ctx) {
	replyHelp(c,
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	)
}

// --- LATENCY ---

type latencyEventView struct {
	name    string
	samples []LatencySample
	max     int64
}

func latencyEvents(l *Latency) []latencyEventView {
	evs := l.Events()
	out := make([]latencyEventView, 0, len(evs))
	for name, ev := range evs {
		if len(ev.Samples) == 0 {
			continue
		}
		out = append(out, latencyEventView{name, ev.Samples, ev.Max})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func latencyLatestCmd(c *Ctx) {
	evs := latencyEvents(c.St.Latency)
	c.W.Array(len(evs))
	for _, ev := range evs {
		last := ev.samples[len(ev.samples)-1]
		c.W.Array(4)
		c.W.BulkString(ev.name)
		c.W.Int(last.Time)
		c.W.Int(last.Ms)
		c.W.Int(ev.max)
	}
}

func findLatencyEvent(l *Latency, name string) *latencyEventView {
	for _, ev := range latencyEvents(l) {
		if ev.name == name {
			return &ev
		}
	}
	return nil
}

func latencyHistoryCmd(c *Ctx) {
	ev := findLatencyEvent(c.St.Latency, string(c.Args[2]))
	if ev == nil {
		c.W.Array(0)
		return
	}
	c.W.Array(len(ev.samples))
	for _, s := range ev.samples {
		c.W.Array(2)
		c.W.Int(s.Time)
		c.W.Int(s.Ms)
	}
}

func latencyResetCmd(c *Ctx) {
	names := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		names = append(names, string(a))
	}
	c.W.Int(int64(c.St.Latency.Reset(names...)))
}

func latencyGraphCmd(c *Ctx) {
	ev := findLatencyEvent(c.St.Latency, string(c.Args[2]))
	if ev == nil {
		c.Errorf(ErrLatencyNoSamples, cstr(c.Args[2]))
		return
	}
	c.W.Verbatim("txt", latencyGraph(ev, time.Now().Unix()))
}

// latencyGraph draws an event's samples as Redis's LATENCY GRAPH does: a
// header, a rule, then a 4-row sparkline (filled style) with each sample's
// age as a vertical label underneath.
func latencyGraph(ev *latencyEventView, now int64) string {
	var b strings.Builder
	minMs, maxMs := ev.samples[0].Ms, ev.samples[0].Ms
	labels := make([]string, len(ev.samples))
	values := make([]float64, len(ev.samples))
	for i, s := range ev.samples {
		minMs = min(minMs, s.Ms)
		maxMs = max(maxMs, s.Ms)
		el := now - s.Time
		switch {
		case el < 60:
			labels[i] = strconv.FormatInt(el, 10) + "s"
		case el < 3600:
			labels[i] = strconv.FormatInt(el/60, 10) + "m"
		case el < 86400:
			labels[i] = strconv.FormatInt(el/3600, 10) + "h"
		default:
			labels[i] = strconv.FormatInt(el/86400, 10) + "d"
		}
		values[i] = float64(s.Ms)
	}
	b.WriteString(ev.name + " - high " + strconv.FormatInt(maxMs, 10) + " ms, low " + strconv.FormatInt(minMs, 10) +
		" ms (all time high " + strconv.FormatInt(ev.max, 10) + " ms)\n")
	b.WriteString(strings.Repeat("-", 80) + "\n")
	for off := 0; off < len(values); off += 80 {
		if off > 0 {
			b.WriteByte('\n')
		}
		end := min(off+80, len(values))
		sparkline(&b, values[off:end], labels[off:end], float64(minMs), float64(maxMs), 4)
	}
	return b.String()
}

// sparkline renders values in rows*3 steps using "_o#" (and '|' below the
// top character of a column), then the labels one character per line.
func sparkline(b *strings.Builder, values []float64, labels []string, lo, hi float64, rows int) {
	const chars = "_o#"
	steps := len(chars) * rows
	rel := hi - lo
	if rel == 0 {
		rel = 1
	}
	line := make([]byte, len(values))
	for row := 0; row < rows; row++ {
		for j, v := range values {
			step := int((v - lo) * float64(steps) / rel)
			step = max(0, min(step, steps-1))
			idx := step - (rows-row-1)*len(chars)
			switch {
			case idx >= 0 && idx < len(chars):
				line[j] = chars[idx]
			case idx >= len(chars):
				line[j] = '|'
			default:
				line[j] = ' '
			}
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	// One blank line, then the labels written vertically.
	b.WriteString(strings.Repeat(" ", len(values)) + "\n")
	for k := 0; ; k++ {
		any := false
		for j := range values {
			line[j] = ' '
			if k < len(labels[j]) {
				line[j] = labels[j][k]
				any = true
			}
		}
		if !any {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

func latencyDoctorCmd(c *Ctx) {
	c.W.Verbatim("txt", latencyReport(c.St, time.Now().Unix()))
}

// latencyReport is LATENCY DOCTOR's text.
func latencyReport(s *State, now int64) string {
	if s.Latency.thresholdMs.Load() <= 0 {
		return LatencyDoctorDisabled
	}
	evs := latencyEvents(s.Latency)
	if len(evs) == 0 {
		return LatencyDoctorNothing
	}
	var b strings.Builder
	b.WriteString(LatencyDoctorIntro)
	commandSpikes := false
	for i, ev := range evs {
		var sum int64
		for _, smp := range ev.samples {
			sum += smp.Ms
		}
		n := int64(len(ev.samples))
		avg := sum / n
		var dev int64
		for _, smp := range ev.samples {
			d := smp.Ms - avg
			if d < 0 {
				d = -d
			}
			dev += d
		}
		dev /= n
		period := float64(now-ev.samples[0].Time) / float64(n)
		if period <= 0 {
			period = 1
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + ev.name + ": " + strconv.FormatInt(n, 10) +
			" latency spikes (average " + strconv.FormatInt(avg, 10) + "ms, mean deviation " +
			strconv.FormatInt(dev, 10) + "ms, period " + strconv.FormatFloat(period, 'f', 2, 64) +
			" sec). Worst all time event " + strconv.FormatInt(ev.max, 10) + "ms.\n")
		if ev.name == "command" || ev.name == "fast-command" {
			commandSpikes = true
		}
	}
	b.WriteString("\nI have a few advices for you:\n\n")
	if commandSpikes {
		b.WriteString(LatencyAdviceSlowlog)
		b.WriteString(LatencyAdviceBigObjects)
	} else {
		b.WriteString(LatencyAdviceGeneric)
	}
	return b.String()
}

func latencyHistogramCmd(c *Ctx) {
	type item struct {
		cmd *Command
		h   *latHist
	}
	var items []item
	if len(c.Args) == 2 {
		for _, cmd := range statCommands(c.Table) {
			if h := c.St.hists[cmd]; h != nil && h.calls > 0 {
				items = append(items, item{cmd, h})
			}
		}
	} else {
		for _, a := range c.Args[2:] {
			cmd := c.Table.LookupFull(string(a))
			if cmd == nil {
				continue
			}
			targets := []*Command{cmd}
			if cmd.Subs != nil {
				targets = nil
				for _, sc := range statCommands(c.Table) {
					if sc.Parent == cmd {
						targets = append(targets, sc)
					}
				}
			}
			for _, t := range targets {
				if h := c.St.hists[t]; h != nil && h.calls > 0 {
					items = append(items, item{t, h})
				}
			}
		}
	}
	c.W.Map(len(items))
	for _, it := range items {
		c.W.BulkString(it.cmd.Name)
		c.W.Map(2)
		c.W.BulkString("calls")
		c.W.Int(it.h.calls)
		c.W.BulkString("histogram_usec")
		nb := 0
		for _, n := range it.h.coarse {
			if n > 0 {
				nb++
			}
		}
		c.W.Map(nb)
		var cum int64
		for k, n := range it.h.coarse {
			if n == 0 {
				continue
			}
			cum += n
			c.W.Int(coarseTopUsec(k))
			c.W.Int(cum)
		}
	}
}

func latencyHelpCmd(c *Ctx) {
	replyHelp(c,
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	)
}
