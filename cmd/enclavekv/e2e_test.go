package main

// End-to-end tests of the operator tool against the real server binary:
// both are built into one directory (so the tool finds the server next to
// it), the server runs on a free loopback port, and the tool measures,
// signs and verifies it as an operator would.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/enclavekv/enclavekv/internal/e2etest"
	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/manifest"
)

var binDir, serverBin, toolBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "enclavekv-tool-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	serverBin = filepath.Join(dir, "enclavekv-server")
	toolBin = filepath.Join(dir, "enclavekv")
	os.Setenv(enclave.SimSecretEnv, filepath.Join(dir, "sim-platform-secret"))
	for bin, pkg := range map[string]string{serverBin: "../enclavekv-server", toolBin: "."} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
	return m.Run()
}

// tool runs the enclavekv tool and returns its exit code, stdout and stderr.
func tool(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(toolBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func mustTool(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := tool(t, args...)
	if code != 0 {
		t.Fatalf("enclavekv %q: exit %d\n%s%s", args, code, out, errOut)
	}
	return strings.TrimSpace(out)
}

// server is a running enclavekv-server.
type server struct {
	port int
	out  e2etest.Output
	done chan struct{}
}

func (s *server) output() string { return s.out.String() }

func freePort(t *testing.T) int { return e2etest.FreePort(t) }

func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	s := &server{port: freePort(t), done: make(chan struct{})}
	cmd := exec.Command(bin, append(args, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "")...)
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-s.done })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.output(), "Ready to accept connections") {
		select {
		case <-s.done:
			t.Fatalf("server exited:\n%s", s.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready:\n%s", s.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s
}

func (s *server) client(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(s.port), Protocol: 2})
	t.Cleanup(func() { c.Close() })
	return c
}

