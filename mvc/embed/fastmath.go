package embed

import "math"

// powPos returns x^b for x > 0 as exp(b ln x) with table-driven kernels accurate to about
// 1e-12 relative and a short dependency chain. The layout optimisation evaluates it a few
// hundred million times, each depending on the last (umap-learn compiles the same loop with
// numba's fastmath, in float32, so this is far more precise than the reference). Subnormal,
// huge or non-finite arguments fall back to math.Log and math.Exp.
func powPos(x, b float64) float64 {
	return expFast(b * logFast(x))
}

const (
	ln2Hi  = 6.93147180369123816490e-01 // ln 2, high part (fdlibm)
	ln2Lo  = 1.90821492927058770002e-10 // ln 2, low part
	tabN   = 64                         // table size for both kernels
	minLog = 1e-300
)

var (
	// logInvC[j] = 1/c_j and logLnC[j] = ln c_j for c_j = 1 + (j + 0.5)/64, the centres of the
	// 64 sub-intervals of the mantissa range [1, 2).
	logInvC, logLnC [tabN]float64
	// exp2Tab[j] = 2^(j/64).
	exp2Tab [tabN]float64
)

func init() {
	for j := range tabN {
		c := 1 + (float64(j)+0.5)/tabN
		logInvC[j] = 1 / c
		logLnC[j] = math.Log(c)
		exp2Tab[j] = math.Exp2(float64(j) / tabN)
	}
}

// logFast is ln x for x > 0: x = m 2^e, m in [1, 2) falls in sub-interval j with centre c_j;
// ln x = e ln 2 + ln c_j + ln(1 + r), r = (m - c_j)/c_j, |r| < 1/128, by its series to r^5
// (error below 1e-13).
func logFast(x float64) float64 {
	if !(x >= minLog) || x > math.MaxFloat64 {
		return math.Log(x)
	}
	bits := math.Float64bits(x)
	e := float64(int(bits>>52&0x7ff) - 1023)
	j := bits >> (52 - 6) & (tabN - 1)
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	r := (m - (1 + (float64(j)+0.5)/tabN)) * logInvC[j]
	r2 := r * r
	p := r - r2*(0.5-r*(1.0/3)) - r2*r2*(0.25-r*(1.0/5))
	return e*ln2Hi + (logLnC[j] + p + e*ln2Lo)
}

// expFast is e^y: y = (64 m + j) ln2/64 + r with |r| <= ln2/128, e^y = 2^m 2^(j/64) e^r, e^r by
// its series to r^5 (error below 1e-14).
func expFast(y float64) float64 {
	if !(y > -700 && y < 700) {
		return math.Exp(y)
	}
	k := math.Floor(y*(tabN/math.Ln2) + 0.5)
	r := (y - k*(ln2Hi/tabN)) - k*(ln2Lo/tabN)
	ki := int64(k)
	j := ki & (tabN - 1)
	m := ki >> 6 // floor division by 64
	r2 := r * r
	p := 1 + r + r2*(0.5+r*(1.0/6)) + r2*r2*(1.0/24+r*(1.0/120))
	return p * exp2Tab[j] * math.Float64frombits(uint64(m+1023)<<52)
}
