package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/enclavekv/enclavekv/"

// deps lists the project packages pkg imports, directly or not.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var own []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, mod) && p != mod+pkg {
			own = append(own, strings.TrimPrefix(p, mod))
		}
	}
	return own
}

func TestImportRules(t *testing.T) {
	tests := []struct {
		pkg     string
		allowed []string // project packages pkg may depend on
	}{
		// Leaves import nothing of ours.
		{"internal/resp", nil},
		{"internal/glob", nil},
		{"internal/keyspace", nil},
		{"internal/enclave", nil},
		{"internal/seal", nil},
		{"internal/atomicfile", nil},
		{"internal/rdb", nil},
		// Where the data types meet the file format.
		{"internal/rdbconv", []string{"internal/keyspace", "internal/rdb", "internal/types/"}},
		// Snapshots: the walk, the file, the key; never the network.
		{"internal/snapshot", []string{"internal/atomicfile", "internal/config", "internal/enclave", "internal/glob", "internal/keyspace", "internal/rdb", "internal/rdbconv", "internal/seal", "internal/types/"}},
		// Data structures: pure, on the keyspace's Object interface only.
		{"internal/types/dict", nil},
		{"internal/types/hash", []string{"internal/keyspace", "internal/types/dict"}},
		{"internal/types/set", []string{"internal/keyspace", "internal/types/dict"}},
		{"internal/types/list", []string{"internal/keyspace"}},
		{"internal/types/zset", []string{"internal/keyspace", "internal/types/dict"}},
		{"internal/types/stream", []string{"internal/keyspace"}},
		// Strings with a structure (bitmaps, HyperLogLogs): pure byte arithmetic.
		{"internal/types/bitmap", nil},
		{"internal/types/hll", nil},
		{"internal/types/geo", nil},
		{"internal/config", []string{"internal/glob"}},
		// The Lua engine knows the protocol, never the keyspace: commands reach it through a callback.
		{"internal/script", []string{"internal/resp"}},
		{"internal/manifest", []string{"internal/config", "internal/enclave", "internal/glob"}},
		// Commands sit on the keyspace and the protocol writer, never on the server.
		{"internal/command", []string{"internal/keyspace", "internal/resp", "internal/script", "internal/config", "internal/glob", "internal/enclave", "internal/rdb", "internal/rdbconv", "internal/types/"}},
		{"internal/server", []string{"internal/command", "internal/keyspace", "internal/resp", "internal/script", "internal/config", "internal/glob", "internal/enclave", "internal/rdb", "internal/rdbconv", "internal/types/"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			ok := map[string]bool{}
			for _, a := range tt.allowed {
				ok[a] = true
			}
			for _, d := range deps(t, tt.pkg) {
				// "internal/types/" allows every data-structure package.
				if !ok[d] && !(ok["internal/types/"] && strings.HasPrefix(d, "internal/types/")) {
					t.Errorf("%s depends on %s, which the design forbids", tt.pkg, d)
				}
			}
		})
	}
}

// Only binaries under cmd/ wire the server.
func TestOnlyCmdImportsServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], mod+"cmd/") {
			continue
		}
		for _, imp := range f[1:] {
			if imp == mod+"internal/server" {
				t.Errorf("%s imports internal/server; only cmd/* may", f[0])
			}
		}
	}
}
