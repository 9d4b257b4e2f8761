package command

import (
	"strconv"
	"time"
)

// Persistence commands: SAVE, BGSAVE, LASTSAVE. The snapshot machinery
// itself sits behind the Persistence interface, wired by the binary.

func init() {
	adm := Admin | NoScript
	register(
		&Command{Name: "save", Arity: 1, Flags: adm | NoMulti, Handler: saveCmd, Categories: []string{"admin", "slow", "dangerous"}},
		&Command{Name: "bgsave", Arity: -1, Flags: adm, Handler: bgsaveCmd, Categories: []string{"admin", "slow", "dangerous"}},
		&Command{Name: "lastsave", Arity: 1, Flags: Loading | Stale | Fast, Handler: lastsaveCmd, Categories: []string{"admin", "fast", "dangerous"}},
		&Command{Name: "sync", Arity: 1, Flags: adm | NoMulti, Handler: syncCmd, Categories: []string{"admin", "slow", "dangerous"}},
		&Command{Name: "replconf", Arity: -1, Flags: adm | Loading | Stale | AllowBusy, Handler: replconfCmd, Categories: []string{"admin", "slow", "dangerous"}},
	)
}

// Persistence is the snapshot machinery as commands see it. Every method
// is called with the command lock held.
type Persistence interface {
	// Save writes a snapshot synchronously (SAVE).
	Save() error
	// BGSave starts a background snapshot, or with schedule has the next
	// cron tick start it. It reports whether it was scheduled.
	BGSave(schedule bool) (scheduled bool, err error)
	// InProgress reports whether a background save runs.
	InProgress() bool
	// AbortBG gives up a running background save.
	AbortBG()
	// SavePointsSet reports whether save points are configured.
	SavePointsSet() bool
	// LastSave is the Unix time of the last successful save.
	LastSave() int64
	// WritesRefused reports that writes must get MISCONF.
	WritesRefused() bool
	// Reload saves and loads the snapshot again (DEBUG RELOAD); with
	// noSave it only loads.
	Reload(noSave bool) error
	// Dump returns the dataset as a plaintext RDB (SYNC).
	Dump() ([]byte, error)
	// Info fills INFO persistence.
	Info() PersistenceInfo
	// Cron runs save points; the server calls it every tick.
	Cron(now time.Time)
}

// idlePersist returns the persistence machinery when no background save
// runs; otherwise it replies Redis's error.
func (c *Ctx) idlePersist() (Persistence, bool) {
	p := c.St.Persist
	switch {
	case p == nil:
		c.Error(ErrGeneric)
		return nil, false
	case p.InProgress():
		c.Error(ErrBgsaveInProgress)
		return nil, false
	}
	return p, true
}

func saveCmd(c *Ctx) {
	p, ok := c.idlePersist()
	if !ok {
		return
	}
	if err := p.Save(); err != nil {
		c.Error(ErrGeneric)
		return
	}
	c.W.OK()
}

func bgsaveCmd(c *Ctx) {
	// SCHEDULE is accepted; it only matters while other background work
	// runs, which enclavekv does not have.
	if len(c.Args) > 1 && (len(c.Args) != 2 || !eqFold(c.Args[1], "schedule")) {
		c.SyntaxError()
		return
	}
	// As in Redis, SCHEDULE does not wait for a running snapshot; a BGSAVE
	// inside EXEC is always scheduled, to run after it.
	p, ok := c.idlePersist()
	if !ok {
		return
	}
	scheduled, err := p.BGSave(c.Client.InExec)
	switch {
	case err != nil:
		c.Error(ErrGeneric)
	case scheduled:
		c.W.Simple(BgsaveScheduled)
	default:
		c.W.Simple(BgsaveStarted)
	}
}

func lastsaveCmd(c *Ctx) {
	if p := c.St.Persist; p != nil {
		c.W.Int(p.LastSave())
		return
	}
	c.W.Int(0)
}

// syncCmd sends the dataset as an RDB, the way a master answers a replica's
// SYNC: "$<length>\r\n" and the file's bytes. It is what redis-cli --rdb
// uses to fetch a backup. enclavekv has no replication yet, so the
// connection closes afterwards, as Redis closes an rdb-only replica's.
// The data leaves the enclave in plaintext to an authenticated client, as
// any GET would.
func syncCmd(c *Ctx) {
	p := c.St.Persist
	if p == nil {
		c.Error(ErrGeneric)
		return
	}
	rdb, err := p.Dump()
	if err != nil {
		c.Error(ErrGeneric + " " + err.Error())
		return
	}
	c.W.Raw([]byte("$" + strconv.Itoa(len(rdb)) + "\r\n"))
	c.W.Raw(rdb)
	c.Client.CloseAfterReply = true
}

// replconfCmd accepts the options replicas and redis-cli --rdb send before
// SYNC; they change nothing here.
func replconfCmd(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.SyntaxError()
		return
	}
	for j := 1; j < len(c.Args); j += 2 {
		switch {
		case eqFold(c.Args[j], "listening-port"), eqFold(c.Args[j], "ip-address"), eqFold(c.Args[j], "capa"),
			eqFold(c.Args[j], "rdb-only"):
		case eqFold(c.Args[j], "ack"), eqFold(c.Args[j], "getack"):
			return // no reply, as for a replica's ACK
		default:
			c.Errorf(ErrReplconfOption, cstr(c.Args[j]))
			return
		}
	}
	c.W.OK()
}
