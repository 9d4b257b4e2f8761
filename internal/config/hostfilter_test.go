package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// onlyHost lets the host set the named options and directives.
func onlyHost(names ...string) func(string) bool {
	return func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
}

func TestHostMayRefusesProtectedLines(t *testing.T) {
	dir := t.TempDir()
	inc := writeFile(t, dir, "sec.inc", "requirepass hunter2\n")
	hostMay := onlyHost("port", "hz", "slaveof-is-not-a-name")
	tests := []struct {
		name string
		conf string
		argv []string
		line int
		text string
		who  string // the name the error reports
	}{
		{"config file", "port 7000\nenable-debug-command yes\n", nil, 2, "enable-debug-command yes", "enable-debug-command"},
		{"argv", "port 7000\n", []string{"--protected-mode", "no"}, 3, `protected-mode "no"`, "protected-mode"},
		{"alias reports the primary name", "slaveof 127.0.0.1 6380\n", nil, 1, "slaveof 127.0.0.1 6380", "replicaof"},
		{"case-insensitive", "RequirePass x\n", nil, 1, "RequirePass x", "requirepass"},
		{"included file", "include " + inc + "\n", nil, 1, "requirepass hunter2", "requirepass"},
		{"rename-command directive", "rename-command config \"\"\n", nil, 1, `rename-command config ""`, "rename-command"},
		{"user directive", "user alice on >pw\n", nil, 1, "user alice on >pw", "user"},
		{"loadmodule directive", "loadmodule /x.so\n", nil, 1, "loadmodule /x.so", "loadmodule"},
		{"module config", "mymod.opt 1\n", nil, 1, "mymod.opt 1", ""},
		// Refused even where the value itself is invalid: protection is
		// checked first, so a probe learns nothing about values.
		{"invalid value of a protected option", "enable-debug-command maybe\n", nil, 1, "enable-debug-command maybe", "enable-debug-command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "redis.conf", tt.conf)
			_, err := ParseWith(append([]string{path}, tt.argv...), ParseOptions{HostMay: hostMay})
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FileError", err)
			}
			if fe.Line != tt.line || fe.LineText != tt.text {
				t.Errorf("line %d %q, want %d %q", fe.Line, fe.LineText, tt.line, tt.text)
			}
			want := "'" + tt.who + "' is protected by the enclave manifest"
			if tt.who == "" {
				want = "'" + strings.Fields(tt.text)[0] + "' looks like a module config"
			}
			if !strings.HasPrefix(fe.Msg, want) {
				t.Errorf("msg = %q, want it to start %q", fe.Msg, want)
			}
		})
	}

	// What the manifest lists, and lines that are not settings, pass.
	path := writeFile(t, t.TempDir(), "redis.conf", "port 7001\n# enable-debug-command yes\n\ninclude "+writeFile(t, dir, "ok.inc", "hz 12\n")+"\n")
	c, err := ParseWith([]string{path, "--hz", "13"}, ParseOptions{HostMay: hostMay})
	if err != nil {
		t.Fatal(err)
	}
	if mustGet(t, c, "port") != "7001" || mustGet(t, c, "hz") != "13" {
		t.Errorf("port %s hz %s", mustGet(t, c, "port"), mustGet(t, c, "hz"))
	}
	// Unknown lines keep Redis's error.
	path = writeFile(t, t.TempDir(), "redis.conf", "no-such-option 1\n")
	_, err = ParseWith([]string{path}, ParseOptions{HostMay: hostMay})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Msg != "Bad directive or wrong number of arguments" {
		t.Errorf("unknown option: %v", err)
	}
}

func TestRewriteLeavesOutWhatTheHostMayNotSet(t *testing.T) {
	path := writeFile(t, t.TempDir(), "redis.conf", "port 7000\n")
	hostMay := onlyHost("port", "maxclients", "dir", "save", "latency-tracking-info-percentiles")
	c, err := ParseWith([]string{path}, ParseOptions{HostMay: hostMay})
	if err != nil {
		t.Fatal(err)
	}
	var lost []string
	c.SetHostFilter(hostMay, func(names []string) { lost = names })
	if err := c.Set([][2]string{{"maxclients", "70"}, {"requirepass", "s3cret"}, {"protected-mode", "no"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rewrite(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, "maxclients 70\n") {
		t.Errorf("host option missing from the rewrite:\n%s", text)
	}
	for _, bad := range []string{"requirepass", "s3cret", "protected-mode"} {
		if strings.Contains(text, bad) {
			t.Errorf("rewrite wrote %q, which the host may not set:\n%s", bad, text)
		}
	}
	// The client is not told (Redis replies OK), but the server is: it logs
	// what will not survive a restart.
	if strings.Join(lost, ",") != "protected-mode,requirepass" {
		t.Errorf("dropped = %q, want protected-mode and requirepass", lost)
	}
	// The next start accepts the file.
	if _, err := ParseWith([]string{path}, ParseOptions{HostMay: hostMay}); err != nil {
		t.Errorf("re-parse of the rewritten file: %v\n%s", err, text)
	}
}

// A default replaced by SetDefault (the manifest's maxmemory) is a default
// for CONFIG REWRITE too: a server that never changed it does not write it,
// so a later start with another manifest is not stuck with it.
func TestSetDefaultIsADefaultForRewrite(t *testing.T) {
	path := writeFile(t, t.TempDir(), "redis.conf", "port 7000\n")
	c, err := Parse([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetDefault("maxmemory", "4294967296"); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, "maxmemory"); got != "4294967296" {
		t.Fatalf("maxmemory = %s", got)
	}
	rewrite := func() string {
		t.Helper()
		if err := c.Rewrite(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if text := rewrite(); strings.Contains(text, "maxmemory") {
		t.Errorf("the replaced default was written:\n%s", text)
	}
	if err := c.Set([][2]string{{"maxmemory", "1gb"}}); err != nil {
		t.Fatal(err)
	}
	if text := rewrite(); !strings.Contains(text, "maxmemory 1gb\n") {
		t.Errorf("a changed value was not written:\n%s", text)
	}
	// Back at the replaced default, the existing line is updated, not
	// dropped (Redis keeps lines that are in the file).
	if err := c.Set([][2]string{{"maxmemory", "4gb"}}); err != nil {
		t.Fatal(err)
	}
	if text := rewrite(); !strings.Contains(text, "maxmemory 4gb\n") {
		t.Errorf("the existing line was not updated:\n%s", text)
	}
	if err := c.SetDefault("loglevel", "debug"); err == nil {
		t.Errorf("SetDefault of a non-numeric option accepted")
	}
}
