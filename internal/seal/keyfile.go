package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// The key file: the master key wrapped by the platform seal key
// (docs/sealed-format.md, "Key file").

var keyFileMagic = []byte("EKVKEYF\x01")

const nonceSize = 12

// MarshalKeyFile wraps m with the platform seal key sealKey, recording
// keyInfo (the backend's description of that key) so that a later run can
// re-derive it.
func (m *MasterKey) MarshalKeyFile(sealKey, keyInfo []byte) ([]byte, error) {
	if len(keyInfo) == 0 || len(keyInfo) > MaxKeyInfo {
		return nil, fmt.Errorf("seal: key info of %d bytes (want 1..%d)", len(keyInfo), MaxKeyInfo)
	}
	aead, err := newGCM(sealKey)
	if err != nil {
		return nil, fmt.Errorf("seal: platform seal key: %w", err)
	}
	b := make([]byte, 0, len(keyFileMagic)+IDSize+3+len(keyInfo)+nonceSize+keySize+tagSize)
	b = append(b, keyFileMagic...)
	b = append(b, m.Instance[:]...)
	b = append(b, m.Policy)
	b = binary.BigEndian.AppendUint16(b, uint16(len(keyInfo)))
	b = append(b, keyInfo...)
	aad := len(b)
	var nonce [nonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	b = append(b, nonce[:]...)
	return aead.Seal(b, nonce[:], m.key[:], b[:aad]), nil
}

// KeyFileInfo is what a key file says in the clear.
type KeyFileInfo struct {
	Instance [IDSize]byte
	Policy   uint8
	KeyInfo  []byte
}

// ParseKeyFileInfo reads the clear fields of a key file without opening
// it (which platform key it needs).
func ParseKeyFileInfo(b []byte) (KeyFileInfo, error) {
	var ki KeyFileInfo
	if !bytes.HasPrefix(b, keyFileMagic[:len(keyFileMagic)-1]) {
		return ki, ErrNotSealed
	}
	if len(b) < len(keyFileMagic) {
		return ki, ErrKeyFile
	}
	if b[len(keyFileMagic)-1] != keyFileMagic[len(keyFileMagic)-1] {
		return ki, ErrVersion
	}
	p := b[len(keyFileMagic):]
	if len(p) < IDSize+3 {
		return ki, ErrKeyFile
	}
	copy(ki.Instance[:], p)
	ki.Policy = p[IDSize]
	n := int(binary.BigEndian.Uint16(p[IDSize+1:]))
	p = p[IDSize+3:]
	if n == 0 || n > MaxKeyInfo || len(p) != n+nonceSize+keySize+tagSize {
		return ki, ErrKeyFile
	}
	ki.KeyInfo = p[:n]
	return ki, nil
}

// OpenKeyFile unwraps the master key in b. sealKey re-derives the platform
// seal key from the key info stored in the file; its error is returned as
// is (the caller knows the backend's errors, such as an SVN too high).
func OpenKeyFile(b []byte, sealKey func(keyInfo []byte) ([]byte, error)) (*MasterKey, error) {
	ki, err := ParseKeyFileInfo(b)
	if err != nil {
		return nil, err
	}
	key, err := sealKey(ki.KeyInfo)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, ErrKeyFile
	}
	aad := len(keyFileMagic) + IDSize + 3 + len(ki.KeyInfo)
	nonce := b[aad : aad+nonceSize]
	plain, err := aead.Open(nil, nonce, b[aad+nonceSize:], b[:aad])
	if err != nil || len(plain) != keySize {
		return nil, ErrKeyFile
	}
	m := &MasterKey{Instance: ki.Instance, Policy: ki.Policy}
	copy(m.key[:], plain)
	clear(plain)
	return m, nil
}
