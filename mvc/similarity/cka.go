package similarity

import (
	"math"

	"github.com/pkg/errors"
)

// LinearCKA returns linear centred kernel alignment between two representations of the same n
// items (rows of x and y; x has p features per item and y has q, p and q may differ), as
// Kornblith, Norouzi, Lee and Hinton 2019 ("Similarity of Neural Network Representations
// Revisited", ICML, Eq. 5 with the linear kernel):
//
//	CKA(X, Y) = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)
//
// where Xc and Yc have each feature (column) centred over the items. This equals
// HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with K = X X^T, L = Y Y^T and the biased HSIC
// estimator tr(K H L H)/(n-1)^2 (Gretton et al. 2005), so the identity <HKH, HLH>_F is what is
// computed when items are fewer than features. CKA lies in [0, 1], is 1 for CKA(X, X), and is
// invariant to orthogonal transforms and isotropic scaling of either representation (not to
// arbitrary invertible linear maps). It fails on fewer than two items, ragged rows, non-finite
// values, or a representation that is constant across items (zero after centring).
func LinearCKA(x, y [][]float64) (float64, error) {
	n := len(x)
	if n != len(y) {
		return 0, errors.Errorf("linear CKA: %d items against %d; both must describe the same items", n, len(y))
	}
	if n < 2 {
		return 0, errors.Errorf("linear CKA of %d items: need at least 2", n)
	}
	xc, err := centreColumns(x)
	if err != nil {
		return 0, errors.Wrap(err, "linear CKA: first representation")
	}
	yc, err := centreColumns(y)
	if err != nil {
		return 0, errors.Wrap(err, "linear CKA: second representation")
	}
	p, q := len(x[0]), len(y[0])
	var xy, xx, yy float64
	if n*n*(p+q) <= n*(p*q+p*p+q*q) {
		k, l := gram(xc), gram(yc)
		xy, xx, yy = frobDot(k, l), frobDot(k, k), frobDot(l, l)
	} else {
		xy = frobSq(crossProduct(yc, xc))
		xx = frobSq(crossProduct(xc, xc))
		yy = frobSq(crossProduct(yc, yc))
	}
	if xx == 0 || yy == 0 {
		return 0, errors.New("linear CKA: a representation is constant across items (zero after centring)")
	}
	return xy / math.Sqrt(xx*yy), nil
}

// centreColumns returns a copy of rows with each column's mean over the rows subtracted.
func centreColumns(rows [][]float64) ([][]float64, error) {
	p := len(rows[0])
	if p == 0 {
		return nil, errors.New("items have no features")
	}
	mean := make([]float64, p)
	for i, r := range rows {
		if len(r) != p {
			return nil, errors.Errorf("item %d has %d features, item 0 has %d", i, len(r), p)
		}
		for k, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("item %d feature %d is %v", i, k, v)
			}
			mean[k] += v
		}
	}
	for k := range mean {
		mean[k] /= float64(len(rows))
	}
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = make([]float64, p)
		for k, v := range r {
			out[i][k] = v - mean[k]
		}
	}
	return out, nil
}

// gram returns X X^T (n x n) for rows X.
func gram(x [][]float64) [][]float64 {
	n := len(x)
	g := make([][]float64, n)
	for i := range g {
		g[i] = make([]float64, n)
	}
	for i := range n {
		for j := i; j < n; j++ {
			var s float64
			for k, v := range x[i] {
				s += v * x[j][k]
			}
			g[i][j], g[j][i] = s, s
		}
	}
	return g
}

// crossProduct returns A^T B (p x q) for rows A (n x p) and B (n x q).
func crossProduct(a, b [][]float64) [][]float64 {
	p, q := len(a[0]), len(b[0])
	out := make([][]float64, p)
	for i := range out {
		out[i] = make([]float64, q)
	}
	for r := range a {
		for i, av := range a[r] {
			if av == 0 {
				continue
			}
			row := out[i]
			for j, bv := range b[r] {
				row[j] += av * bv
			}
		}
	}
	return out
}

func frobDot(a, b [][]float64) float64 {
	var s float64
	for i := range a {
		for j, v := range a[i] {
			s += v * b[i][j]
		}
	}
	return s
}

func frobSq(a [][]float64) float64 { return frobDot(a, a) }
