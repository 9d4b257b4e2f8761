package rdb

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Version is the RDB version this package writes (Redis 7.0's).
const Version = 10

// maxReadVersion is the newest RDB version Load and ParseDumpPayload
// accept: 11 is Redis 7.2's, which only adds encodings read here.
const maxReadVersion = 11

// Opcodes: bytes that stand where a value type would and mean something
// else.
const (
	opFunction2     = 245 // a function library (Redis 7.0)
	opFunctionPreGA = 246 // a function library (Redis 7.0 release candidates)
	opModuleAux     = 247
	opIdle          = 248 // LRU idle time of the next key
	opFreq          = 249 // LFU frequency of the next key
	opAux           = 250
	opResizeDB      = 251
	opExpireMs      = 252
	opExpireSec     = 253
	opSelectDB      = 254
	opEOF           = 255
)

// Handler receives what Load reads, in file order. An error from a method
// stops Load, which returns it with the key's context.
type Handler interface {
	// Aux is an AUX field: redis-ver, ctime, used-mem, repl-id, ...
	Aux(key, value []byte) error
	// ResizeDB is a size hint for database db; it may be ignored.
	ResizeDB(db int, keys, expires uint64) error
	// Entry is one key. expireMs is its absolute expiry in Unix
	// milliseconds, 0 for none (an expiry stored as 0 is passed as -1: it
	// is long past either way). key and v are the handler's to keep.
	Entry(db int, key []byte, v *Value, expireMs int64, lru LRUInfo) error
}

// FunctionHandler may be implemented by a Handler to receive the function
// libraries a Redis 7.0 file holds (FUNCTION LOAD code, one per library);
// without it such a file fails with ErrFunction, so that no library is
// dropped silently.
type FunctionHandler interface {
	Function(code []byte) error
}

// EmptyKeyHandler may be implemented by a Handler to hear of keys whose
// value is an empty collection. Redis 7.0 skips such keys when it loads a
// file (old versions could write them through a bug) and logs "empty keys
// skipped: N"; Load does the same, calling EmptyKey instead of Entry so
// that the caller can count and log them.
type EmptyKeyHandler interface {
	EmptyKey(db int, key []byte) error
}

// LRUInfo is the eviction metadata stored before a key, when the server
// that wrote it used an LRU or LFU maxmemory policy.
type LRUInfo struct {
	IdleSeconds int64 // -1 when not stored
	Freq        int   // LFU counter 0..255; -1 when not stored
}

var noLRU = LRUInfo{IdleSeconds: -1, Freq: -1}

// Load reads a whole RDB file from r, calling h for what it holds, and
// verifies the CRC-64 trailer (RDB version 5 on) unless the stored
// checksum is 0, which means the writer had rdbchecksum off. It stops
// right after the trailer when r is an io.ByteReader (a *bufio.Reader, a
// *bytes.Reader): the caller can check that nothing follows. Otherwise it
// buffers r and may read past the end of the RDB data.
//
// On a bad file, Load returns an error wrapping ErrCorrupt, ErrTruncated,
// ErrTooLarge, ErrNotRDB, ErrVersion, ErrChecksum, ErrModule or
// ErrFunction, usually as an *Error telling the offset and key. The
// handler may have been called for keys before the failure: load into
// staging and discard it on error.
func Load(r io.Reader, h Handler, lim Limits) error {
	s := newSource(r, lim)
	ver, err := readHeader(s)
	if err != nil {
		return err
	}
	empty, _ := h.(EmptyKeyHandler)
	db := 0
	var expire int64
	lru := noLRU
	for {
		start := s.off
		t, err := s.byte()
		if err != nil {
			return err
		}
		fail := func(err error) error {
			var e *Error
			if errors.As(err, &e) && e.Offset < 0 {
				e.Offset = start
			}
			return err
		}
		switch t {
		case opExpireSec:
			sec, err := s.le32()
			if err != nil {
				return err
			}
			expire = int64(int32(sec)) * 1000
			if expire == 0 {
				expire = -1
			}
			continue
		case opExpireMs:
			ms, err := s.le64()
			if err != nil {
				return err
			}
			expire = int64(ms)
			if expire == 0 {
				expire = -1
			}
			continue
		case opFreq:
			f, err := s.byte()
			if err != nil {
				return err
			}
			lru.Freq = int(f)
			continue
		case opIdle:
			idle, err := s.len()
			if err != nil {
				return fail(err)
			}
			lru.IdleSeconds = int64(min(idle, math.MaxInt64))
			continue
		case opEOF:
			return readTrailer(s, ver)
		case opSelectDB:
			n, err := s.len()
			if err != nil {
				return fail(err)
			}
			if n >= uint64(s.lim.MaxDB) {
				return fail(newErr(ErrTooLarge, "SELECTDB %d: the file needs more than the %d databases configured", n, s.lim.MaxDB))
			}
			db = int(n)
			continue
		case opResizeDB:
			keys, err := s.len()
			if err != nil {
				return fail(err)
			}
			expires, err := s.len()
			if err != nil {
				return fail(err)
			}
			if err := h.ResizeDB(db, keys, expires); err != nil {
				return fmt.Errorf("rdb: resize hint for db %d: %w", db, err)
			}
			continue
		case opAux:
			k, err := s.str()
			if err != nil {
				return fail(within(err, "AUX field"))
			}
			v, err := s.str()
			if err != nil {
				return fail(within(err, "AUX field %q", k))
			}
			if err := h.Aux(k, v); err != nil {
				return fmt.Errorf("rdb: AUX field %q: %w", k, err)
			}
			continue
		case opModuleAux:
			return fail(newErr(ErrModule, "module AUX data"))
		case opFunction2:
			fh, ok := h.(FunctionHandler)
			if !ok {
				return fail(newErr(ErrFunction, "function library"))
			}
			code, err := s.str()
			if err != nil {
				return fail(within(err, "function library"))
			}
			if err := fh.Function(code); err != nil {
				return fmt.Errorf("rdb: function library: %w", err)
			}
			continue
		case opFunctionPreGA:
			// The release candidates' format: no released server wrote it.
			return fail(newErr(ErrFunction, "function library in the format of Redis 7.0 release candidates"))
		}
		key, err := s.str()
		if err != nil {
			return fail(within(err, "key"))
		}
		v, err := readValue(s, t)
		switch {
		case errors.Is(err, errEmpty):
			if empty != nil {
				if err := empty.EmptyKey(db, key); err != nil {
					return fmt.Errorf("rdb: key %q in db %d: %w", key, db, err)
				}
			}
		case err != nil:
			var e *Error
			if errors.As(err, &e) && e.Key == nil {
				e.Key, e.DB = key, db
			}
			return fail(err)
		default:
			if err := h.Entry(db, key, v, expire, lru); err != nil {
				return fmt.Errorf("rdb: key %q in db %d: %w", key, db, err)
			}
		}
		expire, lru = 0, noLRU
	}
}

// readHeader reads "REDIS" and the four-digit version.
func readHeader(s *source) (int, error) {
	var hdr [9]byte
	if err := s.full(hdr[:]); err != nil {
		if errors.Is(err, ErrTruncated) {
			return 0, &Error{Err: ErrNotRDB, Offset: 0, Detail: "shorter than the header"}
		}
		return 0, err
	}
	if string(hdr[:5]) != "REDIS" {
		return 0, &Error{Err: ErrNotRDB, Offset: 0}
	}
	ver := 0
	for _, c := range hdr[5:] {
		if c < '0' || c > '9' {
			return 0, &Error{Err: ErrNotRDB, Offset: 5, Detail: fmt.Sprintf("version %q", hdr[5:])}
		}
		ver = ver*10 + int(c-'0')
	}
	if ver < 1 || ver > maxReadVersion {
		return 0, &Error{Err: ErrVersion, Offset: 5, Detail: fmt.Sprintf("version %d (this server reads 1 to %d)", ver, maxReadVersion)}
	}
	return ver, nil
}

// readTrailer checks the CRC-64 that follows the EOF opcode from version 5
// on.
func readTrailer(s *source, ver int) error {
	if ver < 5 {
		return nil
	}
	want := s.crc
	off := s.off
	stored, err := s.le64()
	if err != nil {
		return err
	}
	if stored != 0 && stored != want {
		return &Error{Err: ErrChecksum, Offset: off, Detail: fmt.Sprintf("stored %#016x, computed %#016x", stored, want)}
	}
	return nil
}
