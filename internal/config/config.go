// Package config is enclavekv's configuration: the registry of every Redis
// 7.0 option (names, aliases, types, limits, defaults, flags), parsing of
// redis.conf files and redis-server style command lines, and the data side
// of CONFIG GET / SET / REWRITE / RESETSTAT.
//
// Behaviour and error texts follow redis-server 7.0.15 byte for byte; see
// config_test.go for the cases checked against the real server.
//
// A *Config is safe for concurrent use: readers load an immutable snapshot
// (one atomic load, no lock), writers (Set, Rewrite) are serialized.
package config

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/enclavekv/enclavekv/internal/glob"
)

// RedisVersion is the Redis version enclavekv reproduces; it appears in the
// fatal config error banner.
const RedisVersion = "7.0.15"

// Config holds the server configuration.
type Config struct {
	vals atomic.Pointer[[]value]

	mu   sync.Mutex // serializes Set and Rewrite
	file string     // absolute path of the config file, "" if none

	hookMu       sync.RWMutex
	hooks        map[*option][]func(*Config) error
	resetHooks   []func()
	userRewriter func() []string
	hostMay      func(name string) bool
	dropped      func(names []string)
	defNum       map[*option]int64 // numeric defaults replaced by SetDefault

	// Directives that are not options, in file order. They are filled by
	// Parse and never modified afterwards.
	RenameCommands [][2]string // rename-command <from> <to> ("" = remove)
	Users          [][]string  // user <name> <rules...> (arguments after "user")
	LoadModules    [][]string  // loadmodule <path> <args...>
	ModuleConfigs  [][2]string // <module>.<name> <value> (lowercase name)
}

// New returns a configuration with every option at its default value and
// dir set to the current working directory.
func New() *Config {
	c := &Config{}
	vals := defaultValues(physicalCwd())
	c.vals.Store(&vals)
	return c
}

func physicalCwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	if r, err := filepath.EvalSymlinks(wd); err == nil {
		return r
	}
	return wd
}

func (c *Config) load() []value { return *c.vals.Load() }

// File returns the absolute path of the config file the server was started
// with, or "" when it was started without one.
func (c *Config) File() string { return c.file }

// Get implements CONFIG GET <pattern> [<pattern> ...]. A pattern without
// glob characters ("*?[") is an exact, case-insensitive lookup reported
// under the name as typed; a glob pattern is matched case-insensitively
// against every name and alias (hidden options excluded) and reports the
// registry name. Each name is reported at most once. Redis returns the
// pairs in dict order, which is random per process; here the order is that
// of the patterns, then registry order.
func (c *Config) Get(patterns ...string) [][2]string {
	vals := c.load()
	var out [][2]string
	seen := make(map[string]bool)
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			lk := asciiLower(pat)
			if seen[lk] {
				continue
			}
			if k := lookup(lk); k != nil {
				seen[lk] = true
				out = append(out, [2]string{pat, format(k.opt, &vals[k.opt.idx])})
			}
			continue
		}
		for i := range regKeys {
			k := &regKeys[i]
			if k.opt.flags&fHidden != 0 || seen[k.key] {
				continue
			}
			if glob.MatchString(pat, k.key, true) {
				seen[k.key] = true
				out = append(out, [2]string{k.key, format(k.opt, &vals[k.opt.idx])})
			}
		}
	}
	return out
}

// ReplyError is an error whose text is the exact RESP error line Redis
// sends (including the "ERR " prefix); the command layer writes it as-is.
type ReplyError struct{ Msg string }

func (e *ReplyError) Error() string { return e.Msg }

