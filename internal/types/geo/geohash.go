// Package geo is the arithmetic behind the GEO commands, computed the way
// Redis 7.0 computes it so that replies match to the printed digit (for
// the rare distances where glibc's trigonometry is not correctly
// rounded, see crmath.go):
// a position is a 52-bit geohash (26 bits of longitude over [-180, 180]
// interleaved with 26 bits of latitude over the Web Mercator limits
// ±85.05112878) stored as a sorted-set score; a position read back is the
// centre of its cell; distances are haversine distances on a sphere of
// Redis's earth radius; an area search looks at the cell holding the
// centre and its eight neighbours, at a precision (the "step") estimated
// from the radius.
//
// The package is pure: no keyspace, no replies. Sums of products are
// written with explicit float64 conversions so that the compiler never
// fuses them into FMA instructions, which would change the last bits of
// results that Redis's C code computes with separate roundings.
package geo

import "math"

// The coordinate limits (EPSG:900913 / EPSG:3785), the precision of the
// scores, and the constants of Redis's geohash_helper.c.
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878

	// StepMax is the precision of a stored position: 26 bits per axis.
	StepMax = 26

	// EarthRadius is the radius, in meters, of Redis's spherical earth.
	EarthRadius = 6372797.560856

	mercatorMax = 20037726.37
)

// degToRad is M_PI/180.0 rounded once, as C computes the constant.
var degToRad = float64(math.Pi) / 180.0

func degRad(ang float64) float64 { return ang * degToRad }
func radDeg(ang float64) float64 { return ang / degToRad }

// Hash is a geohash of Step bits per axis; the longitude bits are the odd
// bits of Bits and the latitude bits the even ones.
type Hash struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is the zero hash Redis uses to mark a
// neighbour that the search skips.
func (h Hash) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Align52 is h's bits shifted left to a full 52-bit score.
func (h Hash) Align52() uint64 { return h.Bits << (52 - 2*uint(h.Step)) }

// ScoreRange is the half-open interval [min, max) of the 52-bit scores of
// every position inside cell h.
func (h Hash) ScoreRange() (min, max uint64) {
	min = h.Align52()
	h.Bits++
	return min, h.Align52()
}

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

func (r Range) isZero() bool { return r.Min == 0 && r.Max == 0 }

// Area is the cell of a hash: its longitude and latitude intervals.
type Area struct {
	Hash Hash
	Lon  Range
	Lat  Range
}

var (
	lonRange = Range{LonMin, LonMax}
	latRange = Range{LatMin, LatMax}
	// stdLatRange is the latitude range of standard geohash strings.
	stdLatRange = Range{-90, 90}
)

// interleave puts the bits of lat in the even positions and those of lon
// in the odd ones.
func interleave(lat, lon uint32) uint64 {
	return spread(lat) | spread(lon)<<1
}

// spread moves bit i of v to bit 2i.
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// squash is the inverse of spread: bit 2i of v to bit i (odd bits dropped).
func squash(v uint64) uint32 {
	x := v & 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}

// deinterleave splits an interleaved hash into its latitude (even bits)
// and longitude (odd bits) parts.
func deinterleave(bits uint64) (lat, lon uint32) {
	return squash(bits), squash(bits >> 1)
}

// encode is geohashEncode: the cell of (lon, lat) at the given step within
// the given ranges. Positions outside the WGS84 limits or the ranges fail.
func encode(lonR, latR Range, lon, lat float64, step uint8) (Hash, bool) {
	if step > 32 || step == 0 || latR.isZero() || lonR.isZero() {
		return Hash{}, false
	}
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Hash{}, false
	}
	if lat < latR.Min || lat > latR.Max || lon < lonR.Min || lon > lonR.Max {
		return Hash{}, false
	}
	latOff := (lat - latR.Min) / (latR.Max - latR.Min)
	lonOff := (lon - lonR.Min) / (lonR.Max - lonR.Min)
	latOff *= float64(uint64(1) << step)
	lonOff *= float64(uint64(1) << step)
	return Hash{Bits: interleave(uint32(latOff), uint32(lonOff)), Step: step}, true
}

