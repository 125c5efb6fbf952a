package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mice2machines/mice2machines/mvc"
)

// KMeansOptions are the parameters of [KMeans]. Zero values select the defaults (those of
// scikit-learn's KMeans before version 1.4: n_init 10, max_iter 300, tol 1e-4).
type KMeansOptions struct {
	// K is the number of clusters (the paper uses 10).
	K int
	// NInit is the number of k-means++ restarts; the run with the smallest inertia is kept
	// (default 10).
	NInit int
	// MaxIter bounds the Lloyd iterations of each run (default 300).
	MaxIter int
	// Tol stops a run when the summed squared shift of the centroids falls to Tol times the
	// mean per-feature variance of the data or below (scikit-learn's convention; default 1e-4).
	Tol float64
	// Seed seeds the k-means++ draws; run r uses its own stream, so results do not depend on
	// GOMAXPROCS.
	Seed uint64
}

// KMeansResult is a clustering.
type KMeansResult struct {
	// Labels[i] is the cluster of point i, in [0, K).
	Labels []int
	// Centroids are the K cluster means.
	Centroids [][]float64
	// Sizes[c] is the number of points in cluster c.
	Sizes []int
	// Inertia is the sum of squared distances of the points to their centroids.
	Inertia float64
	// Iterations is the number of Lloyd iterations of the kept run; Converged says whether it
	// met the tolerance (or stopped changing) before MaxIter.
	Iterations int
	Converged  bool
	// Run is the index of the kept restart.
	Run int
}

// KMeans clusters data (n points of equal dimension, finite values, n >= K) into K clusters:
// k-means++ seeding (Arthur and Vassilvitskii 2007, "k-means++: the advantages of careful
// seeding"; greedy variant of scikit-learn, which draws 2 + floor(ln K) candidates per centre
// and keeps the one that lowers the potential most) followed by Lloyd iterations, restarted
// NInit times, keeping the smallest inertia (ties: the earliest run). A cluster that empties is
// given the point farthest from its centroid. Labels are those of the final centroids.
// Restarts run in parallel, each with its own seeded stream: the result depends only on data
// and opts.
func KMeans(data [][]float64, opts KMeansOptions) (*KMeansResult, error) {
	if opts.NInit == 0 {
		opts.NInit = 10
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 300
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-4
	}
	x, err := toMatrix(data)
	if err != nil {
		return nil, fmt.Errorf("k-means: %w", err)
	}
	switch {
	case opts.K < 1:
		return nil, fmt.Errorf("k-means: K must be at least 1, got %d", opts.K)
	case opts.K > x.n:
		return nil, fmt.Errorf("k-means: K = %d clusters need at least %d points, got %d", opts.K, opts.K, x.n)
	case opts.NInit < 0 || opts.MaxIter < 0 || opts.Tol < 0:
		return nil, fmt.Errorf("k-means: NInit, MaxIter and Tol must not be negative")
	}
	// Absolute tolerance: Tol x mean variance of the features.
	meanVar := 0.0
	for j := range x.d {
		mean := 0.0
		for i := range x.n {
			mean += x.v[i*x.d+j]
		}
		mean /= float64(x.n)
		v := 0.0
		for i := range x.n {
			d := x.v[i*x.d+j] - mean
			v += d * d
		}
		meanVar += v / float64(x.n)
	}
	tol := opts.Tol * meanVar / float64(x.d)

	runs := make([]*KMeansResult, opts.NInit)
	mvc.ParallelChunks(opts.NInit, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(r)))
			runs[r] = lloyd(x, kmeansPlusPlus(x, opts.K, rng), opts.MaxIter, tol)
			runs[r].Run = r
		}
	})
	best := runs[0]
	for _, r := range runs[1:] {
		if r.Inertia < best.Inertia {
			best = r
		}
	}
	return best, nil
}

// kmeansPlusPlus draws K initial centroids (scikit-learn's _kmeans_plusplus).
func kmeansPlusPlus(x matrix, k int, rng *rand.Rand) matrix {
	c := matrix{n: k, d: x.d, v: make([]float64, k*x.d)}
	first := rng.IntN(x.n)
	copy(c.row(0), x.row(first))
	closest := make([]float64, x.n)
	pot := 0.0
	for i := range x.n {
		closest[i] = sqDist(x.row(i), c.row(0))
		pot += closest[i]
	}
	trials := 2 + int(math.Log(float64(k)))
	cum := make([]float64, x.n)
	cand := make([]float64, x.n)
	bestD := make([]float64, x.n)
	for ci := 1; ci < k; ci++ {
		s := 0.0
		for i, d := range closest {
			s += d
			cum[i] = s
		}
		bestPot, bestID := math.Inf(1), -1
		for range trials {
			var id int
			if s > 0 {
				id, _ = slices.BinarySearch(cum, rng.Float64()*s)
				id = min(id, x.n-1)
			} else {
				id = rng.IntN(x.n) // every point coincides with a centroid
			}
			p := 0.0
			for i := range x.n {
				cand[i] = min(closest[i], sqDist(x.row(i), x.row(id)))
				p += cand[i]
			}
			if p < bestPot {
				bestPot, bestID = p, id
				copy(bestD, cand)
			}
		}
		copy(c.row(ci), x.row(bestID))
		copy(closest, bestD)
	}
	return c
}

