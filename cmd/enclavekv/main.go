// Command enclavekv is the operator's tool for enclavekv-server: it
// measures and signs server builds, prints the built-in manifest and the
// simulated platform's key, and verifies a running server's attestation
// evidence before anyone trusts it with data.
//
//	enclavekv measure [--manifest F] [BINARY]
//	enclavekv sign --key K [--manifest F] [--out SIG] [BINARY]
//	enclavekv keygen --out K
//	enclavekv manifest
//	enclavekv platform-key [--sim-platform-secret PATH]
//	enclavekv rdb import [--host H] [--port P] [--password PW] [--replace] [--save=false] FILE
//	enclavekv verify --host H --port P (--expect-measurement M | --expect-signer S [--min-svn N] [--product-id N])
//	                 [--allow-simulated --sim-platform-key K] [--allow-debug] [--timeout D]
//
// BINARY defaults to the enclavekv-server next to this tool, else the one
// on PATH; the manifest defaults to the built-in one, as the server's does.
package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/manifest"
)

const usage = `Usage: enclavekv <command> [options]

Commands:
  measure [--manifest F] [BINARY]
        Print the measurement enclavekv-server reports when BINARY runs with
        manifest F (default: the built-in manifest).
  sign --key K [--manifest F] [--out SIG] [BINARY]
        Sign BINARY + manifest with the Ed25519 key K (PKCS#8 PEM); writes
        BINARY.sig (or SIG), which the server picks up at start.
  keygen --out K
        Create an Ed25519 signing key (mode 0600) and print its signer id.
  manifest
        Print the built-in manifest (a starting point for --manifest).
  platform-key [--sim-platform-secret PATH]
        Print this host's simulated platform key (run it on the server's
        host, as the server's user), for verify's --sim-platform-key.
  rdb import [--host H] [--port P] [--password PW] [--replace] [--save=false] FILE
        Check a plaintext RDB file from Redis completely, then RESTORE its
        keys into a running server and SAVE, which seals them there. Prints
        the file's SHA-256 so you can check it is the file you meant.
  verify --host H --port P (--expect-measurement M | --expect-signer S
         [--min-svn N] [--product-id N]) [--allow-simulated
         --sim-platform-key K] [--allow-debug] [--timeout D]
        Ask a running server for evidence bound to a fresh random nonce,
        check it, and print the verified identity. Exits 1 if it is refused.

BINARY defaults to the enclavekv-server next to this tool, else on PATH.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"measure":      measureCmd,
		"sign":         signCmd,
		"keygen":       keygenCmd,
		"manifest":     manifestCmd,
		"platform-key": platformKeyCmd,
		"verify":       verifyCmd,
		"rdb":          rdbCmd,
	}
	fn := cmds[args[0]]
	if fn == nil {
		fmt.Fprintf(stderr, "enclavekv: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := fn(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			if msg := strings.TrimPrefix(err.Error(), errUsage.Error()); msg != "" {
				fmt.Fprintf(stderr, "enclavekv %s%s\n", args[0], msg)
			}
			return 2
		}
		fmt.Fprintf(stderr, "enclavekv %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string, maxPositional int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			var b strings.Builder
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return nil, usageErr("%s options:\n%s", fs.Name(), strings.TrimRight(b.String(), "\n"))
		} else if err != nil {
			return nil, usageErr("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) > maxPositional {
		return nil, usageErr("unexpected argument %q", pos[maxPositional])
	}
	return pos, nil
}

// serverBinary is the enclavekv-server to measure or sign.
func serverBinary(pos []string) (string, error) {
	if len(pos) > 0 {
		return pos[0], nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "enclavekv-server")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("enclavekv-server")
	if err != nil {
		return "", usageErr("no BINARY given and no enclavekv-server next to this tool or on PATH")
	}
	return p, nil
}

func loadManifest(path string) (*manifest.Manifest, error) {
	if path == "" {
		return manifest.Default(), nil
	}
	return manifest.Load(path)
}

// measured is a server binary measured with a manifest.
type measured struct {
	bin      string
	manifest *manifest.Manifest
	sum      [32]byte
}

// measureTarget measures the BINARY of pos (see serverBinary) with the
// manifest at manifestPath ("" for the built-in one).
func measureTarget(pos []string, manifestPath string) (measured, error) {
	bin, err := serverBinary(pos)
	if err != nil {
		return measured{}, err
	}
	m, err := loadManifest(manifestPath)
	if err != nil {
		return measured{}, err
	}
	sum, err := enclave.MeasureFile(bin, m.Raw)
	if err != nil {
		return measured{}, err
	}
	return measured{bin: bin, manifest: m, sum: sum}, nil
}

func measureCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	mf := fs.String("manifest", "", "manifest file (default: built-in)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	t, err := measureTarget(pos, *mf)
	if err != nil {
		return err
	}
	// Which file was measured goes to stderr, so that stdout stays the
	// bare measurement for scripts.
	fmt.Fprintf(stderr, "measured %s with %s\n", t.bin, manifestName(*mf))
	fmt.Fprintln(stdout, hex.EncodeToString(t.sum[:]))
	return nil
}

func manifestName(path string) string {
	if path == "" {
		return "the built-in manifest"
	}
	return "manifest " + path
}

func signCmd(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	keyPath := fs.String("key", "", "Ed25519 signing key (PKCS#8 PEM)")
	mf := fs.String("manifest", "", "manifest file (default: built-in)")
	out := fs.String("out", "", "signature file (default: BINARY.sig)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *keyPath == "" {
		return usageErr("--key is required")
	}
	key, err := enclave.ReadSigningKey(*keyPath)
	if err != nil {
		return err
	}
	t, err := measureTarget(pos, *mf)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = t.bin + ".sig"
	}
	m := t.manifest
	if err := os.WriteFile(*out, enclave.Sign(key, t.sum, m.ProductID, m.SecurityVersion), 0o644); err != nil {
		return err
	}
	signer := enclave.SignerOf(key.Public().(ed25519.PublicKey))
	fmt.Fprintf(stdout, "signature:        %s\nbinary:           %s\nmeasurement:      %x\nsigner:           %x\nproduct_id:       %d\nsecurity_version: %d\n",
		*out, t.bin, t.sum, signer, m.ProductID, m.SecurityVersion)
	return nil
}

func keygenCmd(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	out := fs.String("out", "", "file to create")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out is required")
	}
	key, pemBytes, err := enclave.GenerateSigningKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(pemBytes); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signer: %x\n", enclave.SignerOf(key.Public().(ed25519.PublicKey)))
	return nil
}

func manifestCmd(args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageErr("takes no arguments")
	}
	_, err := stdout.Write(manifest.DefaultBytes())
	return err
}

func platformKeyCmd(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("platform-key", flag.ContinueOnError)
	path := fs.String("sim-platform-secret", "", "platform secret file (default: $"+enclave.SimSecretEnv+" or ~/.local/share/enclavekv/sim-platform-secret)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	key, _, err := enclave.SimPlatformKey(*path, false)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, hex.EncodeToString(key))
	return nil
}

func hex32(flagName, s string) (*[32]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, usageErr("%s must be 64 hex digits", flagName)
	}
	var a [32]byte
	copy(a[:], b)
	return &a, nil
}

func verifyCmd(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "server host")
	port := fs.Int("port", 6379, "server port")
	expM := fs.String("expect-measurement", "", "expected measurement (hex)")
	expS := fs.String("expect-signer", "", "expected signer (hex)")
	minSVN := fs.Uint("min-svn", 0, "minimum security version (with --expect-signer)")
	productID := fs.Int("product-id", -1, "expected product id (required with --expect-signer)")
	allowSim := fs.Bool("allow-simulated", false, "accept simulated evidence (no hardware protection)")
	simKey := fs.String("sim-platform-key", "", "the simulated platform's key (hex), see enclavekv platform-key")
	allowDebug := fs.Bool("allow-debug", false, "accept debug enclaves (unsigned builds)")
	timeout := fs.Duration("timeout", 10*time.Second, "network timeout")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *port < 1 || *port > 65535 {
		return usageErr("--port must be from 1 to 65535")
	}
	if *timeout <= 0 {
		return usageErr("--timeout must be positive")
	}
	var o enclave.VerifyOptions
	var err error
	if *expM == "" && *expS == "" {
		return usageErr("give --expect-measurement or --expect-signer")
	}
	if *expM != "" {
		if o.Measurement, err = hex32("--expect-measurement", *expM); err != nil {
			return err
		}
	}
	if *expS != "" {
		if o.Signer, err = hex32("--expect-signer", *expS); err != nil {
			return err
		}
		if *minSVN > 0xffff {
			return usageErr("--min-svn must be at most 65535")
		}
		o.MinSVN = uint16(*minSVN)
		if *productID < 0 || *productID > 0xffff {
			return usageErr("--expect-signer needs --product-id (0 to 65535): a signer may sign other products")
		}
		pid := uint16(*productID)
		o.ProductID = &pid
	} else if *minSVN != 0 || *productID >= 0 {
		return usageErr("--min-svn and --product-id go with --expect-signer")
	}
	o.AllowDebug = *allowDebug
	o.AllowSimulated = *allowSim
	if *simKey != "" {
		if !*allowSim {
			return usageErr("--sim-platform-key needs --allow-simulated")
		}
		k, err := hex32("--sim-platform-key", *simKey)
		if err != nil {
			return err
		}
		o.SimPlatformKeys = []ed25519.PublicKey{k[:]}
	} else if *allowSim {
		return usageErr("--allow-simulated needs --sim-platform-key (see enclavekv platform-key on the server's host)")
	}

	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	ev, err := fetchEvidence(addr, nonce, *timeout)
	if err != nil {
		return err
	}
	o.CallerData = enclave.NonceCallerData(nonce)
	id, err := enclave.Verify(ev, o)
	if err != nil {
		return fmt.Errorf("REFUSED %s: %w", addr, err)
	}
	mode := id.Platform
	if id.Platform == enclave.PlatformSim {
		mode += " (SIMULATED: no hardware protection)"
	}
	// The identity is verified; the connection is not bound to it until
	// TLS terminates in the enclave with its key in the evidence.
	fmt.Fprintf(stdout, "verified the enclave identity behind %s (the connection itself is not bound to it before TLS)\nplatform:         %s\nmeasurement:      %s\nsigner:           %s\nproduct_id:       %d\nsecurity_version: %d\ndebug:            %t\n",
		addr, mode, id.MeasurementHex(), id.SignerHex(), id.ProductID, id.SVN, id.Debug)
	return nil
}

// maxEvidence bounds what verify reads from an untrusted server.
const maxEvidence = 64 << 10

// fetchEvidence sends ENCLAVE EVIDENCE <nonce> and reads the bulk reply.
func fetchEvidence(addr string, nonce []byte, timeout time.Duration) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	req := fmt.Sprintf("*3\r\n$7\r\nENCLAVE\r\n$8\r\nEVIDENCE\r\n$%d\r\n%s\r\n", len(nonce), nonce)
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 4096)
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, fmt.Errorf("read reply from %s: %w", addr, err)
	}
	s := strings.TrimRight(string(line), "\r\n")
	switch {
	case strings.HasPrefix(s, "-"):
		return nil, fmt.Errorf("server %s answered: %q", addr, s[1:])
	case strings.HasPrefix(s, "$"):
		digits := s[1:]
		n, err := strconv.Atoi(digits)
		if err != nil || digits == "" || strings.Trim(digits, "0123456789") != "" {
			return nil, fmt.Errorf("server %s sent a malformed reply %.40q", addr, s)
		}
		if n > maxEvidence {
			return nil, fmt.Errorf("server %s sent %d bytes of evidence, more than the %d any platform produces", addr, n, maxEvidence)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("read evidence from %s: %w", addr, err)
		}
		if string(buf[n:]) != "\r\n" {
			return nil, fmt.Errorf("server %s sent a malformed reply", addr)
		}
		return buf[:n], nil
	}
	return nil, fmt.Errorf("server %s sent an unexpected reply %.40q", addr, s)
}
