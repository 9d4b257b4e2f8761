package command

import (
	"encoding/hex"
	"strconv"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

// The ENCLAVE command is enclavekv's own, added the way a Redis module adds
// commands: ENCLAVE EVIDENCE gives a client attestation evidence bound to
// its nonce, so it can check what it talks to before trusting it with
// data; ENCLAVE INFO shows the identity. Both answer before AUTH: the
// evidence is public by design, and a client must be able to verify the
// server before it sends a password.

// Nonce bounds: at least 128 bits of the client's randomness; at most a
// size no honest client needs.
const (
	EnclaveMinNonce = 16
	EnclaveMaxNonce = 1024
)

func init() {
	ro := Loading | Stale | NoAuth
	doc := func(summary, complexity string, args ...Arg) Doc {
		// Module commands report the group "module" in COMMAND DOCS.
		return Doc{Summary: summary, Since: "0.1.0", Group: "module", Complexity: complexity, Args: args}
	}
	register(&Command{Name: "enclave", Arity: -2, Categories: []string{"slow"},
		Doc: doc("Groups the subcommands that describe and attest the enclave this server runs in.", "Depends on the subcommand."),
		Subs: subs(
			&Command{Name: "enclave|evidence", Arity: 3, Flags: ro, Categories: []string{"slow"}, Handler: enclaveEvidenceCmd,
				Doc: doc("Returns fresh attestation evidence of the enclave, bound to the client's nonce.", "O(1)", Arg{Name: "nonce", Type: "string"})},
			&Command{Name: "enclave|info", Arity: 2, Flags: ro | Fast, Categories: []string{"fast"}, Handler: enclaveInfoCmd,
				Doc: doc("Returns the enclave's identity, sealing policy and limits.", "O(1)")},
			&Command{Name: "enclave|help", Arity: 2, Flags: ro, Categories: []string{"slow"}, Handler: enclaveHelpCmd,
				Doc: doc("Lists the ENCLAVE subcommands.", "O(1)")},
		)})
}

// Enclave is the enclave runtime the server runs in, as INFO enclave and
// ENCLAVE show it.
type Enclave struct {
	Platform         enclave.Platform
	SealingPolicy    enclave.SealPolicy
	MemoryLimit      int64 // bytes (manifest heap_size)
	MaxThreads       int   // the manifest's max_threads
	GOMAXPROCS       int   // in force: max_threads, at most the CPUs
	PlaintextAllowed bool
	// SimPlatformKey is the simulated platform's attestation public key,
	// which verifiers name to accept its evidence; nil on hardware.
	SimPlatformKey []byte
}

// enclaveField is one name/value of the enclave's description; INFO
// prefixes the names with "enclave_".
type enclaveField struct {
	name string
	str  string
	num  int64
	isN  bool
}

func (e *Enclave) fields() []enclaveField {
	id := e.Platform.Identity()
	str := func(n, v string) enclaveField { return enclaveField{name: n, str: v} }
	num := func(n string, v int64) enclaveField { return enclaveField{name: n, num: v, isN: true} }
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	f := []enclaveField{
		str("mode", id.Platform),
		num("simulated", b(id.Platform == enclave.PlatformSim)),
		str("measurement", id.MeasurementHex()),
		str("signer", id.SignerHex()),
		num("debug", b(id.Debug)),
		num("product_id", int64(id.ProductID)),
		num("security_version", int64(id.SVN)),
		str("sealing_policy", e.SealingPolicy.String()),
		num("memory_limit", e.MemoryLimit),
		str("memory_limit_human", bytesToHuman(e.MemoryLimit)),
		num("max_threads", int64(e.MaxThreads)),
		num("gomaxprocs", int64(e.GOMAXPROCS)),
		num("plaintext_allowed", b(e.PlaintextAllowed)),
	}
	if e.SimPlatformKey != nil {
		f = append(f, str("sim_platform_key", hex.EncodeToString(e.SimPlatformKey)))
	}
	return f
}

// infoEnclave writes INFO's "# Enclave" section.
func (s *State) infoEnclave(w *infoWriter) {
	if s.Enclave == nil {
		return
	}
	for _, f := range s.Enclave.fields() {
		if f.isN {
			w.field("enclave_"+f.name, f.num)
		} else {
			w.field("enclave_"+f.name, f.str)
		}
	}
}

func enclaveInfoCmd(c *Ctx) {
	if c.St.Enclave == nil {
		c.Error(ErrNoEnclave)
		return
	}
	fs := c.St.Enclave.fields()
	c.W.Map(len(fs))
	for _, f := range fs {
		c.W.BulkString(f.name)
		if f.isN {
			c.W.Int(f.num)
		} else {
			c.W.BulkString(f.str)
		}
	}
}

// Evidence for clients that have not authenticated is rate-limited: each
// costs a signature (a hardware quote, later) on the event loop, and
// before AUTH nothing else a client can ask for is that expensive. The
// budget is a token bucket shared by all unauthenticated clients;
// authenticated ones are not limited (they can run costlier commands).
const (
	evidenceBurst     = 200  // requests
	evidencePerSecond = 1000 // refill rate
)

// evidenceBucket is the unauthenticated clients' budget; guarded by the
// command lock like the rest of State.
type evidenceBucket struct {
	tokens float64
	last   int64 // Unix ms of the last refill
}

func (b *evidenceBucket) take(now int64) bool {
	if b.last == 0 {
		b.tokens = evidenceBurst
	} else if now > b.last {
		b.tokens = min(evidenceBurst, b.tokens+float64(now-b.last)*evidencePerSecond/1000)
	}
	b.last = max(b.last, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func enclaveEvidenceCmd(c *Ctx) {
	if c.St.Enclave == nil {
		c.Error(ErrNoEnclave)
		return
	}
	nonce := c.Args[2]
	if len(nonce) < EnclaveMinNonce || len(nonce) > EnclaveMaxNonce {
		c.Error(ErrEnclaveNonce)
		return
	}
	if !c.Client.Authed && !c.St.evidence.take(c.Now) {
		c.Error(ErrEvidenceBusy)
		return
	}
	ev, err := c.St.Enclave.Platform.Evidence(enclave.NonceCallerData(nonce))
	if err != nil {
		c.Errorf(ErrEvidenceFail, err.Error())
		return
	}
	c.W.Bulk(ev)
}

func enclaveHelpCmd(c *Ctx) {
	replyHelp(c,
		"EVIDENCE <nonce>",
		"    Return fresh attestation evidence of this enclave whose caller data binds",
		"    <nonce> ("+strconv.Itoa(EnclaveMinNonce)+" to "+strconv.Itoa(EnclaveMaxNonce)+" bytes, chosen at random by the client for each check).",
		"INFO",
		"    Return the enclave's identity: mode, measurement, signer, product id,",
		"    security version, sealing policy and limits.",
	)
}
