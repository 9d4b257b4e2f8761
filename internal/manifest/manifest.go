// Package manifest reads the enclave manifest: the JSON document, measured
// into the enclave's identity, that holds every setting security depends
// on — memory and thread limits, sealing policy, product id and security
// version, the platforms the build may run on, whether plaintext
// listeners are allowed, and which config options the host may set.
//
// The host's redis.conf and argv are untrusted input; the manifest is not,
// because changing a byte of it changes the measurement that clients
// verify. Parsing is therefore strict: unknown or duplicate fields, a
// missing field, a value of the wrong type or out of range are errors that
// name the field, and nothing is defaulted.
package manifest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
)

// Manifest is a parsed, validated manifest.
type Manifest struct {
	Version          int
	ProductID        uint16
	SecurityVersion  uint16
	HeapSize         int64 // bytes: GOMEMLIMIT, and maxmemory's default and ceiling
	MaxThreads       int   // GOMAXPROCS ceiling
	SealingPolicy    enclave.SealPolicy
	AllowedPlatforms []string
	PlaintextAllowed bool
	// HostOptions are the config options (primary names) and directives
	// ("rename-command", "user", "loadmodule") the host may set.
	HostOptions []string

	// Raw is the exact bytes parsed: what the measurement covers.
	Raw []byte

	host map[string]bool
}

// Limits on values; a manifest outside them is invalid.
const (
	MinHeapSize   = 64 << 20
	MaxHeapSize   = 1 << 46
	MaxMaxThreads = 4096
	maxFileSize   = 1 << 20
)

// Directives that are not options but that a manifest may let the host use.
var hostDirectives = []string{"rename-command", "user", "loadmodule"}

//go:embed default.json
var defaultJSON []byte

// DefaultBytes returns the manifest built into the binary.
func DefaultBytes() []byte { return bytes.Clone(defaultJSON) }

// Default returns the built-in manifest, parsed.
func Default() *Manifest {
	m, err := Parse(defaultJSON)
	if err != nil {
		panic("built-in manifest is invalid: " + err.Error())
	}
	return m
}

// Error is an invalid manifest; Field names the offending field.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "invalid enclave manifest: " + e.Msg
	}
	return fmt.Sprintf("invalid enclave manifest: field %q: %s", e.Field, e.Msg)
}

func fieldErr(field, format string, a ...any) error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Load reads and parses a manifest file.
func Load(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read enclave manifest: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read enclave manifest %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, &Error{Msg: fmt.Sprintf("%s is larger than %d bytes", path, maxFileSize)}
	}
	return Parse(data)
}

// fields are the manifest's fields, all required, in documentation order.
var fields = []string{
	"version", "product_id", "security_version", "heap_size", "max_threads",
	"sealing_policy", "allowed_platforms", "plaintext_allowed", "host_options",
}

// Parse validates a manifest.
func Parse(data []byte) (*Manifest, error) {
	raw, err := topLevel(data)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if _, ok := raw[f]; !ok {
			return nil, fieldErr(f, "missing (every field is required)")
		}
	}
	m := &Manifest{Raw: bytes.Clone(data), host: map[string]bool{}}

	version, err := intField(raw, "version", 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	if version != 1 {
		return nil, fieldErr("version", "unsupported version %d (this build reads version 1)", version)
	}
	m.Version = int(version)
	pid, err := intField(raw, "product_id", 0, math.MaxUint16)
	if err != nil {
		return nil, err
	}
	m.ProductID = uint16(pid)
	svn, err := intField(raw, "security_version", 0, math.MaxUint16)
	if err != nil {
		return nil, err
	}
	m.SecurityVersion = uint16(svn)
	if m.HeapSize, err = heapField(raw["heap_size"]); err != nil {
		return nil, err
	}
	threads, err := intField(raw, "max_threads", 1, MaxMaxThreads)
	if err != nil {
		return nil, err
	}
	m.MaxThreads = int(threads)

	var policy string
	if err := strict(raw["sealing_policy"], &policy); err != nil {
		return nil, fieldErr("sealing_policy", "must be a string: \"measurement\" or \"signer\"")
	}
	if m.SealingPolicy, err = enclave.ParseSealPolicy(policy); err != nil {
		return nil, fieldErr("sealing_policy", "must be \"measurement\" or \"signer\", got %q", policy)
	}

	if err := strict(raw["allowed_platforms"], &m.AllowedPlatforms); err != nil || m.AllowedPlatforms == nil {
		return nil, fieldErr("allowed_platforms", "must be an array of platform names (%s)", strings.Join(enclave.KnownPlatforms, ", "))
	}
	if len(m.AllowedPlatforms) == 0 {
		return nil, fieldErr("allowed_platforms", "is empty: the enclave could run nowhere")
	}
	seen := map[string]bool{}
	for _, p := range m.AllowedPlatforms {
		if !contains(enclave.KnownPlatforms, p) {
			return nil, fieldErr("allowed_platforms", "unknown platform %q (known: %s)", p, strings.Join(enclave.KnownPlatforms, ", "))
		}
		if seen[p] {
			return nil, fieldErr("allowed_platforms", "%q is listed twice", p)
		}
		seen[p] = true
	}

	if err := strict(raw["plaintext_allowed"], &m.PlaintextAllowed); err != nil {
		return nil, fieldErr("plaintext_allowed", "must be true or false")
	}

	var opts []string
	if err := strict(raw["host_options"], &opts); err != nil || opts == nil {
		return nil, fieldErr("host_options", "must be an array of config option names")
	}
	for _, o := range opts {
		name := config.Canonical(o)
		if d := asciiLower(o); name == "" && contains(hostDirectives, d) {
			name = d
		}
		if name == "" {
			return nil, fieldErr("host_options", "%q is not a config option or directive enclavekv knows", o)
		}
		if m.host[name] {
			return nil, fieldErr("host_options", "%q is listed twice", o)
		}
		m.host[name] = true
		m.HostOptions = append(m.HostOptions, name)
	}
	return m, nil
}

