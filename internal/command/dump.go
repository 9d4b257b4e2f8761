package command

import (
	"errors"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
)

// DUMP and RESTORE: a key's value in Redis's serialization (RDB value,
// RDB version, CRC64), interchangeable with real Redis 7.0.

func init() {
	register(
		&Command{Name: "dump", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: dumpCmd, Categories: []string{"keyspace", "read", "slow"}},
		&Command{Name: "restore", Arity: -4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: restoreCmd, Categories: []string{"keyspace", "write", "slow", "dangerous"}},
	)
}

func dumpCmd(c *Ctx) {
	e := c.DB.LookupRead(c.Args[1], c.Now)
	if e == nil {
		c.W.Null()
		return
	}
	v, err := rdbconv.Value(e)
	if err == nil {
		var p []byte
		if p, err = rdb.DumpPayload(v, c.St.Config.Bool("rdbcompression")); err == nil {
			c.W.Bulk(p)
			return
		}
	}
	c.Error(ErrGeneric + " " + err.Error())
}

func restoreCmd(c *Ctx) {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch a := c.Args[j]; {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "absttl"):
			absTTL = true
		case eqFold(a, "idletime") && more && freq == -1:
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				c.Error(ErrRestoreIdle)
				return
			}
			idle = n
			j++
		case eqFold(a, "freq") && more && idle == -1:
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 || n > 255 {
				c.Error(ErrRestoreFreq)
				return
			}
			freq = n
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	key := c.Args[1]
	old := c.DB.Lookup(key, c.Now)
	if !replace && old != nil {
		c.Error(ErrBusyKey)
		return
	}
	ttl, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if ttl < 0 {
		c.Error(ErrRestoreTTL)
		return
	}
	v, err := rdb.ParseDumpPayload(c.Args[3], rdb.Limits{MaxStringLen: c.St.Config.Int("proto-max-bulk-len")})
	if err != nil {
		if errors.Is(err, rdb.ErrDumpVersion) {
			c.Error(ErrDumpPayload)
		} else {
			c.Error(ErrBadDataFormat)
		}
		return
	}
	str, obj, err := rdbconv.Object(v, c.rdbLimits())
	if err != nil {
		c.Error(ErrBadDataFormat)
		return
	}
	if ttl != 0 && !absTTL {
		ttl += c.Now
	}
	if old != nil {
		c.DB.DeleteEntry(old)
	}
	// An expiry already past: the key is not created (the old one, if
	// REPLACE, is gone all the same).
	if ttl != 0 && ttl <= c.Now {
		if old != nil {
			c.notify(evGeneric, "del", key)
		}
		c.W.OK()
		return
	}
	var e *keyspace.Entry
	if obj == nil {
		e = c.DB.SetString(key, str, c.Now, false)
	} else {
		e = c.DB.SetObject(key, obj, c.Now)
	}
	if ttl != 0 {
		c.DB.SetExpire(e, ttl)
	}
	switch {
	case idle >= 0:
		c.DB.SetIdle(e, idle, c.Now)
	case freq >= 0:
		c.DB.SetFreq(e, uint8(freq), c.Now)
	}
	c.notify(evGeneric, "restore", key)
	c.W.OK()
}

// rdbLimits are the compact-encoding thresholds in force.
func (c *Ctx) rdbLimits() rdbconv.Limits {
	return rdbconv.Limits{Hash: c.hashLimits(), ZSet: c.zsetLimits(), MaxIntset: c.maxIntset(), Stream: c.streamLimits()}
}
