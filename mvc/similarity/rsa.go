package similarity

import (
	"math"
	"sort"

	"github.com/pkg/errors"
)

// Pearson returns the Pearson correlation coefficient of x and y. It fails when the lengths
// differ, there are fewer than two values, or either vector is constant (the coefficient is
// undefined; scipy returns NaN).
func Pearson(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, errors.Errorf("Pearson correlation of %d and %d values: lengths differ", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, errors.Errorf("Pearson correlation of %d values: need at least 2", len(x))
	}
	r, ok := pearson(x, y)
	if !ok {
		return 0, errors.New("Pearson correlation: a vector is constant, the coefficient is undefined")
	}
	return r, nil
}

// pearson is Pearson's r by two passes; ok is false when either vector has zero variance.
func pearson(x, y []float64) (r float64, ok bool) {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	r = sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)), true
}

// Ranks returns the ranks (1-based) of values, ties given their average rank (as
// scipy.stats.rankdata's default "average" method).
func Ranks(values []float64) []float64 {
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] < values[idx[b]] })
	ranks := make([]float64, len(values))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && values[idx[j]] == values[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			ranks[idx[k]] = avg
		}
		i = j
	}
	return ranks
}

// Spearman returns Spearman's rank correlation of x and y: Pearson's r of their ranks, ties
// ranked by their average ([Ranks]), as scipy.stats.spearmanr. It fails where [Pearson] does and
// on NaN values.
func Spearman(x, y []float64) (float64, error) {
	for i := range x {
		if math.IsNaN(x[i]) || (i < len(y) && math.IsNaN(y[i])) {
			return 0, errors.Errorf("Spearman correlation: value %d is NaN", i)
		}
	}
	r, err := Pearson(Ranks(x), Ranks(y))
	if err != nil {
		return 0, errors.Wrap(err, "Spearman correlation of the ranks")
	}
	return r, nil
}

// RDM returns the representational dissimilarity matrix of items (one row per item, the same
// number of features each) with the correlation distance d(i,j) = 1 - Pearson r(item i, item j)
// (Kriegeskorte, Mur and Bandettini 2008, "Representational similarity analysis - connecting the
// branches of systems neuroscience", Front. Syst. Neurosci. 2:4). It returns the upper triangle
// in condensed form, row by row: (0,1), (0,2), ..., (0,n-1), (1,2), ... as
// scipy.spatial.distance.pdist(items, "correlation"). It fails on fewer than two items, ragged
// rows, fewer than two features, or a constant item (its correlation is undefined).
func RDM(items [][]float64) ([]float64, error) {
	n := len(items)
	if n < 2 {
		return nil, errors.Errorf("RDM of %d items: need at least 2", n)
	}
	p := len(items[0])
	if p < 2 {
		return nil, errors.Errorf("RDM: items have %d features, need at least 2", p)
	}
	// Standardize each item once: z = (x - mean) / ||x - mean||, then r = z_i . z_j.
	z := make([][]float64, n)
	for i, it := range items {
		if len(it) != p {
			return nil, errors.Errorf("RDM: item %d has %d features, item 0 has %d", i, len(it), p)
		}
		var m float64
		for _, v := range it {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("RDM: item %d has a value %v", i, v)
			}
			m += v
		}
		m /= float64(p)
		zi := make([]float64, p)
		var ss float64
		for k, v := range it {
			zi[k] = v - m
			ss += zi[k] * zi[k]
		}
		if ss == 0 {
			return nil, errors.Errorf("RDM: item %d is constant, its correlation distance is undefined", i)
		}
		inv := 1 / math.Sqrt(ss)
		for k := range zi {
			zi[k] *= inv
		}
		z[i] = zi
	}
	out := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			var r float64
			for k, v := range z[i] {
				r += v * z[j][k]
			}
			out = append(out, 1-max(-1, min(1, r)))
		}
	}
	return out, nil
}

// RSA compares two sets of representations of the same items (rows of x and y; the numbers of
// features may differ) by the Spearman rank correlation ([Spearman]) of the upper triangles of
// their correlation-distance RDMs ([RDM]), as Kriegeskorte et al. 2008 recommend for RDMs whose
// distances are not expected to be linearly related. It is 1 for identical sets (more generally
// for RDMs with the same rank order) and lies in [-1, 1]. It needs at least three items and
// fails where [RDM] or [Spearman] do (e.g. when all dissimilarities of one set are equal).
func RSA(x, y [][]float64) (float64, error) {
	if len(x) != len(y) {
		return 0, errors.Errorf("RSA: %d items against %d; both sets must describe the same items", len(x), len(y))
	}
	if len(x) < 3 {
		return 0, errors.Errorf("RSA of %d items: need at least 3 (an RDM with at least 3 entries)", len(x))
	}
	dx, err := RDM(x)
	if err != nil {
		return 0, errors.Wrap(err, "RSA: first set")
	}
	dy, err := RDM(y)
	if err != nil {
		return 0, errors.Wrap(err, "RSA: second set")
	}
	r, err := Spearman(dx, dy)
	if err != nil {
		return 0, errors.Wrap(err, "RSA: comparing the RDMs")
	}
	return r, nil
}
