package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/e2etest"
	"github.com/enclavekv/enclavekv/internal/manifest"
)

func TestSplitEnclaveArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    enclaveArgs
		wantErr string
	}{
		{nil, enclaveArgs{}, ""},
		{[]string{"/etc/redis.conf", "--manifest", "m.json", "--port", "7000"},
			enclaveArgs{manifest: "m.json", configArgs: []string{"/etc/redis.conf", "--port", "7000"}}, ""},
		{[]string{"--port", "7000", "--signature", "s.sig", "--sim-platform-secret", "/x", "-"},
			enclaveArgs{signature: "s.sig", simSecret: "/x", configArgs: []string{"--port", "7000", "-"}}, ""},
		{[]string{"--manifest"}, enclaveArgs{}, "--manifest needs a file name"},
		{[]string{"--manifest", ""}, enclaveArgs{}, "--manifest needs a file name"},
		{[]string{"--manifest", "a", "--manifest", "b"}, enclaveArgs{}, "--manifest given twice"},
		{[]string{"--manifest=m.json", "--port", "1"}, enclaveArgs{manifest: "m.json", configArgs: []string{"--port", "1"}}, ""},
		{[]string{"--manifest="}, enclaveArgs{}, "--manifest needs a file name"},
	}
	for _, tt := range tests {
		got, err := splitEnclaveArgs(tt.args)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: err %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}

func writeManifest(t *testing.T, change map[string]any) string {
	return e2etest.WriteManifest(t, change)
}

func withHostOption(t *testing.T, extra ...string) []string {
	t.Helper()
	return append(append([]string{}, manifest.Default().HostOptions...), extra...)
}

// The host cannot weaken the manifest: a protected option in its config
// file, an included file or argv stops the server before it listens.
func TestProtectedOptionsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inc := write("acl.inc", "aclfile /tmp/users.acl\n")
	tests := []struct {
		name, option string
		args         []string
	}{
		{"argv", "enable-debug-command", []string{"--enable-debug-command", "yes"}},
		{"argv password", "requirepass", []string{"--requirepass", "hunter2"}},
		{"argv protected mode", "protected-mode", []string{"--protected-mode", "no"}},
		{"config file", "replicaof", []string{write("a.conf", "port 7000\nslaveof 127.0.0.1 6380\n")}},
		{"config file directive", "rename-command", []string{write("b.conf", "rename-command CONFIG \"\"\n")}},
		{"included file", "aclfile", []string{write("c.conf", "include "+inc+"\n")}},
		{"TLS key material", "tls-key-file", []string{"--tls-key-file", "/tmp/k.pem"}},
		{"module", "loadmodule", []string{"--loadmodule", "/tmp/m.so"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(binPath, append(tt.args, "--port", "0")...).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want 1\n%s", err, out)
			}
			want := "'" + tt.option + "' is protected by the enclave manifest"
			if !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
			if strings.Contains(string(out), "Ready to accept") {
				t.Errorf("the server started:\n%s", out)
			}
		})
	}

	// A manifest that lists the option lets the host set it.
	mf := writeManifest(t, map[string]any{"host_options": withHostOption(t, "enable-debug-command")})
	p := start(t, "--manifest", mf, "--enable-debug-command", "yes")
	if got := redisCLI(t, p, "", "DEBUG", "SLEEP", "0"); got != "OK\n" {
		t.Errorf("DEBUG SLEEP 0 with the option allowed: %q", got)
	}
}

