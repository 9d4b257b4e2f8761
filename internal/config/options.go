package config

import "math"

// kind is the value type of an option, mirroring the standardConfig types of
// Redis 7.0 (src/config.c).
type kind uint8

const (
	kindBool    kind = iota // yes/no
	kindString              // string and sds configs
	kindEnum                // one (or, with fMultiArg, several) names from a fixed list
	kindNumeric             // integers, memory sizes, percentages, octal
	kindSpecial             // save, bind, dir, ... with their own parser
)

// flag mirrors the Redis config flags.
type flag uint16

const (
	fImmutable   flag = 1 << iota // CONFIG SET refuses it ("can't set immutable config")
	fSensitive                    // value must be redacted from slowlog/monitor
	fHidden                       // CONFIG GET patterns never match it, only its exact name
	fProtected                    // CONFIG SET needs enable-protected-configs
	fDenyLoading                  // CONFIG SET refused while loading
	fMultiArg                     // several arguments (config file) / space separated (CONFIG SET)
	fDebug                        // DEBUG_CONFIG in Redis (informational)
	fEmptyIsNull                  // string: an empty value means "unset" (NULL in Redis)
)

// numFlag selects the textual forms a numeric option accepts.
type numFlag uint8

const (
	numMemory  numFlag = 1 << iota // 1gb, 512mb, 100k ...
	numPercent                     // N% (stored negated, as Redis does)
	numOctal                       // 0777
)

// special identifies the options that have their own parser.
type special uint8

const (
	spNone special = iota
	spDir
	spSave
	spClientOutputBufferLimit
	spOOMScoreAdjValues
	spNotifyKeyspaceEvents
	spBind
	spReplicaOf
	spLatencyPercentiles
)

type enumItem struct {
	name string
	val  int
}

// option is one entry of the registry.
type option struct {
	name  string // primary name (lowercase)
	alias string // alternative name, "" if none
	kind  kind
	flags flag

	// defaults
	defBool bool
	defStr  string // for kindString; defNull means the default is "unset"
	defNull bool
	defNum  int64 // numeric value, enum value

	// kindString
	validStr func(c *Config, v string) string // returns an error text or ""

	// kindEnum
	enum      []enumItem
	validEnum func(v int) string

	// kindNumeric
	lower, upper int64 // bounds; for unsigned types they hold the uint64 bits
	unsigned     bool  // bounds are checked as unsigned (uint, unsigned long long, size_t)
	nflags       numFlag

	// kindSpecial
	sp special

	idx int // position in the registry
}

const (
	intMax    = math.MaxInt32
	intMin    = math.MinInt32
	uintMax   = math.MaxUint32
	longMax   = math.MaxInt64
	llongMax  = math.MaxInt64
	ullongMax = -1 // ULLONG_MAX as int64 bits
	ssizeMax  = math.MaxInt64
)

