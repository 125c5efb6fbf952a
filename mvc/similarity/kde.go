package similarity

import (
	"math"

	"github.com/pkg/errors"
)

// GridPoints is the number of points of the shared grid on which [KDEIoU] integrates two
// densities.
const GridPoints = 512

// GridBandwidths is how far, in bandwidths, the shared grid extends beyond the samples on each
// side: the grid spans both supports widened by 3 bandwidths.
const GridBandwidths = 3

// KDE is a 1-D Gaussian kernel density estimate (the paper's Eqs. 2-4):
// f(x) = 1/(n h) * sum_i K((x - x_i)/h) with K the standard normal density.
type KDE struct {
	// Points are the samples x_i (a copy of the input).
	Points []float64
	// Bandwidth is h, the standard deviation of each Gaussian kernel.
	Bandwidth float64
}

// NewKDE returns the Gaussian KDE of samples with the bandwidth of scipy.stats.gaussian_kde's
// default, Scott's rule: h = s * n^(-1/5), where s is the sample standard deviation with
// Bessel's correction (ddof = 1, as scipy's kernel covariance comes from numpy.cov) and n the
// number of samples (scipy: kde.factor = n**(-1/(d+4)), kde.covariance = cov(data) * factor**2;
// Scott 1992, "Multivariate Density Estimation", Eq. 6.44). The tests check it against numbers
// recorded from scipy 1.10.1.
//
// It fails, as scipy does (a singular covariance), when there are fewer than two samples or all
// samples are equal, and on NaN or infinite samples.
func NewKDE(samples []float64) (*KDE, error) {
	n := len(samples)
	if n < 2 {
		return nil, errors.Errorf("KDE of %d samples: need at least 2", n)
	}
	var mean float64
	for i, v := range samples {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.Errorf("KDE: sample %d is %v", i, v)
		}
		mean += v
	}
	mean /= float64(n)
	var ss float64
	for _, v := range samples {
		d := v - mean
		ss += d * d
	}
	std := math.Sqrt(ss / float64(n-1))
	if std == 0 || std < 1e-300 {
		return nil, errors.Errorf("KDE of %d samples: all samples equal (%v), the bandwidth would be 0", n, samples[0])
	}
	return &KDE{
		Points:    append([]float64(nil), samples...),
		Bandwidth: std * math.Pow(float64(n), -1.0/5),
	}, nil
}

// At returns the density at x.
func (k *KDE) At(x float64) float64 {
	h := k.Bandwidth
	var s float64
	for _, p := range k.Points {
		u := (x - p) / h
		s += math.Exp(-0.5 * u * u)
	}
	return s / (float64(len(k.Points)) * h * math.Sqrt(2*math.Pi))
}

// Evaluate returns the density at each of xs.
func (k *KDE) Evaluate(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = k.At(x)
	}
	return out
}

// support returns the smallest and largest sample.
func (k *KDE) support() (lo, hi float64) {
	lo, hi = k.Points[0], k.Points[0]
	for _, p := range k.Points[1:] {
		lo, hi = min(lo, p), max(hi, p)
	}
	return lo, hi
}

// Overlap is two KDEs evaluated on a shared grid and their intersection over union.
type Overlap struct {
	// Grid are the evaluation points, evenly spaced.
	Grid []float64
	// A and B are the densities of the first and second sample set on Grid.
	A, B []float64
	// BandwidthA and BandwidthB are the two Scott bandwidths.
	BandwidthA, BandwidthB float64
	// IoU is integral(min(A,B)) / integral(max(A,B)) by the trapezoid rule on Grid (Eq. 5).
	IoU float64
}

// KDEOverlap estimates the densities of samples a and b ([NewKDE]) and evaluates them on points
// evenly spaced points (numpy.linspace) from min(min(a) - 3 h_a, min(b) - 3 h_b) to
// max(max(a) + 3 h_a, max(b) + 3 h_b), the union of both supports widened by [GridBandwidths]
// bandwidths. IoU = trapezoid(min(A,B)) / trapezoid(max(A,B)) (scipy.integrate.trapezoid);
// the paper's Eq. 5, IoU = (R n N) / (R u N), with the intersection and union of two densities
// read as the integrals of their pointwise minimum and maximum.
func KDEOverlap(a, b []float64, points int) (*Overlap, error) {
	if points < 2 {
		return nil, errors.Errorf("KDE overlap on %d grid points: need at least 2", points)
	}
	ka, err := NewKDE(a)
	if err != nil {
		return nil, errors.Wrap(err, "KDE overlap: first sample set")
	}
	kb, err := NewKDE(b)
	if err != nil {
		return nil, errors.Wrap(err, "KDE overlap: second sample set")
	}
	loA, hiA := ka.support()
	loB, hiB := kb.support()
	lo := min(loA-GridBandwidths*ka.Bandwidth, loB-GridBandwidths*kb.Bandwidth)
	hi := max(hiA+GridBandwidths*ka.Bandwidth, hiB+GridBandwidths*kb.Bandwidth)
	grid := linspace(lo, hi, points)
	o := &Overlap{Grid: grid, A: ka.Evaluate(grid), B: kb.Evaluate(grid),
		BandwidthA: ka.Bandwidth, BandwidthB: kb.Bandwidth}
	var inter, union float64
	for i := 1; i < points; i++ {
		dx := grid[i] - grid[i-1]
		inter += dx * (min(o.A[i-1], o.B[i-1]) + min(o.A[i], o.B[i])) / 2
		union += dx * (max(o.A[i-1], o.B[i-1]) + max(o.A[i], o.B[i])) / 2
	}
	if !(union > 0) {
		return nil, errors.Errorf("KDE overlap: the union integral is %v (densities underflow on the grid)", union)
	}
	o.IoU = inter / union
	return o, nil
}

// KDEIoU is the paper's KDE overlap (Eqs. 2-5, Fig. 3) of two sets of values, as the package
// documentation specifies: [KDEOverlap] on [GridPoints] grid points. It is 1 for identical sample sets and
// near 0 for sets far apart.
func KDEIoU(a, b []float64) (float64, error) {
	o, err := KDEOverlap(a, b, GridPoints)
	if err != nil {
		return 0, err
	}
	return o.IoU, nil
}

// linspace is numpy.linspace(lo, hi, n): lo + i*step, the last point exactly hi.
func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	step := (hi - lo) / float64(n-1)
	for i := range out {
		out[i] = lo + float64(i)*step
	}
	out[n-1] = hi
	return out
}
