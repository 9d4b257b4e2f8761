// Package seal implements enclavekv's sealed-file format (docs/sealed-format.md):
// an instance master key kept in a small key file wrapped by the enclave's
// platform seal key, and files encrypted and authenticated in 64 KiB
// AES-256-GCM chunks (the STREAM construction) under a per-file key derived
// from the master key and a random salt.
//
// The package knows nothing about what it seals (RDB, AOF, ...) nor about
// the enclave backend: callers pass the platform seal key and its key info
// in, and get plaintext streams out. Any damage to a sealed file reports
// ErrTampered and nothing else, so that callers cannot be led into loading
// part of a file.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ContentType says what a sealed file holds. It is bound into the file's
// key, so a file of one type never opens as another.
type ContentType uint8

const (
	Snapshot ContentType = 1 // an RDB snapshot
	AOF      ContentType = 2 // the append-only file
	ACL      ContentType = 3 // the ACL file
	Config   ContentType = 4 // a rewritten configuration
)

func (t ContentType) String() string {
	switch t {
	case Snapshot:
		return "snapshot"
	case AOF:
		return "append-only file"
	case ACL:
		return "ACL file"
	case Config:
		return "config"
	}
	return fmt.Sprintf("content type %d", uint8(t))
}

// ChunkSize is the plaintext size of every chunk but the last.
const ChunkSize = 64 << 10

const (
	keySize  = 32
	tagSize  = 16
	saltSize = 32
	// IDSize is the length of an instance id.
	IDSize = 16
	// MaxIdentity bounds the sealer's measurement and signer in a header.
	MaxIdentity = 64
	// MaxKeyInfo bounds the platform key info a key file holds.
	MaxKeyInfo = 1024
)

var (
	// ErrTampered is every failure to authenticate a sealed file: a flipped
	// bit, a cut, appended bytes, reordered chunks, a file of another
	// instance or another content type. Deliberately one error.
	ErrTampered = errors.New("corrupt or tampered with")
	// ErrNotSealed means the data does not start with a sealed file's magic.
	ErrNotSealed = errors.New("not a sealed file")
	// ErrPlaintextRDB means the data is a plaintext RDB file (it starts
	// with "REDIS"): something a host could have planted.
	ErrPlaintextRDB = errors.New("a plaintext RDB file, not a sealed one")
	// ErrVersion means a sealed file or key file of a format version this
	// build does not know.
	ErrVersion = errors.New("unsupported sealed file version")
	// ErrKeyFile means the key file cannot be opened by this enclave: made
	// on another platform or by another enclave identity, or tampered
	// with.
	ErrKeyFile = errors.New("key file cannot be opened by this enclave (another platform or enclave identity, or tampered with)")
)

// TamperError is ErrTampered with the file's name, in the words operators
// see: "sealed file <path> is corrupt or was tampered with".
type TamperError struct{ Name string }

func (e *TamperError) Error() string {
	return "sealed file " + e.Name + " is corrupt or was tampered with"
}

func (e *TamperError) Is(target error) bool { return target == ErrTampered }

// MasterKey is an instance's master key and identity.
type MasterKey struct {
	Instance [IDSize]byte
	Policy   uint8 // the platform seal key's policy (1 measurement, 2 signer)
	key      [keySize]byte
}

// NewMasterKey makes a fresh instance: a random id and master key.
func NewMasterKey(policy uint8) (*MasterKey, error) {
	m := &MasterKey{Policy: policy}
	if _, err := rand.Read(m.Instance[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(m.key[:]); err != nil {
		return nil, err
	}
	return m, nil
}

// fileKey derives the AES key of one file.
func (m *MasterKey) fileKey(t ContentType, salt []byte) (cipher.AEAD, error) {
	info := make([]byte, 0, len(fileKeyLabel)+1+IDSize)
	info = append(info, fileKeyLabel...)
	info = append(info, byte(t))
	info = append(info, m.Instance[:]...)
	k, err := hkdf.Key(sha256.New, m.key[:], salt, string(info), keySize)
	if err != nil {
		return nil, err
	}
	return newGCM(k)
}

const fileKeyLabel = "enclavekv sealed file v1\x00"

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