// assign labels each point with its nearest centroid (ties: the lower index) and returns the
// squared distances; points are independent, so they run in parallel.
func assign(x, c matrix, labels []int, dist []float64) {
	mvc.ParallelChunks(x.n, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			best, bestD := 0, math.Inf(1)
			for j := range c.n {
				if d := sqDist(x.row(i), c.row(j)); d < bestD {
					best, bestD = j, d
				}
			}
			labels[i], dist[i] = best, bestD
		}
	})
}

// lloyd runs Lloyd iterations from centroids c.
func lloyd(x, c matrix, maxIter int, tol float64) *KMeansResult {
	k := c.n
	labels := make([]int, x.n)
	prev := make([]int, x.n)
	dist := make([]float64, x.n)
	counts := make([]int, k)
	next := matrix{n: k, d: x.d, v: make([]float64, k*x.d)}
	res := &KMeansResult{}
	for it := range maxIter {
		assign(x, c, labels, dist)
		if it > 0 && slices.Equal(labels, prev) {
			res.Converged = true
			break
		}
		copy(prev, labels)
		// Update (sequential: a fixed summation order).
		clear(next.v)
		clear(counts)
		for i, l := range labels {
			axpy(1, x.row(i), next.row(l))
			counts[l]++
		}
		// Empty clusters take the points farthest from their centroids.
		for j := range k {
			if counts[j] > 0 {
				continue
			}
			far, farD := -1, -1.0
			for i, d := range dist {
				if counts[labels[i]] > 1 && d > farD {
					far, farD = i, d
				}
			}
			if far < 0 {
				continue
			}
			axpy(-1, x.row(far), next.row(labels[far]))
			counts[labels[far]]--
			labels[far] = j
			dist[far] = 0
			copy(next.row(j), x.row(far))
			counts[j] = 1
		}
		shift := 0.0
		for j := range k {
			if counts[j] == 0 {
				copy(next.row(j), c.row(j))
				continue
			}
			for t := range x.d {
				next.v[j*x.d+t] /= float64(counts[j])
			}
			shift += sqDist(next.row(j), c.row(j))
		}
		copy(c.v, next.v)
		res.Iterations = it + 1
		if shift <= tol {
			res.Converged = true
			break
		}
	}
	// Final labels and inertia for the final centroids.
	assign(x, c, labels, dist)
	res.Labels = labels
	res.Sizes = make([]int, k)
	for i, l := range labels {
		res.Sizes[l]++
		res.Inertia += dist[i]
	}
	res.Centroids = make([][]float64, k)
	for j := range k {
		res.Centroids[j] = append([]float64(nil), c.row(j)...)
	}
	return res
}

// NearestToCentroids returns, for each cluster of a clustering of data, the indices of its
// (at most) m members nearest its centroid, nearest first (ties: the lower index): the paper's
// "central" representations of each cluster. Clusters with fewer than m members give all of
// them.
func NearestToCentroids(data [][]float64, km *KMeansResult, m int) ([][]int, error) {
	if km == nil || len(km.Labels) != len(data) {
		return nil, fmt.Errorf("nearest to centroids: clustering of %d points for %d data points", lenLabels(km), len(data))
	}
	if m < 0 {
		return nil, fmt.Errorf("nearest to centroids: m must not be negative, got %d", m)
	}
	k := len(km.Centroids)
	members := make([][]neighbor, k)
	for i, l := range km.Labels {
		if l < 0 || l >= k {
			return nil, fmt.Errorf("nearest to centroids: point %d has label %d outside [0, %d)", i, l, k)
		}
		if len(data[i]) != len(km.Centroids[l]) {
			return nil, fmt.Errorf("nearest to centroids: point %d has dimension %d, centroids %d", i, len(data[i]), len(km.Centroids[l]))
		}
		members[l] = append(members[l], neighbor{sqDist(data[i], km.Centroids[l]), int32(i)})
	}
	out := make([][]int, k)
	for c, ms := range members {
		slices.SortFunc(ms, cmpNeighbor)
		out[c] = make([]int, 0, min(m, len(ms)))
		for _, nb := range ms[:min(m, len(ms))] {
			out[c] = append(out[c], int(nb.j))
		}
	}
	return out, nil
}

func lenLabels(km *KMeansResult) int {
	if km == nil {
		return 0
	}
	return len(km.Labels)
}
