package script

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// realRedis is a redis-server started by a test on a free loopback port.
type realRedis struct {
	cmd  *exec.Cmd
	addr string
}

// startRedis starts redis-server, or skips the test when there is none
// (fails instead when ENCLAVEKV_REQUIRE_REDIS=1, as CI sets it).
func startRedis(t *testing.T) *realRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("ENCLAVEKV_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not found and ENCLAVEKV_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
		"--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r := &realRedis{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s: %v", r.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// rawConn is a minimal RESP client that hands back replies byte for byte.
type rawConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rr *realRedis) dial(t *testing.T, proto int) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", rr.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{c: c, r: bufio.NewReader(c)}
	if proto == 3 {
		if _, err := rc.do("HELLO", "3"); err != nil {
			t.Fatal(err)
		}
	}
	return rc
}

func (rc *rawConn) do(args ...string) ([]byte, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return rc.doBytes(b)
}

func (rc *rawConn) doBytes(args [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&buf, "$%d\r\n", len(a))
		buf.Write(a)
		buf.WriteString("\r\n")
	}
	_ = rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	var out []byte
	err := readRaw(rc.r, &out)
	return out, err
}

// readRaw copies one complete reply from r to out.
func readRaw(r *bufio.Reader, out *[]byte) error {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return err
	}
	*out = append(*out, line...)
	if len(line) < 3 {
		return errors.New("short line")
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		*out = append(*out, b...)
	case '*', '~', '>', '%', '|':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readRaw(r, out); err != nil {
				return err
			}
		}
		if line[0] == '|' {
			return readRaw(r, out)
		}
	}
	return nil
}
