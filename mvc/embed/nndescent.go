package embed

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mice2machines/mice2machines/mvc"
)

// Nearest-neighbour descent (Dong, Moses and Li 2011, "Efficient k-nearest neighbor graph
// construction for generic similarity measures"), initialised with a forest of random
// projection trees, as pynndescent does for umap-learn above 4,096 points. Parameters follow
// umap-learn's nearest_neighbors: n_trees = min(64, 5 + round(sqrt(n)/20)), n_iters =
// max(5, round(log2 n)), max_candidates = 60, leaf size max(10, k), early stop when fewer than
// delta*k*n = 0.001*k*n heap updates happen in an iteration.
//
// Determinism: trees are built in parallel but each from its own seeded stream; candidate lists
// are built sequentially from one seeded stream; in each iteration, the distance computations of
// a block of points run in parallel over fixed chunks of points and produce update lists that are
// then applied sequentially in point order, the way pynndescent applies its updates. None of this
// depends on the number of goroutines.

const (
	nndMaxCandidates = 60
	nndDelta         = 0.001
	nndBlockSize     = 16384
	rpMaxDepth       = 200
	rpEps            = 1e-8
)

// Seeded stream numbers, so each random decision of the algorithm has its own stream.
const (
	streamRPTree = iota + 1
	streamNNDRandomInit
	streamNNDCandidates
	streamSpectral
	streamInitNoise
	streamSGD
	streamMeta
)

// nnHeap holds n bounded max-heaps of size k (by distance), with pynndescent's "new" flags.
type nnHeap struct {
	n, k int
	idx  []int32
	dist []float64
	new  []bool
}

func newNNHeap(n, k int) *nnHeap {
	h := &nnHeap{n: n, k: k, idx: make([]int32, n*k), dist: make([]float64, n*k), new: make([]bool, n*k)}
	for i := range h.idx {
		h.idx[i] = -1
		h.dist[i] = math.Inf(1)
	}
	return h
}

// push offers neighbour j at distance d to point i's heap; it returns 1 if j was inserted (d is
// below the heap's current maximum and j is not already there), else 0 (pynndescent's
// checked_flagged_heap_push).
func (h *nnHeap) push(i int, d float64, j int32, isNew bool) int {
	base := i * h.k
	dist := h.dist[base : base+h.k]
	if !(d < dist[0]) {
		return 0
	}
	idx := h.idx[base : base+h.k]
	if slices.Contains(idx, j) {
		return 0
	}
	flags := h.new[base : base+h.k]
	// Replace the root and sift down.
	pos := 0
	for {
		l := 2*pos + 1
		if l >= h.k {
			break
		}
		c := l
		if r := l + 1; r < h.k && dist[r] > dist[l] {
			c = r
		}
		if dist[c] <= d {
			break
		}
		dist[pos], idx[pos], flags[pos] = dist[c], idx[c], flags[c]
		pos = c
	}
	dist[pos], idx[pos], flags[pos] = d, j, isNew
	return 1
}

// candHeap holds n bounded max-heaps of candidate indices keyed by random priorities: keeping
// the smallest priorities draws a uniform sample of at most m candidates.
type candHeap struct {
	m   int
	idx []int32
	pri []float64
}

func newCandHeap(n, m int) *candHeap {
	c := &candHeap{m: m, idx: make([]int32, n*m), pri: make([]float64, n*m)}
	for i := range c.idx {
		c.idx[i] = -1
		c.pri[i] = math.Inf(1)
	}
	return c
}

func (c *candHeap) push(i int, p float64, j int32) {
	base := i * c.m
	pri := c.pri[base : base+c.m]
	if !(p < pri[0]) {
		return
	}
	idx := c.idx[base : base+c.m]
	if slices.Contains(idx, j) {
		return
	}
	pos := 0
	for {
		l := 2*pos + 1
		if l >= c.m {
			break
		}
		ch := l
		if r := l + 1; r < c.m && pri[r] > pri[l] {
			ch = r
		}
		if pri[ch] <= p {
			break
		}
		pri[pos], idx[pos] = pri[ch], idx[ch]
		pos = ch
	}
	pri[pos], idx[pos] = p, j
}

