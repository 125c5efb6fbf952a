package claim

import (
	"context"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// DefaultLease is the lease [Workers] use when none is given: long enough that a busy machine
// renews in time (renewals come every third of it), short enough that a run whose machine died
// is taken over within minutes. A run whose owner died on this machine is taken over at once.
const DefaultLease = 2 * time.Minute

// Workers runs jobs 0..n-1 with claims in Dir, Jobs at a time, in a way that any number of
// processes running the same Workers on the same Dir (on machines sharing it) do each job
// once: a job is skipped when Done says it is done, and worked on only under its claim. Jobs
// claimed by other processes are set aside and come back at the end, until they are done or
// their claim can be taken over (lease expired, or owner gone from this machine): when Run
// returns nil, every job is done.
type Workers struct {
	// Dir holds the claim files (<Dir>/<Name(i)>.claim). Required.
	Dir string
	// Lease is the claims' lease (default [DefaultLease]).
	Lease time.Duration
	// Jobs is how many jobs this process works on at once (default 1).
	Jobs int
	// Poll is how often jobs held by others are looked at again (default: a tenth of the
	// lease, at most 5 s).
	Poll time.Duration
	// Name returns job i's claim name (a plain file name). Required.
	Name func(i int) string
	// Done tells whether job i is done (by any process). Required. It is asked before claiming
	// and again once claimed, so that a job finished by another process is not redone.
	Done func(i int) (bool, error)
	// Work does job i under its claim. Required. Its context is cancelled when Run stops (an
	// error elsewhere, or Run's context) and when the claim is lost; then the job is looked at
	// again later, as one held by another process.
	Work func(ctx context.Context, i int) error
	// Waiting, when set, is called once per job found held by another process.
	Waiting func(i int, holder Owner)
}

// Run does every job that is not done. Jobs start in order of i. The first error (of Done,
// Acquire or Work) stops Run: no job starts after it, the jobs in flight are cancelled, and Run
// returns it. Cancelling ctx stops it the same way (Run returns ctx's error).
func (w *Workers) Run(ctx context.Context, n int) error {
	if w.Dir == "" || w.Name == nil || w.Done == nil || w.Work == nil {
		return errors.New("claim: Workers needs Dir, Name, Done and Work")
	}
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	poll := w.Poll
	if poll <= 0 {
		poll = min(lease/10, 5*time.Second)
	}
	jobs := max(1, min(w.Jobs, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int
		waiting  []int // jobs held by others, to look at again
		told     = map[int]bool{}
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	// attempt looks at job i and works on it if it can; held tells that another process has it.
	attempt := func(i int) (held bool, err error) {
		if done, err := w.Done(i); err != nil || done {
			return false, err
		}
		c, err := Acquire(w.Dir, w.Name(i), lease)
		var he *HeldError
		if errors.As(err, &he) {
			mu.Lock()
			first := !told[i]
			told[i] = true
			mu.Unlock()
			if first && w.Waiting != nil {
				w.Waiting(i, he.Owner)
			}
			return true, nil
		}
		if err != nil {
			return false, err
		}
		defer func() {
			if rerr := c.Release(); err == nil && rerr != nil && !errors.Is(rerr, ErrLost) {
				err = rerr
			}
		}()
		if done, err := w.Done(i); err != nil || done {
			return false, err
		}
		wctx, wcancel := context.WithCancel(ctx)
		defer wcancel()
		go func() {
			select {
			case <-c.Lost():
				wcancel()
			case <-wctx.Done():
			}
		}()
		err = w.Work(wctx, i)
		select {
		case <-c.Lost():
			if ctx.Err() == nil {
				return true, nil // another process took the job over: it finishes it
			}
		default:
		}
		return false, err
	}
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if firstErr != nil || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				var i int
				retry := false
				switch {
				case next < n:
					i = next
					next++
				case len(waiting) > 0:
					i, waiting = waiting[0], waiting[1:]
					retry = true
				default:
					// A job in flight that is set aside later is retried by its own worker.
					mu.Unlock()
					return
				}
				mu.Unlock()
				if retry && !sleep(ctx, poll) {
					return
				}
				held, err := attempt(i)
				mu.Lock()
				if held {
					waiting = append(waiting, i)
				}
				mu.Unlock()
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// sleep waits for d or until ctx is done; it tells whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