// enclaveInfo reads INFO enclave into a map.
func (s *server) enclaveInfo(t *testing.T) map[string]string {
	t.Helper()
	text, err := s.client(t).Info(context.Background(), "enclave").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

func writeManifest(t *testing.T, change map[string]any) string {
	return e2etest.WriteManifest(t, change)
}

// The measurement the server reports is the one `enclavekv measure`
// computes offline, for the built-in manifest and for a --manifest file.
func TestMeasureMatchesRunningServer(t *testing.T) {
	s := startServer(t, serverBin)
	info := s.enclaveInfo(t)
	if got := mustTool(t, "measure", serverBin); got != info["enclave_measurement"] {
		t.Errorf("measure %s = %s, server reports %s", serverBin, got, info["enclave_measurement"])
	}
	// Without BINARY the tool measures the enclavekv-server next to it, and
	// says which file it measured.
	code, out, errOut := tool(t, "measure")
	if code != 0 || strings.TrimSpace(out) != info["enclave_measurement"] {
		t.Errorf("measure (default binary) = %d %s, server reports %s", code, out, info["enclave_measurement"])
	}
	if !strings.Contains(errOut, "measured "+serverBin+" with the built-in manifest") {
		t.Errorf("measure did not name the file: %q", errOut)
	}

	mf := writeManifest(t, map[string]any{"security_version": 2})
	s2 := startServer(t, serverBin, "--manifest", mf)
	info2 := s2.enclaveInfo(t)
	if got := mustTool(t, "measure", "--manifest", mf, serverBin); got != info2["enclave_measurement"] {
		t.Errorf("measure --manifest = %s, server reports %s", got, info2["enclave_measurement"])
	}
	if info2["enclave_measurement"] == info["enclave_measurement"] {
		t.Errorf("another manifest, same measurement %s", info["enclave_measurement"])
	}
	// The printed platform key is the one the server's platform uses (in
	// real use an operator takes it from the host, never from the server
	// being verified).
	if got := mustTool(t, "platform-key"); got != info["enclave_sim_platform_key"] {
		t.Errorf("platform-key = %s, server reports %s", got, info["enclave_sim_platform_key"])
	}
	// platform-key never makes a platform up.
	missing := filepath.Join(t.TempDir(), "none")
	if code, _, errOut := tool(t, "platform-key", "--sim-platform-secret", missing); code != 1 || !strings.Contains(errOut, "no simulated platform secret at "+missing) {
		t.Errorf("platform-key of a missing secret: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("platform-key created %s", missing)
	}
}

// fakeServer answers every request with one recorded reply: a host that
// replays evidence it captured earlier.
func fakeServer(t *testing.T, reply []byte) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				r := bufio.NewReader(c)
				// Skip the request: an array header and three bulks.
				for i := 0; i < 7; i++ {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
				}
				fmt.Fprintf(c, "$%d\r\n%s\r\n", len(reply), reply)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestVerify(t *testing.T) {
	s := startServer(t, serverBin)
	info := s.enclaveInfo(t)
	m, key := info["enclave_measurement"], info["enclave_sim_platform_key"]
	port := strconv.Itoa(s.port)
	base := []string{"verify", "--host", "127.0.0.1", "--port", port}
	ok := append(append([]string{}, base...), "--expect-measurement", m, "--allow-simulated", "--sim-platform-key", key, "--allow-debug")

	code, out, errOut := tool(t, ok...)
	if code != 0 {
		t.Fatalf("verify with the right expectations: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"verified the enclave identity behind 127.0.0.1:" + port, "not bound to it before TLS", "measurement:      " + m, "SIMULATED", "debug:            true"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}

	// Capture one evidence blob for the replay case.
	old, err := s.client(t).Do(context.Background(), "ENCLAVE", "EVIDENCE", "an-old-nonce-0123456789").Text()
	if err != nil {
		t.Fatal(err)
	}
	replay := fakeServer(t, []byte(old))
	other := strings.Repeat("0", 64)
	otherSecret := filepath.Join(t.TempDir(), "other-host")
	if err := os.WriteFile(otherSecret, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherKey := mustTool(t, "platform-key", "--sim-platform-secret", otherSecret)

	refusals := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"wrong measurement", []string{"--expect-measurement", other, "--allow-simulated", "--sim-platform-key", key, "--allow-debug"}, 1, "measurement " + m + ", expected " + other},
		{"replayed evidence", []string{"--port", strconv.Itoa(replay), "--expect-measurement", m, "--allow-simulated", "--sim-platform-key", key, "--allow-debug"}, 1, "stale or replayed"},
		{"no opt-in to simulated evidence", []string{"--expect-measurement", m, "--allow-debug"}, 1, "SIMULATED"},
		{"another host's simulated platform", []string{"--expect-measurement", m, "--allow-simulated", "--sim-platform-key", otherKey, "--allow-debug"}, 1, "not one of the named keys"},
		{"debug enclave not allowed", []string{"--expect-measurement", m, "--allow-simulated", "--sim-platform-key", key}, 1, "debug build"},
		{"wrong signer", []string{"--expect-signer", other, "--product-id", "1", "--allow-simulated", "--sim-platform-key", key, "--allow-debug"}, 1, "signer"},
		{"signer without a product id", []string{"--expect-signer", other, "--allow-simulated", "--sim-platform-key", key}, 2, "--expect-signer needs --product-id"},
		{"opt-in without the key", []string{"--expect-measurement", m, "--allow-simulated"}, 2, "--allow-simulated needs --sim-platform-key"},
		{"no expectation", []string{"--allow-simulated", "--sim-platform-key", key}, 2, "give --expect-measurement or --expect-signer"},
		{"malformed measurement", []string{"--expect-measurement", "abc"}, 2, "64 hex digits"},
		{"port out of range", []string{"--port", "99999", "--expect-measurement", m}, 2, "--port must be from 1 to 65535"},
		{"no timeout", []string{"--timeout", "0s", "--expect-measurement", m}, 2, "--timeout must be positive"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tt.args...)
			code, out, errOut := tool(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if strings.Contains(out, "verified") {
				t.Errorf("printed a verified identity:\n%s", out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, errOut)
			}
		})
	}

	// Nobody listening: a clear error, not a verification.
	if code, _, errOut := tool(t, "verify", "--port", strconv.Itoa(freePort(t)), "--expect-measurement", m); code != 1 || !strings.Contains(errOut, "connect") {
		t.Errorf("verify against a closed port: exit %d, %s", code, errOut)
	}
}

// A signed build: its signer replaces the debug signer, debug is off, and
// verification by signer and minimum security version works; a signature
// for something else stops the server.
func TestSignedBuild(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "enclavekv-server")
	data, err := os.ReadFile(serverBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "signer.pem")
	signer := strings.TrimPrefix(mustTool(t, "keygen", "--out", keyPath), "signer: ")
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signing key mode: %v %v", st.Mode(), err)
	}
	if code, _, _ := tool(t, "keygen", "--out", keyPath); code != 1 {
		t.Errorf("keygen over an existing key: exit %d, want 1", code)
	}
	signOut := mustTool(t, "sign", "--key", keyPath, bin)
	if !strings.Contains(signOut, "signer:           "+signer) {
		t.Errorf("sign output:\n%s", signOut)
	}

	s := startServer(t, bin) // picks up bin.sig
	info := s.enclaveInfo(t)
	if info["enclave_signer"] != signer || info["enclave_debug"] != "0" {
		t.Fatalf("signed server: signer %s debug %s, want %s 0", info["enclave_signer"], info["enclave_debug"], signer)
	}
	if !strings.Contains(s.output(), "(signature "+bin+".sig)") {
		t.Errorf("log does not name the signature:\n%s", s.output())
	}
	base := []string{"verify", "--port", strconv.Itoa(s.port), "--expect-signer", signer, "--allow-simulated", "--sim-platform-key", info["enclave_sim_platform_key"]}
	if code, out, errOut := tool(t, append(base, "--min-svn", "1", "--product-id", "1")...); code != 0 || !strings.Contains(out, "debug:            false") {
		t.Errorf("verify by signer: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := tool(t, append(base, "--min-svn", "2", "--product-id", "1")...); code != 1 || !strings.Contains(errOut, "security version 1 is below the minimum 2") {
		t.Errorf("verify with a higher minimum SVN: exit %d, %s", code, errOut)
	}
	if code, _, errOut := tool(t, append(base, "--product-id", "9")...); code != 1 || !strings.Contains(errOut, "product id 1, expected 9") {
		t.Errorf("verify with another product id: exit %d, %s", code, errOut)
	}

	// The signature covers the manifest: another manifest, no start.
	mf := writeManifest(t, map[string]any{"max_threads": 4})
	out, err := exec.Command(bin, "--manifest", mf, "--port", "0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "it signs another binary or manifest") {
		t.Errorf("start with a mismatched signature: %v\n%s", err, out)
	}
}

// Reproducible builds: the same source built with -trimpath (and without
// VCS stamping or cgo) from two different directories, with separate build
// caches, gives byte-identical binaries, hence the same measurement. docs/enclave.md tells users to
// check a release this way.
func TestReproducibleBuildSameMeasurement(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server twice")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	copyDir := filepath.Join(t.TempDir(), "elsewhere", "enclavekv")
	if err := os.MkdirAll(filepath.Dir(copyDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-r", root, copyDir).CombinedOutput(); err != nil {
		t.Fatalf("copy source: %v\n%s", err, out)
	}
	var measurements []string
	for i, src := range []string{root, copyDir} {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("server%d", i))
		build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", out, "./cmd/enclavekv-server")
		build.Dir = src
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if i == 1 {
			// A fresh build cache: the second binary is compiled, not
			// fetched from the cache the first one filled (about 12 s).
			build.Env = append(build.Env, "GOCACHE="+t.TempDir())
		}
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build in %s: %v\n%s", src, err, b)
		}
		measurements = append(measurements, mustTool(t, "measure", out))
	}
	if measurements[0] != measurements[1] {
		t.Errorf("same source, two directories, measurements %s and %s", measurements[0], measurements[1])
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(measurements[0]) {
		t.Errorf("measurement %q", measurements[0])
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage: enclavekv"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"sign", "x"}, 2, "--key is required"},
		{[]string{"keygen"}, 2, "--out is required"},
		{[]string{"measure", "a", "b"}, 2, `unexpected argument "b"`},
		{[]string{"measure", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"measure", "--manifest", "/nonexistent.json", serverBin}, 1, "read enclave manifest"},
		{[]string{"measure", filepath.Join(binDir, "nope")}, 1, "no such file"},
		{[]string{"manifest", "x"}, 2, "takes no arguments"},
		{[]string{"rdb"}, 2, "enclavekv rdb: want 'rdb import"},
		{[]string{"rdb", "import"}, 2, "enclavekv rdb: name the RDB file to import"},
		{[]string{"rdb", "import", "-h"}, 2, "rdb import options:\n  -host string"},
	}
	for _, tt := range tests {
		code, out, errOut := tool(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("enclavekv %q: exit %d, want %d with %q\n%s%s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
	if code, out, _ := tool(t, "--help"); code != 0 || !strings.Contains(out, "verify --host H --port P") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	// `enclavekv manifest` prints exactly the built-in manifest.
	if code, out, _ := tool(t, "manifest"); code != 0 || out != string(manifest.DefaultBytes()) {
		t.Errorf("manifest: exit %d, output differs from the built-in manifest", code)
	}
}