// nnDescentParams returns umap-learn's number of trees and of iterations for n points.
func nnDescentParams(n int) (nTrees, nIters int) {
	nTrees = min(64, 5+int(math.Round(math.Sqrt(float64(n))/20)))
	nIters = max(5, int(math.Round(math.Log2(float64(n)))))
	return nTrees, nIters
}

// nnDescent finds approximate k nearest neighbours (the point itself first) of every point.
func nnDescent(x matrix, k int, seed uint64) knnGraph {
	n := x.n
	nTrees, nIters := nnDescentParams(n)
	h := newNNHeap(n, k)
	for i := range n {
		h.push(i, 0, int32(i), true)
	}

	// Random projection forest: every pair within a leaf is a first guess.
	leafSize := max(10, k)
	forest := make([][][]int32, nTrees)
	mvc.ParallelChunks(nTrees, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			rng := rand.New(rand.NewPCG(seed, streamRPTree<<32|uint64(t)))
			all := make([]int32, n)
			for i := range all {
				all[i] = int32(i)
			}
			var leaves [][]int32
			rpSplit(x, all, rng, leafSize, 0, &leaves)
			forest[t] = leaves
		}
	})
	for _, leaves := range forest {
		for _, leaf := range leaves {
			for a := range leaf {
				pa := x.row(int(leaf[a]))
				for b := a + 1; b < len(leaf); b++ {
					d := sqDist(pa, x.row(int(leaf[b])))
					h.push(int(leaf[a]), d, leaf[b], true)
					h.push(int(leaf[b]), d, leaf[a], true)
				}
			}
		}
	}

	// Points whose heap is not full get random neighbours (pynndescent's init_random).
	rng := rand.New(rand.NewPCG(seed, streamNNDRandomInit))
	for i := range n {
		for tries := 0; h.idx[i*k] < 0 && tries < 4*k; tries++ {
			j := rng.IntN(n)
			h.push(i, sqDist(x.row(i), x.row(j)), int32(j), true)
		}
	}

	candRNG := rand.New(rand.NewPCG(seed, streamNNDCandidates))
	for range nIters {
		newC, oldC := buildCandidates(h, nndMaxCandidates, candRNG)
		updates := processCandidates(x, h, newC, oldC)
		if float64(updates) <= nndDelta*float64(k)*float64(n) {
			break
		}
	}

	// Sort each heap into ascending order, the point itself first.
	g := knnGraph{n: n, k: k, idx: make([]int32, n*k), dist: make([]float64, n*k)}
	row := make([]neighbor, k)
	for i := range n {
		for j := range k {
			d := h.dist[i*k+j]
			if h.idx[i*k+j] == int32(i) {
				d = -1
			}
			row[j] = neighbor{d, h.idx[i*k+j]}
		}
		slices.SortFunc(row, cmpNeighbor)
		for j, c := range row {
			g.idx[i*k+j] = c.j
			if math.IsInf(c.d, 1) {
				g.dist[i*k+j] = math.Inf(1)
			} else {
				g.dist[i*k+j] = math.Sqrt(max(c.d, 0))
			}
		}
	}
	return g
}

// rpSplit recursively splits indices by random hyperplanes equidistant from two random points
// (pynndescent's euclidean_random_projection_split) until leaves hold at most leafSize points.
func rpSplit(x matrix, indices []int32, rng *rand.Rand, leafSize, depth int, leaves *[][]int32) {
	if len(indices) <= leafSize || depth >= rpMaxDepth {
		*leaves = append(*leaves, indices)
		return
	}
	m := len(indices)
	l := rng.IntN(m)
	r := rng.IntN(m)
	if r == l {
		r = (r + 1) % m
	}
	left, right := x.row(int(indices[l])), x.row(int(indices[r]))
	normal := make([]float64, x.d)
	offset := 0.0
	for d := range x.d {
		normal[d] = left[d] - right[d]
		offset -= normal[d] * (left[d] + right[d]) / 2
	}
	side := make([]bool, m) // true: left
	nLeft := 0
	for i, p := range indices {
		margin := offset + mvc.Dot(normal, x.row(int(p)))
		switch {
		case math.Abs(margin) < rpEps:
			side[i] = rng.IntN(2) == 0
		default:
			side[i] = margin > 0
		}
		if side[i] {
			nLeft++
		}
	}
	if nLeft == 0 || nLeft == m {
		// Numerically degenerate (e.g. duplicates): split at random, then in halves if needed.
		nLeft = 0
		for i := range side {
			side[i] = rng.IntN(2) == 0
			if side[i] {
				nLeft++
			}
		}
		if nLeft == 0 || nLeft == m {
			nLeft = m / 2
			for i := range side {
				side[i] = i < nLeft
			}
		}
	}
	lIdx := make([]int32, 0, nLeft)
	rIdx := make([]int32, 0, m-nLeft)
	for i, p := range indices {
		if side[i] {
			lIdx = append(lIdx, p)
		} else {
			rIdx = append(rIdx, p)
		}
	}
	rpSplit(x, lIdx, rng, leafSize, depth+1, leaves)
	rpSplit(x, rIdx, rng, leafSize, depth+1, leaves)
}

