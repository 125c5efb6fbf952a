package similarity

import (
	"math"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// maxFailedShare is the largest share of bootstrap resamples whose statistic may be undefined
// (e.g. a resample of identical values has no KDE bandwidth) before the interval is refused.
const maxFailedShare = 0.01

// BootstrapKDEIoU returns [KDEIoU](a, b) with a percentile bootstrap interval (Efron and
// Tibshirani 1993, ch. 13): each resample draws a and b independently with replacement, as
// samples of two value distributions (a cell's map and a kernel's map in Figure 3), and
// recomputes the IoU, KDE bandwidths included. Resamples whose IoU is undefined (all drawn
// values equal) are left out; more than 1% of them is an error.
func BootstrapKDEIoU(a, b []float64, opts BootstrapOptions) (Estimate, error) {
	if err := opts.validate(); err != nil {
		return Estimate{}, err
	}
	iou, err := KDEIoU(a, b)
	if err != nil {
		return Estimate{}, errors.Wrap(err, "bootstrap KDE-IoU")
	}
	stats := make([]float64, opts.Resamples)
	mvc.ParallelFor(opts.Resamples, func(i int) {
		ra := resample(a, stream(opts.Seed, tagIoUA, uint64(i)).IntN)
		rb := resample(b, stream(opts.Seed, tagIoUB, uint64(i)).IntN)
		v, err := KDEIoU(ra, rb)
		if err != nil {
			v = math.NaN()
		}
		stats[i] = v
	})
	return estimate(iou, stats, opts, "bootstrap KDE-IoU")
}

// BlockBootstrapPearson returns [Pearson](x, y) of two time series sampled at the same times,
// with a moving-block bootstrap interval (Künsch 1989, Ann. Stat. 17:1217; Lahiri 2003,
// "Resampling Methods for Dependent Data", ch. 2): each resample joins ceil(n/block) blocks of
// block consecutive (x_t, y_t) pairs, starting at uniformly drawn times, cut to n pairs. Blocks
// keep the autocorrelation within them, which a pair-wise bootstrap would destroy and which
// makes the usual Fisher-z interval far too narrow for calcium traces. block must be in [1, n];
// choose it longer than the series' autocorrelation (Figures S4/S5: 1 s of frames).
func BlockBootstrapPearson(x, y []float64, block int, opts BootstrapOptions) (Estimate, error) {
	if err := opts.validate(); err != nil {
		return Estimate{}, err
	}
	r, err := Pearson(x, y)
	if err != nil {
		return Estimate{}, errors.Wrap(err, "block bootstrap Pearson")
	}
	n := len(x)
	if block < 1 || block > n {
		return Estimate{}, errors.Errorf("block bootstrap Pearson: block length %d for %d values (want 1..%d)", block, n, n)
	}
	stats := make([]float64, opts.Resamples)
	mvc.ParallelFor(opts.Resamples, func(i int) {
		rng := stream(opts.Seed, tagBlocks, uint64(i))
		rx, ry := make([]float64, 0, n+block), make([]float64, 0, n+block)
		for len(rx) < n {
			start := rng.IntN(n - block + 1)
			rx = append(rx, x[start:start+block]...)
			ry = append(ry, y[start:start+block]...)
		}
		v, err := Pearson(rx[:n], ry[:n])
		if err != nil {
			v = math.NaN()
		}
		stats[i] = v
	})
	return estimate(r, stats, opts, "block bootstrap Pearson")
}

// resample draws len(v) values of v with replacement.
func resample(v []float64, intN func(int) int) []float64 {
	out := make([]float64, len(v))
	for i := range out {
		out[i] = v[intN(len(v))]
	}
	return out
}

// estimate drops undefined (NaN) resample statistics, refusing more than maxFailedShare of
// them, and returns the percentile interval around value.
func estimate(value float64, stats []float64, opts BootstrapOptions, what string) (Estimate, error) {
	kept := stats[:0]
	for _, s := range stats {
		if !math.IsNaN(s) {
			kept = append(kept, s)
		}
	}
	if failed := len(stats) - len(kept); float64(failed) > maxFailedShare*float64(len(stats)) {
		return Estimate{}, errors.Errorf("%s: %d of %d resamples have no value (too few distinct values to resample)", what, failed, len(stats))
	}
	lo, hi := interval(kept, opts.Level)
	return Estimate{Mean: value, Low: lo, High: hi, Level: opts.Level, Resamples: len(kept)}, nil
}
