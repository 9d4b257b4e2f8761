package command

import (
	"errors"
	"testing"
	"time"
)

// fakePersist records calls and fails on demand.
type fakePersist struct {
	running, refused, savePoints bool
	saveErr                      error
	saves, bgsaves, aborts       int
	scheduled                    bool
}

func (f *fakePersist) Save() error { f.saves++; return f.saveErr }
func (f *fakePersist) BGSave(schedule bool) (bool, error) {
	if schedule {
		f.scheduled = true
		return true, nil
	}
	f.bgsaves++
	return false, nil
}
func (f *fakePersist) InProgress() bool      { return f.running }
func (f *fakePersist) AbortBG()              { f.aborts++; f.running = false }
func (f *fakePersist) SavePointsSet() bool   { return f.savePoints }
func (f *fakePersist) LastSave() int64       { return 1234 }
func (f *fakePersist) WritesRefused() bool   { return f.refused }
func (f *fakePersist) Reload(bool) error     { return nil }
func (f *fakePersist) Dump() ([]byte, error) { return []byte("REDIS0010"), nil }
func (f *fakePersist) Info() PersistenceInfo { return PersistenceInfo{} }
func (f *fakePersist) Cron(time.Time)        {}

func TestPersistenceCommands(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakePersist)
		cmds  []string
		want  string // reply of the last command
		check func(t *testing.T, f *fakePersist)
	}{
		{"save", nil, []string{"SAVE"}, "+OK\r\n", func(t *testing.T, f *fakePersist) {
			if f.saves != 1 {
				t.Fatal("not saved")
			}
		}},
		{"save fails", func(f *fakePersist) { f.saveErr = errors.New("disk") }, []string{"SAVE"}, "-ERR\r\n", nil},
		{"save while bgsave", func(f *fakePersist) { f.running = true }, []string{"SAVE"}, "-ERR Background save already in progress\r\n", nil},
		{"bgsave", nil, []string{"BGSAVE"}, "+Background saving started\r\n", nil},
		{"bgsave schedule", nil, []string{"BGSAVE SCHEDULE"}, "+Background saving started\r\n", nil},
		{"bgsave running", func(f *fakePersist) { f.running = true }, []string{"BGSAVE SCHEDULE"}, "-ERR Background save already in progress\r\n", nil},
		{"bgsave syntax", nil, []string{"BGSAVE NOW"}, "-ERR syntax error\r\n", nil},
		{"bgsave in exec is scheduled", nil, []string{"MULTI", "BGSAVE", "EXEC"}, "*1\r\n+Background saving scheduled\r\n", func(t *testing.T, f *fakePersist) {
			if !f.scheduled || f.bgsaves != 0 {
				t.Fatal("BGSAVE in EXEC was not scheduled")
			}
		}},
		{"lastsave", nil, []string{"LASTSAVE"}, ":1234\r\n", nil},
		{"misconf write", func(f *fakePersist) { f.refused = true }, []string{"SET k v"}, "-" + ErrMisconf + "\r\n", nil},
		{"misconf ping", func(f *fakePersist) { f.refused = true }, []string{"PING"}, "-" + ErrMisconf + "\r\n", nil},
		{"misconf read allowed", func(f *fakePersist) { f.refused = true }, []string{"GET k"}, "$-1\r\n", nil},
		{"misconf aborts a transaction", func(f *fakePersist) { f.refused = true }, []string{"MULTI", "SET k v", "EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n", nil},
		{"flushall drops a bgsave and saves", func(f *fakePersist) { f.running, f.savePoints = true, true }, []string{"FLUSHALL"}, "+OK\r\n", func(t *testing.T, f *fakePersist) {
			if f.aborts != 1 || f.saves != 1 {
				t.Fatalf("aborts %d saves %d", f.aborts, f.saves)
			}
		}},
		{"flushall without save points", nil, []string{"FLUSHALL"}, "+OK\r\n", func(t *testing.T, f *fakePersist) {
			if f.saves != 0 {
				t.Fatal("saved without save points")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStrEnv(t)
			f := &fakePersist{}
			if tt.setup != nil {
				tt.setup(f)
			}
			e.x.State.Persist = f
			var got string
			for _, c := range tt.cmds {
				got = e.do(c)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}
