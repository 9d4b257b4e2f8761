package main

import (
	"fmt"
	"time"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/rdbconv"
	"github.com/enclavekv/enclavekv/internal/snapshot"
	"github.com/enclavekv/enclavekv/internal/types/hash"
	"github.com/enclavekv/enclavekv/internal/types/stream"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

// persistence adapts the snapshot manager to what commands and the server
// expect (command.Persistence). Every method runs with the command lock
// held.
type persistence struct {
	m   *snapshot.Manager
	cfg *config.Config
}

var _ command.Persistence = (*persistence)(nil)

func (p *persistence) Save() error { return p.m.Save() }

func (p *persistence) BGSave(schedule bool) (bool, error) { return p.m.BGSave(schedule) }

func (p *persistence) InProgress() bool { return p.m.Running() }

func (p *persistence) AbortBG() { p.m.AbortBG() }

func (p *persistence) SavePointsSet() bool { return len(p.cfg.SavePoints()) > 0 }

func (p *persistence) LastSave() int64 { return p.m.LastSave() }

func (p *persistence) WritesRefused() bool { return p.m.WritesRefused() }

func (p *persistence) Cron(now time.Time) { p.m.Cron(now) }

func (p *persistence) Dump() ([]byte, error) { return p.m.Dump() }

func (p *persistence) Reload(noSave bool) error {
	// A save in progress would write the dataset this reload replaces.
	p.m.AbortBG()
	if !noSave {
		if err := p.m.Save(); err != nil {
			return fmt.Errorf("%w: %v", command.ErrReloadSave, err)
		}
	}
	if _, err := p.m.Load(p.limits()); err != nil {
		return err
	}
	return nil
}

// limits are the compact-encoding thresholds loaded values are built with.
func (p *persistence) limits() rdbconv.Limits {
	return rdbconv.Limits{
		Hash:      hash.Limits{Entries: int(p.cfg.Int("hash-max-listpack-entries")), Value: int(p.cfg.Int("hash-max-listpack-value"))},
		ZSet:      zset.Limits{Entries: int(p.cfg.Int("zset-max-listpack-entries")), Value: int(p.cfg.Int("zset-max-listpack-value"))},
		MaxIntset: int(p.cfg.Int("set-max-intset-entries")),
		Stream:    stream.Limits{Entries: p.cfg.Int("stream-node-max-entries"), Bytes: p.cfg.Int("stream-node-max-bytes")},
	}
}

func (p *persistence) Info() command.PersistenceInfo {
	st := p.m.Status()
	return command.PersistenceInfo{
		LastSaveUnix:         st.LastSave,
		BgsaveInProgress:     st.Running,
		LastBgsaveOK:         st.LastOK,
		LastBgsaveTimeSec:    st.LastBgTimeSec,
		CurrentBgsaveTimeSec: st.CurrentTimeSec,
		Saves:                st.Saves,
		LoadKeysLoaded:       st.LoadedKeys,
		LoadKeysExpired:      st.ExpiredKeys,
		KeysProcessed:        st.KeysWritten,
		KeysTotal:            st.KeysTotal,
		AOFLastRewriteSec:    -1,
		AOFCurrentRewriteSec: -1,
		AOFLastRewriteOK:     true,
		AOFLastWriteOK:       true,
	}
}

// shutdown saves before exiting when SHUTDOWN SAVE asks or save points
// exist, unless NOSAVE (the server's shutdown hook).
func (p *persistence) shutdown(opts command.ShutdownOpts, log func(string)) error {
	p.m.AbortBG()
	if opts.NoSave || !opts.Save && !p.SavePointsSet() {
		return nil
	}
	log("Saving the final RDB snapshot before exiting.")
	if err := p.m.Save(); err != nil {
		log("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}
