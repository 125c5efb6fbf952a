package similarity

import (
	"math"
	"math/rand/v2"
	"testing"
)

func noiseMap(rng *rand.Rand, h, w int) Map {
	v := make([]float64, h*w)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return Map{Height: h, Width: w, Values: v}
}

func TestCompareSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kernels := []Map{noiseMap(rng, 3, 3), noiseMap(rng, 3, 3), noiseMap(rng, 3, 3), noiseMap(rng, 3, 3)}
	cells := []Map{noiseMap(rng, 9, 12), noiseMap(rng, 6, 6), noiseMap(rng, 16, 28)}
	s, err := CompareSets(kernels, cells)
	if err != nil {
		t.Fatal(err)
	}
	// Every pair agrees with RMSE, and the summaries with the pairs.
	var sum float64
	for i, k := range kernels {
		nearest := math.Inf(1)
		for j, c := range cells {
			want, err := RMSE(k, c)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.RMSE[i][j]-want) > 1e-12 {
				t.Errorf("RMSE[%d][%d] = %g, RMSE gives %g", i, j, s.RMSE[i][j], want)
			}
			sum += want
			nearest = min(nearest, want)
		}
		if s.NearestRMSE[i] != nearest {
			t.Errorf("NearestRMSE[%d] = %g, want %g", i, s.NearestRMSE[i], nearest)
		}
	}
	if math.Abs(s.MeanRMSE-sum/12) > 1e-12 || s.Height != 3 || s.Width != 3 {
		t.Errorf("MeanRMSE %g on %dx%d, want %g on 3x3", s.MeanRMSE, s.Height, s.Width, sum/12)
	}
	if s.RSA < -1 || s.RSA > 1 || s.CKA < 0 || s.CKA > 1 {
		t.Errorf("RSA %g, CKA %g: out of range", s.RSA, s.CKA)
	}

	// A set compared with itself: RMSE 0 on the diagonal, RSA and CKA 1.
	self, err := CompareSets(kernels, kernels)
	if err != nil {
		t.Fatal(err)
	}
	if self.MeanNearestRMSE != 0 || math.Abs(self.RSA-1) > 1e-12 || math.Abs(self.CKA-1) > 1e-12 {
		t.Errorf("a set against itself: nearest RMSE %g, RSA %g, CKA %g; want 0, 1, 1", self.MeanNearestRMSE, self.RSA, self.CKA)
	}

	for name, c := range map[string][2][]Map{
		"empty":       {nil, cells},
		"mixed sizes": {{kernels[0], noiseMap(rng, 5, 5)}, cells},
		"invalid map": {kernels, {{Height: 2, Width: 2, Values: []float64{1, 2, math.NaN(), 4}}}},
	} {
		if _, err := CompareSets(c[0], c[1]); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// RSA and CKA are undefined for a set of one constant map, the RMSE still defined.
	flat, err := CompareSets(kernels, []Map{{Height: 2, Width: 2, Values: []float64{1, 1, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(flat.RSA) || !math.IsNaN(flat.CKA) || len(flat.Undefined) != 2 || math.IsNaN(flat.MeanRMSE) {
		t.Errorf("a constant set: RSA %g, CKA %g, %d reasons, mean RMSE %g; want NaN, NaN, 2, a number",
			flat.RSA, flat.CKA, len(flat.Undefined), flat.MeanRMSE)
	}
}

// TestRMSEConstantResized checks that a constant map resized to another grid still counts as
// constant (0.5 after scaling), rather than its rounding errors being stretched to [0, 1].
func TestRMSEConstantResized(t *testing.T) {
	flat := Map{Height: 7, Width: 5, Values: make([]float64, 35)}
	for i := range flat.Values {
		flat.Values[i] = 0.1
	}
	half := Map{Height: 3, Width: 3, Values: []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}}
	got, err := RMSE(half, flat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 0 {
		t.Errorf("RMSE of two constant maps = %g, want 0", got)
	}
}
