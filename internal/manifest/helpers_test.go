package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// kv is one top-level member of a test manifest, its value as raw JSON.
// Documents are built from ordered pairs rather than a map so that tests
// can omit, duplicate, reorder and misspell keys.
type kv struct{ k, v string }

// basePairs is a small valid manifest whose every value differs from the
// built-in one, so that a test which accidentally parses default.json
// instead of its own document notices.
func basePairs() []kv {
	return []kv{
		{"version", `1`},
		{"product_id", `7`},
		{"security_version", `3`},
		{"heap_size", `"64mb"`},
		{"max_threads", `2`},
		{"sealing_policy", `"measurement"`},
		{"allowed_platforms", `["sgx"]`},
		{"plaintext_allowed", `false`},
		{"host_options", `["port"]`},
	}
}

// render writes pairs as a JSON object, values verbatim.
func render(pairs []kv) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(p.k)
		b.Write(k)
		b.WriteString(": ")
		b.WriteString(p.v)
	}
	b.WriteString("}")
	return b.Bytes()
}

// base is the base manifest as bytes.
func base() []byte { return render(basePairs()) }

// with is the base manifest with one field's value replaced by raw JSON.
func with(field, raw string) []byte {
	pairs := basePairs()
	found := false
	for i := range pairs {
		if pairs[i].k == field {
			pairs[i].v = raw
			found = true
		}
	}
	if !found {
		panic("with: no field " + field)
	}
	return render(pairs)
}

// without is the base manifest with one field left out.
func without(field string) []byte {
	var pairs []kv
	for _, p := range basePairs() {
		if p.k != field {
			pairs = append(pairs, p)
		}
	}
	return render(pairs)
}

// plus is the base manifest with extra members appended.
func plus(extra ...kv) []byte { return render(append(basePairs(), extra...)) }

// mustParse parses a document the test expects to be valid.
func mustParse(t testing.TB, data []byte) *Manifest {
	t.Helper()
	m, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): unexpected error: %v", data, err)
	}
	return m
}

// wantFieldErr checks that err is a *Error naming field and, if frag is
// not empty, that its text contains frag.
func wantFieldErr(t testing.TB, err error, field, frag string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one for field %q", field)
	}
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *manifest.Error", err, err)
	}
	if me.Field != field {
		t.Errorf("error %q names field %q, want %q", err, me.Field, field)
	}
	if frag != "" && !strings.Contains(err.Error(), frag) {
		t.Errorf("error %q does not contain %q", err, frag)
	}
}

// marshal writes a parsed manifest back out as a fresh JSON document with
// all nine fields, heap_size as plain bytes. It must not lean on anything
// Parse kept (Raw), so that re-parsing it checks the parsed values alone
// carry the manifest's meaning.
func marshal(m *Manifest) []byte {
	host := m.HostOptions
	if host == nil {
		host = []string{} // json.Marshal writes a nil slice as null, which Parse refuses
	}
	doc := struct {
		Version          int      `json:"version"`
		ProductID        uint16   `json:"product_id"`
		SecurityVersion  uint16   `json:"security_version"`
		HeapSize         int64    `json:"heap_size"`
		MaxThreads       int      `json:"max_threads"`
		SealingPolicy    string   `json:"sealing_policy"`
		AllowedPlatforms []string `json:"allowed_platforms"`
		PlaintextAllowed bool     `json:"plaintext_allowed"`
		HostOptions      []string `json:"host_options"`
	}{
		m.Version, m.ProductID, m.SecurityVersion, m.HeapSize, m.MaxThreads,
		m.SealingPolicy.String(), m.AllowedPlatforms, m.PlaintextAllowed, host,
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return out
}

// withoutRaw is a copy of m with Raw cleared, for comparing meanings.
func withoutRaw(m *Manifest) Manifest {
	c := *m
	c.Raw = nil
	return c
}

// reversed returns pairs in reverse order.
func reversed(pairs []kv) []kv {
	out := slices.Clone(pairs)
	slices.Reverse(out)
	return out
}
