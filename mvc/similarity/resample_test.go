package similarity

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBootstrapKDEIoU(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a, b := make([]float64, 121), make([]float64, 121)
	for i := range a {
		a[i], b[i] = r.NormFloat64(), 0.8+r.NormFloat64()
	}
	opts := BootstrapOptions{Resamples: 300, Level: 0.95, Seed: 9}
	est, err := BootstrapKDEIoU(a, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	iou, _ := KDEIoU(a, b)
	if est.Mean != iou || !(est.Low < iou && iou < est.High) || est.Resamples != 300 {
		t.Errorf("estimate %+v around IoU %v", est, iou)
	}
	// Two samples of N(0,1) and N(0.8,1): the densities' IoU is about 0.52; the interval
	// from 121 values each should hold it.
	if !(est.Low < 0.52 && 0.52 < est.High) || est.High-est.Low > 0.4 {
		t.Errorf("interval [%v, %v] for a population IoU near 0.52", est.Low, est.High)
	}
	again, _ := BootstrapKDEIoU(a, b, opts)
	if again != est {
		t.Errorf("same seed, other interval: %+v vs %+v", again, est)
	}
	if _, err := BootstrapKDEIoU([]float64{1, 1, 1}, b, opts); err == nil {
		t.Error("a constant sample was accepted")
	}
	// Mostly constant values: most resamples are constant, so the interval is refused.
	few := make([]float64, 40)
	few[0] = 1
	if _, err := BootstrapKDEIoU(few, b, opts); err == nil || !strings.Contains(err.Error(), "resamples have no value") {
		t.Errorf("a sample with one distinct value among 40: error %v", err)
	}
}

// ar1 returns an AR(1) series x_t = phi x_{t-1} + e_t.
func ar1(r *rand.Rand, n int, phi float64) []float64 {
	x := make([]float64, n)
	for i := 1; i < n; i++ {
		x[i] = phi*x[i-1] + r.NormFloat64()
	}
	return x
}

// Two independent, strongly autocorrelated series: blocks longer than the autocorrelation
// give intervals that hold r = 0 about 95% of the time; resampling single pairs (block 1)
// ignores the dependence and holds it far less often. This is why S4/S5 use blocks.
func TestBlockBootstrapPearsonCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const trials = 120
	covered := map[int]int{}
	for trial := range trials {
		x, y := ar1(r, 900, 0.9), ar1(r, 900, 0.9)
		for _, block := range []int{1, 90} {
			est, err := BlockBootstrapPearson(x, y, block, BootstrapOptions{Resamples: 200, Level: 0.95, Seed: uint64(trial)})
			if err != nil {
				t.Fatal(err)
			}
			if est.Low <= 0 && 0 <= est.High {
				covered[block]++
			}
		}
	}
	blocks, single := float64(covered[90])/trials, float64(covered[1])/trials
	t.Logf("coverage of r = 0: blocks of 90 %.2f, single pairs %.2f", blocks, single)
	if blocks < 0.8 {
		t.Errorf("block bootstrap covers the true r = 0 in %.0f%% of trials, want at least 80%% (about 95%% asymptotically; block bootstraps undercover somewhat at this length)", 100*blocks)
	}
	if single > 0.6 {
		t.Errorf("pair bootstrap covers r = 0 in %.0f%% of trials: the test series are not dependent enough to tell", 100*single)
	}
}

func TestBlockBootstrapPearsonErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	opts := BootstrapOptions{Resamples: 50, Level: 0.95, Seed: 1}
	for _, c := range []struct {
		x, y  []float64
		block int
	}{{x, x[:4], 2}, {x, x, 0}, {x, x, 6}, {x, []float64{1, 1, 1, 1, 1}, 2}} {
		if _, err := BlockBootstrapPearson(c.x, c.y, c.block, opts); err == nil {
			t.Errorf("x %v y %v block %d accepted", c.x, c.y, c.block)
		}
	}
	y := []float64{2, 4, 6, 8, 10.5}
	est, err := BlockBootstrapPearson(x, y, 1, opts)
	if err != nil || math.Abs(est.Mean-0.998) > 0.01 {
		t.Errorf("estimate %+v, %v", est, err)
	}
}
