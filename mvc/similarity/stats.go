package similarity

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// Defaults of the statistics: 1,000 bootstrap resamples, 95% intervals, 9,999 random sign
// patterns for a permutation test, and the seed of both.
const (
	DefaultResamples    = 1000
	DefaultLevel        = 0.95
	DefaultPermutations = 9999
	DefaultSeed         = 42
)

// BootstrapOptions configures a percentile bootstrap.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples ([DefaultResamples]: 1,000).
	Resamples int
	// Level is the confidence level of the interval, in (0, 1) (0.95 for 95%).
	Level float64
	// Seed makes the resamples reproducible; the same seed gives the same interval whatever
	// GOMAXPROCS is (each resample draws from its own stream, derived from Seed and its index).
	Seed uint64
}

// DefaultBootstrapOptions returns 1,000 resamples, a 95% level and seed 42.
func DefaultBootstrapOptions() BootstrapOptions {
	return BootstrapOptions{Resamples: DefaultResamples, Level: DefaultLevel, Seed: DefaultSeed}
}

func (o BootstrapOptions) validate() error {
	if o.Resamples < 2 {
		return errors.Errorf("bootstrap with %d resamples: need at least 2", o.Resamples)
	}
	if !(o.Level > 0 && o.Level < 1) {
		return errors.Errorf("bootstrap confidence level %v: must lie in (0, 1)", o.Level)
	}
	return nil
}

// Estimate is a statistic with its percentile bootstrap confidence interval.
type Estimate struct {
	// Mean is the statistic on the original data.
	Mean float64
	// Low and High bound the interval: the (1-Level)/2 and (1+Level)/2 quantiles of the
	// bootstrap distribution ([Percentile], linear interpolation as numpy.percentile).
	Low, High float64
	// Level is the confidence level (0.95).
	Level float64
	// Resamples is the number of bootstrap resamples.
	Resamples int
}

// Percentile returns the q-quantile (q in [0,1]) of sorted values by linear interpolation
// between order statistics, numpy.percentile's default ("linear", Hyndman and Fan type 7).
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// interval sorts stats and returns the percentile interval at level.
func interval(stats []float64, level float64) (lo, hi float64) {
	sort.Float64s(stats)
	return Percentile(stats, (1-level)/2), Percentile(stats, (1+level)/2)
}

// BootstrapMean returns the mean of values with a percentile bootstrap confidence interval
// (Efron and Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13): values are resampled
// with replacement opts.Resamples times.
func BootstrapMean(values []float64, opts BootstrapOptions) (Estimate, error) {
	if len(values) == 0 {
		return Estimate{}, errors.New("bootstrap mean of no values")
	}
	est, err := BootstrapGridMean(values, len(values), 1, opts)
	return est, errors.Wrap(err, "bootstrap mean")
}

// BootstrapGridMean returns the mean of a rows x cols matrix (row-major values) with a two-way
// percentile bootstrap confidence interval: each resample draws rows (cells) and columns
// (kernels) independently with replacement and takes the mean of the resampled matrix. This
// treats both the cells and the kernels as samples from larger populations; see Field and
// Welsh 2007, "Bootstrapping clustered data" (JRSS B 69:369), for the two-way (crossed) design.
func BootstrapGridMean(values []float64, rows, cols int, opts BootstrapOptions) (Estimate, error) {
	if err := opts.validate(); err != nil {
		return Estimate{}, err
	}
	if rows <= 0 || cols <= 0 || len(values) != rows*cols {
		return Estimate{}, errors.Errorf("bootstrap of a %dx%d matrix with %d values", rows, cols, len(values))
	}
	var total float64
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, errors.Errorf("bootstrap: value %d is %v", i, v)
		}
		total += v
	}
	stats := make([]float64, opts.Resamples)
	mvc.ParallelFor(opts.Resamples, func(b int) {
		rng := stream(opts.Seed, tagGridRows, uint64(b))
		rowCount := drawCounts(rng, rows)
		colWeights := countWeights(drawCounts(stream(opts.Seed, tagGridCols, uint64(b)), cols))
		var s float64
		for r, cr := range rowCount {
			if cr != 0 {
				s += float64(cr) * mvc.Dot(colWeights, values[r*cols:(r+1)*cols])
			}
		}
		stats[b] = s / float64(rows*cols)
	})
	lo, hi := interval(stats, opts.Level)
	return Estimate{Mean: total / float64(rows*cols), Low: lo, High: hi, Level: opts.Level,
		Resamples: opts.Resamples}, nil
}

// Stream tags keep the random streams of different uses apart.
const (
	tagGridRows uint64 = iota + 1
	tagGridCols
	tagCells
	tagKernels
	tagPermutation
	tagIoUA
	tagIoUB
	tagBlocks
)

// stream returns a PCG generator for (seed, tag, index): independent of how work is spread over
// goroutines, so results do not depend on GOMAXPROCS.
func stream(seed, tag, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, splitmix(splitmix(tag)^index)))
}

// splitmix is SplitMix64's finalizer (Steele, Lea and Flood 2014), a bijective mixer.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// drawCounts draws n indices uniformly with replacement from [0, n) and returns how often each
// was drawn.
func drawCounts(rng *rand.Rand, n int) []int32 {
	counts := make([]int32, n)
	for range n {
		counts[rng.IntN(n)]++
	}
	return counts
}

