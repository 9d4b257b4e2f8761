package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/keyspace"
)

// DEBUG: the subset of Redis's debugging subcommands that makes sense for
// enclavekv. The command is refused by the executor unless
// enable-debug-command allows it (see State.DebugAllowed).

func debugCmd(c *Ctx) {
	sub := c.Args[1]
	n := len(c.Args)
	switch {
	case eqFold(sub, "help") && n == 2:
		debugHelp(c)
	case eqFold(sub, "sleep") && n == 3:
		secs := cStrtod(string(c.Args[2]))
		if secs > 0 {
			time.Sleep(time.Duration(secs * float64(time.Second)))
		}
		c.W.OK()
	case eqFold(sub, "object") && n == 3:
		debugObject(c)
	case eqFold(sub, "set-active-expire") && n == 3:
		c.St.ActiveExpireOff.Store(cAtoi(string(c.Args[2])) == 0)
		c.W.OK()
	case eqFold(sub, "error") && n == 3:
		c.Error(cstr(c.Args[2]))
	case eqFold(sub, "log") && n == 3:
		c.W.OK()
	case eqFold(sub, "change-repl-id") && n == 2:
		c.St.ReplID = randomHex(40)
		c.W.OK()
	case eqFold(sub, "populate") && n >= 3 && n <= 5:
		debugPopulate(c)
	case eqFold(sub, "protocol") && n == 3:
		debugProtocol(c)
	case eqFold(sub, "reload"):
		debugReload(c)
	default:
		c.subcommandSyntaxError()
	}
}

// debugReload saves the dataset and loads it back (DEBUG RELOAD [NOSAVE]).
// Unlike Redis, a failed load leaves the dataset as it was: the snapshot is
// loaded aside and takes its place only when complete.
func debugReload(c *Ctx) {
	save := true
	for _, opt := range c.Args[2:] {
		switch {
		case eqFold(opt, "nosave"):
			save = false
		case eqFold(opt, "merge"), eqFold(opt, "noflush"):
			c.Error(ErrReloadMergeUnsupported)
			return
		default:
			c.Error(ErrReloadOptions)
			return
		}
	}
	p := c.St.Persist
	if p == nil {
		c.Error(ErrGeneric)
		return
	}
	if err := p.Reload(!save); err != nil {
		if save && errors.Is(err, ErrReloadSave) {
			c.Error(ErrGeneric)
			return
		}
		c.Error(ErrReloadLoad)
		return
	}
	c.W.OK()
}

// ErrReloadSave is what Persistence.Reload wraps when the save failed (as
// opposed to the load).
var ErrReloadSave = errors.New("saving failed")

func debugHelp(c *Ctx) {
	replyHelp(c,
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
		"LOG <message>",
		"    Write <message> to the server log.",
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	)
}

func debugObject(c *Ctx) {
	e := c.DB.Peek(c.Args[2], c.Now)
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	refcount := 1
	if e.SharedInteger() {
		refcount = math.MaxInt32
	}
	c.W.Simple(fmt.Sprintf("Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		e, refcount, e.Encoding(), serializedLength(e), e.AccessClock(), e.IdleMillis(c.Now)/1000))
}

// serializedLength estimates the RDB size of a value as DEBUG OBJECT
// reports it (uncompressed).
func serializedLength(e *keyspace.Entry) int64 {
	if e.Obj != nil {
		return 0
	}
	s := e.Str
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return 2
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return 3
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return 5
			}
		}
	}
	n := int64(len(s))
	switch {
	case n < 1<<6:
		return 1 + n
	case n < 1<<14:
		return 2 + n
	case n <= math.MaxUint32:
		return 5 + n
	}
	return 9 + n
}

func debugPopulate(c *Ctx) {
	count, ok := parseInt(c.Args[2])
	if !ok || count < 0 {
		c.Error(ErrPopulateRange)
		return
	}
	prefix := "key"
	if len(c.Args) >= 4 {
		prefix = string(c.Args[3])
	}
	size := int64(0)
	if len(c.Args) == 5 {
		n, ok := parseInt(c.Args[4])
		if !ok || n < 0 {
			c.Error(ErrPopulateRange)
			return
		}
		size = n
	}
	for j := int64(0); j < count; j++ {
		key := []byte(prefix + ":" + strconv.FormatInt(j, 10))
		if c.DB.Peek(key, c.Now) != nil {
			continue
		}
		val := []byte("value:" + strconv.FormatInt(j, 10))
		if size > 0 {
			v := make([]byte, size)
			copy(v, val)
			val = v
		}
		c.DB.SetString(key, val, c.Now, false)
	}
	c.W.OK()
}

func debugProtocol(c *Ctx) {
	w := c.W
	resp3 := w.Proto >= 3
	switch strings.ToLower(string(c.Args[2])) {
	case "string":
		w.BulkString("Hello World")
	case "integer":
		w.Int(12345)
	case "double":
		w.Double(3.141)
	case "bignum":
		if resp3 {
			w.Raw([]byte("(1234567999999999999999999999999999999\r\n"))
		} else {
			w.BulkString("1234567999999999999999999999999999999")
		}
	case "null":
		w.Null()
	case "array":
		w.Array(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
		}
	case "set":
		w.Set(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
		}
	case "map":
		w.Map(3)
		for j := int64(0); j < 3; j++ {
			w.Int(j)
			w.Bool(j == 1)
		}
	case "attrib":
		if resp3 {
			w.Raw([]byte("|1\r\n"))
			w.BulkString("key-popularity")
			w.Array(2)
			w.BulkString("key:123")
			w.Int(90)
		}
		w.BulkString("Some real reply following the attribute")
	case "push":
		if !resp3 {
			c.Error(ErrDebugPushRESP2)
			return
		}
		w.Push(2)
		w.BulkString("server-cpu-usage")
		w.Int(42)
		w.BulkString("Some real reply following the push reply")
	case "verbatim":
		w.Verbatim("txt", "This is a verbatim\nstring")
	case "true":
		w.Bool(true)
	case "false":
		w.Bool(false)
	default:
		c.Error(ErrDebugProtocol)
	}
}

// cStrtod is C's strtod on a prefix of s: "0.5x" is 0.5, "x" is 0.
func cStrtod(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	best := 0.0
	for i := 1; i <= len(s) && i <= 64; i++ {
		if f, err := strconv.ParseFloat(s[:i], 64); err == nil {
			best = f
		}
	}
	if math.IsNaN(best) || math.IsInf(best, 0) {
		return 0
	}
	return best
}

// cAtoi is C's atoi: leading blanks, optional sign, digits.
func cAtoi(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
		if n > math.MaxInt32 {
			break
		}
	}
	if neg {
		return -n
	}
	return n
}
