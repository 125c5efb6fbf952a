package mvc

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunJobs checks that every index runs once, that no more than jobs run at once (and that
// they do overlap), and that the job numbers stay in [0, jobs).
func TestRunJobs(t *testing.T) {
	const n, jobs = 20, 3
	var running, peak atomic.Int32
	var mu sync.Mutex
	seen := map[int]int{}
	err := RunJobs(context.Background(), n, jobs, func(_ context.Context, job, i int) error {
		if job < 0 || job >= jobs {
			t.Errorf("job %d out of [0, %d)", job, jobs)
		}
		now := running.Add(1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("index %d ran %d times", i, seen[i])
		}
	}
	if p := peak.Load(); p > jobs || p < 2 {
		t.Errorf("at most %d calls ran at once, want 2-%d", p, jobs)
	}
}

// TestRunJobsStopsAtError checks that the first error is returned, cancels the call in flight
// and starts no further call.
func TestRunJobsStopsAtError(t *testing.T) {
	boom := errors.New("boom")
	var started atomic.Int32
	second := make(chan struct{})
	err := RunJobs(context.Background(), 10, 2, func(ctx context.Context, _, i int) error {
		started.Add(1)
		if i == 0 {
			select { // fails once index 1 is in flight (or after a while if it never starts)
			case <-second:
			case <-time.After(10 * time.Second):
			}
			return boom
		}
		close(second)
		select { // index 1 waits for the cancellation that index 0's error causes
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("not cancelled")
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("RunJobs returned %v, want the first error", err)
	}
	if s := started.Load(); s != 2 {
		t.Errorf("%d calls started, want 2 (none after the error)", s)
	}
}

// TestRunJobsCancelled checks that a cancelled context starts nothing and is reported.
func TestRunJobsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := RunJobs(ctx, 5, 1, func(context.Context, int, int) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("RunJobs on a cancelled context: %v after %d calls", err, calls)
	}
}
