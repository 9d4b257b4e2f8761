package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/rdb"
)

// rdb import: bring a plaintext RDB file from real Redis into a running
// enclavekv. The file is read and checked completely on the operator's
// machine first (a corrupt file sends nothing); then every key goes to the server as a RESTORE over an
// authenticated connection, and the server seals it with its next save.

func rdbCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErr("want 'rdb import [--host H] [--port P] [--password PW] [--replace] FILE'")
	}
	fs := flag.NewFlagSet("rdb import", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "server host")
	port := fs.Int("port", 6379, "server port")
	password := fs.String("password", os.Getenv("REDISCLI_AUTH"), "password (default $REDISCLI_AUTH)")
	user := fs.String("user", "", "ACL user")
	replace := fs.Bool("replace", false, "replace keys that exist (default: stop at the first existing key)")
	save := fs.Bool("save", true, "ask the server for a SAVE at the end, so the data is sealed on disk at once")
	timeout := fs.Duration("timeout", 30*time.Second, "network timeout per step")
	pos, err := parse(fs, args[1:], 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("name the RDB file to import")
	}
	path := pos[0]

	// The file is read once into memory, so that what is checked is what
	// is sent, even if the file changes meanwhile.
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// Pass 1: the whole file parses and holds nothing we cannot restore.
	sum, keys, err := checkRDB(path, data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d keys, SHA-256 %s\n", path, keys, sum)

	conn, err := net.DialTimeout("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)), *timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	rc := &respClient{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriterSize(conn, 1<<20), timeout: *timeout}
	if *password != "" {
		auth := []string{"AUTH", *password}
		if *user != "" {
			auth = []string{"AUTH", *user, *password}
		}
		if err := rc.do(auth...); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}

	// Pass 2: RESTORE every key, pipelined.
	imp := &importer{rc: rc, replace: *replace, db: -1, now: time.Now().UnixMilli()}
	if err := rdb.Load(bytes.NewReader(data), imp, rdb.Limits{}); err != nil {
		return fmt.Errorf("importing %s: %w", path, err)
	}
	if err := imp.drain(0); err != nil {
		return err
	}
	if imp.db > 0 {
		_ = rc.do("SELECT", "0")
	}
	fmt.Fprintf(stdout, "restored %d keys (%d already expired, skipped) and %d function libraries\n", imp.restored, imp.expired, imp.libraries)
	if *save {
		if err := rc.do("SAVE"); err != nil {
			return fmt.Errorf("SAVE: %w", err)
		}
		fmt.Fprintln(stdout, "saved: the data is sealed on the server's disk")
	}
	return nil
}

// checkRDB parses the whole file, refusing what the server could not
// restore (streams, a key twice), and returns its SHA-256 and key count.
func checkRDB(path string, data []byte) (string, int, error) {
	c := &rdbChecker{seen: map[int]map[string]bool{}}
	if err := rdb.Load(bytes.NewReader(data), c, rdb.Limits{}); err != nil {
		return "", 0, fmt.Errorf("%s: %w (nothing was imported)", path, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), c.keys, nil
}

type rdbChecker struct {
	keys, libraries int
	seen            map[int]map[string]bool
}

// Function counts a function library; the server checks its code.
func (c *rdbChecker) Function(code []byte) error {
	c.libraries++
	return nil
}

func (c *rdbChecker) Aux(k, v []byte) error                   { return nil }
func (c *rdbChecker) ResizeDB(db int, keys, exp uint64) error { return nil }
func (c *rdbChecker) Entry(db int, key []byte, v *rdb.Value, exp int64, _ rdb.LRUInfo) error {
	if c.seen[db] == nil {
		c.seen[db] = map[string]bool{}
	}
	if c.seen[db][string(key)] {
		return fmt.Errorf("key %q appears twice in database %d", key, db)
	}
	c.seen[db][string(key)] = true
	if _, err := rdb.DumpPayload(v, false); err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	c.keys++
	return nil
}

// importer sends one RESTORE per key, reading replies as it goes so that
// neither side buffers the whole file.
type importer struct {
	rc                *respClient
	replace           bool
	db                int
	now               int64
	pending           []string // keys whose RESTORE reply is due
	restored, expired int
	libraries         int
}

// Function loads a function library (they come before the keys), with
// REPLACE when keys are replaced too.
func (im *importer) Function(code []byte) error {
	if err := im.drain(0); err != nil {
		return err
	}
	args := []string{"FUNCTION", "LOAD", string(code)}
	if im.replace {
		args = []string{"FUNCTION", "LOAD", "REPLACE", string(code)}
	}
	if err := im.rc.do(args...); err != nil {
		return fmt.Errorf("FUNCTION LOAD: %w", err)
	}
	im.libraries++
	return nil
}

func (im *importer) Aux(k, v []byte) error                   { return nil }
func (im *importer) ResizeDB(db int, keys, exp uint64) error { return nil }

func (im *importer) Entry(db int, key []byte, v *rdb.Value, exp int64, _ rdb.LRUInfo) error {
	if exp != 0 && exp <= im.now {
		im.expired++
		return nil
	}
	if db != im.db {
		if err := im.drain(0); err != nil {
			return err
		}
		if err := im.rc.do("SELECT", strconv.Itoa(db)); err != nil {
			return fmt.Errorf("SELECT %d: %w", db, err)
		}
		im.db = db
	}
	payload, err := rdb.DumpPayload(v, true)
	if err != nil {
		return err
	}
	args := []string{"RESTORE", string(key), strconv.FormatInt(exp, 10), string(payload), "ABSTTL"}
	if im.replace {
		args = append(args, "REPLACE")
	}
	if err := im.rc.send(args...); err != nil {
		return err
	}
	im.pending = append(im.pending, string(key))
	return im.drain(256)
}

// drain reads replies until at most max are outstanding.
func (im *importer) drain(max int) error {
	if len(im.pending) <= max {
		return nil
	}
	if err := im.rc.w.Flush(); err != nil {
		return err
	}
	for len(im.pending) > max {
		if err := im.rc.reply(); err != nil {
			return fmt.Errorf("RESTORE %q: %w", im.pending[0], err)
		}
		im.pending = im.pending[1:]
		im.restored++
	}
	return nil
}

// respClient is the little RESP a RESTORE pipeline needs: commands out,
// simple-string or error replies in.
type respClient struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration
}

func (c *respClient) send(args ...string) error {
	_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n", len(a))
		c.w.WriteString(a)
		c.w.WriteString("\r\n")
	}
	return nil
}

func (c *respClient) do(args ...string) error {
	if err := c.send(args...); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.reply()
}

// reply reads one reply: +... is success, -... the server's error.
func (c *respClient) reply() error {
	_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return nil
	case strings.HasPrefix(line, "-"):
		return errors.New(strconv.Quote(line[1:]))
	case strings.HasPrefix(line, "$"):
		// A bulk string (FUNCTION LOAD's library name): read and dropped.
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 || n > 1<<20 {
			return fmt.Errorf("unexpected reply %q", line)
		}
		_, err = io.ReadFull(c.r, make([]byte, n+2))
		return err
	}
	return fmt.Errorf("unexpected reply %q", line)
}
