package command

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// stubPlatform is a Platform whose evidence is the caller data itself, so
// the test sees exactly what the command bound.
type stubPlatform struct{ fail bool }

func (stubPlatform) Identity() enclave.Identity {
	return enclave.Identity{Platform: enclave.PlatformSim, Measurement: [32]byte{1}, Signer: [32]byte{2}, ProductID: 3, SVN: 4, Debug: true}
}
func (stubPlatform) NewSealKey(enclave.SealPolicy) ([]byte, []byte, error) {
	return nil, nil, errors.New("unused")
}
func (stubPlatform) SealKey([]byte) ([]byte, error) { return nil, errors.New("unused") }
func (p stubPlatform) Evidence(d [enclave.CallerDataSize]byte) ([]byte, error) {
	if p.fail {
		return nil, errors.New("device gone")
	}
	return d[:], nil
}
func (stubPlatform) TargetInfo() []byte { return nil }
func (stubPlatform) LocalReport([]byte, [enclave.CallerDataSize]byte) ([]byte, error) {
	return nil, errors.New("unused")
}
func (stubPlatform) VerifyLocalReport([]byte) (enclave.Identity, [enclave.CallerDataSize]byte, error) {
	return enclave.Identity{}, [enclave.CallerDataSize]byte{}, errors.New("unused")
}

func TestEnclaveCommand(t *testing.T) {
	e := newStrEnv(t)
	if got := e.do("ENCLAVE INFO"); got != "-"+ErrNoEnclave+"\r\n" {
		t.Errorf("without a runtime: %q", got)
	}
	e.x.State.Enclave = &Enclave{Platform: stubPlatform{}, SealingPolicy: enclave.SealToSigner,
		MemoryLimit: 1 << 30, MaxThreads: 2, PlaintextAllowed: true, SimPlatformKey: make(ed25519.PublicKey, 32)}

	nonce := "0123456789abcdef"
	want := enclave.NonceCallerData([]byte(nonce))
	tests := []struct {
		line, want string
	}{
		{"ENCLAVE EVIDENCE " + nonce, bulk(string(want[:]))},
		{"enclave evidence " + strings.Repeat("x", 15), "-" + ErrEnclaveNonce + "\r\n"},
		{"ENCLAVE EVIDENCE", "-ERR wrong number of arguments for 'enclave|evidence' command\r\n"},
		{"ENCLAVE EVIDENCE a b", "-ERR wrong number of arguments for 'enclave|evidence' command\r\n"},
		{"ENCLAVE INFO x", "-ERR wrong number of arguments for 'enclave|info' command\r\n"},
		{"ENCLAVE NOPE", "-ERR unknown subcommand 'NOPE'. Try ENCLAVE HELP.\r\n"},
		{"ENCLAVE", "-ERR wrong number of arguments for 'enclave' command\r\n"},
	}
	for _, tt := range tests {
		if got := e.do(tt.line); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.line, got, tt.want)
		}
	}
	if got := e.doArgs([]byte("ENCLAVE"), []byte("EVIDENCE"), bytes.Repeat([]byte{0}, 1025)); got != "-"+ErrEnclaveNonce+"\r\n" {
		t.Errorf("1025-byte nonce: %q", got)
	}

	// ENCLAVE INFO: a flat array in RESP2, a map in RESP3, integers for
	// numbers.
	info := e.do("ENCLAVE INFO")
	for _, frag := range []string{"*28\r\n", bulk("mode") + bulk("sim"), bulk("measurement") + bulk("01"+strings.Repeat("00", 31)),
		bulk("debug") + ":1\r\n", bulk("product_id") + ":3\r\n", bulk("security_version") + ":4\r\n",
		bulk("sealing_policy") + bulk("signer"), bulk("memory_limit") + ":1073741824\r\n", bulk("memory_limit_human") + bulk("1.00G"),
		bulk("sim_platform_key") + bulk(strings.Repeat("00", 32))} {
		if !strings.Contains(info, frag) {
			t.Errorf("ENCLAVE INFO (RESP2) lacks %q:\n%q", frag, info)
		}
	}
	e.cl.Proto = 3
	if got := e.do("ENCLAVE INFO"); !strings.HasPrefix(got, "%14\r\n") {
		t.Errorf("ENCLAVE INFO (RESP3) = %q, want a map of 14", got[:min(len(got), 20)])
	}

	e.x.State.Enclave.Platform = stubPlatform{fail: true}
	if got := e.do("ENCLAVE EVIDENCE " + nonce); got != "-ERR the enclave platform could not produce evidence: device gone\r\n" {
		t.Errorf("failing platform: %q", got)
	}
}

// ENCLAVE runs before AUTH: a client verifies the server before it sends
// a password.
func TestEnclaveNeedsNoAuth(t *testing.T) {
	tbl := NewTable()
	for _, sub := range []string{"evidence", "info", "help"} {
		if cmd := tbl.Lookup([]byte("enclave")).Subs[sub]; cmd == nil || cmd.Flags&NoAuth == 0 {
			t.Errorf("ENCLAVE %s is not no-auth", sub)
		}
	}
}

// Before AUTH, evidence is rate-limited across clients: a burst, then the
// refill rate; after AUTH it is not.
func TestEvidenceRateLimitBeforeAuth(t *testing.T) {
	e := newStrEnv(t)
	e.x.State.Enclave = &Enclave{Platform: stubPlatform{}}
	e.cl.Authed = false
	line := "ENCLAVE EVIDENCE 0123456789abcdef"
	for i := 0; i < evidenceBurst; i++ {
		if got := e.do(line); !strings.HasPrefix(got, "$64\r\n") {
			t.Fatalf("request %d of the burst: %q", i+1, got)
		}
	}
	if got := e.do(line); got != "-"+ErrEvidenceBusy+"\r\n" {
		t.Fatalf("past the burst: %q", got)
	}
	e.now += 10 // 10 ms refill 10 tokens
	for i := 0; i < 10; i++ {
		if got := e.do(line); !strings.HasPrefix(got, "$64\r\n") {
			t.Fatalf("after the refill, request %d: %q", i+1, got)
		}
	}
	if got := e.do(line); got != "-"+ErrEvidenceBusy+"\r\n" {
		t.Fatalf("refill exhausted: %q", got)
	}
	// An authenticated client is not limited, and a clock going backwards
	// does not mint tokens.
	e.cl.Authed = true
	if got := e.do(line); !strings.HasPrefix(got, "$64\r\n") {
		t.Fatalf("authenticated: %q", got)
	}
	e.cl.Authed = false
	e.now -= 5000
	if got := e.do(line); got != "-"+ErrEvidenceBusy+"\r\n" {
		t.Fatalf("clock went back: %q", got)
	}
}
