package enclave_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// Environment of the helper process (see TestHelperProcess).
const (
	helperEnv         = "ENCLAVE_HELPER"          // "1" in the helper
	helperOpEnv       = "ENCLAVE_HELPER_OP"       // measure, report or verify
	helperSecretEnv   = "ENCLAVE_HELPER_SECRET"   // SimConfig.SecretPath
	helperExeEnv      = "ENCLAVE_HELPER_EXE"      // SimConfig.Executable
	helperManifestEnv = "ENCLAVE_HELPER_MANIFEST" // SimConfig.Manifest
	helperTargetEnv   = "ENCLAVE_HELPER_TARGET"   // report: target measurement, hex
	helperDataEnv     = "ENCLAVE_HELPER_DATA"     // report: data, hex
	helperReportEnv   = "ENCLAVE_HELPER_REPORT"   // verify: a report, hex; unset: one per stdin line
)

// TestHelperProcess is not a test: it is one simulated enclave, run in a
// process of its own by TestLocalReportAcrossProcesses, so that reports
// really cross a process boundary with nothing shared but the platform
// secret file.
//
// Its output is one line per result:
//
//	measure: <measurement hex>
//	report:  <report hex>
//	verify:  ok <peer measurement hex> <data hex> same|different
//	         err target | err invalid | err other <message>
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	if err := helperMain(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helperMain(in io.Reader, out io.Writer) error {
	s, err := enclave.OpenSim(enclave.SimConfig{
		Executable: os.Getenv(helperExeEnv),
		Manifest:   []byte(os.Getenv(helperManifestEnv)),
		SecretPath: os.Getenv(helperSecretEnv),
	})
	if err != nil {
		return err
	}
	switch op := os.Getenv(helperOpEnv); op {
	case "measure":
		_, err = fmt.Fprintln(out, s.Identity().MeasurementHex())
	case "report":
		var target [32]byte
		var data [enclave.CallerDataSize]byte
		if err := decodeHexInto(target[:], os.Getenv(helperTargetEnv)); err != nil {
			return err
		}
		if err := decodeHexInto(data[:], os.Getenv(helperDataEnv)); err != nil {
			return err
		}
		r, err := s.LocalReport(target[:], data)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, hex.EncodeToString(r))
		return err
	case "verify":
		var reports []string
		if r, ok := os.LookupEnv(helperReportEnv); ok {
			reports = []string{r}
		} else {
			sc := bufio.NewScanner(in)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				reports = append(reports, sc.Text())
			}
			if err := sc.Err(); err != nil {
				return err
			}
		}
		w := bufio.NewWriter(out)
		for _, r := range reports {
			report, err := hex.DecodeString(r)
			if err != nil {
				return err
			}
			fmt.Fprintln(w, verifyLine(s, report))
		}
		return w.Flush()
	default:
		return fmt.Errorf("unknown %s %q", helperOpEnv, op)
	}
	return err
}

func verifyLine(s *enclave.Sim, report []byte) string {
	peer, data, err := s.VerifyLocalReport(report)
	switch {
	case errors.Is(err, enclave.ErrReportTarget):
		return "err target"
	case errors.Is(err, enclave.ErrReportInvalid):
		return "err invalid"
	case err != nil:
		return "err other " + err.Error()
	}
	same := "same"
	if enclave.RequireSameIdentity(s.Identity(), peer) != nil {
		same = "different"
	}
	return fmt.Sprintf("ok %s %x %s", peer.MeasurementHex(), data, same)
}

