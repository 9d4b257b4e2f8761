package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
)

func testKey(t testing.TB) *MasterKey {
	t.Helper()
	m, err := NewMasterKey(2)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var testSealer = Identity{Measurement: bytes.Repeat([]byte{0xaa}, 32), Signer: bytes.Repeat([]byte{0xbb}, 32), ProductID: 1, SVN: 3}

func sealBytes(t testing.TB, m *MasterKey, typ ContentType, plain []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, m, Header{Type: typ, Generation: 7, Sealer: testSealer})
	if err != nil {
		t.Fatal(err)
	}
	// Uneven writes, to cross chunk boundaries mid-write.
	for p := plain; len(p) > 0; {
		n := min(len(p), 1+mrand.IntN(3*ChunkSize/2))
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func openBytes(m *MasterKey, typ ContentType, sealed []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(sealed), m, typ, "test.sealed")
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestRoundTrip(t *testing.T) {
	m := testKey(t)
	for _, n := range []int{0, 1, 100, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2 * ChunkSize, 3*ChunkSize + 12345} {
		plain := randomBytes(n)
		sealed := sealBytes(t, m, Snapshot, plain)
		chunks := max(1, (n+ChunkSize-1)/ChunkSize)
		hdr := len(fileMagic) + 4 + fixedHeader + 64
		if want := hdr + n + chunks*tagSize; len(sealed) != want {
			t.Errorf("%d bytes sealed to %d, want %d", n, len(sealed), want)
		}
		got, err := openBytes(m, Snapshot, sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: round trip gave %d bytes, %v", n, len(got), err)
		}
		if n >= 16 && bytes.Contains(sealed, plain[:16]) {
			t.Fatalf("%d bytes: plaintext visible in the sealed file", n)
		}
	}
}

func TestHeaderRecorded(t *testing.T) {
	m := testKey(t)
	sealed := sealBytes(t, m, AOF, []byte("x"))
	h, err := ReadHeader(bytes.NewReader(sealed))
	if err != nil {
		t.Fatal(err)
	}
	if h.Type != AOF || h.Instance != m.Instance || h.Policy != 2 || h.Generation != 7 ||
		!bytes.Equal(h.Sealer.Measurement, testSealer.Measurement) || !bytes.Equal(h.Sealer.Signer, testSealer.Signer) ||
		h.Sealer.ProductID != 1 || h.Sealer.SVN != 3 {
		t.Fatalf("header %+v", h)
	}
	other := sealBytes(t, m, AOF, []byte("x"))
	h2, _ := ReadHeader(bytes.NewReader(other))
	if h2.Salt == h.Salt {
		t.Fatal("two files share a salt")
	}
}

// Every way of changing a sealed file fails with the one tamper error and
// yields no plaintext.
func TestTamper(t *testing.T) {
	m := testKey(t)
	plain := randomBytes(3*ChunkSize + 500)
	sealed := sealBytes(t, m, Snapshot, plain)
	hdr := len(fileMagic) + 4 + fixedHeader + 64
	chunk := ChunkSize + tagSize
	swap := func(b []byte, i, j int) []byte {
		out := append([]byte(nil), b...)
		a, c := out[hdr+i*chunk:hdr+(i+1)*chunk], out[hdr+j*chunk:hdr+(j+1)*chunk]
		tmp := append([]byte(nil), a...)
		copy(a, c)
		copy(c, tmp)
		return out
	}
	cut := func(n int) []byte { return append([]byte(nil), sealed[:n]...) }
	cases := map[string][]byte{
		"cut at chunk boundary 1":   cut(hdr + chunk),
		"cut at chunk boundary 3":   cut(hdr + 3*chunk),
		"cut inside the last chunk": cut(len(sealed) - 1),
		"cut inside a chunk":        cut(hdr + chunk + 100),
		"cut to the header":         cut(hdr),
		"cut inside the header":     cut(hdr - 3),
		"appended byte":             append(cut(len(sealed)), 0),
		"appended chunk":            append(cut(len(sealed)), sealed[hdr:hdr+chunk]...),
		"chunks swapped":            swap(sealed, 0, 1),
		"chunk duplicated":          append(cut(hdr+chunk), sealed[hdr:]...),
		"chunk dropped":             append(cut(hdr), sealed[hdr+chunk:]...),
		"empty":                     {},
	}
	for _, off := range []int{12, 13, 14 + 3, 30 + 5, 62 + 7, 70 + 3, 74, 76, 78, 79 + 31, hdr + 5, hdr + chunk - 1, hdr + chunk, len(sealed) - 17, len(sealed) - 1} {
		b := cut(len(sealed))
		b[off] ^= 0x10
		cases["bit flip at "+itoa(off)] = b
	}
	for name, b := range cases {
		got, err := openBytes(m, Snapshot, b)
		if name == "empty" {
			if !errors.Is(err, ErrNotSealed) {
				t.Errorf("%s: %v, want ErrNotSealed", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrTampered) {
			t.Errorf("%s: err %v, want the tamper error", name, err)
			continue
		}
		if want := "sealed file test.sealed is corrupt or was tampered with"; err.Error() != want {
			t.Errorf("%s: %q, want %q", name, err, want)
		}
		_ = got // io.ReadAll hands back what it read before the error; callers load nothing on error
	}
	// A file of another instance, or of another type, is the same error.
	if _, err := openBytes(testKey(t), Snapshot, sealed); !errors.Is(err, ErrTampered) {
		t.Errorf("other instance: %v", err)
	}
	if _, err := openBytes(m, AOF, sealed); !errors.Is(err, ErrTampered) {
		t.Errorf("other type: %v", err)
	}
	// An instance id rewritten to ours does not help a foreign file: its
	// key derivation differs.
	foreign := sealBytes(t, testKey(t), Snapshot, []byte("planted"))
	copy(foreign[14:30], m.Instance[:])
	if _, err := openBytes(m, Snapshot, foreign); !errors.Is(err, ErrTampered) {
		t.Errorf("foreign file with our instance id: %v", err)
	}
}

// Truncation at every byte of a small two-chunk file.
func TestTruncateEverywhere(t *testing.T) {
	m := testKey(t)
	sealed := sealBytes(t, m, Snapshot, randomBytes(ChunkSize+40))
	for n := 0; n < len(sealed); n += 1 + n/512 {
		if _, err := openBytes(m, Snapshot, sealed[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: opened", n, len(sealed))
		}
	}
}

func TestForeignData(t *testing.T) {
	m := testKey(t)
	cases := []struct {
		data []byte
		want error
	}{
		{[]byte("REDIS0010\xfa\x09redis-ver"), ErrPlaintextRDB},
		{[]byte("hello world, not sealed"), ErrNotSealed},
		{[]byte("EKVSEAL\x02rest"), ErrVersion},
		{[]byte("EKV"), ErrNotSealed},
	}
	for _, c := range cases {
		if _, err := openBytes(m, Snapshot, c.data); !errors.Is(err, c.want) {
			t.Errorf("%q: %v, want %v", c.data, err, c.want)
		}
	}
}

func TestKeyFile(t *testing.T) {
	m := testKey(t)
	sealKey := randomBytes(32)
	info := []byte("EKVSKEY\x01 some key info")
	kf, err := m.MarshalKeyFile(sealKey, info)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(kf, m.key[:8]) {
		t.Fatal("master key visible in the key file")
	}
	derive := func(ki []byte) ([]byte, error) {
		if !bytes.Equal(ki, info) {
			return nil, errors.New("unexpected key info")
		}
		return sealKey, nil
	}
	got, err := OpenKeyFile(kf, derive)
	if err != nil || got.key != m.key || got.Instance != m.Instance || got.Policy != m.Policy {
		t.Fatalf("OpenKeyFile: %v", err)
	}
	// A file sealed with the opened key reads with the original one.
	if _, err := openBytes(m, Snapshot, sealBytes(t, got, Snapshot, []byte("v"))); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeyFile(kf, func([]byte) ([]byte, error) { return randomBytes(32), nil }); !errors.Is(err, ErrKeyFile) {
		t.Errorf("wrong platform key: %v", err)
	}
	backendErr := errors.New("svn too high")
	if _, err := OpenKeyFile(kf, func([]byte) ([]byte, error) { return nil, backendErr }); !errors.Is(err, backendErr) {
		t.Errorf("backend error: %v", err)
	}
	for i := 0; i < len(kf); i++ {
		b := append([]byte(nil), kf...)
		b[i] ^= 1
		if _, err := OpenKeyFile(b, func([]byte) ([]byte, error) { return sealKey, nil }); err == nil {
			t.Fatalf("bit flip at %d: key file opened", i)
		}
	}
	for n := 0; n < len(kf); n++ {
		if _, err := OpenKeyFile(kf[:n], derive); err == nil {
			t.Fatalf("key file cut to %d bytes opened", n)
		}
	}
	if _, err := m.MarshalKeyFile(sealKey, nil); err == nil {
		t.Error("empty key info accepted")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func BenchmarkSeal(b *testing.B) {
	m := testKey(b)
	plain := randomBytes(4 << 20)
	b.SetBytes(int64(len(plain)))
	for i := 0; i < b.N; i++ {
		w, _ := NewWriter(io.Discard, m, Header{Type: Snapshot})
		w.Write(plain)
		w.Close()
	}
}

func BenchmarkOpen(b *testing.B) {
	m := testKey(b)
	sealed := sealBytes(b, m, Snapshot, randomBytes(4<<20))
	b.SetBytes(int64(len(sealed)))
	for i := 0; i < b.N; i++ {
		r, _ := NewReader(bytes.NewReader(sealed), m, Snapshot, "x")
		io.Copy(io.Discard, r)
	}
}
