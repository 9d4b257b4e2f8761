package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/enclavekv/enclavekv/internal/command"
	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/enclave"
	"github.com/enclavekv/enclavekv/internal/manifest"
)

// enclaveArgs are the server's own start-up flags, taken out of the
// command line before the rest is parsed as redis-server's would be.
type enclaveArgs struct {
	manifest   string // --manifest FILE: replaces the built-in manifest
	signature  string // --signature FILE: default <executable>.sig
	simSecret  string // --sim-platform-secret PATH
	configArgs []string
}

func splitEnclaveArgs(args []string) (enclaveArgs, error) {
	var ea enclaveArgs
	for i := 0; i < len(args); i++ {
		// --flag=FILE is the same as --flag FILE.
		if name, val, ok := strings.Cut(args[i], "="); ok && isEnclaveFlag(name) {
			args = append(append(append([]string{}, args[:i]...), name, val), args[i+1:]...)
		}
		var dst *string
		switch args[i] {
		case "--manifest":
			dst = &ea.manifest
		case "--signature":
			dst = &ea.signature
		case "--sim-platform-secret":
			dst = &ea.simSecret
		}
		if dst == nil {
			ea.configArgs = append(ea.configArgs, args[i])
			continue
		}
		if i+1 >= len(args) || args[i+1] == "" {
			return ea, fmt.Errorf("%s needs a file name", args[i])
		}
		if *dst != "" {
			return ea, fmt.Errorf("%s given twice", args[i])
		}
		*dst = args[i+1]
		i++
	}
	return ea, nil
}

func isEnclaveFlag(s string) bool {
	return s == "--manifest" || s == "--signature" || s == "--sim-platform-secret"
}

// runtimeEnclave is the enclave the server runs in, once started.
type runtimeEnclave struct {
	manifest   *manifest.Manifest
	sim        *enclave.Sim
	platform   enclave.Platform
	maxThreads int // GOMAXPROCS applied
	// droppedGODEBUG is the host's GODEBUG, cleared at start.
	droppedGODEBUG string
	// unusedHardware is enclave hardware that was detected but has no
	// backend in this build yet ("sgx", "cvm").
	unusedHardware string
}

// startEnclave loads the manifest, starts the platform and applies the
// manifest's limits to the Go runtime. It runs before anything reads the
// host's configuration, so nothing the host says can come first.
func startEnclave(ea enclaveArgs) (*runtimeEnclave, error) {
	var m *manifest.Manifest
	if ea.manifest == "" {
		m = manifest.Default()
	} else {
		var err error
		if m, err = manifest.Load(ea.manifest); err != nil {
			return nil, err
		}
	}
	// Only the simulation backend exists so far. Hardware that is there
	// but unused is said aloud at start (see logLines).
	platform := enclave.PlatformSim
	hw := enclave.DetectHardware("/")
	if !m.AllowsPlatform(platform) {
		return nil, fmt.Errorf("the enclave manifest does not allow the %q platform (allowed_platforms: %v)", platform, m.AllowedPlatforms)
	}
	sim, err := enclave.OpenSim(enclave.SimConfig{
		Manifest:      m.Raw,
		ProductID:     m.ProductID,
		SVN:           m.SecurityVersion,
		SignaturePath: ea.signature,
		SecretPath:    ea.simSecret,
	})
	if err != nil {
		return nil, fmt.Errorf("start the simulated enclave platform: %w", err)
	}
	// The host's environment (GOMAXPROCS, GOMEMLIMIT) is overridden: the
	// manifest decides. More Ps than CPUs would only add scheduling cost.
	threads := min(m.MaxThreads, runtime.NumCPU())
	runtime.GOMAXPROCS(threads)
	debug.SetMemoryLimit(m.HeapSize)
	// GODEBUG can turn on what the code turned off (insecure TLS
	// settings, for one); the runtime re-reads it when it is set.
	e := &runtimeEnclave{manifest: m, sim: sim, platform: sim, maxThreads: threads, unusedHardware: hw}
	if v, ok := os.LookupEnv("GODEBUG"); ok {
		e.droppedGODEBUG = v
		os.Unsetenv("GODEBUG")
	}
	return e, nil
}

// defaultMaxmemory is three quarters of the enclave's heap: the rest is
// room for the garbage collector, client buffers and a running snapshot's
// copies. With the data at the heap size itself, the collector would run
// without pause long before eviction or OOM errors started.
func defaultMaxmemory(heap int64) int64 { return heap / 4 * 3 }

