package embed

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPowPosMatchesMathPow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for i := range 200000 {
		// x spans 1e-100 .. 1e100 (log-uniform), b the a/b fit's typical range and beyond.
		x := math.Pow(10, 200*rng.Float64()-100)
		if i%4 == 0 {
			x = 1e-6 + 400*rng.Float64() // squared distances seen in layouts
		}
		b := 0.3 + 1.7*rng.Float64()
		if i%3 == 0 {
			b -= 1
		}
		want := math.Pow(x, b)
		got := powPos(x, b)
		if want == 0 || math.IsInf(want, 0) {
			continue
		}
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	// exp(b ln x) amplifies the rounding of b ln x (up to about 400 here) by its size.
	if worst > 1e-11 {
		t.Errorf("powPos: worst relative error %.3g, want <= 1e-11", worst)
	}
	t.Logf("worst relative error of powPos against math.Pow: %.3g", worst)
	for _, x := range []float64{1, 2, 0.5, math.E, 1e-310, math.SmallestNonzeroFloat64} {
		if got, want := logFast(x), math.Log(x); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("logFast(%v) = %v, want %v", x, got, want)
		}
	}
	for _, y := range []float64{0, 1, -1, 700, -700, 709, -745, 0.5 * math.Ln2} {
		if got, want := expFast(y), math.Exp(y); math.Abs(got-want) > 1e-12*want {
			t.Errorf("expFast(%v) = %v, want %v", y, got, want)
		}
	}
}