func decodeHexInto(dst []byte, s string) error {
	b, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b) != len(dst) {
		return fmt.Errorf("%d bytes of hex, want %d", len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

// enclaveProc describes one enclave process to start.
type enclaveProc struct {
	exe, manifest, secret string
}

func (p enclaveProc) run(t *testing.T, op string, stdin string, env ...string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		helperEnv+"=1",
		helperOpEnv+"="+op,
		helperExeEnv+"="+p.exe,
		helperManifestEnv+"="+p.manifest,
		helperSecretEnv+"="+p.secret,
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s (manifest %q): %v\n%s", op, p.manifest, err, stderr.Bytes())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

func (p enclaveProc) measure(t *testing.T) string {
	t.Helper()
	return p.run(t, "measure", "")[0]
}

func (p enclaveProc) report(t *testing.T, target string, data [enclave.CallerDataSize]byte) []byte {
	t.Helper()
	out := p.run(t, "report", "", helperTargetEnv+"="+target, helperDataEnv+"="+hex.EncodeToString(data[:]))
	r, err := hex.DecodeString(out[0])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (p enclaveProc) verify(t *testing.T, report []byte) string {
	t.Helper()
	return p.run(t, "verify", "", helperReportEnv+"="+hex.EncodeToString(report))[0]
}

func TestLocalReportAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	exe := writeFile(t, filepath.Join(dir, "enclavekv"), randomBytes(t, 2048), 0o755)
	secret := filepath.Join(dir, "platform-secret")
	a := enclaveProc{exe: exe, manifest: `{"name":"ab"}`, secret: secret}
	b := a // another instance of the same build
	c := enclaveProc{exe: exe, manifest: `{"name":"c"}`, secret: secret}
	otherPlatform := enclaveProc{exe: exe, manifest: a.manifest, secret: filepath.Join(dir, "other-platform-secret")}

	mA, mB, mC := a.measure(t), b.measure(t), c.measure(t)
	if want := measureFile(t, exe, []byte(a.manifest)); mA != hex.EncodeToString(want[:]) {
		t.Fatalf("process A measures %s, MeasureFile %x", mA, want)
	}
	if mB != mA || mC == mA {
		t.Fatalf("measurements: A %s, B %s, C %s; want A = B != C", mA, mB, mC)
	}

	data := func(s string) [enclave.CallerDataSize]byte {
		var d [enclave.CallerDataSize]byte
		copy(d[:], s)
		return d
	}
	aToB := a.report(t, mB, data("from A"))
	bToA := b.report(t, mA, data("from B"))
	cToA := c.report(t, mA, data("from C"))
	aToC := a.report(t, mC, data("A to C"))
	otherToA := otherPlatform.report(t, mA, data("from elsewhere"))

	dataHex := func(s string) string { d := data(s); return hex.EncodeToString(d[:]) }
	for _, tc := range []struct {
		name     string
		verifier enclaveProc
		report   []byte
		want     string
	}{
		{"B verifies A", b, aToB, "ok " + mA + " " + dataHex("from A") + " same"},
		{"A verifies B", a, bToA, "ok " + mB + " " + dataHex("from B") + " same"},
		{"A verifies C: genuine, but another build", a, cToA, "ok " + mC + " " + dataHex("from C") + " different"},
		{"C verifies A's report to C", c, aToC, "ok " + mA + " " + dataHex("A to C") + " different"},
		{"C cannot verify A's report to A", c, aToB, "err target"},
		{"another platform's report", a, otherToA, "err invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.verifier.verify(t, tc.report); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}

	t.Run("every bit flip", func(t *testing.T) {
		// One process checks them all: the platform key is the same for
		// every report, so one verifier is as good as many.
		var in strings.Builder
		for bit := 0; bit < 8*len(bToA); bit++ {
			fmt.Fprintf(&in, "%x\n", flipBit(bToA, bit))
		}
		fmt.Fprintf(&in, "%x\n", bToA[:len(bToA)-1])
		fmt.Fprintf(&in, "%x00\n", bToA)
		out := a.run(t, "verify", in.String())
		if len(out) != 8*len(bToA)+2 {
			t.Fatalf("%d results for %d reports", len(out), 8*len(bToA)+2)
		}
		for i, line := range out {
			if line != "err invalid" && line != "err target" {
				t.Fatalf("altered report %d: %s", i, line)
			}
		}
	})
}

// The same properties in one process, where the errors themselves (not
// their rendering by a helper) can be checked.
func TestLocalReportInProcess(t *testing.T) {
	secret := platformSecret(t)
	exe := newExe(t)
	self := openSim(t, enclave.SimConfig{Executable: exe, Manifest: []byte("a"), SecretPath: secret})
	peer := openSim(t, enclave.SimConfig{Executable: exe, Manifest: []byte("b"), SecretPath: secret})
	foreign := openSim(t, enclave.SimConfig{Executable: exe, Manifest: []byte("a"), SecretPath: platformSecret(t)})
	data := [enclave.CallerDataSize]byte{1, 63: 2}

	r, err := peer.LocalReport(self.TargetInfo(), data)
	if err != nil {
		t.Fatal(err)
	}
	id, got, err := self.VerifyLocalReport(r)
	if err != nil || id != peer.Identity() || got != data {
		t.Fatalf("VerifyLocalReport = %+v, %x, %v", id, got, err)
	}
	if err := enclave.RequireSameIdentity(self.Identity(), id); err == nil {
		t.Fatal("a different build passed RequireSameIdentity")
	}

	fromForeign, err := foreign.LocalReport(self.TargetInfo(), data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		verifier *enclave.Sim
		report   []byte
		want     error
	}{
		{"addressed to another enclave", peer, r, enclave.ErrReportTarget},
		{"another platform", self, fromForeign, enclave.ErrReportInvalid},
		{"empty", self, nil, enclave.ErrReportInvalid},
		{"truncated", self, r[:len(r)-1], enclave.ErrReportInvalid},
		{"extended", self, append(bytes.Clone(r), 0), enclave.ErrReportInvalid},
		{"evidence is not a report", self, evidence(t, peer, data), enclave.ErrReportInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, d, err := tc.verifier.VerifyLocalReport(tc.report)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if id != (enclave.Identity{}) || d != ([enclave.CallerDataSize]byte{}) {
				t.Fatalf("a refused report leaked identity %+v / data %x", id, d)
			}
		})
	}
}

// Target info is the simulation's measurement; anything else is refused
// rather than silently addressed to nobody.
func TestLocalReportTargetInfo(t *testing.T) {
	s := openSim(t, enclave.SimConfig{Executable: newExe(t), SecretPath: platformSecret(t)})
	if m := s.Identity().Measurement; !bytes.Equal(s.TargetInfo(), m[:]) {
		t.Fatalf("TargetInfo = %x, want the measurement %x", s.TargetInfo(), m)
	}
	for _, bad := range [][]byte{nil, make([]byte, 31), make([]byte, 33)} {
		if _, err := s.LocalReport(bad, [enclave.CallerDataSize]byte{}); !errors.Is(err, enclave.ErrTargetInfo) {
			t.Errorf("target info of %d bytes: %v, want ErrTargetInfo", len(bad), err)
		}
	}
}
