package mvc

import (
	"context"
	"runtime"
	"sync"
)

// DefaultJobs is how many independent trainings (runs of a sweep, CIFAR-27 runs) the command line
// runs at once unless told otherwise: 2 on GoMLX's pure-Go backend when the machine has 2 or more
// cores, else 1; on XLA, 1. On the pure-Go backend one quick run does not keep two cores busy
// (less still while it compiles and evaluates), so two at a time finish a sweep sooner
// (figures/README.md gives the measured sweeps).
//
// The jobs share the one backend: the pure-Go backend runs concurrent executions each with its
// operations in sequence (its parallel operation scheduling is for a lone execution) and their
// products and large operations on its one pool of workers. A run's numbers do not depend on the
// number of jobs (checked bit for bit, figures/README.md).
func DefaultJobs() int {
	if ChooseBackend().Name != GoBackendName {
		return 1
	}
	return min(2, runtime.NumCPU())
}

// RunJobs calls fn(ctx, job, i) for every i in [0, n), at most jobs calls at once (job, in [0,
// jobs), says which job runs it). The calls start in order of i. The first error cancels the
// context of the calls in flight, no call starts after it, and RunJobs returns it; otherwise it
// returns ctx's error if ctx was cancelled before every call started, else nil. jobs < 1 counts
// as 1. It is [ParallelForWorkers] for long calls that can fail.
func RunJobs(ctx context.Context, n, jobs int, fn func(ctx context.Context, job, i int) error) error {
	jobs = max(1, min(jobs, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
	)
	started := forEachIndex(n, jobs, func() bool { return ctx.Err() != nil }, func(job, i int) {
		if err := fn(ctx, job, i); err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
				cancel()
			}
			mu.Unlock()
		}
	})
	if firstErr != nil {
		return firstErr
	}
	if started < n {
		return ctx.Err()
	}
	return nil
}