// applyLimits checks the host's configuration against the manifest's
// limits once it is parsed, fills in maxmemory's default, and keeps CONFIG
// SET within the same limits afterwards.
func (e *runtimeEnclave) applyLimits(cfg *config.Config, hostSet map[string]bool, warn func(string)) error {
	m := e.manifest
	if hostSet["maxmemory"] {
		if err := e.checkMaxmemory(cfg.Uint("maxmemory")); err != nil {
			return err
		}
	} else if err := cfg.SetDefault("maxmemory", strconv.FormatInt(defaultMaxmemory(m.HeapSize), 10)); err != nil {
		return err
	}
	if !m.PlaintextAllowed && !hostSet["port"] {
		// Without TLS (not yet built) nothing may listen in plaintext: the
		// default port is then none.
		if err := cfg.SetDefault("port", "0"); err != nil {
			return err
		}
	}
	if !m.PlaintextAllowed {
		if p := cfg.Int("port"); p != 0 {
			return fmt.Errorf("the enclave manifest forbids plaintext listeners (plaintext_allowed is false), but port is %d: set port 0", p)
		}
		if cfg.IsSet("unixsocket") {
			return errors.New("the enclave manifest forbids plaintext listeners (plaintext_allowed is false): unixsocket must not be set")
		}
	}
	// TLS listeners come with TLS terminated in the enclave and bound to
	// attestation; until then a TLS port would listen and serve nothing.
	if cfg.Int("tls-port") != 0 {
		return errors.New("tls-port: TLS listeners are not supported yet (they arrive with TLS bound to attestation); tls-port must be 0")
	}
	cfg.OnChange("tls-port", func(c *config.Config) error {
		if c.Int("tls-port") != 0 {
			return errors.New("TLS listeners are not supported yet")
		}
		return nil
	})
	cfg.OnChange("maxmemory", func(c *config.Config) error { return e.checkMaxmemory(c.Uint("maxmemory")) })
	cfg.OnChange("port", func(c *config.Config) error {
		if !m.PlaintextAllowed && c.Int("port") != 0 {
			return errors.New("the enclave manifest forbids plaintext listeners")
		}
		return nil
	})
	cfg.SetHostFilter(m.HostMay, func(names []string) {
		warn("CONFIG REWRITE left out " + strings.Join(names, ", ") +
			": the enclave manifest does not let the host's config file set them, so these settings do not survive a restart")
	})
	return nil
}

func (e *runtimeEnclave) checkMaxmemory(v uint64) error {
	heap := e.manifest.HeapSize
	if v == 0 || v > uint64(heap) {
		return fmt.Errorf("maxmemory must be between 1 and the enclave's heap size %d (%s) set by the manifest", heap, humanBytes(heap))
	}
	return nil
}

// commandView is what INFO enclave and ENCLAVE show.
func (e *runtimeEnclave) commandView() *command.Enclave {
	v := &command.Enclave{
		Platform:         e.platform,
		SealingPolicy:    e.manifest.SealingPolicy,
		MemoryLimit:      e.manifest.HeapSize,
		MaxThreads:       e.manifest.MaxThreads,
		GOMAXPROCS:       e.maxThreads,
		PlaintextAllowed: e.manifest.PlaintextAllowed,
	}
	if e.sim != nil {
		v.SimPlatformKey = e.sim.PlatformKey()
	}
	return v
}

// logLines are the start-up lines that say what the enclave is.
func (e *runtimeEnclave) logLines(warn, notice func(string)) {
	id := e.platform.Identity()
	m := e.manifest
	if e.unusedHardware != "" {
		warn("Enclave hardware (" + e.unusedHardware + ") detected, but this build has no backend for it yet: running in simulation, which does not use it.")
	}
	if e.sim != nil {
		warn("WARNING: running in SIMULATION mode: no hardware protection. The host can read and change this process's memory, its keys and its data. Use simulation for development and tests only.")
		if e.sim.SecretCreated {
			warn("Simulated platform secret created at " + e.sim.SecretPath + " (a new platform: keys and verifier settings of any earlier one no longer apply)")
		} else {
			notice("Simulated platform secret: " + e.sim.SecretPath)
		}
		notice(fmt.Sprintf("Simulated platform key: %x", []byte(e.sim.PlatformKey())))
	}
	notice(fmt.Sprintf("Enclave mode=%s measurement=%s", id.Platform, id.MeasurementHex()))
	signer := "signer=" + id.SignerHex()
	if id.Debug {
		signer += " (built-in debug signer: unsigned build, debug=1)"
	} else if e.sim != nil {
		signer += " (signature " + e.sim.SignaturePath + ")"
	}
	notice("Enclave " + signer)
	if id.Debug && m.SealingPolicy == enclave.SealToSigner {
		warn(fmt.Sprintf("Debug build sealing by signer: every debug build of product %d on this platform derives the same sealing keys. Sign production builds (enclavekv sign).", id.ProductID))
	}
	notice(fmt.Sprintf("Enclave product_id=%d security_version=%d sealing_policy=%s plaintext_allowed=%t",
		id.ProductID, id.SVN, m.SealingPolicy, m.PlaintextAllowed))
	if e.droppedGODEBUG != "" {
		warn(fmt.Sprintf("Ignoring GODEBUG=%q from the host's environment: runtime settings come from the build and the manifest", e.droppedGODEBUG))
	}
	notice(fmt.Sprintf("Enclave memory limit %s (GOMEMLIMIT; maxmemory default and ceiling), max threads %d (GOMAXPROCS %d)",
		humanBytes(m.HeapSize), m.MaxThreads, e.maxThreads))
}

// humanBytes formats a size as INFO's *_human fields do.
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", f/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", f/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", f/(1<<30))
	}
	return fmt.Sprintf("%.2fT", f/(1<<40))
}
