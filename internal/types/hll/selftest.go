package hll

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// SelfTest is PFSELFTEST's check, a lighter run of Redis's: the dense
// register accessors keep every value and disturb no neighbour, and a
// sparse and a dense sketch fed the same elements (up to a million) agree
// and stay within six standard errors of the true cardinality. The error
// text follows Redis's "TESTFAILED ..." details.
func SelfTest(sparseMaxBytes int) error {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	regs := dense[HeaderSize:]
	want := make([]uint8, Registers)
	for cycle := 0; cycle < 10; cycle++ {
		for i := range want {
			want[i] = uint8(rng.Uint32() & RegMax)
			denseSetReg(regs, i, want[i])
		}
		for i, w := range want {
			if v := denseGet(regs, i); v != w {
				return fmt.Errorf("Register %d should be %d but is %d", i, w, v)
			}
		}
	}

	clear(regs)
	sparse := New()
	relerr := 1.04 / math.Sqrt(Registers)
	base := rng.Uint64()
	var ele [8]byte
	checkpoint := 1
	for j := 1; j <= 1000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^base)
		i, c := PatLen(ele[:])
		denseSet(dense, i, c)
		var err error
		if sparse, _, err = Set(sparse, i, c, sparseMaxBytes); err != nil {
			return fmt.Errorf("sparse update failed: %v", err)
		}
		if j != checkpoint {
			continue
		}
		if j < sparseMaxBytes/2 && !IsSparse(sparse) {
			return fmt.Errorf("sparse encoding not used")
		}
		dc, _ := Count(dense)
		sc, err := Count(sparse)
		if err != nil || dc != sc {
			return fmt.Errorf("dense/sparse disagree")
		}
		maxerr := uint64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		abserr := int64(checkpoint) - int64(dc)
		if abserr < 0 {
			abserr = -abserr
		}
		if uint64(abserr) > maxerr {
			return fmt.Errorf("Too big error. card:%d abserr:%d", checkpoint, abserr)
		}
		checkpoint *= 10
	}
	return nil
}
