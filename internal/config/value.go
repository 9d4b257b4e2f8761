package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SavePoint is one "save <seconds> <changes>" rule.
type SavePoint struct {
	Seconds int64
	Changes int
}

// Client classes of client-output-buffer-limit, in Redis's order.
const (
	ClassNormal  = 0
	ClassReplica = 1
	ClassPubsub  = 2
)

// OBufLimit is the output buffer limit of one client class.
type OBufLimit struct {
	Hard, Soft  uint64 // bytes, 0 = no limit
	SoftSeconds int64
}

var obufDefaults = [3]OBufLimit{
	{0, 0, 0},
	{256 << 20, 64 << 20, 60},
	{32 << 20, 8 << 20, 60},
}

var obufClassNames = [3]string{"normal", "slave", "pubsub"}

var oomDefaults = [3]int{0, 200, 800}

// defaultBind differs from redis-server's compiled-in "* -::*": like the
// redis.conf that Redis ships, enclavekv listens on loopback only unless
// told otherwise, so that a fresh server is not reachable from the network
// before an operator has chosen to expose it.
var defaultBind = []string{"127.0.0.1", "-::1"}

var defaultSave = []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}

// Keyspace notification flags (notify-keyspace-events), with Redis's values.
const (
	NotifyKeyspace = 1 << 0  // K
	NotifyKeyevent = 1 << 1  // E
	NotifyGeneric  = 1 << 2  // g
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x
	NotifyEvicted  = 1 << 9  // e
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m
	NotifyLoaded   = 1 << 12 // module only
	NotifyModule   = 1 << 13 // d
	NotifyNew      = 1 << 14 // n
	NotifyAll      = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule // A
)

// value holds the current setting of one option. Values are treated as
// immutable once published: a change builds a new snapshot.
type value struct {
	n    int64  // bool (0/1), enum, numeric, notify flags, replicaof port
	s    string // string options, dir, replicaof host
	null bool   // string option unset (Redis NULL) / replicaof none
	strs []string
	save []SavePoint
	obuf [3]OBufLimit
	oom  [3]int
	pct  []float64
}

func defaultValue(o *option, cwd string) value {
	switch o.kind {
	case kindBool:
		if o.defBool {
			return value{n: 1}
		}
		return value{}
	case kindString:
		return value{s: o.defStr, null: o.defNull}
	case kindEnum, kindNumeric:
		return value{n: o.defNum}
	}
	switch o.sp {
	case spDir:
		return value{s: cwd}
	case spSave:
		return value{save: defaultSave}
	case spClientOutputBufferLimit:
		return value{obuf: obufDefaults}
	case spOOMScoreAdjValues:
		return value{oom: oomDefaults}
	case spBind:
		return value{strs: defaultBind}
	case spReplicaOf:
		return value{null: true}
	case spLatencyPercentiles:
		return value{pct: []float64{50, 99, 99.9}}
	}
	return value{}
}

func defaultValues(cwd string) []value {
	vals := make([]value, len(registry))
	for i, o := range registry {
		vals[i] = defaultValue(o, cwd)
	}
	return vals
}

// setCtx carries what the setters need beyond the option and its arguments.
type setCtx struct {
	c          *Config // may be nil during parsing
	vals       []value // snapshot being modified
	reading    bool    // Redis's reading_config_file
	saveLoaded *bool   // Redis's static save_loaded
	file       string  // config file (for proc-title-template validation)
}

func (ctx *setCtx) dir() string { return ctx.vals[optDir.idx].s }

var (
	optDir         = lookup("dir").opt
	optHz          = lookup("hz").opt
	optLogfile     = lookup("logfile").opt
	optCluster     = lookup("cluster-enabled").opt
	optReplicaOf   = lookup("replicaof").opt
	optUnixsocket  = lookup("unixsocket").opt
	optAclfile     = lookup("aclfile").opt
	optProtCfgs    = lookup("enable-protected-configs").opt
	optPort        = lookup("port").opt
	optTLSPort     = lookup("tls-port").opt
	optBindOpt     = lookup("bind").opt
	optSaveOpt     = lookup("save").opt
	optNotifyOpt   = lookup("notify-keyspace-events").opt
	optOBufOpt     = lookup("client-output-buffer-limit").opt
	optOOMValsOpt  = lookup("oom-score-adj-values").opt
	optLatencyPcts = lookup("latency-tracking-info-percentiles").opt
)

