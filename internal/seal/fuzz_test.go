package seal

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzKey is a fixed master key, so that the checked-in corpus holds files
// that really open and the fuzzer mutates from there.
func fuzzKey() *MasterKey {
	m := &MasterKey{Policy: 2}
	copy(m.Instance[:], "fuzz instance id")
	copy(m.key[:], "fuzz master key, not a secret!!!")
	return m
}

// FuzzOpen: any input either opens to the plaintext it was sealed from or
// fails with one of the package's errors; never a panic, never a hang.
func FuzzOpen(f *testing.F) {
	m := fuzzKey()
	for _, plain := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("x"), ChunkSize+3)} {
		var b bytes.Buffer
		w, _ := NewWriter(&b, m, Header{Type: Snapshot, Sealer: testSealer})
		w.Write(plain)
		w.Close()
		f.Add(b.Bytes())
	}
	f.Add([]byte("REDIS0010"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), m, Snapshot, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrNotSealed) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrPlaintextRDB) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		_, err = io.Copy(io.Discard, r)
		if err != nil && !errors.Is(err, ErrTampered) {
			t.Fatalf("unexpected read error %v", err)
		}
	})
}

// FuzzKeyFile: a key file either opens or fails cleanly.
func FuzzKeyFile(f *testing.F) {
	m := fuzzKey()
	sealKey := []byte("fuzz platform seal key 32 bytes!")
	kf, err := m.MarshalKeyFile(sealKey, []byte("EKVSKEY\x01\x02\x00\x01key id"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(kf)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := OpenKeyFile(data, func([]byte) ([]byte, error) { return sealKey, nil })
		if err == nil && got.key != m.key {
			t.Fatal("opened to another key")
		}
	})
}
