package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// A DUMP payload is one value as it appears in an RDB file (its type byte
// then its serialization), followed by a footer: the RDB version of the
// encoding (2 bytes, little-endian) and the CRC-64 of everything before
// the CRC (8 bytes, little-endian).
const dumpFooterSize = 2 + 8

// DumpPayload serializes v as DUMP does: the value, the RDB version (2
// bytes, little-endian) and the CRC-64 of both (8 bytes, little-endian).
func DumpPayload(v *Value, compress bool) ([]byte, error) {
	var enc encoder
	p, err := enc.appendValue(nil, v, compress)
	if errors.Is(err, errEmpty) {
		return nil, fmt.Errorf("rdb: empty %s: Redis has no such value", v.Kind)
	}
	if err != nil {
		return nil, err
	}
	p = binary.LittleEndian.AppendUint16(p, Version)
	return binary.LittleEndian.AppendUint64(p, CRC64(p)), nil
}

// dumpChecksumError is ErrDumpVersion that is also ErrChecksum, for a
// payload whose CRC does not match.
type dumpChecksumError struct{}

func (dumpChecksumError) Error() string   { return ErrDumpVersion.Error() }
func (dumpChecksumError) Unwrap() []error { return []error{ErrDumpVersion, ErrChecksum} }

// dumpBody checks a DUMP-style payload's footer (RDB version, CRC-64) and
// returns what precedes it.
func dumpBody(p []byte) ([]byte, error) {
	if len(p) < dumpFooterSize {
		return nil, &Error{Err: ErrDumpVersion, Offset: 0, Detail: fmt.Sprintf("payload of %d bytes is shorter than its footer", len(p))}
	}
	body := p[:len(p)-dumpFooterSize]
	if ver := binary.LittleEndian.Uint16(p[len(body):]); ver > maxReadVersion {
		return nil, &Error{Err: ErrDumpVersion, Offset: int64(len(body)), Detail: fmt.Sprintf("RDB version %d (this server reads up to %d)", ver, maxReadVersion)}
	}
	if want, got := binary.LittleEndian.Uint64(p[len(p)-8:]), CRC64(p[:len(p)-8]); want != got {
		return nil, &Error{Err: dumpChecksumError{}, Offset: int64(len(p) - 8), Detail: fmt.Sprintf("stored CRC %#016x, computed %#016x", want, got)}
	}
	return body, nil
}

// ParseDumpPayload decodes a DUMP payload, as RESTORE does. It accepts
// RDB versions up to 11 and checks the CRC. An error wrapping
// ErrDumpVersion means the footer is wrong (Redis replies "ERR DUMP
// payload version or checksum are wrong"); any other error means the
// value itself is bad ("ERR Bad data format"): corrupt, truncated, an
// empty collection, trailing bytes, or over the limits.
func ParseDumpPayload(p []byte, lim Limits) (*Value, error) {
	body, err := dumpBody(p)
	if err != nil {
		return nil, err
	}
	s := newSource(bytes.NewReader(body), lim)
	t, err := s.byte()
	if err != nil {
		return nil, err
	}
	if !isObjectType(t) {
		return nil, &Error{Err: ErrCorrupt, Offset: 0, Detail: fmt.Sprintf("unknown value type %d", t)}
	}
	v, err := readValue(s, t)
	if errors.Is(err, errEmpty) {
		// Redis refuses to restore an empty collection.
		return nil, &Error{Err: ErrCorrupt, Offset: 1, Detail: "empty collection"}
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Offset < 0 {
			e.Offset = 1
		}
		return nil, err
	}
	if s.off != int64(len(body)) {
		return nil, &Error{Err: ErrCorrupt, Offset: s.off, Detail: fmt.Sprintf("%d bytes after the value", int64(len(body))-s.off)}
	}
	return v, nil
}

// FunctionsPayload serializes function libraries as FUNCTION DUMP does:
// each library's code as in an RDB file, then the DUMP footer.
func FunctionsPayload(codes [][]byte) []byte {
	var p []byte
	for _, c := range codes {
		p = appendString(append(p, opFunction2), c, false)
	}
	p = binary.LittleEndian.AppendUint16(p, Version)
	return binary.LittleEndian.AppendUint64(p, CRC64(p))
}

// ParseFunctionsPayload decodes a FUNCTION RESTORE payload into the
// libraries' code. Errors are as ParseDumpPayload's: ErrDumpVersion for a
// bad footer, anything else for a bad body.
func ParseFunctionsPayload(p []byte, lim Limits) ([][]byte, error) {
	body, err := dumpBody(p)
	if err != nil {
		return nil, err
	}
	s := newSource(bytes.NewReader(body), lim)
	var codes [][]byte
	for s.off < int64(len(body)) {
		t, err := s.byte()
		if err != nil {
			return nil, err
		}
		if t != opFunction2 {
			return nil, &Error{Err: ErrCorrupt, Offset: s.off - 1, Detail: fmt.Sprintf("type %d where a function library was expected", t)}
		}
		code, err := s.str()
		if err != nil {
			return nil, err
		}
		codes = append(codes, code)
	}
	return codes, nil
}
