package similarity

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestPercentileAsNumpy(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	// numpy.percentile([1,2,3,4], [0, 25, 50, 97.5, 100]) = 1, 1.75, 2.5, 3.925, 4
	for q, want := range map[float64]float64{0: 1, 0.25: 1.75, 0.5: 2.5, 0.975: 3.925, 1: 4} {
		near(t, "percentile", Percentile(s, q), want, 1e-12)
	}
}

func TestHolmHandComputed(t *testing.T) {
	// Sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(0.06, 1*0.04).
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	for i, want := range []float64{0.03, 0.06, 0.06, 0.02} {
		near(t, "Holm", got[i], want, 1e-15)
	}
	got = Holm([]float64{0.5, math.NaN(), 0.9})
	near(t, "Holm with NaN", got[0], 1, 0) // 2*0.5
	near(t, "Holm with NaN", got[2], 1, 0)
	if !math.IsNaN(got[1]) {
		t.Errorf("NaN p-value adjusted to %v", got[1])
	}
}

func TestPermutationExactHandComputed(t *testing.T) {
	// d = 1, 2, 3: the 8 sums of +-1 +-2 +-3 are 6, 4, 2, 0, 0, -2, -4, -6; two have |s| >= 6.
	res, err := PairedPermutationTest([]float64{1, 2, 3}, []float64{0, 0, 0}, PermutationOptions{Permutations: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Permutations != 8 || res.P != 0.25 || res.MeanDiff != 2 {
		t.Errorf("exact test of 1, 2, 3 = %+v, want exact over 8 patterns, p = 0.25, mean 2", res)
	}
	// With fewer permutations than patterns it samples: p = (1 + count) / (1 + B) > 0.
	res, _ = PairedPermutationTest([]float64{1, 2, 3}, []float64{0, 0, 0}, PermutationOptions{Permutations: 7, Seed: 1})
	if res.Exact || res.P <= 0 || res.P > 1 {
		t.Errorf("Monte Carlo test = %+v", res)
	}
	// All differences zero: p = 1.
	res, _ = PairedPermutationTest([]float64{1, 1}, []float64{1, 1}, DefaultPermutationOptions())
	if res.P != 1 {
		t.Errorf("no difference: p = %v, want 1", res.P)
	}
}

func TestPermutationMonteCarloMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b := make([]float64, 16), make([]float64, 16)
	for i := range a {
		a[i] = rng.NormFloat64() + 0.4
		b[i] = rng.NormFloat64()
	}
	exact, _ := PairedPermutationTest(a, b, PermutationOptions{Permutations: 1 << 16, Seed: 1})
	mc, _ := PairedPermutationTest(a, b, PermutationOptions{Permutations: 20000, Seed: 1})
	if !exact.Exact || mc.Exact {
		t.Fatalf("exact %v, Monte Carlo %v", exact.Exact, mc.Exact)
	}
	// Monte Carlo standard error sqrt(p(1-p)/B) < 0.004.
	t.Logf("exact p %v, Monte Carlo p %v", exact.P, mc.P)
	near(t, "Monte Carlo p against exact p", mc.P, exact.P, 0.015)
}

// binomialBand returns the central interval [lo, hi] holding at least level of Binomial(n, p).
func binomialBand(n int, p, level float64) (lo, hi int) {
	pmf := func(k int) float64 {
		lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
		return math.Exp(lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	tail := (1 - level) / 2
	var cdf float64
	lo, hi = -1, n
	for k := 0; k <= n; k++ {
		cdf += pmf(k)
		if lo < 0 && cdf > tail {
			lo = k
		}
		if cdf >= 1-tail {
			hi = k
			break
		}
	}
	return lo, hi
}

func TestPermutationFalsePositiveRate(t *testing.T) {
	// 400 null datasets of 20 pairs from the same distribution (Monte Carlo, 999 sign flips):
	// the number rejected at 0.05 must lie in the 99% band of Binomial(400, 0.05).
	const datasets, pairs = 400, 20
	rng := rand.New(rand.NewPCG(11, 12))
	rejected := 0
	for i := range datasets {
		a, b := make([]float64, pairs), make([]float64, pairs)
		for j := range a {
			a[j] = rng.ExpFloat64() // skewed, but the pairs are exchangeable
			b[j] = rng.ExpFloat64()
		}
		res, err := PairedPermutationTest(a, b, PermutationOptions{Permutations: 999, Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Exact {
			t.Fatal("expected a Monte Carlo test")
		}
		if res.P <= 0.05 {
			rejected++
		}
	}
	lo, hi := binomialBand(datasets, 0.05, 0.99)
	t.Logf("null rejections at 0.05: %d of %d (99%% binomial band %d..%d)", rejected, datasets, lo, hi)
	if rejected < lo || rejected > hi {
		t.Errorf("false-positive rate %d/%d outside the 99%% band %d..%d", rejected, datasets, lo, hi)
	}
}

func TestPermutationPowerAndDeterminism(t *testing.T) {
	// A clear effect: paired differences N(0.8, 1), 30 pairs; power of a t-test ~ 0.97.
	rng := rand.New(rand.NewPCG(5, 6))
	rejected := 0
	const datasets = 50
	for i := range datasets {
		a, b := make([]float64, 30), make([]float64, 30)
		for j := range a {
			b[j] = rng.NormFloat64()
			a[j] = b[j] + 0.8 + rng.NormFloat64()
		}
		res, _ := PairedPermutationTest(a, b, PermutationOptions{Permutations: 999, Seed: uint64(i)})
		if res.P <= 0.05 {
			rejected++
		}
		again, _ := PairedPermutationTest(a, b, PermutationOptions{Permutations: 999, Seed: uint64(i)})
		if again != res {
			t.Fatalf("same seed, different result: %+v vs %+v", res, again)
		}
	}
	if rejected < 45 {
		t.Errorf("power %d/%d, want at least 45", rejected, datasets)
	}
}

func TestPermutationErrors(t *testing.T) {
	if _, err := PairedPermutationTest([]float64{1}, []float64{1, 2}, DefaultPermutationOptions()); err == nil {
		t.Error("lengths differ: no error")
	}
	if _, err := PairedPermutationTest(nil, nil, DefaultPermutationOptions()); err == nil {
		t.Error("no pairs: no error")
	}
	if _, err := PairedPermutationTest([]float64{math.NaN()}, []float64{1}, DefaultPermutationOptions()); err == nil {
		t.Error("NaN: no error")
	}
	if _, err := PairedPermutationTest([]float64{1}, []float64{1}, PermutationOptions{}); err == nil {
		t.Error("zero permutations: no error")
	}
}

func TestBootstrapDeterministicAcrossGOMAXPROCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rows, cols := 37, 23
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = rng.Float64()
	}
	opts := DefaultBootstrapOptions()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one, err := BootstrapGridMean(v, rows, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	four, _ := BootstrapGridMean(v, rows, cols, opts)
	if one != four {
		t.Errorf("GOMAXPROCS 1 gives %+v, 4 gives %+v", one, four)
	}
	opts.Seed++
	other, _ := BootstrapGridMean(v, rows, cols, opts)
	if other.Low == one.Low && other.High == one.High {
		t.Error("another seed gives the same interval")
	}
}

func TestBootstrapGridMean(t *testing.T) {
	// A constant matrix: every resample has the same mean.
	est, err := BootstrapGridMean([]float64{2, 2, 2, 2, 2, 2}, 2, 3, DefaultBootstrapOptions())
	if err != nil {
		t.Fatal(err)
	}
	if est.Mean != 2 || est.Low != 2 || est.High != 2 {
		t.Errorf("constant matrix: %+v", est)
	}
	// Rows vary, columns identical: the interval reflects the rows; columns varying widens it.
	rng := rand.New(rand.NewPCG(9, 10))
	rows, cols := 40, 30
	rowOnly, both := make([]float64, rows*cols), make([]float64, rows*cols)
	colEffect := make([]float64, cols)
	for c := range colEffect {
		colEffect[c] = rng.NormFloat64()
	}
	for r := range rows {
		re := rng.NormFloat64()
		for c := range cols {
			rowOnly[r*cols+c] = re
			both[r*cols+c] = re + colEffect[c]
		}
	}
	a, _ := BootstrapGridMean(rowOnly, rows, cols, DefaultBootstrapOptions())
	b, _ := BootstrapGridMean(both, rows, cols, DefaultBootstrapOptions())
	if !(a.Low < a.Mean && a.Mean < a.High) {
		t.Errorf("interval %+v does not contain the mean", a)
	}
	// Row effect variance 1 over 40 rows: half-width about 1.96/sqrt(40) = 0.31.
	if w := (a.High - a.Low) / 2; w < 0.2 || w > 0.45 {
		t.Errorf("row-only half-width %v, want about 0.31", w)
	}
	if b.High-b.Low <= a.High-a.Low {
		t.Errorf("column variation did not widen the interval: %v vs %v", b.High-b.Low, a.High-a.Low)
	}
	for name, f := range map[string]func() error{
		"size mismatch": func() error {
			_, err := BootstrapGridMean([]float64{1, 2, 3}, 2, 2, DefaultBootstrapOptions())
			return err
		},
		"one resample": func() error {
			_, err := BootstrapMean([]float64{1, 2}, BootstrapOptions{Resamples: 1, Level: 0.95})
			return err
		},
		"level 1": func() error {
			_, err := BootstrapMean([]float64{1, 2}, BootstrapOptions{Resamples: 10, Level: 1})
			return err
		},
		"NaN":      func() error { _, err := BootstrapMean([]float64{1, math.NaN()}, DefaultBootstrapOptions()); return err },
		"no value": func() error { _, err := BootstrapMean(nil, DefaultBootstrapOptions()); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBootstrapMeanCoverage(t *testing.T) {
	// 200 normal samples of 60 with mean 0: the percentile interval covers 0 in about 94-95%
	// of them (slightly under 95% at this n, Efron and Tibshirani 1993 ch. 13).
	rng := rand.New(rand.NewPCG(13, 14))
	covered := 0
	const datasets = 200
	for i := range datasets {
		x := make([]float64, 60)
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		est, err := BootstrapMean(x, BootstrapOptions{Resamples: 1000, Level: 0.95, Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if est.Low <= 0 && 0 <= est.High {
			covered++
		}
	}
	lo, hi := binomialBand(datasets, 0.94, 0.99)
	t.Logf("coverage %d of %d (99%% band of Binomial(200, 0.94): %d..%d)", covered, datasets, lo, hi)
	if covered < lo || covered > hi {
		t.Errorf("coverage %d/%d outside %d..%d", covered, datasets, lo, hi)
	}
}
