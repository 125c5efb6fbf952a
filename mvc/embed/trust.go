package embed

import (
	"fmt"
	"slices"

	"github.com/mice2machines/mice2machines/mvc"
)

// Trustworthiness measures how well an embedding Y of X keeps X's local structure (Venna and
// Kaski 2001), with scikit-learn's definition (sklearn.manifold.trustworthiness, the measure
// umap-learn's tests use):
//
//	T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_k^Y(i)} max(0, r(i, j) - k)
//
// where N_k^Y(i) are the k nearest neighbours of i in Y and r(i, j) is the rank of j among the
// neighbours of i in X (1 for the nearest). Distances are Euclidean; ties are ranked by index.
// T is 1 when every embedded neighbourhood holds only original neighbours. k must be below n/2.
// Rows are computed in parallel and summed in order, so the value is deterministic.
func Trustworthiness(X, Y [][]float64, k int) (float64, error) {
	x, err := toMatrix(X)
	if err != nil {
		return 0, fmt.Errorf("trustworthiness: X: %w", err)
	}
	y, err := toMatrix(Y)
	if err != nil {
		return 0, fmt.Errorf("trustworthiness: Y: %w", err)
	}
	n := x.n
	if y.n != n {
		return 0, fmt.Errorf("trustworthiness: X has %d points, Y has %d", n, y.n)
	}
	if k < 1 || float64(k) >= float64(n)/2 {
		return 0, fmt.Errorf("trustworthiness: k must be in [1, n/2) = [1, %v), got %d", float64(n)/2, k)
	}
	const chunk = 16
	sums := make([]float64, (n+chunk-1)/chunk)
	mvc.ParallelChunks(n, chunk, func(lo, hi int) {
		rank := make([]int, n)
		order := make([]neighbor, 0, n)
		heap := make([]neighbor, 0, k)
		s := 0.0
		for i := lo; i < hi; i++ {
			order = order[:0]
			for j := range n {
				if j != i {
					order = append(order, neighbor{sqDist(x.row(i), x.row(j)), int32(j)})
				}
			}
			slices.SortFunc(order, cmpNeighbor)
			for r, c := range order {
				rank[c.j] = r + 1
			}
			heap = heap[:0]
			for j := range n {
				if j == i {
					continue
				}
				c := neighbor{sqDist(y.row(i), y.row(j)), int32(j)}
				if len(heap) < k {
					heap = append(heap, c)
					siftUpMax(heap, len(heap)-1)
				} else if c.less(heap[0]) {
					heap[0] = c
					siftDownMax(heap, 0)
				}
			}
			for _, c := range heap {
				if r := rank[c.j] - k; r > 0 {
					s += float64(r)
				}
			}
		}
		sums[lo/chunk] = s
	})
	t := 0.0
	for _, s := range sums {
		t += s
	}
	fn, fk := float64(n), float64(k)
	return 1 - t*2/(fn*fk*(2*fn-3*fk-1)), nil
}

func cmpNeighbor(a, b neighbor) int {
	if a.less(b) {
		return -1
	}
	if b.less(a) {
		return 1
	}
	return 0
}
