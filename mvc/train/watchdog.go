package train

import (
	"slices"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// ErrStalled is returned (wrapped) by [Run] when the [Watchdog] finds a training or evaluation
// step that has run far longer than usual. GoMLX's pure-Go backend was seen to deadlock in
// about 2 runs out of 25 (workers stuck in a matrix product, 0% CPU; see DESIGN.md): the stuck
// goroutine cannot be stopped, so the process should exit and be restarted from its last
// checkpoint, which is what [Supervisor] does.
var ErrStalled = errors.New("training step stalled")

// ExitStalled is the exit status of a training process that stopped because of [ErrStalled];
// [Supervisor] restarts such a process.
const ExitStalled = 3

// Watchdog decides when a step has stalled: a step stalls when it runs longer than
// max(MinTimeout, Factor x the median duration of the completed training steps). Steps that
// compile a graph (the first of each batch shape) and steps before any has completed get
// FirstStepTimeout instead. The zero value means the defaults below.
type Watchdog struct {
	// MinTimeout is the least time a step may take before it is declared stalled (default 30 s).
	MinTimeout time.Duration
	// Factor multiplies the median step time (default 20).
	Factor float64
	// FirstStepTimeout bounds steps that compile a graph (default 15 min: compiling a large model
	// for XLA can take minutes).
	FirstStepTimeout time.Duration
}

// Default watchdog settings (see [Watchdog]).
const (
	DefaultStallMinTimeout   = 30 * time.Second
	DefaultStallFactor       = 20
	DefaultFirstStepTimeout  = 15 * time.Minute
	medianWindow             = 201
	watchdogPollingPeriodMax = time.Second
)

func (w Watchdog) withDefaults() Watchdog {
	if w.MinTimeout <= 0 {
		w.MinTimeout = DefaultStallMinTimeout
	}
	if w.Factor <= 0 {
		w.Factor = DefaultStallFactor
	}
	if w.FirstStepTimeout <= 0 {
		w.FirstStepTimeout = DefaultFirstStepTimeout
	}
	return w
}

// stepClock times steps and applies the watchdog rule. It is safe for concurrent use.
type stepClock struct {
	w         Watchdog
	mu        sync.Mutex
	durations []time.Duration // last medianWindow completed (non-compiling) training steps
	inFlight  bool
	started   time.Time
	slow      bool
}

func newStepClock(w Watchdog) *stepClock { return &stepClock{w: w.withDefaults()} }

// begin marks the start of a step; slow is set for a step that compiles a graph.
func (c *stepClock) begin(now time.Time, slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight, c.started, c.slow = true, now, slow
}

// end marks the end of the step; record tells whether its duration joins the median (training
// steps that did not compile).
func (c *stepClock) end(now time.Time, record bool) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := now.Sub(c.started)
	if record && !c.slow {
		c.durations = append(c.durations, d)
		if len(c.durations) > medianWindow {
			c.durations = c.durations[1:]
		}
	}
	c.inFlight = false
	return d
}

// limit returns the time the current step may take.
func (c *stepClock) limitLocked() time.Duration {
	if c.slow || len(c.durations) == 0 {
		return c.w.FirstStepTimeout
	}
	sorted := slices.Clone(c.durations)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	return max(c.w.MinTimeout, time.Duration(c.w.Factor*float64(median)))
}

// overdue tells whether a step is in flight past its limit, with the elapsed time and limit.
func (c *stepClock) overdue(now time.Time) (bool, time.Duration, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inFlight {
		return false, 0, 0
	}
	elapsed, limit := now.Sub(c.started), c.limitLocked()
	return elapsed > limit, elapsed, limit
}

// pollingPeriod is how often to check a clock: often enough to react within a few percent of
// the smallest limit.
func (c *stepClock) pollingPeriod() time.Duration {
	return min(watchdogPollingPeriodMax, max(10*time.Millisecond, c.w.MinTimeout/20))
}
