package enclave

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// A signature (the simulation's SIGSTRUCT) states that the holder of a
// signing key vouches for one measurement as product id / security
// version. Its file is PEM:
//
//	-----BEGIN ENCLAVEKV SIGNATURE-----
//	base64( "EKVSIG\x00\x01" | measurement 32 | product id u16be |
//	        svn u16be | ed25519 public key 32 | ed25519 signature 64 )
//
// The signature covers sigDomain || measurement || product id || svn. The
// signer identity is SHA-256 of the public key (as MRSIGNER is a hash of
// the signing key's modulus).

const (
	sigMagic     = "EKVSIG\x00\x01"
	sigDomain    = "enclavekv enclave signature v1\x00"
	sigPEMType   = "ENCLAVEKV SIGNATURE"
	sigBodySize  = len(sigMagic) + 32 + 2 + 2 + ed25519.PublicKeySize
	sigTotalSize = sigBodySize + ed25519.SignatureSize
)

// Signature is a parsed, verified signature file.
type Signature struct {
	Measurement [32]byte
	ProductID   uint16
	SVN         uint16
	PublicKey   ed25519.PublicKey
}

// Signer is the signer identity the signature establishes.
func (s *Signature) Signer() [32]byte { return SignerOf(s.PublicKey) }

// SignerOf is the signer identity of a signing public key.
func SignerOf(pub ed25519.PublicKey) [32]byte { return sha256.Sum256(pub) }

func sigMessage(m [32]byte, productID, svn uint16) []byte {
	msg := make([]byte, 0, len(sigDomain)+36)
	msg = append(msg, sigDomain...)
	msg = append(msg, m[:]...)
	msg = binary.BigEndian.AppendUint16(msg, productID)
	msg = binary.BigEndian.AppendUint16(msg, svn)
	return msg
}

// Sign makes the PEM signature file for a measurement.
func Sign(key ed25519.PrivateKey, m [32]byte, productID, svn uint16) []byte {
	pub := key.Public().(ed25519.PublicKey)
	b := make([]byte, 0, sigTotalSize)
	b = append(b, sigMagic...)
	b = append(b, m[:]...)
	b = binary.BigEndian.AppendUint16(b, productID)
	b = binary.BigEndian.AppendUint16(b, svn)
	b = append(b, pub...)
	b = append(b, ed25519.Sign(key, sigMessage(m, productID, svn))...)
	return pem.EncodeToMemory(&pem.Block{Type: sigPEMType, Bytes: b})
}

// ParseSignature reads and verifies a signature file. It checks the
// signature itself; whether it is for the right measurement is the
// caller's business.
func ParseSignature(data []byte) (*Signature, error) {
	blk, rest := pem.Decode(data)
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN ")) || blk == nil || blk.Type != sigPEMType || len(bytes.TrimSpace(rest)) != 0 || len(blk.Headers) != 0 {
		return nil, errors.New("not an enclavekv signature file (want one PEM block \"" + sigPEMType + "\")")
	}
	b := blk.Bytes
	if len(b) != sigTotalSize || string(b[:len(sigMagic)]) != sigMagic {
		return nil, errors.New("signature has the wrong size or version")
	}
	s := &Signature{}
	p := b[len(sigMagic):]
	copy(s.Measurement[:], p[:32])
	s.ProductID = binary.BigEndian.Uint16(p[32:])
	s.SVN = binary.BigEndian.Uint16(p[34:])
	s.PublicKey = ed25519.PublicKey(append([]byte(nil), p[36:36+ed25519.PublicKeySize]...))
	sig := b[sigBodySize:]
	if !ed25519.Verify(s.PublicKey, sigMessage(s.Measurement, s.ProductID, s.SVN), sig) {
		return nil, errors.New("signature does not verify")
	}
	return s, nil
}

// debugSignerKey is the built-in signer of unsigned builds. Its private
// key is public knowledge (derived from a fixed string), which is the
// point: anything it signs is a debug enclave, never to be trusted with
// production data.
func debugSignerKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("enclavekv debug signer v1: this key is public; builds it signs are debug enclaves"))
	return ed25519.NewKeyFromSeed(seed[:])
}

// DebugSigner is the signer identity of unsigned builds.
func DebugSigner() [32]byte { return SignerOf(debugSignerKey().Public().(ed25519.PublicKey)) }

// GenerateSigningKey returns a new signing key as PKCS#8 PEM (the format
// `openssl genpkey -algorithm ed25519` writes).
func GenerateSigningKey() (ed25519.PrivateKey, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseSigningKey reads an Ed25519 private key in PKCS#8 PEM.
func ParseSigningKey(data []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PKCS#8 PEM private key (\"-----BEGIN PRIVATE KEY-----\")")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key is %T; enclavekv signs with Ed25519", k)
	}
	return priv, nil
}

// ReadSigningKey reads a signing key file.
func ReadSigningKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseSigningKey(data)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return k, nil
}