// An invalid manifest, or one the host's configuration contradicts, stops
// the server with a message that names the field or option.
func TestManifestStartupErrors(t *testing.T) {
	noPlain := writeManifest(t, map[string]any{"plaintext_allowed": false})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad heap", []string{"--manifest", writeManifest(t, map[string]any{"heap_size": "1mb"})}, `field "heap_size"`},
		{"missing field", []string{"--manifest", writeManifest(t, map[string]any{"sealing_policy": nil})}, `field "sealing_policy": missing`},
		{"unknown host option", []string{"--manifest", writeManifest(t, map[string]any{"host_options": []string{"no-such-option"}})}, `"no-such-option" is not a config option`},
		{"platform not allowed", []string{"--manifest", writeManifest(t, map[string]any{"allowed_platforms": []string{"sgx"}})}, `does not allow the "sim" platform`},
		{"missing manifest", []string{"--manifest", filepath.Join(t.TempDir(), "nope.json")}, "read enclave manifest"},
		{"plaintext forbidden", []string{"--manifest", noPlain, "--port", "7000"}, "forbids plaintext listeners (plaintext_allowed is false), but port is 7000"},
		{"plaintext forbidden, unix socket", []string{"--manifest", noPlain, "--port", "0", "--unixsocket", "/tmp/x.sock"}, "unixsocket must not be set"},
		{"plaintext forbidden, nothing else yet", []string{"--manifest", noPlain, "--port", "0"}, "Configured to not listen anywhere"},
		// A manifest that forbids plaintext and protects port: the default
		// port becomes 0 rather than a port nobody may change.
		{"plaintext forbidden, port protected", []string{"--manifest", writeManifest(t, map[string]any{"plaintext_allowed": false, "host_options": []string{"loglevel"}})}, "Configured to not listen anywhere"},
		{"maxmemory above the heap", []string{"--maxmemory", "5gb", "--port", "0"}, "maxmemory must be between 1 and the enclave's heap size 4294967296"},
		{"maxmemory unlimited", []string{"--maxmemory", "0", "--port", "0"}, "maxmemory must be between 1"},
		{"bad signature file", []string{"--signature", filepath.Join(t.TempDir(), "none.sig"), "--port", "0"}, "read signature"},
		{"tls-port before TLS exists", []string{"--tls-port", "7443", "--port", "0"}, "tls-port: TLS listeners are not supported yet"},
		{"module config", []string{"--mymod.opt", "1", "--port", "0"}, "'mymod.opt' looks like a module config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(binPath, tt.args...).CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want 1\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

// The manifest's limits reach the runtime and the config: heap size as
// maxmemory's ceiling (3/4 of it its default), max threads as GOMAXPROCS.
func TestManifestLimits(t *testing.T) {
	mf := writeManifest(t, map[string]any{"heap_size": "256mb", "max_threads": 1, "product_id": 7, "security_version": 3, "sealing_policy": "measurement"})
	p := start(t, "--manifest", mf)
	c := client(t, p, 2)
	ctx := context.Background()
	info, err := c.Info(ctx, "enclave").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"enclave_memory_limit:268435456\r\n", "enclave_max_threads:1\r\n", "enclave_product_id:7\r\n",
		"enclave_security_version:3\r\n", "enclave_sealing_policy:measurement\r\n", "enclave_mode:sim\r\n", "enclave_debug:1\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO enclave lacks %q:\n%s", want, info)
		}
	}
	if got := c.ConfigGet(ctx, "maxmemory").Val()["maxmemory"]; got != "201326592" {
		t.Errorf("maxmemory default = %s, want 3/4 of the heap size", got)
	}
	if err := c.ConfigSet(ctx, "maxmemory", "300mb").Err(); err == nil || !strings.Contains(err.Error(), "heap size 268435456") {
		t.Errorf("CONFIG SET maxmemory above the heap: %v", err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", "0").Err(); err == nil {
		t.Errorf("CONFIG SET maxmemory 0 accepted")
	}
	if err := c.ConfigSet(ctx, "maxmemory", "100mb").Err(); err != nil {
		t.Errorf("CONFIG SET maxmemory below the heap: %v", err)
	}

	// A host value within the ceiling is kept.
	p2 := start(t, "--manifest", mf, "--maxmemory", "100mb")
	if got := client(t, p2, 2).ConfigGet(ctx, "maxmemory").Val()["maxmemory"]; got != "104857600" {
		t.Errorf("host maxmemory = %s, want 104857600", got)
	}
}

