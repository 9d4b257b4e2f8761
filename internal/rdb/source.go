package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
)

// Limits bound what decoding accepts, so that hostile input cannot make it
// allocate without bound. Zero fields take their defaults.
type Limits struct {
	// MaxStringLen is the longest string accepted: keys, values,
	// elements, and the serialized blobs of compact encodings. Default
	// 512 MiB (Redis's proto-max-bulk-len).
	MaxStringLen int64
	// MaxElements is the most elements one collection may hold (list
	// elements, set members, hash fields, sorted set members, stream
	// entries, pending entries, consumers). Default 1<<32.
	MaxElements int64
	// MaxDB is the number of databases: a SELECTDB of MaxDB or more is an
	// error. Default 16.
	MaxDB int
}

func (l Limits) withDefaults() Limits {
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = 512 << 20
	}
	if l.MaxElements <= 0 {
		l.MaxElements = 1 << 32
	}
	if l.MaxDB <= 0 {
		l.MaxDB = 16
	}
	return l
}

// readChunk is how much a long string grows at a time while it is read, so
// that a length field claiming gigabytes in a short input fails at the end
// of the input having allocated little.
const readChunk = 1 << 20

// source reads RDB data, tracking the offset and the running CRC-64 of
// everything read.
type source struct {
	r    io.Reader
	br   io.ByteReader
	left func() int // bytes left in the input, when known (-1 if not)
	off  int64
	crc  uint64
	lim  Limits
	tmp  [16]byte
	// scratch holds bytes read only to be decoded (LZF input), reused
	// from string to string.
	scratch []byte
}

func newSource(r io.Reader, lim Limits) *source {
	s := &source{r: r, lim: lim.withDefaults(), left: func() int { return -1 }}
	switch rr := r.(type) {
	case *bytes.Reader:
		s.br = rr
		s.left = rr.Len
	case io.ByteReader:
		s.br = rr
	default:
		b := bufio.NewReader(r)
		s.r, s.br = b, b
	}
	return s
}

func (s *source) readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Err: ErrTruncated, Offset: s.off}
	}
	return &Error{Err: err, Offset: s.off, Detail: "reading the input"}
}

func (s *source) byte() (byte, error) {
	b, err := s.br.ReadByte()
	if err != nil {
		return 0, s.readErr(err)
	}
	s.crc = crc64Byte(s.crc, b)
	s.off++
	return b, nil
}

func (s *source) full(p []byte) error {
	n, err := io.ReadFull(s.r, p)
	s.crc = crc64Update(s.crc, p[:n])
	s.off += int64(n)
	if err != nil {
		return s.readErr(err)
	}
	return nil
}

