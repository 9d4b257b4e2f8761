package rdb

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Every error from this package wraps one of them (or,
// for a failing reader, the reader's own error), so callers can tell the
// cases apart with errors.Is.
var (
	// ErrCorrupt: the data is not valid RDB (bad encoding, inconsistent
	// counts, duplicates, NaN scores, trailing bytes, ...).
	ErrCorrupt = errors.New("rdb: corrupt data")
	// ErrTruncated: the data ended in the middle of something.
	ErrTruncated = errors.New("rdb: unexpected end of data")
	// ErrTooLarge: a length or count exceeds the configured Limits.
	ErrTooLarge = errors.New("rdb: size exceeds the configured limit")
	// ErrNotRDB: the input does not start with the RDB signature.
	ErrNotRDB = errors.New("rdb: not an RDB file (bad signature)")
	// ErrVersion: the file's RDB version is not one this package reads
	// (1 to 11).
	ErrVersion = errors.New("rdb: unsupported RDB version")
	// ErrChecksum: the CRC-64 trailer does not match the data.
	ErrChecksum = errors.New("rdb: checksum mismatch")
	// ErrDumpVersion: a DUMP payload is too short, has a newer RDB
	// version, or a wrong checksum; Redis answers RESTORE with "ERR DUMP
	// payload version or checksum are wrong" in all these cases. A bad
	// checksum also matches ErrChecksum.
	ErrDumpVersion = errors.New("rdb: DUMP payload version or checksum are wrong")
	// ErrModule: the data holds a Redis module value or module AUX data.
	ErrModule = errors.New("rdb: the data holds Redis module data, which this server cannot load")
	// ErrFunction: the file holds Redis functions (FUNCTION LOAD libraries).
	ErrFunction = errors.New("rdb: the file contains Redis functions, which this server does not load yet")
)

// Error describes a failure while decoding, with where it happened.
type Error struct {
	Err    error  // the sentinel (ErrCorrupt, ErrTruncated, ...) or the reader's error
	Offset int64  // byte offset in the input of the item that failed; -1 if unknown
	DB     int    // database of Key
	Key    []byte // the key whose value failed; nil outside a key
	Detail string // what was wrong, e.g. "list ziplist: entry 3 runs past the end"
}

func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Offset >= 0 {
		s += " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	if e.Key != nil {
		s += fmt.Sprintf(" (key %q in db %d)", e.Key, e.DB)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// newErr returns an *Error for sentinel with a formatted detail; the
// offset and key are filled in by the caller that knows them.
func newErr(sentinel error, format string, args ...any) *Error {
	return &Error{Err: sentinel, Offset: -1, Detail: fmt.Sprintf(format, args...)}
}

func corrupt(format string, args ...any) error { return newErr(ErrCorrupt, format, args...) }

// within prefixes what err says with the name of the thing being decoded,
// so that a deep error reads "hash listpack: entry 4: ...".
func within(err error, format string, args ...any) error {
	var e *Error
	if errors.As(err, &e) {
		p := fmt.Sprintf(format, args...)
		if e.Detail == "" {
			e.Detail = p
		} else {
			e.Detail = p + ": " + e.Detail
		}
		return e
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