// Encode is the cell of (lon, lat) at the given step over the WGS84 ranges
// Redis uses (latitude limited to ±85.05112878).
func Encode(lon, lat float64, step uint8) (Hash, bool) {
	return encode(lonRange, latRange, lon, lat, step)
}

// Score is the sorted-set score GEOADD stores for (lon, lat).
func Score(lon, lat float64) (uint64, bool) {
	h, ok := Encode(lon, lat, StepMax)
	if !ok {
		return 0, false
	}
	return h.Align52(), true
}

// decode is geohashDecode: the cell of h within the given ranges.
func decode(lonR, latR Range, h Hash) (Area, bool) {
	if h.IsZero() || latR.isZero() || lonR.isZero() {
		return Area{}, false
	}
	ilat, ilon := deinterleave(h.Bits)
	latScale := latR.Max - latR.Min
	lonScale := lonR.Max - lonR.Min
	cells := float64(uint64(1) << h.Step)
	return Area{
		Hash: h,
		Lat: Range{
			Min: latR.Min + float64(float64(ilat)/cells*latScale),
			Max: latR.Min + float64(float64(ilat+1)/cells*latScale),
		},
		Lon: Range{
			Min: lonR.Min + float64(float64(ilon)/cells*lonScale),
			Max: lonR.Min + float64(float64(ilon+1)/cells*lonScale),
		},
	}, true
}

// Decode is the WGS84 cell of h.
func Decode(h Hash) (Area, bool) { return decode(lonRange, latRange, h) }

// Center is the middle of the cell, clamped to the WGS84 limits: the
// position Redis reports for a member.
func (a Area) Center() (lon, lat float64) {
	return clampedMiddle(a.Lon, LonMin, LonMax), clampedMiddle(a.Lat, LatMin, LatMax)
}

func clampedMiddle(r Range, lo, hi float64) float64 {
	m := (r.Min + r.Max) / 2
	if m > hi {
		m = hi
	}
	if m < lo {
		m = lo
	}
	return m
}

// scoreBits converts a score to the 64-bit hash the way C's (uint64_t)
// cast does on x86-64, including for scores no GEOADD stores (negative,
// too large or not finite), so that GEOPOS of any sorted set answers as
// Redis does.
func scoreBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	switch {
	case math.IsNaN(score) || score <= -two63:
		return 1 << 63 // cvttsd2si's "integer indefinite"
	case score >= 2*two63:
		return 0 // indefinite, then the sign bit flipped back
	case score >= two63:
		return uint64(int64(score-two63)) ^ 1<<63
	}
	return uint64(int64(score))
}

// DecodeScore is the position Redis reports for a member of the given
// score: the centre of its cell at full precision.
func DecodeScore(score float64) (lon, lat float64) {
	// Decode's arithmetic with the step a constant: dividing by 2^26 is
	// then a multiplication, with the same (exact) result.
	const cells = float64(1 << StepMax)
	ilat, ilon := deinterleave(scoreBits(score))
	latScale, lonScale := LatMax-LatMin, LonMax-LonMin
	lat = clampedMiddle(Range{
		Min: LatMin + float64(float64(ilat)/cells*latScale),
		Max: LatMin + float64(float64(ilat+1)/cells*latScale),
	}, LatMin, LatMax)
	lon = clampedMiddle(Range{
		Min: LonMin + float64(float64(ilon)/cells*lonScale),
		Max: LonMin + float64(float64(ilon+1)/cells*lonScale),
	}, LonMin, LonMax)
	return lon, lat
}

// alphabet is the base-32 alphabet of geohash strings.
const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// String is the 11-character standard geohash of the member of the given
// score, as GEOHASH returns it: the decoded position re-encoded over the
// standard latitude range ±90 (its 52 bits give 10 characters and a
// half; the eleventh is always '0'). ok is false when the position cannot
// be encoded.
func String(score float64) (string, bool) {
	lon, lat := DecodeScore(score)
	h, ok := encode(lonRange, stdLatRange, lon, lat, StepMax)
	if !ok {
		return "", false
	}
	var buf [11]byte
	for i := range 10 {
		buf[i] = alphabet[(h.Bits>>(52-(i+1)*5))&0x1f]
	}
	buf[10] = alphabet[0]
	return string(buf[:]), true
}
