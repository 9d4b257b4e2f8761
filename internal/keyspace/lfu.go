package keyspace

import "math/rand/v2"

// LFU data as Redis keeps it in the 24 LRU bits: the high 16 bits are the
// last decrement time in minutes, the low 8 bits a logarithmic counter.

const lfuInitVal = 5

// LFU tuning (lfu-log-factor, lfu-decay-time); set by the server from config.
var (
	LFULogFactor = 10
	LFUDecayTime = 1
)

func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xffff }

func lfuInit(now int64) uint32 { return lfuMinutes(now)<<8 | lfuInitVal }

// LFUCounter is the access-frequency counter OBJECT FREQ reports, decayed to now.
func (e *Entry) LFUCounter(now int64) uint32 {
	return lfuDecay(e.meta&lruMask, now)
}

func lfuDecay(data uint32, now int64) uint32 {
	ldt := data >> 8
	counter := data & 0xff
	cur := lfuMinutes(now)
	var elapsed uint32
	if cur >= ldt {
		elapsed = cur - ldt
	} else {
		elapsed = 65535 - ldt + cur
	}
	if LFUDecayTime > 0 {
		periods := elapsed / uint32(LFUDecayTime)
		if periods > counter {
			return 0
		}
		return counter - periods
	}
	return counter
}

func lfuTouch(data uint32, now int64) uint32 {
	counter := lfuDecay(data, now)
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		p := 1.0 / (base*float64(LFULogFactor) + 1)
		if rand.Float64() < p {
			counter++
		}
	}
	return lfuMinutes(now)<<8 | counter
}

// SetIdle makes e look last accessed idleSec seconds before now (RESTORE
// IDLETIME, an RDB's IDLE field). Under an LFU policy it does nothing, as
// in Redis. An idle time beyond the wrapping clock's range gives the
// clock's far side, as Redis does.
func (db *DB) SetIdle(e *Entry, idleSec, now int64) {
	if db.ks.LFU {
		return
	}
	clock := int64(lruClock(now))
	abs := clock - idleSec
	if abs < 0 {
		abs = (clock + lruMask/2) % lruMask
	}
	e.meta = e.meta&^lruMask | uint32(abs)
}

// SetFreq sets e's LFU counter (RESTORE FREQ, an RDB's FREQ field). Under
// an LRU policy it does nothing, as in Redis.
func (db *DB) SetFreq(e *Entry, freq uint8, now int64) {
	if !db.ks.LFU {
		return
	}
	e.meta = e.meta&^lruMask | lfuMinutes(now)<<8 | uint32(freq)
}
