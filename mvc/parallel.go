package mvc

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The parallel loops of the project. Each hands out the indices (or chunks) of [0, n) in
// increasing order to a few goroutines, each index to exactly one call; which goroutine runs an
// index depends on scheduling, so a loop gives results independent of scheduling and of
// GOMAXPROCS as long as each call writes only its own results (its index's slot, or its chunk's,
// combined afterwards in index order) and draws random numbers from a stream of its own index.

// Workers returns how many goroutines [ParallelFor] uses for n items: GOMAXPROCS, at most n, at
// least 1.
func Workers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// ParallelFor calls fn(i) for every i in [0, n) on [Workers](n) goroutines, and returns when all
// calls have returned. The indices are handed out one at a time, so uneven calls balance out;
// for many cheap calls use [ParallelChunks].
func ParallelFor(n int, fn func(i int)) {
	forEachIndex(n, Workers(n), nil, func(_, i int) { fn(i) })
}

// ParallelForWorkers calls fn(worker, i) for every i in [0, n) on workers goroutines (at most n;
// fewer than 1 counts as 1), and returns when all calls have returned. worker, in [0, workers),
// says which goroutine runs the call, so that fn can use scratch space of its own goroutine;
// results must not depend on it.
func ParallelForWorkers(n, workers int, fn func(worker, i int)) {
	forEachIndex(n, max(1, min(workers, n)), nil, fn)
}

// ParallelChunks calls fn(lo, hi) for the consecutive chunks [lo, hi) of [0, n), each of chunk
// indices (the last one shorter; chunk < 1 counts as 1), on up to GOMAXPROCS goroutines, and
// returns when all calls have returned. The chunks' bounds do not depend on the number of
// goroutines, so a result kept per chunk and combined in chunk order is reproducible.
func ParallelChunks(n, chunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	chunk = max(1, chunk)
	nChunks := (n + chunk - 1) / chunk
	forEachIndex(nChunks, Workers(nChunks), nil, func(_, c int) {
		fn(c*chunk, min(n, (c+1)*chunk))
	})
}

// forEachIndex calls fn(worker, i) for i in [0, n), the indices claimed in increasing order by
// workers goroutines (none when workers is 1: the calls run in the caller's goroutine). When
// stop is not nil, it is asked before each index is claimed and again before its call: once it
// reports true no further call starts. forEachIndex returns the number of calls made.
func forEachIndex(n, workers int, stop func() bool, fn func(worker, i int)) int {
	if n <= 0 {
		return 0
	}
	stopped := func() bool { return stop != nil && stop() }
	if workers <= 1 {
		for i := range n {
			if stopped() {
				return i
			}
			fn(0, i)
		}
		return n
	}
	var next, calls atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for !stopped() {
				i := int(next.Add(1)) - 1
				if i >= n || stopped() {
					return
				}
				calls.Add(1)
				fn(w, i)
			}
		})
	}
	wg.Wait()
	return int(calls.Load())
}
