package seal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWriteFuzzCorpus regenerates the checked-in seed corpus (valid files
// under fuzzKey) when ENCLAVEKV_GEN_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("ENCLAVEKV_GEN_CORPUS") != "1" {
		t.Skip("set ENCLAVEKV_GEN_CORPUS=1 to regenerate testdata/fuzz")
	}
	m := fuzzKey()
	write := func(name string, data []byte) {
		dir := filepath.Join("testdata", "fuzz", name[:bytes.IndexByte([]byte(name), '/')])
		os.MkdirAll(dir, 0o755)
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if err := os.WriteFile(filepath.Join("testdata", "fuzz", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, plain := range [][]byte{nil, []byte("*3\r\n$3\r\nSET\r\n"), bytes.Repeat([]byte("ab"), ChunkSize/2+10)} {
		var b bytes.Buffer
		w, _ := NewWriter(&b, m, Header{Type: Snapshot, Generation: uint64(i), Sealer: testSealer})
		w.Write(plain)
		w.Close()
		write(fmt.Sprintf("FuzzOpen/valid-%d", i), b.Bytes())
	}
	write("FuzzOpen/plaintext-rdb", []byte("REDIS0010\xfa\x09redis-ver\x067.0.15\xff"))
	kf, _ := m.MarshalKeyFile([]byte("fuzz platform seal key 32 bytes!"), []byte("EKVSKEY\x01\x02\x00\x01key id"))
	write("FuzzKeyFile/valid", kf)
	write("FuzzKeyFile/short", kf[:20])
}