// countWeights converts draw counts to float64 weights.
func countWeights(counts []int32) []float64 {
	w := make([]float64, len(counts))
	for i, c := range counts {
		w[i] = float64(c)
	}
	return w
}

// PermutationOptions configures [PairedPermutationTest].
type PermutationOptions struct {
	// Permutations is the number of random sign flips (Monte Carlo). When 2^n is not larger,
	// the test enumerates all 2^n sign patterns instead (exact).
	Permutations int
	// Seed makes the random sign flips reproducible.
	Seed uint64
}

// DefaultPermutationOptions returns 9,999 permutations (p-values in steps of 1e-4) and seed 42.
func DefaultPermutationOptions() PermutationOptions {
	return PermutationOptions{Permutations: DefaultPermutations, Seed: DefaultSeed}
}

// PermutationResult is the outcome of a paired permutation test.
type PermutationResult struct {
	// N is the number of pairs.
	N int
	// MeanDiff is mean(a - b).
	MeanDiff float64
	// P is the two-sided p-value.
	P float64
	// Permutations is the number of sign patterns the p-value is based on (2^N when Exact).
	Permutations int
	// Exact is true when all 2^N sign patterns were enumerated.
	Exact bool
}

// maxExactPairs bounds exact enumeration (2^20 patterns).
const maxExactPairs = 20

// PairedPermutationTest tests whether paired values a and b (e.g. one cell's mean RMSE against a
// NeuRN model and against the same architecture without NeuRN) differ, against the null
// hypothesis that each difference d_i = a_i - b_i is symmetric about zero (Fisher 1935; Good
// 2005, "Permutation, Parametric and Bootstrap Tests of Hypotheses", sec. 3.6). The statistic is
// |sum d_i| (equivalently |mean d|); the null distribution flips the sign of each difference
// at random. Two-sided p-value:
//   - Monte Carlo, opts.Permutations random sign patterns: p = (1 + #{T* >= T}) / (1 + B), the
//     +1 correction that makes the test valid (Phipson and Smyth 2010, "Permutation p-values
//     should never be zero", SAGMB 9:39);
//   - exact, when 2^n <= opts.Permutations (and n <= 20): p = #{T* >= T} / 2^n over all patterns.
//
// Ties are counted with a relative tolerance of 1e-12 so that rounding does not move p.
func PairedPermutationTest(a, b []float64, opts PermutationOptions) (PermutationResult, error) {
	if len(a) != len(b) {
		return PermutationResult{}, errors.Errorf("paired permutation test: %d values against %d", len(a), len(b))
	}
	if len(a) == 0 {
		return PermutationResult{}, errors.New("paired permutation test of no pairs")
	}
	if opts.Permutations < 1 {
		return PermutationResult{}, errors.Errorf("paired permutation test with %d permutations: need at least 1", opts.Permutations)
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
		if math.IsNaN(d[i]) || math.IsInf(d[i], 0) {
			return PermutationResult{}, errors.Errorf("paired permutation test: pair %d gives difference %v", i, d[i])
		}
	}
	return signFlipTest(d, opts, stream(opts.Seed, tagPermutation, 0)), nil
}

// signFlipTest runs the sign-flip test on differences d.
func signFlipTest(d []float64, opts PermutationOptions, rng *rand.Rand) PermutationResult {
	n := len(d)
	var sum, sumAbs float64
	for _, v := range d {
		sum += v
		sumAbs += math.Abs(v)
	}
	obs := math.Abs(sum)
	threshold := obs - 1e-12*sumAbs
	res := PermutationResult{N: n, MeanDiff: sum / float64(n)}
	if n <= maxExactPairs && 1<<n <= opts.Permutations {
		// Enumerate all sign patterns in Gray-code order: one sign changes per step.
		total := 1 << n
		s := sum                 // pattern 0: no sign flipped
		signs := make([]bool, n) // true = flipped
		count := 0
		if math.Abs(s) >= threshold {
			count++
		}
		for g := 1; g < total; g++ {
			k := bits.TrailingZeros(uint(g))
			if signs[k] {
				s += 2 * d[k]
			} else {
				s -= 2 * d[k]
			}
			signs[k] = !signs[k]
			if math.Abs(s) >= threshold {
				count++
			}
		}
		res.P = float64(count) / float64(total)
		res.Permutations = total
		res.Exact = true
		return res
	}
	count := 0
	for range opts.Permutations {
		// Sum of the differences whose bit is set, without branches; the flipped sum is then
		// kept - (sum - kept) = 2*kept - sum.
		var kept float64
		for i := 0; i < n; i += 64 {
			word := rng.Uint64()
			for j := i; j < min(n, i+64); j++ {
				kept += d[j] * float64(word&1)
				word >>= 1
			}
		}
		if math.Abs(2*kept-sum) >= threshold {
			count++
		}
	}
	res.P = float64(count+1) / float64(opts.Permutations+1)
	res.Permutations = opts.Permutations
	return res
}

// Holm returns Holm's step-down adjusted p-values (Holm 1979, "A simple sequentially rejective
// multiple test procedure", Scand. J. Statist. 6:65), which control the family-wise error rate:
// with p sorted ascending, adj_(i) = max_{j<=i} min(1, (m - j + 1) p_(j)). The result is in the
// input's order. NaN inputs stay NaN and do not count towards m.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		running = max(running, min(1, float64(m-rank)*p[i]))
		out[i] = running
	}
	return out
}