// Enum values follow Redis's C constants so Int() returns what Redis stores.
var (
	enumMaxmemoryPolicy = []enumItem{
		{"volatile-lru", 1}, {"volatile-lfu", 258}, {"volatile-random", 768}, {"volatile-ttl", 512},
		{"allkeys-lru", 1029}, {"allkeys-lfu", 1286}, {"allkeys-random", 1540}, {"noeviction", 1792},
	}
	enumSyslogFacility = []enumItem{
		{"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152},
		{"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184},
	}
	enumLoglevel       = []enumItem{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	enumSupervised     = []enumItem{{"upstart", 3}, {"systemd", 2}, {"auto", 1}, {"no", 0}}
	enumAOFFsync       = []enumItem{{"everysec", 2}, {"always", 1}, {"no", 0}}
	enumDisklessLoad   = []enumItem{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	enumTLSAuthClients = []enumItem{{"no", 0}, {"yes", 1}, {"optional", 2}}
	enumOOMScoreAdj    = []enumItem{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	enumACLPubsub      = []enumItem{{"allchannels", 8}, {"resetchannels", 0}}
	enumSanitize       = []enumItem{{"no", 0}, {"yes", 1}, {"clients", 2}}
	enumProtected      = []enumItem{{"no", 0}, {"yes", 1}, {"local", 2}}
	enumEndpointType   = []enumItem{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	enumPropagationErr = []enumItem{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
	// Bit flags (multi-arg enum).
	enumShutdownOnSig = []enumItem{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}
)

// Shutdown flags as stored for shutdown-on-sigint / shutdown-on-sigterm.
const (
	ShutdownSave   = 1
	ShutdownNoSave = 2
	ShutdownNow    = 4
	ShutdownForce  = 8
)

func boolOpt(name, alias string, fl flag, def bool) *option {
	return &option{name: name, alias: alias, kind: kindBool, flags: fl, defBool: def}
}

// strOpt declares a string option. A default of nil-string is expressed with
// null=true (Redis's NULL default, only meaningful with fEmptyIsNull).
func strOpt(name, alias string, fl flag, def string, null bool, valid func(*Config, string) string) *option {
	return &option{name: name, alias: alias, kind: kindString, flags: fl, defStr: def, defNull: null, validStr: valid}
}

func enumOpt(name, alias string, fl flag, items []enumItem, def int, valid func(int) string) *option {
	return &option{name: name, alias: alias, kind: kindEnum, flags: fl, enum: items, defNum: int64(def), validEnum: valid}
}

func intOpt(name, alias string, fl flag, lo, hi, def int64, nf numFlag) *option {
	return &option{name: name, alias: alias, kind: kindNumeric, flags: fl, lower: lo, upper: hi, defNum: def, nflags: nf}
}

func uintOpt(name, alias string, fl flag, lo, hi, def int64, nf numFlag) *option {
	o := intOpt(name, alias, fl, lo, hi, def, nf)
	o.unsigned = true
	return o
}

func specialOpt(name, alias string, fl flag, sp special) *option {
	return &option{name: name, alias: alias, kind: kindSpecial, flags: fl, sp: sp}
}

const (
	mod  flag = 0 // MODIFIABLE_CONFIG
	imm       = fImmutable
	null      = fEmptyIsNull
)

// registry lists every option of Redis 7.0.15, in the order of Redis's
// static_configs table (with the 7.0.x additions).
var registry = []*option{
	// Bool configs
	boolOpt("rdbchecksum", "", imm, true),
	boolOpt("daemonize", "", imm, false),
	boolOpt("io-threads-do-reads", "", fDebug|imm, false),
	boolOpt("always-show-logo", "", imm, false),
	boolOpt("protected-mode", "", mod, true),
	boolOpt("rdbcompression", "", mod, true),
	boolOpt("rdb-del-sync-files", "", mod, false),
	boolOpt("activerehashing", "", mod, true),
	boolOpt("stop-writes-on-bgsave-error", "", mod, true),
	boolOpt("set-proc-title", "", imm, true),
	boolOpt("dynamic-hz", "", mod, true),
	boolOpt("lazyfree-lazy-eviction", "", fDebug, false),
	boolOpt("lazyfree-lazy-expire", "", fDebug, false),
	boolOpt("lazyfree-lazy-server-del", "", fDebug, false),
	boolOpt("lazyfree-lazy-user-del", "", fDebug, false),
	boolOpt("lazyfree-lazy-user-flush", "", fDebug, false),
	boolOpt("repl-disable-tcp-nodelay", "", mod, false),
	boolOpt("repl-diskless-sync", "", fDebug, true),
	boolOpt("aof-rewrite-incremental-fsync", "", mod, true),
	boolOpt("no-appendfsync-on-rewrite", "", mod, false),
	boolOpt("cluster-require-full-coverage", "", mod, true),
	boolOpt("rdb-save-incremental-fsync", "", mod, true),
	boolOpt("aof-load-truncated", "", mod, true),
	boolOpt("aof-use-rdb-preamble", "", mod, true),
	boolOpt("aof-timestamp-enabled", "", mod, false),
	boolOpt("cluster-replica-no-failover", "cluster-slave-no-failover", mod, false),
	boolOpt("replica-lazy-flush", "slave-lazy-flush", mod, false),
	boolOpt("replica-serve-stale-data", "slave-serve-stale-data", mod, true),
	boolOpt("replica-read-only", "slave-read-only", fDebug, true),
	boolOpt("replica-ignore-maxmemory", "slave-ignore-maxmemory", mod, true),
	boolOpt("jemalloc-bg-thread", "", mod, true),
	boolOpt("activedefrag", "", fDebug, false),
	boolOpt("syslog-enabled", "", imm, false),
	boolOpt("cluster-enabled", "", imm, false),
	boolOpt("appendonly", "", fDenyLoading, false),
	boolOpt("cluster-allow-reads-when-down", "", mod, false),
	boolOpt("cluster-allow-pubsubshard-when-down", "", mod, true),
	boolOpt("crash-log-enabled", "", mod, true),
	boolOpt("crash-memcheck-enabled", "", mod, true),
	boolOpt("use-exit-on-panic", "", fHidden, false),
	boolOpt("disable-thp", "", imm, true),
	boolOpt("cluster-allow-replica-migration", "", mod, true),
	boolOpt("replica-announced", "", mod, true),
	boolOpt("latency-tracking", "", mod, true),
	boolOpt("aof-disable-auto-gc", "", mod, false),
	boolOpt("replica-ignore-disk-write-errors", "", mod, false),

	// String configs
	strOpt("aclfile", "", imm, "", false, nil),
	strOpt("unixsocket", "", imm|null, "", true, nil),
	strOpt("pidfile", "", imm|null, "", true, nil),
	strOpt("replica-announce-ip", "slave-announce-ip", null, "", true, nil),
	strOpt("masteruser", "", fSensitive|null, "", true, nil),
	strOpt("cluster-announce-ip", "", null, "", true, nil),
	strOpt("cluster-config-file", "", imm, "nodes.conf", false, nil),
	strOpt("cluster-announce-hostname", "", null, "", true, validAnnouncedHostname),
	strOpt("syslog-ident", "", imm, "redis", false, nil),
	strOpt("dbfilename", "", fProtected, "dump.rdb", false, validDBFilename),
	strOpt("appendfilename", "", imm, "appendonly.aof", false, validAOFFilename),
	strOpt("appenddirname", "", imm, "appendonlydir", false, validAOFDirname),
	strOpt("server_cpulist", "", imm|null, "", true, nil),
	strOpt("bio_cpulist", "", imm|null, "", true, nil),
	strOpt("aof_rewrite_cpulist", "", imm|null, "", true, nil),
	strOpt("bgsave_cpulist", "", imm|null, "", true, nil),
	strOpt("ignore-warnings", "", mod, "", false, nil),
	strOpt("proc-title-template", "", mod, "{title} {listen-addr} {server-mode}", false, validProcTitleTemplate),
	strOpt("bind-source-addr", "", null, "", true, nil),
	strOpt("logfile", "", imm, "", false, nil),
	// SDS configs
	strOpt("masterauth", "", fSensitive|null, "", true, nil),
	strOpt("requirepass", "", fSensitive|null, "", true, nil),

	// Enum configs
	enumOpt("supervised", "", imm, enumSupervised, 0, nil),
	enumOpt("syslog-facility", "", imm, enumSyslogFacility, 128, nil),
	enumOpt("repl-diskless-load", "", fDebug|fDenyLoading, enumDisklessLoad, 0, nil),
	enumOpt("loglevel", "", mod, enumLoglevel, 2, nil),
	enumOpt("maxmemory-policy", "", mod, enumMaxmemoryPolicy, 1792, nil),
	enumOpt("appendfsync", "", mod, enumAOFFsync, 2, nil),
	enumOpt("oom-score-adj", "", mod, enumOOMScoreAdj, 0, nil),
	enumOpt("acl-pubsub-default", "", mod, enumACLPubsub, 0, nil),
	enumOpt("sanitize-dump-payload", "", fDebug, enumSanitize, 0, nil),
	enumOpt("enable-protected-configs", "", imm, enumProtected, 0, nil),
	enumOpt("enable-debug-command", "", imm, enumProtected, 0, nil),
	enumOpt("enable-module-command", "", imm, enumProtected, 0, nil),
	enumOpt("cluster-preferred-endpoint-type", "", mod, enumEndpointType, 0, nil),
	enumOpt("propagation-error-behavior", "", mod, enumPropagationErr, 0, nil),
	enumOpt("shutdown-on-sigint", "", fMultiArg, enumShutdownOnSig, 0, validShutdownFlags),
	enumOpt("shutdown-on-sigterm", "", fMultiArg, enumShutdownOnSig, 0, validShutdownFlags),

	// Integer configs
	intOpt("databases", "", imm, 1, intMax, 16, 0),
	intOpt("port", "", mod, 0, 65535, 6379, 0),
	intOpt("io-threads", "", fDebug|imm, 1, 128, 1, 0),
	intOpt("auto-aof-rewrite-percentage", "", mod, 0, intMax, 100, 0),
	intOpt("cluster-replica-validity-factor", "cluster-slave-validity-factor", mod, 0, intMax, 10, 0),
	intOpt("list-max-listpack-size", "list-max-ziplist-size", mod, intMin, intMax, -2, 0),
	intOpt("tcp-keepalive", "", mod, 0, intMax, 300, 0),
	intOpt("cluster-migration-barrier", "", mod, 0, intMax, 1, 0),
	intOpt("active-defrag-cycle-min", "", mod, 1, 99, 1, 0),
	intOpt("active-defrag-cycle-max", "", mod, 1, 99, 25, 0),
	intOpt("active-defrag-threshold-lower", "", mod, 0, 1000, 10, 0),
	intOpt("active-defrag-threshold-upper", "", mod, 0, 1000, 100, 0),
	intOpt("lfu-log-factor", "", mod, 0, intMax, 10, 0),
	intOpt("lfu-decay-time", "", mod, 0, intMax, 1, 0),
	intOpt("replica-priority", "slave-priority", mod, 0, intMax, 100, 0),
	intOpt("repl-diskless-sync-delay", "", mod, 0, intMax, 5, 0),
	intOpt("maxmemory-samples", "", mod, 1, intMax, 5, 0),
	intOpt("maxmemory-eviction-tenacity", "", mod, 0, 100, 10, 0),
	intOpt("timeout", "", mod, 0, intMax, 0, 0),
	intOpt("replica-announce-port", "slave-announce-port", mod, 0, 65535, 0, 0),
	intOpt("tcp-backlog", "", imm, 0, intMax, 511, 0),
	intOpt("cluster-port", "", imm, 0, 65535, 0, 0),
	intOpt("cluster-announce-bus-port", "", mod, 0, 65535, 0, 0),
	intOpt("cluster-announce-port", "", mod, 0, 65535, 0, 0),
	intOpt("cluster-announce-tls-port", "", mod, 0, 65535, 0, 0),
	intOpt("repl-timeout", "", mod, 1, intMax, 60, 0),
	intOpt("repl-ping-replica-period", "repl-ping-slave-period", mod, 1, intMax, 10, 0),
	intOpt("list-compress-depth", "", fDebug, 0, intMax, 0, 0),
	intOpt("rdb-key-save-delay", "", fHidden, intMin, intMax, 0, 0),
	intOpt("key-load-delay", "", fHidden, intMin, intMax, 0, 0),
	intOpt("active-expire-effort", "", mod, 1, 10, 1, 0),
	intOpt("hz", "", mod, 0, intMax, 10, 0),
	intOpt("min-replicas-to-write", "min-slaves-to-write", mod, 0, intMax, 0, 0),
	intOpt("min-replicas-max-lag", "min-slaves-max-lag", mod, 0, intMax, 10, 0),
	intOpt("watchdog-period", "", fHidden, 0, intMax, 0, 0),
	intOpt("shutdown-timeout", "", mod, 0, intMax, 10, 0),
	intOpt("repl-diskless-sync-max-replicas", "", mod, 0, intMax, 0, 0),

	// Unsigned int configs
	uintOpt("maxclients", "", mod, 1, uintMax, 10000, 0),
	uintOpt("unixsocketperm", "", imm, 0, 0777, 0, numOctal),
	uintOpt("socket-mark-id", "", imm, 0, uintMax, 0, 0),

	// Unsigned long configs (bounds checked as signed, like Redis)
	intOpt("active-defrag-max-scan-fields", "", mod, 1, longMax, 1000, 0),
	intOpt("slowlog-max-len", "", mod, 0, longMax, 128, 0),
	intOpt("acllog-max-len", "", mod, 0, longMax, 128, 0),

	// Long long configs
	intOpt("busy-reply-threshold", "lua-time-limit", mod, 0, longMax, 5000, 0),
	intOpt("cluster-node-timeout", "", mod, 0, llongMax, 15000, 0),
	intOpt("slowlog-log-slower-than", "", mod, -1, llongMax, 10000, 0),
	intOpt("latency-monitor-threshold", "", mod, 0, llongMax, 0, 0),
	intOpt("proto-max-bulk-len", "", fDebug, 1024*1024, longMax, 512*1024*1024, numMemory),
	intOpt("stream-node-max-entries", "", mod, 0, llongMax, 100, 0),
	intOpt("repl-backlog-size", "", mod, 1, llongMax, 1024*1024, numMemory),

	// Unsigned long long configs
	uintOpt("maxmemory", "", mod, 0, ullongMax, 0, numMemory),
	uintOpt("cluster-link-sendbuf-limit", "", mod, 0, ullongMax, 0, numMemory),

	// Size_t configs
	uintOpt("hash-max-listpack-entries", "hash-max-ziplist-entries", mod, 0, longMax, 512, 0),
	uintOpt("set-max-intset-entries", "", mod, 0, longMax, 512, 0),
	uintOpt("zset-max-listpack-entries", "zset-max-ziplist-entries", mod, 0, longMax, 128, 0),
	uintOpt("active-defrag-ignore-bytes", "", mod, 1, llongMax, 100<<20, numMemory),
	uintOpt("hash-max-listpack-value", "hash-max-ziplist-value", mod, 0, longMax, 64, numMemory),
	uintOpt("stream-node-max-bytes", "", mod, 0, longMax, 4096, numMemory),
	uintOpt("zset-max-listpack-value", "zset-max-ziplist-value", mod, 0, longMax, 64, numMemory),
	uintOpt("hll-sparse-max-bytes", "", mod, 0, longMax, 3000, numMemory),
	uintOpt("tracking-table-max-keys", "", mod, 0, longMax, 1000000, 0),
	uintOpt("client-query-buffer-limit", "", fDebug, 1024*1024, longMax, 1024*1024*1024, numMemory),
	intOpt("maxmemory-clients", "", mod, -100, ssizeMax, 0, numMemory|numPercent),

	// Other configs
	intOpt("repl-backlog-ttl", "", mod, 0, longMax, 60*60, 0),
	intOpt("auto-aof-rewrite-min-size", "", mod, 0, llongMax, 64*1024*1024, numMemory),
	intOpt("loading-process-events-interval-bytes", "", fHidden, 1024, intMax, 2*1024*1024, 0),

	// TLS (redis-server 7.0 built with TLS)
	intOpt("tls-port", "", mod, 0, 65535, 0, 0),
	intOpt("tls-session-cache-size", "", mod, 0, intMax, 20*1024, 0),
	intOpt("tls-session-cache-timeout", "", mod, 0, intMax, 300, 0),
	boolOpt("tls-cluster", "", mod, false),
	boolOpt("tls-replication", "", mod, false),
	enumOpt("tls-auth-clients", "", mod, enumTLSAuthClients, 1, nil),
	boolOpt("tls-prefer-server-ciphers", "", mod, false),
	boolOpt("tls-session-caching", "", mod, true),
	strOpt("tls-cert-file", "", null, "", true, nil),
	strOpt("tls-key-file", "", null, "", true, nil),
	strOpt("tls-key-file-pass", "", fSensitive|null, "", true, nil),
	strOpt("tls-client-cert-file", "", null, "", true, nil),
	strOpt("tls-client-key-file", "", null, "", true, nil),
	strOpt("tls-client-key-file-pass", "", fSensitive|null, "", true, nil),
	strOpt("tls-dh-params-file", "", null, "", true, nil),
	strOpt("tls-ca-cert-file", "", null, "", true, nil),
	strOpt("tls-ca-cert-dir", "", null, "", true, nil),
	strOpt("tls-protocols", "", null, "", true, nil),
	strOpt("tls-ciphers", "", null, "", true, nil),
	strOpt("tls-ciphersuites", "", null, "", true, nil),

	// Special configs
	specialOpt("dir", "", fProtected|fDenyLoading, spDir),
	specialOpt("save", "", fMultiArg, spSave),
	specialOpt("client-output-buffer-limit", "", fMultiArg, spClientOutputBufferLimit),
	specialOpt("oom-score-adj-values", "", fMultiArg, spOOMScoreAdjValues),
	specialOpt("notify-keyspace-events", "", mod, spNotifyKeyspaceEvents),
	specialOpt("bind", "", fMultiArg, spBind),
	specialOpt("replicaof", "slaveof", imm|fMultiArg, spReplicaOf),
	specialOpt("latency-tracking-info-percentiles", "", fMultiArg, spLatencyPercentiles),
}

// deprecatedDirectives are silently ignored by the config file parser when
// they have exactly this many words (name included).
var deprecatedDirectives = map[string]int{
	"list-max-ziplist-entries": 2,
	"list-max-ziplist-value":   2,
	"lua-replicate-commands":   2,
}

// regKey is one name under which an option can be looked up: its primary
// name or its alias.
type regKey struct {
	key     string
	opt     *option
	isAlias bool
}

var regKeys, regLookup = buildLookup()

// regKeys: every name and alias, in registry order.
// regLookup: lowercase name -> key.
func buildLookup() ([]regKey, map[string]*regKey) {
	var keys []regKey
	for i, o := range registry {
		o.idx = i
		keys = append(keys, regKey{key: o.name, opt: o})
		if o.alias != "" {
			keys = append(keys, regKey{key: o.alias, opt: o, isAlias: true})
		}
	}
	m := make(map[string]*regKey, len(keys))
	for i := range keys {
		k := &keys[i]
		if _, dup := m[k.key]; dup {
			panic("config: duplicate option " + k.key)
		}
		m[k.key] = k
	}
	return keys, m
}

// lookup finds an option by name or alias, case-insensitively.
func lookup(name string) *regKey {
	if k, ok := regLookup[name]; ok {
		return k
	}
	return regLookup[asciiLower(name)]
}

// NumOptions returns the number of options in the registry (primary names,
// hidden ones included, aliases not counted).
func NumOptions() int { return len(registry) }

// Names returns every option name and alias the registry knows, in registry
// order (aliases right after their primary name).
func Names() []string {
	out := make([]string, len(regKeys))
	for i, k := range regKeys {
		out[i] = k.key
	}
	return out
}

// IsSensitive reports whether CONFIG SET of this option must be redacted
// from slowlog / MONITOR output.
func IsSensitive(name string) bool {
	k := lookup(name)
	return k != nil && k.opt.flags&fSensitive != 0
}

// Canonical returns the primary name of an option given its name or alias,
// or "" if unknown.
func Canonical(name string) string {
	if k := lookup(name); k != nil {
		return k.opt.name
	}
	return ""
}
