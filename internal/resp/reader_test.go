package resp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// oneByteReader delivers its input a byte at a time, the worst case for
// resumable parsing.
type oneByteReader struct{ data []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

// readAll parses every request in input, returning them as strings and the
// first error.
func readAll(src io.Reader, maxBulk int64) ([][]string, error) {
	rd := NewReader(src)
	if maxBulk > 0 {
		rd.MaxBulk = maxBulk
	}
	var out [][]string
	for {
		for {
			args, err := rd.Next()
			if err != nil {
				return out, err
			}
			if args == nil {
				break
			}
			req := make([]string, len(args))
			for i, a := range args {
				req[i] = string(a)
			}
			out = append(out, req)
		}
		if err := rd.Fill(); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    [][]string
		wantErr string
	}{
		{"multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [][]string{{"GET", "k"}}, ""},
		{"pipeline", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}, ""},
		{"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [][]string{{"ECHO", ""}}, ""},
		{"binary bulk", "*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\x00\xff\r\n", [][]string{{"ECHO", "\r\n\x00\xff"}}, ""},
		{"crlf after data not checked", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}, ""},
		{"zero multibulk skipped", "*0\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"negative multibulk skipped", "*-1\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"inline", "PING\r\n", [][]string{{"PING"}}, ""},
		// Redis finds the newline with strchr: a NUL before it hides it,
		// and the request never completes (until 64 KB: too big).
		{"inline NUL before newline waits", "PING\x00junk\r\nPING\r\n", nil, ""},
		{"inline NUL then too big", "PING\x00" + strings.Repeat("x", 64<<10) + "\r\n", nil, "ERR Protocol error: too big inline request"},
		{"inline NUL after newline is data", "PING\r\n\x00", [][]string{{"PING"}}, ""},
		{"inline lf only", "SET a b\n", [][]string{{"SET", "a", "b"}}, ""},
		{"inline empty line skipped", "\r\n\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"inline quotes", `SET "a b" 'c d'` + "\r\n", [][]string{{"SET", "a b", "c d"}}, ""},
		{"inline escapes", `ECHO "\x41\n\t\\"` + "\r\n", [][]string{{"ECHO", "A\n\t\\"}}, ""},
		{"inline single quote escape", `ECHO 'it\'s'` + "\r\n", [][]string{{"ECHO", "it's"}}, ""},
		{"inline unbalanced", `ECHO "abc` + "\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"inline quote then text", `ECHO "a"b` + "\r\n", nil, "ERR Protocol error: unbalanced quotes in request"},
		{"bad multibulk len", "*x\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"multibulk len plus", "*+1\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"multibulk too big", "*2147483648\r\n", nil, "ERR Protocol error: invalid multibulk length"},
		{"expected dollar", "*1\r\n:4\r\n", nil, "ERR Protocol error: expected '$', got ':'"},
		{"negative bulk", "*1\r\n$-5\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"bad bulk", "*1\r\n$abc\r\n", nil, "ERR Protocol error: invalid bulk length"},
		{"commands before error run", "*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", [][]string{{"PING"}}, "ERR Protocol error: invalid bulk length"},
		{"incomplete is not an error", "*2\r\n$3\r\nGET\r\n$1\r\n", nil, ""},
	}
	for _, tt := range tests {
		for _, mode := range []string{"whole", "bytewise"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				var src io.Reader = strings.NewReader(tt.in)
				if mode == "bytewise" {
					src = &oneByteReader{data: []byte(tt.in)}
				}
				got, err := readAll(src, 0)
				if tt.wantErr != "" {
					var pe *ProtocolError
					if !errors.As(err, &pe) || pe.Msg != tt.wantErr {
						t.Fatalf("err = %v, want %q", err, tt.wantErr)
					}
				} else if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
				for i := range got {
					if strings.Join(got[i], "\x00") != strings.Join(tt.want[i], "\x00") {
						t.Fatalf("request %d = %q, want %q", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
}

func TestReaderLimits(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		maxBulk int64
		wantErr string
	}{
		{"bulk over proto-max-bulk-len", "*1\r\n$11\r\n", 10, "ERR Protocol error: invalid bulk length"},
		{"bulk at proto-max-bulk-len", "*1\r\n$10\r\n0123456789\r\n", 10, ""},
		{"inline too big", strings.Repeat("a", InlineMax+1), 0, "ERR Protocol error: too big inline request"},
		{"mbulk count too big", "*" + strings.Repeat("1", InlineMax+1), 0, "ERR Protocol error: too big mbulk count string"},
		{"bulk count too big", "*1\r\n$" + strings.Repeat("1", InlineMax+1), 0, "ERR Protocol error: too big bulk count string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(strings.NewReader(tt.in), tt.maxBulk)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Msg != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestQueryBufferLimit(t *testing.T) {
	rd := NewReader(strings.NewReader("*1\r\n$100\r\n" + strings.Repeat("x", 50)))
	rd.MaxQuery = 20
	if err := rd.Fill(); err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); !errors.Is(err, ErrQueryBufferLimit) {
		t.Fatalf("err = %v, want ErrQueryBufferLimit", err)
	}
}

func TestLargeBulkAcrossReads(t *testing.T) {
	big := bytes.Repeat([]byte("v"), 3<<20)
	var in bytes.Buffer
	in.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$")
	in.WriteString(strings.TrimSpace(strings.Repeat(" ", 0)))
	in.WriteString(itoa(len(big)))
	in.WriteString("\r\n")
	in.Write(big)
	in.WriteString("\r\n")
	got, err := readAll(&in, 0)
	if err != nil || len(got) != 1 || got[0][2] != string(big) {
		t.Fatalf("large bulk not read intact: err=%v n=%d", err, len(got))
	}
}

func itoa(n int) string { return string(FormatInt(nil, int64(n))) }

func TestManyArgsLinear(t *testing.T) {
	// 200k arguments delivered in small reads must parse without
	// re-scanning from the start of the request each time.
	const n = 200000
	var in bytes.Buffer
	in.WriteString("*" + itoa(n) + "\r\n")
	for i := 0; i < n; i++ {
		in.WriteString("$1\r\nx\r\n")
	}
	got, err := readAll(&chunkReader{data: in.Bytes(), n: 1000}, 0)
	if err != nil || len(got) != 1 || len(got[0]) != n {
		t.Fatalf("err=%v requests=%d", err, len(got))
	}
}

type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := min(r.n, len(p), len(r.data))
	copy(p, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"PING\r\n",
		`SET "a\x00b" 'c'` + "\n",
		"*1\r\n$-5\r\n",
		"*-1\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc",
		"\x00\xff\r\n*\r\n$",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole, errWhole := readAll(bytes.NewReader(data), 1<<20)
		pieces, errPieces := readAll(&chunkReader{data: data, n: int(chunk%16) + 1}, 1<<20)
		// However the bytes arrive, the same requests and error come out.
		if len(whole) != len(pieces) {
			t.Fatalf("whole=%q pieces=%q", whole, pieces)
		}
		for i := range whole {
			if strings.Join(whole[i], "\x00") != strings.Join(pieces[i], "\x00") {
				t.Fatalf("request %d differs: %q vs %q", i, whole[i], pieces[i])
			}
		}
		if (errWhole == nil) != (errPieces == nil) || (errWhole != nil && errWhole.Error() != errPieces.Error()) {
			t.Fatalf("errors differ: %v vs %v", errWhole, errPieces)
		}
	})
}
