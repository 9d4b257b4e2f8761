package seal

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
)

// Sealed files: header, then 64 KiB AES-256-GCM chunks with counter nonces
// and a last-chunk flag (docs/sealed-format.md, "Sealed file").

var fileMagic = []byte("EKVSEAL\x01")

// fixedHeader is the size of the header fields after the length field,
// without the measurement and signer bytes.
const fixedHeader = 1 + 1 + IDSize + saltSize + 8 + 4 + 2 + 2 + 1 + 1

// Identity is the sealing enclave's identity, recorded in each header for
// operators; readers do not act on it.
type Identity struct {
	Measurement []byte
	Signer      []byte
	ProductID   uint16
	SVN         uint16
}

// Header is a sealed file's header.
type Header struct {
	Type       ContentType
	Policy     uint8
	Instance   [IDSize]byte
	Salt       [saltSize]byte
	Generation uint64
	Sealer     Identity
}

func (h *Header) marshal() ([]byte, error) {
	if len(h.Sealer.Measurement) > MaxIdentity || len(h.Sealer.Signer) > MaxIdentity {
		return nil, errors.New("seal: sealer identity too long")
	}
	n := fixedHeader + len(h.Sealer.Measurement) + len(h.Sealer.Signer)
	b := make([]byte, 0, len(fileMagic)+4+n)
	b = append(b, fileMagic...)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, byte(h.Type), h.Policy)
	b = append(b, h.Instance[:]...)
	b = append(b, h.Salt[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Generation)
	b = binary.BigEndian.AppendUint32(b, ChunkSize)
	b = binary.BigEndian.AppendUint16(b, h.Sealer.ProductID)
	b = binary.BigEndian.AppendUint16(b, h.Sealer.SVN)
	b = append(b, byte(len(h.Sealer.Measurement)))
	b = append(b, h.Sealer.Measurement...)
	b = append(b, byte(len(h.Sealer.Signer)))
	b = append(b, h.Sealer.Signer...)
	return b, nil
}

// readHeader reads and parses a header from r, returning it with its raw
// bytes (every chunk's additional data). Malformed headers are
// ErrTampered; foreign data is ErrNotSealed, ErrPlaintextRDB or ErrVersion.
func readHeader(r io.Reader) (Header, []byte, error) {
	var h Header
	raw := make([]byte, len(fileMagic)+4, 256)
	if _, err := io.ReadFull(r, raw[:len(fileMagic)]); err != nil {
		return h, nil, ErrNotSealed
	}
	switch {
	case bytes.HasPrefix(raw, []byte("REDIS")):
		return h, nil, ErrPlaintextRDB
	case !bytes.Equal(raw[:len(fileMagic)-1], fileMagic[:len(fileMagic)-1]):
		return h, nil, ErrNotSealed
	case raw[len(fileMagic)-1] != fileMagic[len(fileMagic)-1]:
		return h, nil, ErrVersion
	}
	if _, err := io.ReadFull(r, raw[len(fileMagic):]); err != nil {
		return h, nil, ErrTampered
	}
	n := binary.BigEndian.Uint32(raw[len(fileMagic):])
	if n < fixedHeader || n > fixedHeader+2*MaxIdentity {
		return h, nil, ErrTampered
	}
	raw = append(raw, make([]byte, n)...)
	p := raw[len(fileMagic)+4:]
	if _, err := io.ReadFull(r, p); err != nil {
		return h, nil, ErrTampered
	}
	h.Type = ContentType(p[0])
	h.Policy = p[1]
	p = p[2:]
	copy(h.Instance[:], p)
	p = p[IDSize:]
	copy(h.Salt[:], p)
	p = p[saltSize:]
	h.Generation = binary.BigEndian.Uint64(p)
	if binary.BigEndian.Uint32(p[8:]) != ChunkSize {
		return h, nil, ErrTampered
	}
	h.Sealer.ProductID = binary.BigEndian.Uint16(p[12:])
	h.Sealer.SVN = binary.BigEndian.Uint16(p[14:])
	p = p[16:]
	m := int(p[0])
	if m > MaxIdentity || len(p) < 1+m+1 {
		return h, nil, ErrTampered
	}
	h.Sealer.Measurement = p[1 : 1+m]
	p = p[1+m:]
	s := int(p[0])
	if s > MaxIdentity || len(p) != 1+s {
		return h, nil, ErrTampered
	}
	h.Sealer.Signer = p[1:]
	return h, raw, nil
}

// ReadHeader reads a sealed file's header without any key, for inspection.
// The header is not authenticated until the file is read with its key.
func ReadHeader(r io.Reader) (Header, error) {
	h, _, err := readHeader(r)
	return h, err
}

// nonce fills the nonce of chunk i.
func nonce(dst *[nonceSize]byte, i uint64, last bool) {
	binary.BigEndian.PutUint64(dst[:8], i)
	dst[8], dst[9], dst[10] = 0, 0, 0
	dst[11] = 0
	if last {
		dst[11] = 1
	}
}

