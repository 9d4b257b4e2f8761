package rdb

import (
	"os/exec"
	"strings"
	"testing"
)

// The package is a leaf: it imports only the standard library, so that
// the file format never depends on the keyspace or anything else of ours.
func TestImportsOnlyStdlib(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/enclavekv/enclavekv/internal/rdb" {
			t.Errorf("internal/rdb depends on %s", p)
		}
	}
}
