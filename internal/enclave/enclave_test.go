package enclave_test

import (
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/enclave"
)

func TestIdentityEqualAndRequireSameIdentity(t *testing.T) {
	base := enclave.Identity{
		Platform:    enclave.PlatformSim,
		Measurement: [32]byte{1, 2, 3},
		Signer:      [32]byte{4, 5, 6},
		ProductID:   7,
		SVN:         8,
	}
	if !base.Equal(base) {
		t.Fatal("an identity differs from itself")
	}
	if err := enclave.RequireSameIdentity(base, base); err != nil {
		t.Fatal(err)
	}
	// Every field is part of "the same build": a peer that differs in any
	// one of them must be refused.
	for _, tc := range []struct {
		name   string
		change func(*enclave.Identity)
	}{
		{"platform", func(id *enclave.Identity) { id.Platform = enclave.PlatformSGX }},
		{"measurement first byte", func(id *enclave.Identity) { id.Measurement[0] ^= 1 }},
		{"measurement last byte", func(id *enclave.Identity) { id.Measurement[31] ^= 1 }},
		{"signer", func(id *enclave.Identity) { id.Signer[31] ^= 0x80 }},
		{"product id", func(id *enclave.Identity) { id.ProductID++ }},
		{"svn", func(id *enclave.Identity) { id.SVN++ }},
		{"debug", func(id *enclave.Identity) { id.Debug = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := base
			tc.change(&peer)
			if base.Equal(peer) || peer.Equal(base) {
				t.Fatal("Equal ignores the difference")
			}
			err := enclave.RequireSameIdentity(base, peer)
			if err == nil {
				t.Fatal("RequireSameIdentity accepted the peer")
			}
			if !strings.Contains(err.Error(), peer.MeasurementHex()) {
				t.Fatalf("err = %q, want it to name the peer's measurement", err)
			}
		})
	}
}

func TestIdentityHex(t *testing.T) {
	id := enclave.Identity{Measurement: [32]byte{0xAB, 31: 0x01}, Signer: [32]byte{0: 0x0f}}
	if got, want := id.MeasurementHex(), "ab"+strings.Repeat("00", 30)+"01"; got != want {
		t.Errorf("MeasurementHex = %s, want %s", got, want)
	}
	if got, want := id.SignerHex(), "0f"+strings.Repeat("00", 31); got != want {
		t.Errorf("SignerHex = %s, want %s", got, want)
	}
}

func TestSealPolicyNames(t *testing.T) {
	for _, p := range []enclave.SealPolicy{enclave.SealToMeasurement, enclave.SealToSigner} {
		got, err := enclave.ParseSealPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseSealPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if enclave.SealToMeasurement.String() != "measurement" || enclave.SealToSigner.String() != "signer" {
		t.Errorf("names are %q and %q; manifests spell them \"measurement\" and \"signer\"",
			enclave.SealToMeasurement, enclave.SealToSigner)
	}
	if s := enclave.SealPolicy(9).String(); s != "policy(9)" {
		t.Errorf("unknown policy prints as %q", s)
	}
	for _, s := range []string{"", "Measurement", "signer ", "mrenclave", "policy(1)"} {
		if p, err := enclave.ParseSealPolicy(s); err == nil {
			t.Errorf("ParseSealPolicy(%q) = %v, want an error", s, p)
		}
	}
}