// bytes reads n bytes into a new slice, growing it a chunk at a time.
func (s *source) bytes(n uint64) ([]byte, error) {
	if l := s.left(); l >= 0 && n > uint64(l) {
		return nil, &Error{Err: ErrTruncated, Offset: s.off, Detail: "a string of " + strconv.FormatUint(n, 10) + " bytes runs past the end"}
	}
	if n <= readChunk {
		b := make([]byte, n)
		return b, s.full(b)
	}
	b := make([]byte, 0, readChunk)
	for uint64(len(b)) < n {
		k := int(min(n-uint64(len(b)), readChunk))
		m := len(b)
		b = slices.Grow(b, k)[:m+k]
		if err := s.full(b[m:]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// scratchBytes is bytes into s.scratch: valid until the next call.
func (s *source) scratchBytes(n uint64) ([]byte, error) {
	if n > readChunk {
		return s.bytes(n)
	}
	if uint64(cap(s.scratch)) < n {
		s.scratch = make([]byte, max(n, 4096))
	}
	b := s.scratch[:n]
	return b, s.full(b)
}

func (s *source) le32() (uint32, error) {
	if err := s.full(s.tmp[:4]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(s.tmp[:4]), nil
}

func (s *source) le64() (uint64, error) {
	if err := s.full(s.tmp[:8]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(s.tmp[:8]), nil
}

// The two high bits of a length's first byte say how it is stored.
const (
	len6     = 0    // 00xxxxxx
	len14    = 1    // 01xxxxxx xxxxxxxx (big-endian)
	len32    = 0x80 // then 4 bytes, big-endian
	len64    = 0x81 // then 8 bytes, big-endian
	lenSpec  = 3    // 11xxxxxx: a specially encoded string follows
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// length reads a length; special reports an 11xxxxxx byte, whose low six
// bits are then returned as n.
func (s *source) length() (n uint64, special bool, err error) {
	b, err := s.byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case len6:
		return uint64(b & 0x3f), false, nil
	case len14:
		b2, err := s.byte()
		return uint64(b&0x3f)<<8 | uint64(b2), false, err
	case lenSpec:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case len32:
		if err := s.full(s.tmp[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(s.tmp[:4])), false, nil
	case len64:
		if err := s.full(s.tmp[:8]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(s.tmp[:8]), false, nil
	}
	return 0, false, corrupt("unknown length encoding %#x", b)
}

// len reads a plain length (a special encoding there is corrupt).
func (s *source) len() (uint64, error) {
	n, special, err := s.length()
	if err == nil && special {
		err = corrupt("a string encoding where a length belongs")
	}
	return n, err
}

// count reads the element count of a collection, checked against the
// limit.
func (s *source) count(what string) (uint64, error) {
	n, err := s.len()
	if err == nil && n > uint64(s.lim.MaxElements) {
		err = newErr(ErrTooLarge, "%s of %d elements (limit %d)", what, n, s.lim.MaxElements)
	}
	return n, err
}

// str reads a string in any of its encodings: raw, integer or LZF.
func (s *source) str() ([]byte, error) {
	n, special, err := s.length()
	if err != nil {
		return nil, err
	}
	if !special {
		if n > uint64(s.lim.MaxStringLen) {
			return nil, newErr(ErrTooLarge, "string of %d bytes (limit %d)", n, s.lim.MaxStringLen)
		}
		return s.bytes(n)
	}
	switch n {
	case encInt8:
		b, err := s.byte()
		return strconv.AppendInt(nil, int64(int8(b)), 10), err
	case encInt16:
		if err := s.full(s.tmp[:2]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(s.tmp[:2]))), 10), nil
	case encInt32:
		v, err := s.le32()
		return strconv.AppendInt(nil, int64(int32(v)), 10), err
	case encLZF:
		clen, err := s.len()
		if err != nil {
			return nil, err
		}
		ulen, err := s.len()
		if err != nil {
			return nil, err
		}
		if ulen > uint64(s.lim.MaxStringLen) || clen > uint64(s.lim.MaxStringLen) {
			return nil, newErr(ErrTooLarge, "compressed string of %d bytes (limit %d)", ulen, s.lim.MaxStringLen)
		}
		c, err := s.scratchBytes(clen)
		if err != nil {
			return nil, err
		}
		return lzfDecompress(c, ulen)
	}
	return nil, corrupt("unknown string encoding %d", n)
}

// Scores of the oldest sorted set encoding are strings, with three
// lengths standing for the values that have no digits.
const (
	scoreNaN    = 253
	scorePosInf = 254
	scoreNegInf = 255
)

func (s *source) stringScore() (float64, error) {
	n, err := s.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case scoreNaN:
		return math.NaN(), nil
	case scorePosInf:
		return math.Inf(1), nil
	case scoreNegInf:
		return math.Inf(-1), nil
	}
	b := make([]byte, n)
	if err := s.full(b); err != nil {
		return 0, err
	}
	return parseScore(b)
}

func (s *source) binaryScore() (float64, error) {
	v, err := s.le64()
	return math.Float64frombits(v), err
}

// parseScore reads a score written as text, as strtod does, requiring the
// whole text to be the number.
func parseScore(b []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, corrupt("score %q is not a number", b)
		}
		// Out of range: strtod gives ±HUGE_VAL or 0, as ParseFloat does.
	}
	return f, nil
}

// parseInt parses a canonical decimal integer, the form Redis
// integer-encodes: no sign but a leading '-', no leading zeros, no "-0".
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if b[0] == '0' {
		return 0, len(b) == 1
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
		if len(d) == 0 || d[0] == '0' {
			return 0, false
		}
	}
	var v uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true // two's complement: also right for -2^63
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
