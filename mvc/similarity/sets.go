package similarity

import (
	"math"

	"github.com/pkg/errors"
)

// Sets is the comparison of two sets of 2-D representations that [CompareSets] returns: the
// paper's RMSE (Eq. 1) for every pair, and two measures of how alike the two sets' geometries
// are, RSA and linear CKA.
type Sets struct {
	// Height and Width are the grid every map was compared on: the size of the first set's maps.
	Height, Width int
	// RMSE[i][j] is [RMSE] between a[i] and b[j] (b[j] resized to the grid, both min-max scaled).
	RMSE [][]float64
	// MeanRMSE is the mean of RMSE over all pairs.
	MeanRMSE float64
	// NearestRMSE[i] is the smallest RMSE of a[i] to any map of b: how well the second set can
	// match each map of the first.
	NearestRMSE []float64
	// MeanNearestRMSE is the mean of NearestRMSE.
	MeanNearestRMSE float64
	// RSA is [RSA] of the two sets with the grid positions as the items and the maps as the
	// features: each position is described by the values all of a's maps take there, and by
	// those of b's; 1 when the two sets order the positions' dissimilarities alike. NaN when
	// undefined (see Undefined).
	RSA float64
	// CKA is [LinearCKA] of the same two descriptions of the grid positions, in [0, 1]; NaN
	// when undefined.
	CKA float64
	// Undefined says why RSA or CKA is NaN, if either is: correlation distances need each
	// position to differ across a set's maps (so at least two maps, better three or more), and
	// CKA a set whose positions are not all alike.
	Undefined []string
}

// CompareSets compares two sets of maps in one call, for example the first-layer kernels of a
// network (a; all of one size m x n) and the neural representations of cells (b; any sizes).
// Every map is prepared as for [RMSE]: b's maps are resized to a's grid by area averaging, and
// each map is min-max scaled to [0, 1]. RSA and CKA then treat the grid's m*n positions as the
// items both sets describe (RSA needs at least 3 positions, CKA 2); the sets may have different
// numbers of maps. It fails on an empty set, an invalid map, or a's maps of different sizes;
// where RSA or CKA is undefined for the data it is NaN and Sets.Undefined says why.
func CompareSets(a, b []Map) (*Sets, error) {
	if len(a) == 0 || len(b) == 0 {
		return nil, errors.Errorf("comparing sets of %d and %d maps: both need at least one", len(a), len(b))
	}
	h, w := a[0].Height, a[0].Width
	prep := func(set []Map, name string) ([][]float64, error) {
		out := make([][]float64, len(set))
		for i, m := range set {
			if err := m.Validate(); err != nil {
				return nil, errors.Wrapf(err, "comparing sets: map %d of the %s set", i, name)
			}
			if name == "first" && (m.Height != h || m.Width != w) {
				return nil, errors.Errorf("comparing sets: map %d of the first set is %dx%d, map 0 %dx%d; the first set must share one size",
					i, m.Height, m.Width, h, w)
			}
			out[i] = prepare(m, h, w)
		}
		return out, nil
	}
	pa, err := prep(a, "first")
	if err != nil {
		return nil, err
	}
	pb, err := prep(b, "second")
	if err != nil {
		return nil, err
	}
	s := &Sets{Height: h, Width: w, RMSE: make([][]float64, len(a)), NearestRMSE: make([]float64, len(a))}
	var sum, nearest float64
	for i := range pa {
		s.RMSE[i] = make([]float64, len(pb))
		best := math.Inf(1)
		for j := range pb {
			r := rmseScaled(pa[i], pb[j])
			s.RMSE[i][j] = r
			sum += r
			best = min(best, r)
		}
		s.NearestRMSE[i] = best
		nearest += best
	}
	s.MeanRMSE = sum / float64(len(a)*len(b))
	s.MeanNearestRMSE = nearest / float64(len(a))
	xa, xb := byPosition(pa, h*w), byPosition(pb, h*w)
	if s.RSA, err = RSA(xa, xb); err != nil {
		s.RSA = math.NaN()
		s.Undefined = append(s.Undefined, err.Error())
	}
	if s.CKA, err = LinearCKA(xa, xb); err != nil {
		s.CKA = math.NaN()
		s.Undefined = append(s.Undefined, err.Error())
	}
	return s, nil
}

// byPosition turns prepared maps (one row per map) into one row per grid position with one
// value per map.
func byPosition(maps [][]float64, positions int) [][]float64 {
	out := make([][]float64, positions)
	for p := range out {
		out[p] = make([]float64, len(maps))
		for i, m := range maps {
			out[p][i] = m[p]
		}
	}
	return out
}