func setFailed(arg, msg string) *ReplyError {
	if msg == "" {
		return &ReplyError{"ERR CONFIG SET failed (possibly related to argument '" + arg + "')"}
	}
	return &ReplyError{"ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + msg}
}

// Set implements CONFIG SET name value [name value ...] for a client that
// is not local (see SetFrom).
func (c *Config) Set(pairs [][2]string) error { return c.SetFrom(pairs, false) }

// SetFrom implements CONFIG SET. local tells whether the client connected
// over loopback or a unix socket, which matters for protected configs (dir,
// dbfilename) when enable-protected-configs is "local".
//
// All pairs are checked first (unknown name, immutable, protected,
// duplicate), then all values are parsed and set, then the OnChange hooks of
// the changed options run; any failure leaves every option as it was (hooks
// that already ran are called again after the rollback). Errors are
// *ReplyError with Redis's text.
func (c *Config) SetFrom(pairs [][2]string, local bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.load()

	keys := make([]*regKey, len(pairs))
	var invalidArg, errArg, errMsg string
	invalid := false
	for i, p := range pairs {
		k := lookup(p[0])
		if k == nil {
			if !invalid {
				invalidArg = p[0]
				invalid = true
			}
			continue
		}
		if invalid {
			continue
		}
		o := k.opt
		if o.flags&fImmutable != 0 || (o.flags&fProtected != 0 && !allowProtected(cur, local)) {
			errMsg = "can't set protected config"
			if o.flags&fImmutable != 0 {
				errMsg = "can't set immutable config"
			}
			errArg = p[0]
			invalid = true
			continue
		}
		for j := 0; j < i; j++ {
			if keys[j] == k {
				errMsg = "duplicate parameter"
				errArg = p[0]
				invalid = true
				break
			}
		}
		keys[i] = k
	}
	if invalid {
		if invalidArg != "" {
			return &ReplyError{"ERR Unknown option or number of arguments for CONFIG SET - '" + invalidArg + "'"}
		}
		return setFailed(errArg, errMsg)
	}

	work := make([]value, len(cur))
	copy(work, cur)
	ctx := &setCtx{c: c, vals: work, file: c.file}
	var changed []*regKey
	for i, p := range pairs {
		o := keys[i].opt
		var args []string
		if o.flags&fMultiArg != 0 {
			if p[1] != "" {
				args = strings.Split(p[1], " ")
			}
		} else {
			args = []string{p[1]}
		}
		ch, msg := ctx.set(o, args)
		if msg != "" {
			return setFailed(keys[i].key, msg)
		}
		if ch {
			dup := false
			for _, k := range changed {
				if k.opt == o {
					dup = true
				}
			}
			if !dup {
				changed = append(changed, keys[i])
			}
		}
	}
	c.vals.Store(&work)

	c.hookMu.RLock()
	type call struct {
		k  *regKey
		fn func(*Config) error
	}
	var calls []call
	for _, k := range changed {
		for _, fn := range c.hooks[k.opt] {
			calls = append(calls, call{k, fn})
		}
	}
	c.hookMu.RUnlock()
	for _, cl := range calls {
		if err := cl.fn(c); err != nil {
			c.vals.Store(&cur)
			for _, again := range calls {
				_ = again.fn(c)
			}
			return setFailed(cl.k.key, err.Error())
		}
	}
	return nil
}

func allowProtected(vals []value, local bool) bool {
	switch vals[optProtCfgs.idx].n {
	case 1: // yes
		return true
	case 2: // local
		return local
	}
	return false
}

// OnChange registers fn to run after CONFIG SET changed the option name
// (or its alias); fn sees the new values through c. If fn returns an error
// the whole CONFIG SET is rolled back and fails with
// "ERR CONFIG SET failed (possibly related to argument '<name>') - <err>".
// Hooks are not called for the initial configuration.
func (c *Config) OnChange(name string, fn func(c *Config) error) {
	k := lookup(name)
	if k == nil {
		panic("config: OnChange for unknown option " + name)
	}
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	if c.hooks == nil {
		c.hooks = make(map[*option][]func(*Config) error)
	}
	c.hooks[k.opt] = append(c.hooks[k.opt], fn)
}

// OnResetStat registers fn to be called by ResetStat (CONFIG RESETSTAT).
func (c *Config) OnResetStat(fn func()) {
	c.hookMu.Lock()
	c.resetHooks = append(c.resetHooks, fn)
	c.hookMu.Unlock()
}

// ResetStat runs the functions registered with OnResetStat, in order.
func (c *Config) ResetStat() {
	c.hookMu.RLock()
	fns := append([]func(){}, c.resetHooks...)
	c.hookMu.RUnlock()
	for _, fn := range fns {
		fn()
	}
}

// SetUserRewriter sets the function CONFIG REWRITE uses to produce the
// "user ..." lines (each a full line, e.g. "user default on nopass ~* &*
// +@all"), as Redis writes its ACL users when there is no aclfile. Without
// it, existing user lines are left untouched.
func (c *Config) SetUserRewriter(fn func() []string) {
	c.hookMu.Lock()
	c.userRewriter = fn
	c.hookMu.Unlock()
}

// SetHostFilter tells CONFIG REWRITE which options the host may set (see
// ParseOptions.HostMay): the others are left out of the rewritten file,
// since the next start would refuse a file that sets them. dropped, if not
// nil, is called after a rewrite with the names of those left out whose
// value is not the default: settings that will not survive a restart.
func (c *Config) SetHostFilter(hostMay func(name string) bool, dropped func(names []string)) {
	c.hookMu.Lock()
	c.hostMay, c.dropped = hostMay, dropped
	c.hookMu.Unlock()
}

// SetDefault gives a numeric option another default for this server (the
// enclave manifest's maxmemory and port): the option takes the value, and
// CONFIG REWRITE treats the value as the default, writing it only over an
// existing line. Call it at start, before serving.
func (c *Config) SetDefault(name, value string) error {
	k := lookup(name)
	if k == nil || k.opt.kind != kindNumeric {
		return &ReplyError{"ERR SetDefault: " + name + " is not a numeric option"}
	}
	if err := c.Set([][2]string{{name, value}}); err != nil {
		return err
	}
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	if c.defNum == nil {
		c.defNum = map[*option]int64{}
	}
	c.defNum[k.opt] = c.load()[k.opt.idx].n
	return nil
}

// Typed getters. They panic on an unknown option name (a programming
// error); aliases are accepted.

func (c *Config) get(name string) (*option, *value) {
	k := lookup(name)
	if k == nil {
		panic("config: unknown option " + name)
	}
	vals := c.load()
	return k.opt, &vals[k.opt.idx]
}

// Int returns a numeric option's value (an unsigned value above MaxInt64 is
// capped), a bool as 0/1, an enum's Redis value, the notify-keyspace-events
// flags (Notify*), or the port of replicaof.
func (c *Config) Int(name string) int64 {
	o, v := c.get(name)
	if o.kind == kindNumeric && o.unsigned && v.n < 0 {
		return math.MaxInt64
	}
	return v.n
}

// Uint returns a numeric option's value as Redis's unsigned types see it
// (maxmemory, client-query-buffer-limit ...).
func (c *Config) Uint(name string) uint64 {
	_, v := c.get(name)
	return uint64(v.n)
}

// Bool returns a yes/no option.
func (c *Config) Bool(name string) bool {
	_, v := c.get(name)
	return v.n != 0
}

// String returns the option exactly as CONFIG GET shows it (the string
// itself for string options, "" when unset; the enum name for enums ...).
func (c *Config) String(name string) string {
	o, v := c.get(name)
	return format(o, v)
}

// Strings returns the words of a list option: the addresses of bind, the
// host and port of replicaof; for any other option the space separated
// words of its CONFIG GET value.
func (c *Config) Strings(name string) []string {
	o, v := c.get(name)
	if o.sp == spBind {
		return append([]string{}, v.strs...)
	}
	return strings.Fields(format(o, v))
}

// SavePoints returns the "save" rules.
func (c *Config) SavePoints() []SavePoint {
	v := c.load()[optSaveOpt.idx]
	return append([]SavePoint{}, v.save...)
}

// ClientOutputBufferLimits returns the limits indexed by ClassNormal,
// ClassReplica, ClassPubsub.
func (c *Config) ClientOutputBufferLimits() [3]OBufLimit {
	return c.load()[optOBufOpt.idx].obuf
}

// NotifyKeyspaceEvents returns notify-keyspace-events as Notify* flags.
func (c *Config) NotifyKeyspaceEvents() int {
	return int(c.load()[optNotifyOpt.idx].n)
}

// OOMScoreAdjValues returns oom-score-adj-values (master, replica, bgchild).
func (c *Config) OOMScoreAdjValues() [3]int {
	return c.load()[optOOMValsOpt.idx].oom
}

// LatencyPercentiles returns latency-tracking-info-percentiles.
func (c *Config) LatencyPercentiles() []float64 {
	return append([]float64{}, c.load()[optLatencyPcts.idx].pct...)
}

// ReplicaOf returns the master configured with replicaof / slaveof.
func (c *Config) ReplicaOf() (host string, port int, ok bool) {
	v := c.load()[optReplicaOf.idx]
	if v.null {
		return "", 0, false
	}
	return v.s, int(v.n), true
}

// IsSet reports whether a string option has a value (Redis's non-NULL),
// e.g. requirepass, unixsocket, pidfile.
func (c *Config) IsSet(name string) bool {
	o, v := c.get(name)
	if o.kind == kindString {
		return !v.null
	}
	return true
}

// Dir returns the working directory (the "dir" option, absolute).
func (c *Config) Dir() string { return c.load()[optDir.idx].s }

// ResolvePath interprets a path from the configuration (dbfilename, logfile,
// pidfile, ...) the way Redis does after chdir(dir): relative paths are
// relative to dir.
func (c *Config) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir(), p)
}
