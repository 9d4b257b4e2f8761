package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WriterOptions are the server settings that shape a file.
type WriterOptions struct {
	// Compress is rdbcompression: strings longer than 20 bytes are
	// LZF-compressed when that saves space.
	Compress bool
	// Checksum is rdbchecksum: the trailer holds the CRC-64 of the file,
	// or 0 (which readers take as "not computed") when false.
	Checksum bool
}

// Writer writes an RDB file of version 10: Header, then Aux fields, then
// for each database SelectDB, ResizeDB and its entries, then End. Each
// call hands its bytes to the underlying io.Writer before it returns, so
// the caller may drain a buffer between calls. After a write error every
// call returns that error.
type Writer struct {
	w    io.Writer
	opts WriterOptions
	crc  uint64
	buf  []byte // what the current call writes
	val  []byte // the value being written, apart from its header
	enc  encoder
	err  error
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer, opts WriterOptions) *Writer {
	return &Writer{w: w, opts: opts}
}

// flush writes w.buf, then extra, and resets w.buf.
func (w *Writer) flush(extra ...[]byte) error {
	w.write(w.buf)
	for _, b := range extra {
		w.write(b)
	}
	w.buf = trim(w.buf)
	return w.err
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	if w.opts.Checksum {
		w.crc = crc64Update(w.crc, b)
	}
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("rdb: write: %w", err)
	}
}

// trim empties b for reuse, dropping it if a huge value grew it.
func trim(b []byte) []byte {
	if cap(b) > 1<<20 {
		return nil
	}
	return b[:0]
}

// Header writes the signature and version, "REDIS0010".
func (w *Writer) Header() error {
	w.buf = append(w.buf[:0], "REDIS"...)
	w.buf = append(w.buf, fmt.Sprintf("%04d", Version)...)
	return w.flush()
}

// Aux writes an AUX field (redis-ver, redis-bits, ctime, used-mem, ...).
func (w *Writer) Aux(key, value string) error {
	w.buf = append(w.buf[:0], opAux)
	w.buf = appendString(w.buf, []byte(key), w.opts.Compress)
	w.buf = appendString(w.buf, []byte(value), w.opts.Compress)
	return w.flush()
}

// SelectDB makes the following entries belong to database db.
func (w *Writer) SelectDB(db int) error {
	if db < 0 {
		return fmt.Errorf("rdb: negative database %d", db)
	}
	w.buf = appendLen(append(w.buf[:0], opSelectDB), uint64(db))
	return w.flush()
}

// ResizeDB writes the size hint for the selected database.
func (w *Writer) ResizeDB(keys, expires uint64) error {
	w.buf = appendLen(append(w.buf[:0], opResizeDB), keys)
	w.buf = appendLen(w.buf, expires)
	return w.flush()
}

// Function writes one function library (its FUNCTION LOAD code). Redis
// writes them after the AUX fields, before the first database.
func (w *Writer) Function(code []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = appendString(append(w.buf[:0], opFunction2), code, w.opts.Compress)
	return w.flush()
}

// Entry writes one key with its value and absolute expiry in Unix
// milliseconds (0 for none). A value the format cannot hold (a NaN score,
// an inconsistent stream) returns an error and writes nothing, leaving
// the Writer usable. An empty collection writes nothing: Redis would skip it
// when loading.
func (w *Writer) Entry(key []byte, v *Value, expireMs int64) error {
	if w.err != nil {
		return w.err
	}
	// The value is built first, apart, so that a value that cannot be
	// written leaves nothing behind; then the header (expiry, type, key)
	// and the value go out in two writes, without copying the value.
	val, err := w.enc.appendValue(w.val[:0], v, w.opts.Compress)
	w.enc.release()
	if errors.Is(err, errEmpty) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rdb: key %q: %w", key, err)
	}
	w.buf = w.buf[:0]
	if expireMs != 0 {
		w.buf = binary.LittleEndian.AppendUint64(append(w.buf, opExpireMs), uint64(expireMs))
	}
	w.buf = appendString(append(w.buf, val[0]), key, w.opts.Compress)
	err = w.flush(val[1:])
	w.val = trim(val)
	return err
}

// End writes the EOF opcode and the checksum trailer.
func (w *Writer) End() error {
	w.buf = append(w.buf[:0], opEOF)
	if err := w.flush(); err != nil {
		return err
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf[:0], w.crc) // 0 when Checksum is off
	return w.flush()
}
