package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
)

// protectedOptions are what security depends on: the host must never be
// able to set them, so the built-in manifest must not list them (by
// primary name or alias).
var protectedOptions = []string{
	"enable-debug-command", "enable-module-command", "enable-protected-configs",
	"requirepass", "masterauth", "masteruser", "aclfile", "protected-mode",
	"replicaof", "tls-cert-file", "tls-key-file", "tls-ca-cert-file",
	"tls-auth-clients", "user", "rename-command", "loadmodule",
	// ACL users' default channel rights, and whether a truncated AOF or an
	// unchecked RESTORE payload is accepted.
	"acl-pubsub-default", "aof-load-truncated", "sanitize-dump-payload",
}

// defaultHostOptions is host_options exactly as default.json spells it,
// read with plain encoding/json so that the test does not trust Parse's
// canonicalisation to tell it what the file says.
func defaultHostOptions(t *testing.T) []string {
	t.Helper()
	var doc struct {
		HostOptions []string `json:"host_options"`
	}
	if err := json.Unmarshal(DefaultBytes(), &doc); err != nil {
		t.Fatalf("default.json is not JSON: %v", err)
	}
	return doc.HostOptions
}

// TestDefault checks the built-in manifest: it parses, says what
// default.json says, and lets the host set nothing security depends on.
func TestDefault(t *testing.T) {
	m := Default() // panics if default.json is invalid

	if m.Version != 1 || m.ProductID != 1 || m.SecurityVersion != 1 {
		t.Errorf("version/product_id/security_version = %d/%d/%d, want 1/1/1", m.Version, m.ProductID, m.SecurityVersion)
	}
	if m.HeapSize != 4<<30 {
		t.Errorf("HeapSize = %d, want 4gb = %d", m.HeapSize, int64(4<<30))
	}
	if m.MaxThreads != 8 {
		t.Errorf("MaxThreads = %d, want 8", m.MaxThreads)
	}
	if m.SealingPolicy != enclave.SealToSigner {
		t.Errorf("SealingPolicy = %v, want signer", m.SealingPolicy)
	}
	if want := []string{"sim", "sgx", "tdx", "snp"}; !slices.Equal(m.AllowedPlatforms, want) {
		t.Errorf("AllowedPlatforms = %q, want %q", m.AllowedPlatforms, want)
	}
	if !m.PlaintextAllowed {
		t.Error("PlaintextAllowed = false, want true")
	}
	// Raw is what the measurement covers: it must be the file, byte for byte.
	if !bytes.Equal(m.Raw, DefaultBytes()) {
		t.Error("Raw differs from DefaultBytes()")
	}

	raw := defaultHostOptions(t)
	// default.json spells every entry by its primary name, so Parse keeps
	// them as they are, in order.
	if !slices.Equal(m.HostOptions, raw) {
		t.Errorf("HostOptions differ from default.json's host_options:\n got %q\nwant %q", m.HostOptions, raw)
	}
	for _, n := range raw {
		if config.Canonical(n) != n && !slices.Contains(hostDirectives, n) {
			t.Errorf("default host option %q is neither a primary option name (Canonical = %q) nor a directive", n, config.Canonical(n))
		}
	}
	for _, p := range protectedOptions {
		if slices.Contains(raw, p) {
			t.Errorf("default.json lets the host set protected option %q", p)
		}
		if m.HostMay(p) {
			t.Errorf("Default().HostMay(%q) = true, want false", p)
		}
	}
	// Aliases of protected options are protected too (slaveof is replicaof).
	if m.HostMay("slaveof") {
		t.Error(`Default().HostMay("slaveof") = true, want false (alias of replicaof)`)
	}
	// Every option name or alias the config package knows is allowed
	// exactly when its primary name is listed.
	for _, n := range config.Names() {
		if got, want := m.HostMay(n), slices.Contains(raw, config.Canonical(n)); got != want {
			t.Errorf("Default().HostMay(%q) = %v, want %v", n, got, want)
		}
	}
}