// HostMay reports whether the host may set a config option (by name or
// alias, any case) or use a directive. "include" is always allowed: what
// an included file sets is checked line by line.
func (m *Manifest) HostMay(name string) bool {
	name = asciiLower(name)
	if name == "include" {
		return true
	}
	if c := config.Canonical(name); c != "" {
		name = c
	}
	return m.host[name]
}

// AllowsPlatform reports whether the manifest lets the enclave run on a
// platform.
func (m *Manifest) AllowsPlatform(p string) bool { return contains(m.AllowedPlatforms, p) }

// asciiLower folds ASCII letters only, as the config registry does: a
// Unicode case mapping (K for the Kelvin sign) must not make a name match.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// topLevel splits the document into its top-level fields, refusing
// anything but one JSON object with known, unique, exactly spelled keys.
// (encoding/json alone would accept duplicate keys, keeping the last, and
// match keys case-insensitively: two readers of one measured manifest must
// never disagree on what it says.)
func topLevel(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &Error{Msg: "not a JSON object"}
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &Error{Msg: "malformed JSON: " + err.Error()}
		}
		key, _ := tok.(string)
		if !contains(fields, key) {
			return nil, fieldErr(key, "unknown field (known: %s)", strings.Join(fields, ", "))
		}
		if _, dup := out[key]; dup {
			return nil, fieldErr(key, "appears twice")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fieldErr(key, "malformed JSON: %v", err)
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, &Error{Msg: "malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Msg: "unexpected data after the JSON object"}
	}
	return out, nil
}

// strict decodes one field's value; null is not a value.
func strict(raw json.RawMessage, v any) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return errors.New("null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func intField(raw map[string]json.RawMessage, name string, lo, hi int64) (int64, error) {
	// A token, not Decode: Decode would read "7" (a string) as a number.
	dec := json.NewDecoder(bytes.NewReader(raw[name]))
	dec.UseNumber()
	tok, err := dec.Token()
	n, ok := tok.(json.Number)
	if err != nil || !ok {
		return 0, fieldErr(name, "must be an integer from %d to %d", lo, hi)
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, fieldErr(name, "must be an integer from %d to %d, got %s", lo, hi, string(n))
	}
	return v, nil
}

// heapField reads heap_size: a number of bytes, or a string with Redis's
// memory units (1k = 1000, 1kb = 1024, and so on for m/mb and g/gb).
func heapField(raw json.RawMessage) (int64, error) {
	const field = "heap_size"
	bad := func(got string) error {
		return fieldErr(field, "must be bytes as an integer or a string such as \"4gb\", from 64mb to 64tb, got %s", got)
	}
	var s string
	if err := strict(raw, &s); err != nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		tok, err := dec.Token()
		n, ok := tok.(json.Number)
		if err != nil || !ok {
			return 0, bad(string(raw))
		}
		s = string(n)
	}
	v, ok := memBytes(s)
	if !ok || v < MinHeapSize || v > MaxHeapSize {
		return 0, bad(strconv.Quote(s))
	}
	return v, nil
}

func memBytes(s string) (int64, bool) {
	units := []struct {
		suffix string
		mul    int64
	}{
		{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40},
		{"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"t", 1e12}, {"b", 1},
	}
	ls := strings.ToLower(s)
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(ls, u.suffix) {
			ls, mul = strings.TrimSuffix(ls, u.suffix), u.mul
			break
		}
	}
	for _, c := range ls {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(ls, 10, 64)
	if err != nil || n > math.MaxInt64/mul {
		return 0, false
	}
	return n * mul, true
}