// set parses args into the option's slot of ctx.vals. It returns whether the
// value changed (Redis's "1" vs "2" return) and an error text ("" if ok).
func (ctx *setCtx) set(o *option, args []string) (changed bool, errmsg string) {
	v := &ctx.vals[o.idx]
	switch o.kind {
	case kindBool:
		var yn int64
		switch asciiLower(args[0]) {
		case "yes":
			yn = 1
		case "no":
			yn = 0
		default:
			return false, "argument must be 'yes' or 'no'"
		}
		if v.n == yn {
			return false, ""
		}
		v.n = yn
		return true, ""
	case kindString:
		if o.validStr != nil {
			if e := o.validStr(ctx.c, args[0]); e != "" {
				return false, e
			}
		}
		isNull := o.flags&fEmptyIsNull != 0 && args[0] == ""
		if isNull == v.null && (isNull || v.s == args[0]) {
			return false, ""
		}
		if isNull {
			*v = value{null: true}
		} else {
			*v = value{s: args[0]}
		}
		return true, ""
	case kindEnum:
		ev, ok := enumValue(o, args)
		if !ok {
			var b strings.Builder
			b.WriteString("argument(s) must be one of the following: ")
			for i, it := range o.enum {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(it.name)
			}
			msg := b.String()
			if len(msg) > 255 {
				msg = msg[:255]
			}
			return false, msg
		}
		if o.validEnum != nil {
			if e := o.validEnum(ev); e != "" {
				return false, e
			}
		}
		if v.n == int64(ev) {
			return false, ""
		}
		v.n = int64(ev)
		return true, ""
	case kindNumeric:
		n, e := parseNumeric(o, args[0])
		if e != "" {
			return false, e
		}
		if e := checkBounds(o, n); e != "" {
			return false, e
		}
		if o == optHz {
			// updateHZ(): out of range values are accepted but capped.
			n = min(max(n, 1), 500)
		}
		if v.n == n {
			return false, ""
		}
		v.n = n
		return true, ""
	}
	return ctx.setSpecial(o, v, args)
}