// TestDefaultBytesIsCopy checks that a caller scribbling on DefaultBytes'
// result cannot change the built-in manifest seen by later callers.
func TestDefaultBytesIsCopy(t *testing.T) {
	a := DefaultBytes()
	want := bytes.Clone(a)
	for i := range a {
		a[i] = 'x'
	}
	if b := DefaultBytes(); !bytes.Equal(b, want) {
		t.Fatal("mutating DefaultBytes()'s result changed the next call's")
	}
	if m := Default(); !bytes.Equal(m.Raw, want) {
		t.Fatal("mutating DefaultBytes()'s result changed Default()")
	}
}

// TestParseValid checks that a valid manifest's values come through, and
// that Raw is an exact copy of the input (not an alias of it).
func TestParseValid(t *testing.T) {
	in := base()
	m := mustParse(t, in)
	want := Manifest{
		Version:          1,
		ProductID:        7,
		SecurityVersion:  3,
		HeapSize:         64 << 20,
		MaxThreads:       2,
		SealingPolicy:    enclave.SealToMeasurement,
		AllowedPlatforms: []string{"sgx"},
		PlaintextAllowed: false,
		HostOptions:      []string{"port"},
		host:             map[string]bool{"port": true},
	}
	if got := withoutRaw(m); !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %+v\nwant %+v", got, want)
	}
	if !bytes.Equal(m.Raw, in) {
		t.Errorf("Raw = %q, want the input %q", m.Raw, in)
	}
	in[0] = ' '
	if m.Raw[0] != '{' {
		t.Error("Raw aliases the input: changing the input changed Raw")
	}
}

// TestParseBoundaries checks the extreme in-range values of each limited
// field are accepted: the ranges are inclusive.
func TestParseBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		doc   []byte
		check func(*Manifest) bool
	}{
		{"product_id 0", with("product_id", `0`), func(m *Manifest) bool { return m.ProductID == 0 }},
		{"product_id 65535", with("product_id", `65535`), func(m *Manifest) bool { return m.ProductID == 65535 }},
		{"security_version 0", with("security_version", `0`), func(m *Manifest) bool { return m.SecurityVersion == 0 }},
		{"security_version 65535", with("security_version", `65535`), func(m *Manifest) bool { return m.SecurityVersion == 65535 }},
		{"max_threads 1", with("max_threads", `1`), func(m *Manifest) bool { return m.MaxThreads == 1 }},
		{"max_threads 4096", with("max_threads", `4096`), func(m *Manifest) bool { return m.MaxThreads == MaxMaxThreads }},
		{"heap_size min", with("heap_size", `67108864`), func(m *Manifest) bool { return m.HeapSize == MinHeapSize }},
		{"heap_size max", with("heap_size", `70368744177664`), func(m *Manifest) bool { return m.HeapSize == MaxHeapSize }},
		{"sealing_policy signer", with("sealing_policy", `"signer"`), func(m *Manifest) bool { return m.SealingPolicy == enclave.SealToSigner }},
		{"plaintext_allowed true", with("plaintext_allowed", `true`), func(m *Manifest) bool { return m.PlaintextAllowed }},
		{"empty host_options", with("host_options", `[]`), func(m *Manifest) bool { return len(m.HostOptions) == 0 && !m.HostMay("port") }},
		{"all platforms", with("allowed_platforms", `["snp","tdx","sgx","sim"]`), func(m *Manifest) bool {
			return slices.Equal(m.AllowedPlatforms, []string{"snp", "tdx", "sgx", "sim"})
		}},
		// Directives are not options but may be listed.
		{"directives", with("host_options", `["user","rename-command","loadmodule"]`), func(m *Manifest) bool {
			return slices.Equal(m.HostOptions, []string{"user", "rename-command", "loadmodule"})
		}},
		// An alias is stored under its primary name: HostOptions is documented
		// to hold primary names.
		{"alias canonicalised", with("host_options", `["slaveof","hash-max-ziplist-entries"]`), func(m *Manifest) bool {
			return slices.Equal(m.HostOptions, []string{"replicaof", "hash-max-listpack-entries"})
		}},
		// Whitespace around the object is not data.
		{"surrounding whitespace", append(append([]byte(" \n\t"), base()...), " \r\n"...), func(m *Manifest) bool { return m.ProductID == 7 }},
		// Field order is free.
		{"reordered", render(reversed(basePairs())), func(m *Manifest) bool { return m.ProductID == 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.doc)
			if !tt.check(m) {
				t.Errorf("Parse(%s) = %+v: check failed", tt.doc, withoutRaw(m))
			}
		})
	}
}