// Writer seals what is written to it into dst. Close seals the last chunk;
// until then the output is not a complete sealed file.
type Writer struct {
	dst    io.Writer
	aead   cipher.AEAD
	aad    []byte
	buf    []byte // plaintext of the chunk being filled
	out    []byte // sealed chunk
	chunk  uint64
	err    error
	closed bool
}

// NewWriter writes the header of a new sealed file of type h.Type to dst,
// with a fresh salt and m's instance, and returns the writer of its
// content. h's Generation and Sealer are recorded as given.
func NewWriter(dst io.Writer, m *MasterKey, h Header) (*Writer, error) {
	h.Instance = m.Instance
	h.Policy = m.Policy
	if _, err := rand.Read(h.Salt[:]); err != nil {
		return nil, err
	}
	raw, err := h.marshal()
	if err != nil {
		return nil, err
	}
	aead, err := m.fileKey(h.Type, h.Salt[:])
	if err != nil {
		return nil, err
	}
	if _, err := dst.Write(raw); err != nil {
		return nil, err
	}
	return &Writer{
		dst:  dst,
		aead: aead,
		aad:  raw,
		buf:  make([]byte, 0, ChunkSize),
		out:  make([]byte, 0, ChunkSize+tagSize),
	}, nil
}

// Write buffers p, sealing and writing each chunk as it fills.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("seal: write after close")
	}
	n := 0
	for len(p) > 0 {
		// A full chunk is sealed only when more data comes, so that the
		// final chunk, whatever its size, is the one Close seals as last.
		if len(w.buf) == ChunkSize {
			if err := w.flush(false); err != nil {
				return n, err
			}
		}
		k := copy(w.buf[len(w.buf):ChunkSize], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

func (w *Writer) flush(last bool) error {
	var nc [nonceSize]byte
	nonce(&nc, w.chunk, last)
	w.out = w.aead.Seal(w.out[:0], nc[:], w.buf, w.aad)
	w.chunk++
	w.buf = w.buf[:0]
	if _, err := w.dst.Write(w.out); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Close seals the last chunk. It does not close dst.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return nil
	}
	w.closed = true
	return w.flush(true)
}

// Reader opens a sealed file and reads its plaintext, chunk by chunk, each
// only after its tag checked. io.EOF comes only after the authenticated
// last chunk; any failure is a *TamperError.
type Reader struct {
	src   io.Reader
	aead  cipher.AEAD
	aad   []byte
	h     Header
	name  string
	in    []byte // a sealed chunk, plus one byte of look-ahead
	ahead bool   // in[0] holds the look-ahead byte of the next chunk
	pbuf  []byte // the opened chunk
	plain []byte // verified plaintext not yet returned (in pbuf)
	chunk uint64
	done  bool
	err   error
}

// NewReader reads the header of the sealed file in src and checks that it
// is of type want and sealed by m's instance. name is the file's name in
// errors.
func NewReader(src io.Reader, m *MasterKey, want ContentType, name string) (*Reader, error) {
	h, raw, err := readHeader(src)
	if err != nil {
		if errors.Is(err, ErrTampered) {
			return nil, &TamperError{Name: name}
		}
		return nil, err
	}
	if h.Type != want || h.Instance != m.Instance {
		return nil, &TamperError{Name: name}
	}
	aead, err := m.fileKey(h.Type, h.Salt[:])
	if err != nil {
		return nil, err
	}
	return &Reader{
		src:  src,
		aead: aead,
		aad:  raw,
		h:    h,
		name: name,
		in:   make([]byte, ChunkSize+tagSize+1),
		pbuf: make([]byte, 0, ChunkSize),
	}, nil
}

// Header returns the file's header (authenticated once the first chunk
// has been read).
func (r *Reader) Header() Header { return r.h }

// Read returns verified plaintext.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens one chunk. A chunk followed by more data is a
// middle chunk; the one that ends the file is the last.
func (r *Reader) next() {
	const full = ChunkSize + tagSize
	start := 0
	if r.ahead {
		start = 1
	}
	n, err := io.ReadFull(r.src, r.in[start:full+1])
	n += start
	last := false
	switch {
	case err == nil: // a full chunk and the first byte of the next
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		last = true
	default:
		r.err = err // an I/O error is not tampering: say what it was
		return
	}
	body := r.in[:min(n, full)]
	if len(body) < tagSize {
		r.fail()
		return
	}
	var nc [nonceSize]byte
	nonce(&nc, r.chunk, last)
	plain, oerr := r.aead.Open(r.pbuf[:0], nc[:], body, r.aad)
	if oerr != nil || (!last && len(plain) != ChunkSize) {
		r.fail()
		return
	}
	r.chunk++
	r.plain = plain
	if last {
		r.done = true
		return
	}
	// The byte read past this chunk starts the next one.
	r.in[0] = r.in[full]
	r.ahead = true
}

func (r *Reader) fail() {
	r.err = &TamperError{Name: r.name}
	r.plain = nil
}
