package command

import (
	"strconv"

	"github.com/enclavekv/enclavekv/internal/config"
)

// Keyspace notifications (notify-keyspace-events): a command that changes
// a key tells of it with an event name and a class, as Redis's
// notifyKeyspaceEvent calls do; when the class is enabled, the event is
// published on __keyspace@<db>__:<key> (message: the event) and/or
// __keyevent@<db>__:<event> (message: the key). Expiry, key creation and
// read misses come from the keyspace's hooks (the server wires them to
// NotifyKeyspace).

// Event classes, as config's Notify* flags.
const (
	evGeneric = config.NotifyGeneric
	evString  = config.NotifyString
	evList    = config.NotifyList
	evSet     = config.NotifySet
	evHash    = config.NotifyHash
	evZset    = config.NotifyZset
	evStream  = config.NotifyStream
	evExpired = config.NotifyExpired
	evNew     = config.NotifyNew
	evKeyMiss = config.NotifyKeyMiss
)

// notifyFlags is the cached notify-keyspace-events, read on every write.
func (s *State) notifyFlags() int { return int(s.notify.Load()) }

// NotifyOn reports whether events of class are published.
func (s *State) NotifyOn(class int) bool { return s.notifyFlags()&class != 0 }

// NotifyKeyspace publishes event for key in database db if its class is
// enabled.
func (s *State) NotifyKeyspace(class int, event string, key []byte, db int) {
	flags := s.notifyFlags()
	if flags&class == 0 || flags&(config.NotifyKeyspace|config.NotifyKeyevent) == 0 {
		return
	}
	var chbuf [64]byte
	if flags&config.NotifyKeyspace != 0 {
		ch := append(chbuf[:0], "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.Publish(ch, []byte(event))
	}
	if flags&config.NotifyKeyevent != 0 {
		ch := append(chbuf[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.Publish(ch, key)
	}
}

// notify is NotifyKeyspace for a key of the command's database.
func (c *Ctx) notify(class int, event string, key []byte) {
	if c.St.notifyFlags()&class != 0 {
		c.St.NotifyKeyspace(class, event, key, c.DB.ID)
	}
}

// notifyKey is notify for a key held as a string.
func (c *Ctx) notifyKey(class int, event string, key string) {
	if c.St.notifyFlags()&class != 0 {
		c.St.NotifyKeyspace(class, event, []byte(key), c.DB.ID)
	}
}