// TestParseMissingField checks that every field is required and that the
// error names the one left out: nothing is defaulted in a measured file.
func TestParseMissingField(t *testing.T) {
	if len(fields) != 9 {
		t.Fatalf("manifest has %d fields, this test expects 9: update it", len(fields))
	}
	for _, f := range fields {
		t.Run(f, func(t *testing.T) {
			_, err := Parse(without(f))
			wantFieldErr(t, err, f, `field "`+f+`": missing`)
		})
	}
}

// TestParseFieldErrors checks wrong types, out-of-range values and bad
// list contents: each is an *Error naming the field at fault.
func TestParseFieldErrors(t *testing.T) {
	tests := []struct {
		field string
		raw   string
		frag  string // in Error(), if not empty
	}{
		{"version", `2`, "unsupported version 2"},
		{"version", `0`, ""},
		{"version", `-1`, ""},
		{"version", `1.0`, ""},
		{"version", `1e0`, ""},
		{"version", `"1"`, ""},
		{"version", `null`, ""},
		{"version", `true`, ""},
		{"version", `{}`, ""},
		{"version", `[1]`, ""},

		{"product_id", `65536`, "from 0 to 65535"},
		{"product_id", `-1`, "from 0 to 65535"},
		{"product_id", `"7"`, ""},
		{"product_id", `null`, ""},
		{"product_id", `7.5`, ""},
		{"product_id", `99999999999999999999`, ""},

		{"security_version", `70000`, "from 0 to 65535"},
		{"security_version", `-1`, ""},
		{"security_version", `"3"`, ""},
		{"security_version", `null`, ""},
		{"security_version", `false`, ""},

		{"max_threads", `0`, "from 1 to 4096"},
		{"max_threads", `4097`, "from 1 to 4096"},
		{"max_threads", `"2"`, ""},
		{"max_threads", `2.0`, ""},
		{"max_threads", `null`, ""},
		{"max_threads", `[]`, ""},

		{"heap_size", `"1mb"`, "from 64mb to 64tb"}, // below MinHeapSize
		{"heap_size", `67108863`, ""},               // one byte below MinHeapSize
		{"heap_size", `70368744177665`, ""},         // one byte beyond MaxHeapSize (64tb)
		{"heap_size", `"70368744177665"`, ""},
		{"heap_size", `"65tb"`, ""},
		{"heap_size", `"abc"`, `"abc"`},
		{"heap_size", `""`, ""},
		{"heap_size", `"4 gb"`, ""},
		{"heap_size", `" 4gb"`, ""},
		{"heap_size", `"4gb "`, ""},
		{"heap_size", `"+4gb"`, ""},
		{"heap_size", `"-4gb"`, ""},
		{"heap_size", `"4.5gb"`, ""},
		{"heap_size", `"0x4000000"`, ""},
		{"heap_size", `"4gib"`, ""},
		{"heap_size", `"gb"`, ""},
		{"heap_size", `"1e9"`, ""},
		{"heap_size", `1e9`, ""}, // exponent form is not integer bytes
		{"heap_size", `4.5`, ""},
		{"heap_size", `-1`, ""},
		{"heap_size", `0`, ""},
		{"heap_size", `99999999999999999999`, ""},  // overflows int64
		{"heap_size", `"9999999999999999tb"`, ""},  // overflows int64 once multiplied
		{"heap_size", `"9223372036854775807"`, ""}, // fits int64, beyond MaxHeapSize
		{"heap_size", `null`, ""},
		{"heap_size", `true`, ""},
		{"heap_size", `{}`, ""},
		{"heap_size", `["4gb"]`, ""},

		{"sealing_policy", `"enclave"`, `"enclave"`},
		{"sealing_policy", `"Signer"`, ""}, // exact spelling only
		{"sealing_policy", `""`, ""},
		{"sealing_policy", `2`, ""},
		{"sealing_policy", `null`, ""},
		{"sealing_policy", `["signer"]`, ""},

		{"allowed_platforms", `[]`, "is empty"},
		{"allowed_platforms", `["bogus"]`, `unknown platform "bogus"`},
		{"allowed_platforms", `["SGX"]`, ""}, // exact spelling only
		{"allowed_platforms", `[""]`, ""},
		{"allowed_platforms", `["sgx","sim","sgx"]`, `"sgx" is listed twice`},
		{"allowed_platforms", `["sgx",null]`, ""},
		{"allowed_platforms", `"sgx"`, ""},
		{"allowed_platforms", `null`, ""},
		{"allowed_platforms", `{}`, ""},
		{"allowed_platforms", `{"sgx":true}`, ""},
		{"allowed_platforms", `[1]`, ""},

		{"plaintext_allowed", `1`, "true or false"},
		{"plaintext_allowed", `0`, ""},
		{"plaintext_allowed", `"true"`, ""},
		{"plaintext_allowed", `null`, ""},
		{"plaintext_allowed", `{}`, ""},

		{"host_options", `["no-such-option"]`, `"no-such-option" is not a config option`},
		{"host_options", `["include"]`, ""}, // always allowed, so not listable
		{"host_options", `[""]`, ""},
		{"host_options", `["port","port"]`, `"port" is listed twice`},
		{"host_options", `["replicaof","slaveof"]`, `"slaveof" is listed twice`},
		{"host_options", `["slaveof","replicaof"]`, `"replicaof" is listed twice`},
		{"host_options", `["user","user"]`, ""},
		{"host_options", `["port",null]`, ""},
		{"host_options", `["port",1]`, ""},
		{"host_options", `"port"`, ""},
		{"host_options", `null`, ""},
		{"host_options", `{}`, ""},
		{"host_options", `{"port":true}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.raw, func(t *testing.T) {
			m, err := Parse(with(tt.field, tt.raw))
			if err == nil {
				t.Fatalf("Parse accepted %s=%s: %+v", tt.field, tt.raw, withoutRaw(m))
			}
			wantFieldErr(t, err, tt.field, tt.frag)
		})
	}
}

// TestParseDocumentErrors checks the strictness of the document itself:
// one object, known keys spelled exactly, no duplicates, nothing after it.
// encoding/json alone would allow the duplicate and case-variant keys, and
// two readers of one measured file must never disagree on what it says.
func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name  string
		doc   []byte
		field string // "" for errors about the document as a whole
		frag  string
	}{
		{"unknown field", plus(kv{"extra", `1`}), "extra", "unknown field"},
		{"unknown field first", render(append([]kv{{"heap", `1`}}, basePairs()...)), "heap", "unknown field"},
		{"case variant key", plus(kv{"Version", `1`}), "Version", "unknown field"},
		{"case variant replacing key", render(append([]kv{{"VERSION", `1`}}, basePairs()[1:]...)), "VERSION", "unknown field"},
		{"duplicate field", plus(kv{"version", `1`}), "version", "appears twice"},
		{"duplicate with other value", plus(kv{"product_id", `8`}), "product_id", "appears twice"},
		// A key written with escapes is the same key: still a duplicate.
		{"duplicate via escape", []byte(strings.Replace(string(plus(kv{"version", `1`})), `, "version"`, `, "\u0076ersion"`, 1)), "version", "appears twice"},
		{"trailing garbage", append(base(), " x"...), "", "after the JSON object"},
		{"trailing object", append(base(), "{}"...), "", "after the JSON object"},
		{"trailing second manifest", append(base(), base()...), "", "after the JSON object"},
		{"trailing null", append(base(), "null"...), "", "after the JSON object"},
		{"trailing comma", append(base(), ","...), "", ""},
		{"array", []byte(`[` + string(base()) + `]`), "", "not a JSON object"},
		{"string", []byte(`"` + string(base()) + `"`), "", "not a JSON object"},
		{"number", []byte(`1`), "", "not a JSON object"},
		{"null", []byte(`null`), "", "not a JSON object"},
		{"empty", []byte(``), "", "not a JSON object"},
		{"nil", nil, "", "not a JSON object"},
		{"whitespace", []byte(" \n"), "", "not a JSON object"},
		{"empty object", []byte(`{}`), "version", "missing"},
		{"unterminated", bytes.TrimSuffix(base(), []byte("}")), "", "malformed JSON"},
		{"truncated value", []byte(`{"version":`), "version", "malformed JSON"},
		{"missing colon", []byte(`{"version" 1}`), "version", "malformed JSON"},
		{"missing comma", []byte(`{"version":1 "product_id":7}`), "", "malformed JSON"},
		{"leading comma", []byte(`{,"version":1}`), "", "malformed JSON"},
		{"non-string key", []byte(`{1:1}`), "", "malformed JSON"},
		{"single quotes", []byte(`{'version':1}`), "", "malformed JSON"},
		{"comment", []byte("// manifest\n" + string(base())), "", "not a JSON object"},
		{"bom", append([]byte("\xef\xbb\xbf"), base()...), "", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse(%q) accepted: %+v", tt.doc, withoutRaw(m))
			}
			wantFieldErr(t, err, tt.field, tt.frag)
			if m != nil {
				t.Error("Parse returned a manifest with its error")
			}
		})
	}
}

// TestParseDeepNesting checks that a value nested beyond encoding/json's
// depth limit is an error, not a stack overflow.
func TestParseDeepNesting(t *testing.T) {
	const depth = 100000
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	_, err := Parse(with("host_options", deep))
	wantFieldErr(t, err, "host_options", "")
}

// TestErrorText checks Error()'s two shapes: with and without a field.
func TestErrorText(t *testing.T) {
	if got, want := (&Error{Field: "heap_size", Msg: "bad"}).Error(), `invalid enclave manifest: field "heap_size": bad`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&Error{Msg: "not a JSON object"}).Error(), "invalid enclave manifest: not a JSON object"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestHeapSize checks the accepted spellings of heap_size and their exact
// byte values: integer bytes, or a string with Redis's memory units, where
// k/m/g/t are powers of 1000 and kb/mb/gb/tb powers of 1024, any case.
func TestHeapSize(t *testing.T) {
	tests := []struct {
		raw  string
		want int64
	}{
		{`67108864`, 67108864},
		{`"67108864"`, 67108864},
		{`"67108864b"`, 67108864},
		{`"64mb"`, 64 << 20},
		{`"64MB"`, 64 << 20},
		{`"65536kb"`, 64 << 20},
		{`"100000k"`, 100_000_000},
		{`"100000K"`, 100_000_000},
		{`"100m"`, 100_000_000},
		{`"4gb"`, 4 << 30},
		{`"4GB"`, 4 << 30},
		{`"4Gb"`, 4 << 30},
		{`"1g"`, 1_000_000_000},
		{`"1G"`, 1_000_000_000},
		{`"1t"`, 1_000_000_000_000},
		{`"1tb"`, 1 << 40},
		{`"64tb"`, MaxHeapSize},
		{`"064mb"`, 64 << 20}, // leading zeros are still decimal
		{`70368744177664`, MaxHeapSize},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			m := mustParse(t, with("heap_size", tt.raw))
			if m.HeapSize != tt.want {
				t.Errorf("heap_size %s = %d bytes, want %d", tt.raw, m.HeapSize, tt.want)
			}
		})
	}
}

// TestMemBytes checks the unit parser directly, below the heap_size
// minimum too, including overflow: n*mul must never wrap.
func TestMemBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"1b", 1, true},
		{"1k", 1000, true},
		{"1kb", 1024, true},
		{"1m", 1_000_000, true},
		{"1mb", 1 << 20, true},
		{"1g", 1_000_000_000, true},
		{"1gb", 1 << 30, true},
		{"1t", 1_000_000_000_000, true},
		{"1tb", 1 << 40, true},
		{"3KB", 3072, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"8589934591gb", 8589934591 << 30, true},
		{"8589934592gb", 0, false}, // 2^63: overflows
		{"9223372036854775807k", 0, false},
		{"9223372036854775808", 0, false},
		{"", 0, false},
		{"b", 0, false},
		{"kb", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.5gb", 0, false},
		{"1 gb", 0, false},
		{"1pb", 0, false},
		{"1bb", 0, false},
		{"1e3", 0, false},
		{"١", 0, false}, // Arabic-Indic digit one: not ASCII
	}
	for _, tt := range tests {
		got, ok := memBytes(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("memBytes(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestHostMay checks the host filter the config parser calls: listed
// options by primary name, alias and any case; include always; directives
// and everything else only when listed.
func TestHostMay(t *testing.T) {
	m := mustParse(t, with("host_options", `["port","slaveof","hash-max-listpack-entries","user"]`))
	tests := []struct {
		name string
		want bool
	}{
		{"port", true},
		{"PORT", true},
		{"Port", true},
		{"replicaof", true}, // listed by its alias
		{"slaveof", true},
		{"SlaveOf", true},
		{"hash-max-listpack-entries", true},
		{"hash-max-ziplist-entries", true}, // alias of a listed primary name
		{"HASH-MAX-ZIPLIST-ENTRIES", true},
		{"include", true},
		{"INCLUDE", true},
		{"user", true},
		{"USER", true},
		{"rename-command", false},
		{"loadmodule", false},
		{"maxmemory", false},
		{"requirepass", false},
		{"bind", false},
		{"no-such-option", false},
		{"mymodule.option", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := m.HostMay(tt.name); got != tt.want {
			t.Errorf("HostMay(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}

	// With nothing listed, only include is allowed.
	none := mustParse(t, with("host_options", `[]`))
	for _, n := range append(config.Names(), hostDirectives...) {
		if none.HostMay(n) {
			t.Errorf("HostMay(%q) = true with empty host_options", n)
		}
	}
	if !none.HostMay("include") {
		t.Error(`HostMay("include") = false with empty host_options, want true`)
	}

	// Directives are allowed exactly when listed.
	for _, d := range hostDirectives {
		m := mustParse(t, with("host_options", `["`+d+`"]`))
		for _, other := range hostDirectives {
			if got := m.HostMay(other); got != (other == d) {
				t.Errorf("host_options [%q]: HostMay(%q) = %v", d, other, got)
			}
		}
	}
}

// TestAllowsPlatform checks that only listed platforms, spelled exactly,
// are allowed.
func TestAllowsPlatform(t *testing.T) {
	m := mustParse(t, with("allowed_platforms", `["sgx","snp"]`))
	tests := []struct {
		p    string
		want bool
	}{
		{"sgx", true},
		{"snp", true},
		{"sim", false},
		{"tdx", false},
		{"SGX", false},
		{"", false},
		{"bogus", false},
	}
	for _, tt := range tests {
		if got := m.AllowsPlatform(tt.p); got != tt.want {
			t.Errorf("AllowsPlatform(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
	d := Default()
	for _, p := range enclave.KnownPlatforms {
		if !d.AllowsPlatform(p) {
			t.Errorf("Default().AllowsPlatform(%q) = false", p)
		}
	}
}

// TestLoad checks reading a manifest file: its bytes are what Parse sees
// and what Raw keeps; a missing file is an error; a file larger than
// 1 MiB is refused before parsing, one of exactly 1 MiB is not.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("valid", func(t *testing.T) {
		in := base()
		m, err := Load(write("valid.json", in))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if want := mustParse(t, in); !reflect.DeepEqual(m, want) {
			t.Errorf("Load = %+v, want Parse's %+v", m, want)
		}
		if !bytes.Equal(m.Raw, in) {
			t.Error("Raw differs from the file's bytes")
		}
	})
	t.Run("default", func(t *testing.T) {
		m, err := Load(write("default.json", DefaultBytes()))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if !reflect.DeepEqual(m, Default()) {
			t.Error("loading default.json differs from Default()")
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "no-such.json"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(missing) = %v, want an error wrapping fs.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if _, err := Load(dir); err == nil {
			t.Error("Load(a directory) succeeded")
		}
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := Load(write("invalid.json", without("heap_size")))
		wantFieldErr(t, err, "heap_size", "missing")
	})
	t.Run("exactly 1 MiB", func(t *testing.T) {
		// Trailing whitespace is allowed, so padding keeps it valid.
		in := base()
		in = append(in, bytes.Repeat([]byte(" "), maxFileSize-len(in))...)
		m, err := Load(write("max.json", in))
		if err != nil {
			t.Fatalf("Load of a %d-byte file: %v", len(in), err)
		}
		if len(m.Raw) != maxFileSize {
			t.Errorf("len(Raw) = %d, want %d", len(m.Raw), maxFileSize)
		}
	})
	t.Run("over 1 MiB", func(t *testing.T) {
		in := base()
		in = append(in, bytes.Repeat([]byte(" "), maxFileSize+1-len(in))...)
		_, err := Load(write("big.json", in))
		wantFieldErr(t, err, "", "larger than 1048576 bytes")
	})
}
