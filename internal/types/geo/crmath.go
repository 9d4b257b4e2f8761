package geo

import "math"

// Redis computes distances with the C library's sin, cos and asin. Go's
// math package misses the correctly rounded result for 15-30% of the
// arguments a distance needs, which changes the 17th digit of most
// STOREDIST scores. The functions below evaluate in double-double
// arithmetic (about 106 bits) and round once, which gives the correctly
// rounded result except for arguments within ~1e-30 of a rounding
// boundary. glibc (2.36, measured on a million arguments) agrees with
// them except for about 0.13% of sin and cos arguments and 0.16% of asin
// arguments, where its faster evaluation lands on the other neighbour:
// about one distance in 200 then differs from Redis's in its last bits,
// more where asin is steep (nearly antipodal points). Matching those too
// would take glibc's own algorithm and tables; printed distances (4
// decimals) differ only when they lie on a rounding boundary.

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

func quickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

func ddAdd(x, y dd) dd {
	s, e := twoSum(x.hi, y.hi)
	t, f := twoSum(x.lo, y.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func ddMul(x, y dd) dd {
	p, e := twoProd(x.hi, y.hi)
	e += x.hi*y.lo + x.lo*y.hi
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func ddDivInt(x dd, d float64) dd {
	q1 := x.hi / d
	p, e := twoProd(q1, d)
	s, f := twoSum(x.hi, -p)
	f -= e
	f += x.lo
	q2 := (s + f) / d
	q1, q2 = quickTwoSum(q1, q2)
	return dd{q1, q2}
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

// round is the double nearest to x.
func (x dd) round() float64 { return x.hi + x.lo }

// Taylor coefficients: sinCoef[k] = (-1)^k/(2k+1)!, cosCoef[k] =
// (-1)^k/(2k)!, enough terms for |r| <= pi/4 at double-double precision.
const taylorTerms = 16

var sinCoef, cosCoef [taylorTerms]dd

func init() {
	f := dd{1, 0} // 1/n!
	for n := 1; n <= 2*taylorTerms; n++ {
		f = ddDivInt(f, float64(n))
		k := n / 2
		c := f
		if k%2 == 1 {
			c = c.neg()
		}
		if n%2 == 1 {
			sinCoef[k] = c
		} else if k < taylorTerms {
			cosCoef[k] = c
		}
	}
	cosCoef[0] = dd{1, 0}
}

// pi/2 as the sum of three doubles.
const (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// sinCosReduced is sin and cos of r, |r| <= pi/4 (a little more is fine).
func sinCosReduced(r dd) (s, c dd) {
	r2 := ddMul(r, r)
	ps, pc := sinCoef[taylorTerms-1], cosCoef[taylorTerms-1]
	for k := taylorTerms - 2; k >= 0; k-- {
		ps = ddAdd(sinCoef[k], ddMul(r2, ps))
		pc = ddAdd(cosCoef[k], ddMul(r2, pc))
	}
	return ddMul(r, ps), pc
}

// maxReduce bounds the arguments reduced here; beyond, math's functions
// are used (no search produces such angles from real coordinates).
const maxReduce = 1 << 20

// sinCosDD is sin and cos of x in double-double precision, and the
// quadrant count k used for the reduction.
func sinCosDD(x float64) (s, c dd) {
	if math.Abs(x) <= math.Pi/4 {
		return sinCosReduced(dd{x, 0})
	}
	k := math.Round(x / pio2a)
	r := dd{x, 0}
	p, e := twoProd(k, pio2a)
	r = ddAdd(r, dd{-p, -e})
	p, e = twoProd(k, pio2b)
	r = ddAdd(r, dd{-p, -e})
	r = ddAdd(r, dd{-k * pio2c, 0})
	s, c = sinCosReduced(r)
	switch int64(k) & 3 {
	case 1:
		s, c = c, s.neg()
	case 2:
		s, c = s.neg(), c.neg()
	case 3:
		s, c = c.neg(), s
	}
	return s, c
}

// The fast path (Ziv's strategy): sin and cos from a table of sin(k/64)
// and cos(k/64) in double-double and short polynomials for the rest
// d = x - k/64, |d| <= 1/128, evaluated mostly in double. The result is a
// double-double within fastErr (relative to the size of its terms) of the
// exact value; when rounding it up to that error could go either way
// (about once in a few hundred calls) the slow path above decides.
const (
	tabPerUnit = 64
	tabLen     = 208 // covers [0, 3.25], past pi
	// fastErr bounds the fast path's error relative to |S|+|C||d|; the
	// analysis gives about 2^-65.5 (the double-precision rest of cos(d)
	// times S dominates); 2^-62 leaves ample margin.
	fastErr = 0x1p-62
)

var sinTab, cosTab [tabLen]dd

func init() {
	for k := range tabLen {
		sinTab[k], cosTab[k] = sinCosDD(float64(k) / tabPerUnit)
	}
}

// fastReduce looks x up in the table: |x| = k/64 + d with |d| <= 1/128,
// sin(d) = d + ts and cos(d) = 1 + tc (Taylor to below 2^-80, the rests
// in double); ok is false outside the table.
func fastReduce(x float64) (S, C dd, d, ts, tc float64, ok bool) {
	ax := math.Abs(x)
	if !(ax < (tabLen-1)/tabPerUnit) {
		return dd{}, dd{}, 0, 0, 0, false
	}
	k := int(ax*tabPerUnit + 0.5)
	d = ax - float64(k)/tabPerUnit // exact (Sterbenz)
	d2 := float64(d * d)
	ts = float64(d*d2) * (-1.0/6 + d2*(1.0/120+d2*(-1.0/5040+d2*(1.0/362880))))
	tc = d2 * (-0.5 + d2*(1.0/24+d2*(-1.0/720+d2*(1.0/40320))))
	return sinTab[k], cosTab[k], d, ts, tc, true
}

// sinFast is sin(x) as a double-double and a bound of its error.
func sinFast(x float64) (s dd, err float64, ok bool) {
	S, C, d, ts, tc, ok := fastReduce(x)
	if !ok {
		return dd{}, 0, false
	}
	// sin(k/64 + d) = S + C d + (S tc + C ts)
	p, e := twoProd(C.hi, d)
	e += float64(C.lo * d)
	s = ddAdd(ddAdd(S, dd{p, e}), dd{float64(S.hi*tc) + float64(C.hi*ts), 0})
	if x < 0 {
		s = s.neg()
	}
	return s, fastErr * (math.Abs(S.hi) + math.Abs(C.hi)*math.Abs(d)), true
}

// cosFast is cos(x) as a double-double and a bound of its error.
func cosFast(x float64) (c dd, err float64, ok bool) {
	S, C, d, ts, tc, ok := fastReduce(x)
	if !ok {
		return dd{}, 0, false
	}
	// cos(k/64 + d) = C - S d + (C tc - S ts)
	p, e := twoProd(S.hi, d)
	e += float64(S.lo * d)
	c = ddAdd(ddAdd(C, dd{-p, -e}), dd{float64(C.hi*tc) - float64(S.hi*ts), 0})
	return c, fastErr * (math.Abs(C.hi) + math.Abs(S.hi)*math.Abs(d)), true
}

// roundOK rounds v to a double, and reports whether every value within
// err of v rounds the same way.
func roundOK(v dd, err float64) (float64, bool) {
	lo, hi := v.hi+(v.lo-err), v.hi+(v.lo+err)
	return lo, lo == hi
}

// sinCR is the correctly rounded sine of x.
func sinCR(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > maxReduce {
		return math.Sin(x)
	}
	if s, err, ok := sinFast(x); ok {
		if r, ok := roundOK(s, err); ok {
			return r
		}
	}
	s, _ := sinCosDD(x)
	return s.round()
}

// cosCR is the correctly rounded cosine of x.
func cosCR(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > maxReduce {
		return math.Cos(x)
	}
	if c, err, ok := cosFast(x); ok {
		if r, ok := roundOK(c, err); ok {
			return r
		}
	}
	_, c := sinCosDD(x)
	return c.round()
}

// asinDD refines math.Asin(z) for a double-double z in [0, 0.75] by one
// Newton step on sin(y) = z, in double-double precision. With fast, the
// step uses sinFast and err bounds the result's error (ok is false if
// the fast path does not apply).
func asinDD(z dd, fast bool) (y dd, err float64, ok bool) {
	y0 := math.Asin(z.hi)
	var s, c dd
	if fast {
		if s, err, ok = sinFast(y0); !ok {
			return dd{}, 0, false
		}
		c = dd{math.Cos(y0), 0} // only divides the small correction
	} else {
		s, c = sinCosDD(y0)
	}
	d, e := twoSum(s.hi, -z.hi)
	d += e + (s.lo - z.lo)
	hi, lo := twoSum(y0, -d/c.hi)
	// The error of sin(y0) divided by the slope of sin, plus the Newton
	// step's own (quadratic in math.Asin's error, far below 2^-100; so is
	// that of a cosine good to a few ulps dividing a correction of an ulp
	// or two of y0).
	return dd{hi, lo}, err/c.hi*1.01 + 0x1p-100*math.Abs(hi), true
}

// asinCR is the correctly rounded arcsine of x.
func asinCR(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 1 || x < -1:
		return math.NaN()
	case x == 0:
		return x
	case x < 0:
		return -asinCR(-x)
	case x <= 0.5:
		if y, err, ok := asinDD(dd{x, 0}, true); ok {
			if r, ok := roundOK(y, err); ok {
				return r
			}
		}
		y, _, _ := asinDD(dd{x, 0}, false)
		return y.round()
	}
	// asin(x) = pi/2 - 2 asin(sqrt((1-x)/2)); 1-x and the halving are
	// exact for x in [0.5, 1].
	a := (1 - x) / 2
	h := math.Sqrt(a)
	var z dd
	if h != 0 {
		z = dd{h, math.FMA(-h, h, a) / (2 * h)}
	}
	if w, err, ok := asinDD(z, true); ok {
		v := ddAdd(dd{pio2a, pio2b}, dd{-2 * w.hi, -2 * w.lo})
		if r, ok := roundOK(v, 2*err+0x1p-100); ok {
			return r
		}
	}
	w, _, _ := asinDD(z, false)
	return ddAdd(dd{pio2a, pio2b}, dd{-2 * w.hi, -2 * w.lo}).round()
}
