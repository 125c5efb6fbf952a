package embed

import (
	"math"
	"slices"

	"github.com/mice2machines/mice2machines/mvc"
)

// Constants of umap-learn's smooth_knn_dist (umap/umap_.py).
const (
	smoothKTolerance = 1e-5
	minKDistScale    = 1e-3
	smoothKNIter     = 64
)

// smoothKNNDist finds, for each point, rho (the distance to its nearest neighbour other than
// itself, local_connectivity = 1) and sigma such that sum_j exp(-(d_ij - rho_i)/sigma_i) over its
// k-1 neighbours equals log2(k) (bandwidth 1), by binary search: umap-learn's smooth_knn_dist
// (McInnes, Healy and Melville 2018, section 3.1 and Algorithm 3). Points are independent, so
// they run in parallel.
func smoothKNNDist(g knnGraph) (sigma, rho []float64) {
	n, k := g.n, g.k
	target := math.Log2(float64(k))
	sigma = make([]float64, n)
	rho = make([]float64, n)
	meanAll := 0.0
	for _, d := range g.dist {
		meanAll += finiteOrZero(d)
	}
	meanAll /= float64(len(g.dist))
	mvc.ParallelChunks(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ds := g.dist[i*k : (i+1)*k]
			// local_connectivity = 1: rho is the first non-zero distance.
			for _, d := range ds {
				if d > 0 && !math.IsInf(d, 1) {
					rho[i] = d
					break
				}
			}
			lo, hi, mid := 0.0, math.Inf(1), 1.0
			for range smoothKNIter {
				psum := 0.0
				for _, d := range ds[1:] {
					if math.IsInf(d, 1) {
						continue // a missing neighbour contributes nothing
					}
					if dd := d - rho[i]; dd > 0 {
						psum += math.Exp(-dd / mid)
					} else {
						psum++
					}
				}
				if math.Abs(psum-target) < smoothKTolerance {
					break
				}
				if psum > target {
					hi = mid
					mid = (lo + hi) / 2
				} else {
					lo = mid
					if math.IsInf(hi, 1) {
						mid *= 2
					} else {
						mid = (lo + hi) / 2
					}
				}
			}
			sigma[i] = mid
			if rho[i] > 0 {
				mean := 0.0
				for _, d := range ds {
					mean += finiteOrZero(d)
				}
				mean /= float64(k)
				sigma[i] = max(sigma[i], minKDistScale*mean)
			} else {
				sigma[i] = max(sigma[i], minKDistScale*meanAll)
			}
		}
	})
	return sigma, rho
}

func finiteOrZero(d float64) float64 {
	if math.IsInf(d, 0) || math.IsNaN(d) {
		return 0
	}
	return d
}

// graph is a sparse symmetric weighted graph as a list of directed edges sorted by (head, tail),
// both directions of every edge present (the COO form umap-learn optimises).
type graph struct {
	n      int
	head   []int32
	tail   []int32
	weight []float64
}

// fuzzySimplicialSet builds the fuzzy union of the local fuzzy simplicial sets of the kNN graph:
// membership w_ij = exp(-(d_ij - rho_i)/sigma_i) (1 within rho, 0 for the point itself), then
// W = A + A^T - A o A^T (set_op_mix_ratio = 1): umap-learn's fuzzy_simplicial_set and
// compute_membership_strengths (McInnes et al. 2018, section 3.1).
func fuzzySimplicialSet(g knnGraph) graph {
	sigma, rho := smoothKNNDist(g)
	n, k := g.n, g.k
	type entry struct {
		key       int64 // row*n + col
		val       float64
		transpose bool
	}
	entries := make([]entry, 0, 2*n*k)
	for i := range n {
		for j := range k {
			c := g.idx[i*k+j]
			if c < 0 || int(c) == i {
				continue // missing, or the point itself (membership 0, eliminated)
			}
			d := g.dist[i*k+j]
			var v float64
			if d-rho[i] <= 0 || sigma[i] == 0 {
				v = 1
			} else {
				v = math.Exp(-(d - rho[i]) / sigma[i])
			}
			if v == 0 {
				continue
			}
			entries = append(entries,
				entry{int64(i)*int64(n) + int64(c), v, false},
				entry{int64(c)*int64(n) + int64(i), v, true})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		case !a.transpose && b.transpose:
			return -1
		case a.transpose && !b.transpose:
			return 1
		}
		return 0
	})
	out := graph{n: n}
	for s := 0; s < len(entries); {
		e := s + 1
		for e < len(entries) && entries[e].key == entries[s].key {
			e++
		}
		var a, b float64 // A_ij and (A^T)_ij
		for _, en := range entries[s:e] {
			if en.transpose {
				b = en.val
			} else {
				a = en.val
			}
		}
		w := a + b - a*b
		if w != 0 {
			out.head = append(out.head, int32(entries[s].key/int64(n)))
			out.tail = append(out.tail, int32(entries[s].key%int64(n)))
			out.weight = append(out.weight, w)
		}
		s = e
	}
	return out
}

// prune removes the edges whose weight is below max/nEpochs (umap-learn's
// simplicial_set_embedding: such edges would never be sampled during optimisation).
func (g graph) prune(nEpochs, defaultEpochs int) graph {
	if len(g.weight) == 0 {
		return g
	}
	maxW := slices.Max(g.weight)
	var thr float64
	if nEpochs > 10 {
		thr = maxW / float64(nEpochs)
	} else {
		thr = maxW / float64(defaultEpochs)
	}
	out := graph{n: g.n}
	for e, w := range g.weight {
		if w >= thr {
			out.head = append(out.head, g.head[e])
			out.tail = append(out.tail, g.tail[e])
			out.weight = append(out.weight, w)
		}
	}
	return out
}

// epochsPerSample is umap-learn's make_epochs_per_sample: an edge of weight w is sampled once
// every maxW/w epochs (-1: never).
func epochsPerSample(weights []float64, nEpochs int) []float64 {
	out := make([]float64, len(weights))
	if len(weights) == 0 {
		return out
	}
	maxW := slices.Max(weights)
	for e, w := range weights {
		nSamples := float64(nEpochs) * (w / maxW)
		if nSamples > 0 {
			out[e] = float64(nEpochs) / nSamples
		} else {
			out[e] = -1
		}
	}
	return out
}

// components labels the connected components of g (union-find), numbered in order of their
// smallest vertex, and returns the labels and the number of components.
func (g graph) components() ([]int, int) {
	parent := make([]int, g.n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for e := range g.head {
		a, b := find(int(g.head[e])), find(int(g.tail[e]))
		if a != b {
			if a < b {
				parent[b] = a
			} else {
				parent[a] = b
			}
		}
	}
	labels := make([]int, g.n)
	id := map[int]int{}
	for i := range g.n {
		r := find(i)
		l, ok := id[r]
		if !ok {
			l = len(id)
			id[r] = l
		}
		labels[i] = l
	}
	return labels, len(id)
}