// Start-up says what runs: the simulation warning, the measurement, the
// signer and the limits; INFO enclave and ENCLAVE INFO say the same.
func TestStartupLogsTheEnclave(t *testing.T) {
	p := start(t)
	log := p.output()
	for _, want := range []string{
		"# WARNING: running in SIMULATION mode: no hardware protection.",
		"(built-in debug signer: unsigned build, debug=1)",
		"Enclave product_id=1 security_version=1 sealing_policy=signer plaintext_allowed=true",
		"Enclave memory limit 4.00G",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	m := regexp.MustCompile(`Enclave mode=sim measurement=([0-9a-f]{64})`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no measurement in the log:\n%s", log)
	}
	ctx := context.Background()
	c := client(t, p, 3)
	info := c.Info(ctx, "enclave").Val()
	if !strings.Contains(info, "enclave_measurement:"+m[1]+"\r\n") {
		t.Errorf("INFO enclave does not report the logged measurement %s:\n%s", m[1], info)
	}
	ei, err := c.Do(ctx, "ENCLAVE", "INFO").Result()
	if err != nil {
		t.Fatal(err)
	}
	fields, ok := ei.(map[any]any)
	if !ok || fields["measurement"] != m[1] || fields["mode"] != "sim" || fields["simulated"] != int64(1) {
		t.Errorf("ENCLAVE INFO = %#v", ei)
	}
	// INFO without arguments and INFO all leave the section out, as Redis
	// does with module sections; INFO everything includes it.
	if strings.Contains(c.Info(ctx).Val(), "# Enclave") || strings.Contains(c.Info(ctx, "all").Val(), "# Enclave") {
		t.Errorf("INFO / INFO all show the enclave section")
	}
	if !strings.Contains(c.Info(ctx, "everything").Val(), "# Enclave\r\nenclave_mode:sim") {
		t.Errorf("INFO everything lacks the enclave section")
	}
}

// CONFIG REWRITE of a server at the manifest's maxmemory writes no
// maxmemory line, so the same file starts with a manifest of a smaller
// heap.
func TestRewriteThenSmallerHeap(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(conf, []byte("loglevel notice\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, conf)
	if got := redisCLI(t, p, "", "CONFIG", "REWRITE"); got != "OK\n" {
		t.Fatalf("CONFIG REWRITE: %q", got)
	}
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "maxmemory") {
		t.Errorf("rewrite wrote the manifest's maxmemory:\n%s", data)
	}
	small := writeManifest(t, map[string]any{"heap_size": "1gb"})
	p2 := start(t, conf, "--manifest", small)
	if got := redisCLI(t, p2, "", "CONFIG", "GET", "maxmemory"); got != "maxmemory\n805306368\n" {
		t.Errorf("maxmemory with the smaller heap: %q", got)
	}
}

// A client checks the server before it sends a password: with requirepass
// set, a fresh connection gets NOAUTH for data commands but ENCLAVE answers.
func TestEnclaveAnswersBeforeAuth(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	if err := client(t, p, 2).ConfigSet(ctx, "requirepass", "s3cret").Err(); err != nil {
		t.Fatal(err)
	}
	if got := redisCLI(t, p, "", "GET", "k"); !strings.Contains(got, "NOAUTH Authentication required.") {
		t.Errorf("GET without AUTH: %q", got)
	}
	if got := redisCLI(t, p, "", "ENCLAVE", "EVIDENCE", "0123456789abcdef"); !strings.HasPrefix(got, "EKVEVD") {
		t.Errorf("ENCLAVE EVIDENCE without AUTH: %q", got)
	}
	if got := redisCLI(t, p, "", "ENCLAVE", "INFO"); !strings.Contains(got, "measurement") {
		t.Errorf("ENCLAVE INFO without AUTH: %q", got)
	}
}

// The host's GODEBUG could switch on what the build switched off: the
// server clears it, and says so.
func TestGODEBUGFromTheHostIsDropped(t *testing.T) {
	cmd := exec.Command(binPath, "--port", "0")
	cmd.Env = append(os.Environ(), "GODEBUG=tlsrsakex=1")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), `Ignoring GODEBUG="tlsrsakex=1" from the host's environment`) {
		t.Errorf("no GODEBUG warning:\n%s", out)
	}
}
