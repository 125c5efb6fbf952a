package embed

import (
	"fmt"
	"math"
)

// FindABParams fits the parameters a and b of the low-dimensional similarity curve
// 1 / (1 + a d^(2b)) to the target curve that is 1 below minDist and exp(-(d - minDist)/spread)
// above, by least squares on 300 points evenly spaced in [0, 3 spread]: umap-learn's
// find_ab_params (McInnes, Healy and Melville 2018, section 3.2 and appendix), which uses
// scipy's curve_fit (Levenberg-Marquardt from a = b = 1); so does this function. For
// umap-learn's defaults (minDist 0.1, spread 1) it gives a = 1.5769, b = 0.8951.
func FindABParams(spread, minDist float64) (a, b float64, err error) {
	if !(spread > 0) || math.IsInf(spread, 0) {
		return 0, 0, fmt.Errorf("umap: spread must be positive and finite, got %v", spread)
	}
	if !(minDist >= 0) || minDist > spread {
		return 0, 0, fmt.Errorf("umap: min_dist must be in [0, spread=%v], got %v", spread, minDist)
	}
	const nPoints = 300
	xs := make([]float64, nPoints)
	ys := make([]float64, nPoints)
	for i := range xs {
		xs[i] = 3 * spread * float64(i) / (nPoints - 1)
		if xs[i] < minDist {
			ys[i] = 1
		} else {
			ys[i] = math.Exp(-(xs[i] - minDist) / spread)
		}
	}
	sse := func(a, b float64) float64 {
		s := 0.0
		for i, x := range xs {
			r := 1/(1+a*math.Pow(x, 2*b)) - ys[i]
			s += r * r
		}
		return s
	}
	a, b = 1, 1
	cur := sse(a, b)
	lambda := 1e-3
	for range 2000 {
		// Normal equations J^T J and J^T r of the residuals r = f - y.
		var jaa, jab, jbb, ga, gb float64
		for i, x := range xs {
			var p, lx float64 // x^(2b) and ln x
			if x > 0 {
				lx = math.Log(x)
				p = math.Exp(2 * b * lx)
			}
			den := 1 + a*p
			f := 1 / den
			da := -p / (den * den)
			db := -a * p * 2 * lx / (den * den)
			r := f - ys[i]
			jaa += da * da
			jab += da * db
			jbb += db * db
			ga += da * r
			gb += db * r
		}
		improved := false
		for range 60 {
			m11, m22 := jaa*(1+lambda), jbb*(1+lambda)
			det := m11*m22 - jab*jab
			if det == 0 {
				lambda *= 10
				continue
			}
			sa := -(m22*ga - jab*gb) / det
			sb := -(m11*gb - jab*ga) / det
			na, nb := a+sa, b+sb
			if next := sse(na, nb); next < cur && !math.IsNaN(next) {
				small := math.Abs(sa) <= 1e-14*(1+math.Abs(a)) && math.Abs(sb) <= 1e-14*(1+math.Abs(b))
				a, b, cur = na, nb, next
				lambda = max(lambda/10, 1e-12)
				improved = !small
				break
			}
			lambda *= 10
		}
		if !improved {
			break
		}
	}
	if !(a > 0) || !(b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return 0, 0, fmt.Errorf("umap: fitting a, b for spread %v and min_dist %v failed (a=%v, b=%v)", spread, minDist, a, b)
	}
	return a, b, nil
}