// buildCandidates draws, for every point, up to m "new" and m "old" candidates among its
// neighbours and reverse neighbours (pynndescent's new_build_candidates), then marks the new
// neighbours that were drawn as old.
func buildCandidates(h *nnHeap, m int, rng *rand.Rand) (newC, oldC *candHeap) {
	n, k := h.n, h.k
	newC, oldC = newCandHeap(n, m), newCandHeap(n, m)
	for i := range n {
		for j := range k {
			idx := h.idx[i*k+j]
			if idx < 0 {
				continue
			}
			p := rng.Float64()
			if h.new[i*k+j] {
				newC.push(i, p, idx)
				newC.push(int(idx), p, int32(i))
			} else {
				oldC.push(i, p, idx)
				oldC.push(int(idx), p, int32(i))
			}
		}
	}
	for i := range n {
		cands := newC.idx[i*m : (i+1)*m]
		for j := range k {
			if h.new[i*k+j] && slices.Contains(cands, h.idx[i*k+j]) {
				h.new[i*k+j] = false
			}
		}
	}
	return newC, oldC
}

// nndUpdate proposes q as a neighbour of p and p as a neighbour of q, at squared distance d.
type nndUpdate struct {
	p, q int32
	d    float64
}

// processCandidates compares new candidates with each other and with old candidates (local
// joins) and applies the improvements; it returns the number of heap insertions.
func processCandidates(x matrix, h *nnHeap, newC, oldC *candHeap) int {
	n, k, m := h.n, h.k, newC.m
	const chunk = 64
	thresholds := make([]float64, n)
	count := 0
	for blockLo := 0; blockLo < n; blockLo += nndBlockSize {
		blockHi := min(n, blockLo+nndBlockSize)
		for p := range n {
			thresholds[p] = h.dist[p*k]
		}
		nChunks := (blockHi - blockLo + chunk - 1) / chunk
		perChunk := make([][]nndUpdate, nChunks)
		mvc.ParallelChunks(blockHi-blockLo, chunk, func(lo, hi int) {
			var ups []nndUpdate
			for i := blockLo + lo; i < blockLo+hi; i++ {
				nc := newC.idx[i*m : (i+1)*m]
				oc := oldC.idx[i*m : (i+1)*m]
				for a, p := range nc {
					if p < 0 {
						continue
					}
					xp := x.row(int(p))
					for _, q := range nc[a+1:] {
						if q < 0 || q == p {
							continue
						}
						d := sqDist(xp, x.row(int(q)))
						if d <= thresholds[p] || d <= thresholds[q] {
							ups = append(ups, nndUpdate{p, q, d})
						}
					}
					for _, q := range oc {
						if q < 0 || q == p {
							continue
						}
						d := sqDist(xp, x.row(int(q)))
						if d <= thresholds[p] || d <= thresholds[q] {
							ups = append(ups, nndUpdate{p, q, d})
						}
					}
				}
			}
			perChunk[lo/chunk] = ups
		})
		for _, ups := range perChunk {
			for _, u := range ups {
				count += h.push(int(u.p), u.d, u.q, true)
				count += h.push(int(u.q), u.d, u.p, true)
			}
		}
	}
	return count
}