func enumValue(o *option, args []string) (int, bool) {
	bitflags := o.flags&fMultiArg != 0
	if len(args) == 0 || (!bitflags && len(args) != 1) {
		return 0, false
	}
	vals := 0
	for _, a := range args {
		matched := false
		for _, it := range o.enum {
			if strings.EqualFold(a, it.name) && isASCII(a) {
				vals |= it.val
				matched = true
				if !bitflags {
					break
				}
			}
		}
		if !matched {
			return 0, false
		}
	}
	return vals, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func enumName(o *option, val int) string {
	bitflags := o.flags&fMultiArg != 0
	var names []string
	unmatched := val
	for _, it := range o.enum {
		if val == it.val {
			return it.name
		}
		if bitflags && it.val != 0 && it.val == unmatched&it.val {
			names = append(names, it.name)
			unmatched &^= it.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// parseNumeric is numericParseString().
func parseNumeric(o *option, s string) (int64, string) {
	if o.nflags&numMemory != 0 {
		if v, ok := memtoull(s); ok {
			return int64(v), ""
		}
	}
	if o.nflags&numPercent != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := string2ll(s[:len(s)-1]); ok && v >= 0 {
			return -v, ""
		}
	}
	if o.nflags&numOctal != 0 {
		if v, end, erange := strtoll(s, 8); !erange && end == len(s) {
			return v, ""
		}
	}
	if o.nflags == 0 {
		if v, ok := string2ll(s); ok {
			return v, ""
		}
	}
	switch {
	case o.nflags&numMemory != 0 && o.nflags&numPercent != 0:
		return 0, "argument must be a memory or percent value"
	case o.nflags&numMemory != 0:
		return 0, "argument must be a memory value"
	case o.nflags&numOctal != 0:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

// checkBounds is numericBoundaryCheck().
func checkBounds(o *option, ll int64) string {
	if o.unsigned {
		u, lo, hi := uint64(ll), uint64(o.lower), uint64(o.upper)
		if u > hi || u < lo {
			if o.nflags&numOctal != 0 {
				return fmt.Sprintf("argument must be between %o and %o inclusive", lo, hi)
			}
			return fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi)
		}
		return ""
	}
	if o.nflags&numPercent != 0 && ll < 0 {
		if ll < o.lower {
			return fmt.Sprintf("percentage argument must be less or equal to %d", -o.lower)
		}
		return ""
	}
	if ll > o.upper || ll < o.lower {
		return fmt.Sprintf("argument must be between %d and %d inclusive", o.lower, o.upper)
	}
	return ""
}

func formatNumeric(o *option, n int64) string {
	switch {
	case o.nflags&numPercent != 0 && n < 0:
		return strconv.FormatInt(-n, 10) + "%"
	case o.nflags&numMemory != 0:
		return strconv.FormatUint(uint64(n), 10)
	case o.nflags&numOctal != 0:
		return strconv.FormatUint(uint64(n), 8)
	}
	return strconv.FormatInt(n, 10)
}

func (ctx *setCtx) setSpecial(o *option, v *value, args []string) (bool, string) {
	switch o.sp {
	case spDir:
		if len(args) != 1 {
			return false, "wrong number of arguments"
		}
		d, e := resolveDir(ctx.dir(), args[0])
		if e != "" {
			return false, e
		}
		*v = value{s: d}
		return true, ""
	case spSave:
		// A lone "" means no save points, and drops the ones set so far
		// even in the middle of a config file (Redis resets them there).
		reset := len(args) == 1 && args[0] == ""
		if reset {
			args = nil
		}
		if len(args)&1 != 0 {
			return false, "Invalid save parameters"
		}
		pts := make([]SavePoint, 0, len(args)/2)
		for j := 0; j < len(args); j += 2 {
			sec, end1, _ := strtoll(args[j], 10)
			ch, end2, _ := strtoll(args[j+1], 10)
			if end1 != len(args[j]) || end2 != len(args[j+1]) || sec < 1 || ch < 0 {
				return false, "Invalid save parameters"
			}
			pts = append(pts, SavePoint{Seconds: sec, Changes: int(int32(ch))})
		}
		if ctx.reading && ctx.saveLoaded != nil {
			// While reading a config file the default rules are dropped by
			// the first "save" line only, later lines accumulate.
			if !*ctx.saveLoaded {
				*ctx.saveLoaded = true
			} else if !reset {
				pts = append(append([]SavePoint(nil), v.save...), pts...)
			}
		}
		*v = value{save: pts}
		return true, ""
	case spClientOutputBufferLimit:
		if len(args)%4 != 0 {
			return false, "Wrong number of arguments in buffer limit configuration."
		}
		nv := *v
		var vals [3]OBufLimit
		var set [3]bool
		for j := 0; j < len(args); j += 4 {
			class := clientClass(args[j])
			if class < 0 {
				return false, "Invalid client class specified in buffer limit configuration."
			}
			hard, ok1 := memtoull(args[j+1])
			soft, ok2 := memtoull(args[j+2])
			secs, end, _ := strtoll(args[j+3], 10)
			secs = int64(int32(secs))
			if !ok1 || !ok2 || secs < 0 || end != len(args[j+3]) {
				return false, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
			}
			vals[class] = OBufLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
			set[class] = true
		}
		for j := range vals {
			if set[j] {
				nv.obuf[j] = vals[j]
			}
		}
		*v = nv
		return true, ""
	case spOOMScoreAdjValues:
		if len(args) != 3 {
			return false, "wrong number of arguments"
		}
		var vals [3]int
		for i, a := range args {
			n, end, _ := strtoll(a, 10)
			if end != len(a) || n < -2000 || n > 2000 {
				return false, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			vals[i] = int(n)
		}
		if vals == v.oom {
			return false, ""
		}
		*v = value{oom: vals}
		return true, ""
	case spNotifyKeyspaceEvents:
		if len(args) != 1 {
			return false, "wrong number of arguments"
		}
		f, ok := notifyFlagsFromString(args[0])
		if !ok {
			return false, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		*v = value{n: int64(f)}
		return true, ""
	case spBind:
		if len(args) > 16 {
			return false, "Too many bind addresses specified."
		}
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		*v = value{strs: append([]string{}, args...)}
		return true, ""
	case spReplicaOf:
		if len(args) != 2 {
			return false, "wrong number of arguments"
		}
		if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
			*v = value{null: true}
			return true, ""
		}
		p, end, _ := strtoll(args[1], 10)
		port := int64(int32(p))
		if port < 0 || port > 65535 || end != len(args[1]) {
			*v = value{null: true}
			return false, "Invalid master port"
		}
		*v = value{s: args[0], n: port}
		return true, ""
	case spLatencyPercentiles:
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		pct := make([]float64, 0, len(args))
		for _, a := range args {
			f, ok := strtod(a)
			if !ok {
				return false, "Invalid latency-tracking-info-percentiles parameters"
			}
			if f > 100.0 || f < 0.0 {
				return false, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			pct = append(pct, f)
		}
		*v = value{pct: pct}
		return true, ""
	}
	return false, "unknown option type"
}

func clientClass(name string) int {
	switch asciiLower(name) {
	case "normal":
		return ClassNormal
	case "slave", "replica":
		return ClassReplica
	case "pubsub":
		return ClassPubsub
	}
	return -1 // unknown, or "master" which is refused
}

// resolveDir emulates chdir(p) from the directory cur and returns the new
// physical working directory, or strerror(errno).
func resolveDir(cur, p string) (string, string) {
	if p == "" {
		return "", "No such file or directory"
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cur, p)
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", strerror(err)
	}
	if !st.IsDir() {
		return "", "Not a directory"
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return filepath.Clean(p), ""
}

func notifyFlagsFromString(s string) (int, bool) {
	f := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= NotifyAll
		case 'g':
			f |= NotifyGeneric
		case '$':
			f |= NotifyString
		case 'l':
			f |= NotifyList
		case 's':
			f |= NotifySet
		case 'h':
			f |= NotifyHash
		case 'z':
			f |= NotifyZset
		case 'x':
			f |= NotifyExpired
		case 'e':
			f |= NotifyEvicted
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 't':
			f |= NotifyStream
		case 'm':
			f |= NotifyKeyMiss
		case 'd':
			f |= NotifyModule
		case 'n':
			f |= NotifyNew
		default:
			return 0, false
		}
	}
	return f, true
}

func notifyFlagsToString(f int) string {
	var b []byte
	if f&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, x := range []struct {
			bit int
			c   byte
		}{
			{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
		} {
			if f&x.bit != 0 {
				b = append(b, x.c)
			}
		}
	}
	if f&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// format returns the CONFIG GET representation of an option's value.
func format(o *option, v *value) string {
	switch o.kind {
	case kindBool:
		if v.n != 0 {
			return "yes"
		}
		return "no"
	case kindString:
		return v.s
	case kindEnum:
		return enumName(o, int(v.n))
	case kindNumeric:
		return formatNumeric(o, v.n)
	}
	switch o.sp {
	case spDir:
		return v.s
	case spSave:
		parts := make([]string, len(v.save))
		for i, p := range v.save {
			parts[i] = strconv.FormatInt(p.Seconds, 10) + " " + strconv.Itoa(p.Changes)
		}
		return strings.Join(parts, " ")
	case spClientOutputBufferLimit:
		parts := make([]string, 3)
		for j, l := range v.obuf {
			parts[j] = fmt.Sprintf("%s %d %d %d", obufClassNames[j], l.Hard, l.Soft, l.SoftSeconds)
		}
		return strings.Join(parts, " ")
	case spOOMScoreAdjValues:
		return fmt.Sprintf("%d %d %d", v.oom[0], v.oom[1], v.oom[2])
	case spNotifyKeyspaceEvents:
		return notifyFlagsToString(int(v.n))
	case spBind:
		return strings.Join(v.strs, " ")
	case spReplicaOf:
		if v.null {
			return ""
		}
		return v.s + " " + strconv.FormatInt(v.n, 10)
	case spLatencyPercentiles:
		parts := make([]string, len(v.pct))
		for i, f := range v.pct {
			parts[i] = formatFloat(f)
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// Validators (text as in Redis 7.0).

func validDBFilename(_ *Config, v string) string {
	if strings.ContainsAny(v, "/\\") {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFFilename(_ *Config, v string) string {
	if v == "" {
		return "appendfilename can't be empty"
	}
	if strings.ContainsAny(v, "/\\") {
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFDirname(_ *Config, v string) string {
	if v == "" {
		return "appenddirname can't be empty"
	}
	if strings.ContainsAny(v, "/\\") {
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

func validAnnouncedHostname(_ *Config, v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// validProcTitleTemplate mirrors validateProcTitleTemplate(): the template
// must expand (known {variables}, balanced braces) to a non-blank title
// when the process title itself is empty.
func validProcTitleTemplate(_ *Config, t string) string {
	const bad = "template format is invalid or contains unknown variables"
	var res strings.Builder
	p := t
	for len(p) > 0 {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			res.WriteString(p)
			break
		}
		res.WriteString(p[:i])
		p = p[i+1:]
		if p == "" {
			return bad
		}
		if p[0] == '{' {
			res.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return bad
		}
		switch p[:j] {
		case "title", "server-mode", "unixsocket", "config-file":
			// may expand to nothing
		case "listen-addr", "port", "tls-port":
			res.WriteString("x")
		default:
			return bad
		}
		p = p[j+1:]
	}
	if trimSet(res.String(), " ") == "" {
		return bad
	}
	return ""
}

func validShutdownFlags(v int) string {
	if v&ShutdownSave != 0 && v&ShutdownNoSave != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}
