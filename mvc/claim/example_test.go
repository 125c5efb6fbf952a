package claim_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mice2machines/mice2machines/mvc/claim"
)

// Two owners ask for the same job: the second is told who holds it, and gets it once the first
// releases it.
func Example() {
	dir, err := os.MkdirTemp("", "claims")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	first, err := claim.Acquire(dir, "run-1", time.Minute)
	if err != nil {
		panic(err)
	}
	_, err = claim.Acquire(dir, "run-1", time.Minute)
	var held *claim.HeldError
	fmt.Println("second acquire refused:", errors.As(err, &held), "owner is this process:", held.Owner.PID == os.Getpid())

	if err := first.Release(); err != nil {
		panic(err)
	}
	second, err := claim.Acquire(dir, "run-1", time.Minute)
	fmt.Println("after release:", err == nil)
	_ = second.Release()
	// Output:
	// second acquire refused: true owner is this process: true
	// after release: true
}

// Three workers (here goroutines; in practice processes, on one machine or several sharing the
// folder) divide eight jobs: each job is done once, and every worker returns when all are done.
func ExampleWorkers() {
	dir, err := os.MkdirTemp("", "claims")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	const n = 8
	doneFile := func(i int) string { return filepath.Join(dir, fmt.Sprintf("job-%d.done", i)) }
	var mu sync.Mutex
	times := make([]int, n)
	worker := &claim.Workers{
		Dir:  filepath.Join(dir, "claims"),
		Poll: 10 * time.Millisecond, // how often jobs held by other workers are looked at again
		Name: func(i int) string { return fmt.Sprintf("job-%d", i) },
		Done: func(i int) (bool, error) {
			_, err := os.Stat(doneFile(i))
			return err == nil, nil
		},
		Work: func(ctx context.Context, i int) error {
			mu.Lock()
			times[i]++
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
			return os.WriteFile(doneFile(i), nil, 0o644)
		},
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := worker.Run(context.Background(), n); err != nil {
				panic(err)
			}
		})
	}
	wg.Wait()
	fmt.Println("times each job was done:", times)
	// Output:
	// times each job was done: [1 1 1 1 1 1 1 1]
}
