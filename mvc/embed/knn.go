package embed

import (
	"math"
	"slices"

	"github.com/mice2machines/mice2machines/mvc"
)

// exactKNNLimit is the number of points below which the k nearest neighbours are found exactly
// (all pairwise distances), as umap-learn does (nearest_neighbors: exact below 4,096 points,
// nearest-neighbour descent above).
const exactKNNLimit = 4096

// knnGraph holds, for each of n points, its k nearest neighbours sorted by increasing distance,
// the point itself first (umap-learn's convention: n_neighbors counts the point itself):
// indices idx[i*k+j] and Euclidean distances dist[i*k+j].
type knnGraph struct {
	n, k int
	idx  []int32
	dist []float64
}

// neighbor is a candidate neighbour with its (squared) distance.
type neighbor struct {
	d float64
	j int32
}

// less orders neighbours by distance, then index, so ties are broken the same way everywhere.
func (a neighbor) less(b neighbor) bool {
	return a.d < b.d || (a.d == b.d && a.j < b.j)
}

// exactKNN finds the k nearest neighbours of every point by computing all distances. Rows are
// independent, so they run in parallel without changing the result.
func exactKNN(x matrix, k int) knnGraph {
	g := knnGraph{n: x.n, k: k, idx: make([]int32, x.n*k), dist: make([]float64, x.n*k)}
	mvc.ParallelChunks(x.n, 16, func(lo, hi int) {
		heap := make([]neighbor, 0, k)
		for i := lo; i < hi; i++ {
			heap = heap[:0]
			xi := x.row(i)
			for j := range x.n {
				var d float64
				if j == i {
					d = -1 // the point itself comes first, even among duplicates
				} else {
					d = sqDist(xi, x.row(j))
				}
				c := neighbor{d, int32(j)}
				if len(heap) < k {
					heap = append(heap, c)
					siftUpMax(heap, len(heap)-1)
				} else if c.less(heap[0]) {
					heap[0] = c
					siftDownMax(heap, 0)
				}
			}
			slices.SortFunc(heap, cmpNeighbor)
			for j, c := range heap {
				g.idx[i*k+j] = c.j
				g.dist[i*k+j] = math.Sqrt(max(c.d, 0))
			}
		}
	})
	return g
}

// siftUpMax restores the max-heap property (by [neighbor.less]) after appending at position i.
func siftUpMax(h []neighbor, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].less(h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

// siftDownMax restores the max-heap property after replacing the element at position i.
func siftDownMax(h []neighbor, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && h[l].less(h[r]) {
			big = r
		}
		if !h[i].less(h[big]) {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
