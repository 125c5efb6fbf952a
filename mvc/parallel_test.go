package mvc

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

// TestParallelFor checks that each loop calls every index (or chunk) exactly once, whatever
// GOMAXPROCS, that workers stay in range, and that chunk bounds do not depend on GOMAXPROCS.
func TestParallelFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 5} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 7, 100} {
			counts := make([]atomic.Int32, n)
			ParallelFor(n, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: ParallelFor called index %d %d times", procs, n, i, c)
				}
			}

			counts = make([]atomic.Int32, n)
			ParallelForWorkers(n, 3, func(w, i int) {
				if w < 0 || w >= 3 {
					t.Errorf("worker %d out of [0, 3)", w)
				}
				counts[i].Add(1)
			})
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: ParallelForWorkers called index %d %d times", procs, n, i, c)
				}
			}

			for _, chunk := range []int{0, 1, 3, 64} {
				starts := make([]atomic.Int32, n+1)
				ParallelChunks(n, chunk, func(lo, hi int) {
					if lo >= hi || hi > n || lo%max(chunk, 1) != 0 || (hi != n && hi-lo != max(chunk, 1)) {
						t.Errorf("n %d, chunk %d: bad chunk [%d, %d)", n, chunk, lo, hi)
					}
					for i := lo; i < hi; i++ {
						starts[i].Add(1)
					}
				})
				for i := range n {
					if c := starts[i].Load(); c != 1 {
						t.Fatalf("GOMAXPROCS %d, n %d, chunk %d: index %d in %d chunks", procs, n, chunk, i, c)
					}
				}
			}
		}
	}
}

// TestParallelForOrder checks that the indices are handed out in increasing order: on one
// worker the calls run in order.
func TestParallelForOrder(t *testing.T) {
	var order []int
	ParallelForWorkers(10, 1, func(_, i int) { order = append(order, i) })
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("one worker ran %v", order)
	}
}
