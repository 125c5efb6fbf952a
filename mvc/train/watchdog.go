package train

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// ErrStalled is returned (wrapped) by [Run] when the [Watchdog] finds a training or evaluation
// step that has run far longer than usual. GoMLX's pure-Go backend can deadlock (workers stuck
// in a matrix product, 0% CPU): the stuck goroutine cannot be stopped, so the process should
// exit and be restarted from its last checkpoint, which is what package supervise does.
var ErrStalled = errors.New("training step stalled")

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

// StepClock times a sequence of steps and applies a [Watchdog]'s rule to the step in flight.
// [Run] keeps one for its own steps; a process that supervises a training child keeps another,
// fed with the child's heartbeats ([StepClock.ReadHeartbeat]), so that both apply the same rule
// to the same step times. It is safe for concurrent use.
type StepClock struct {
	w         Watchdog
	mu        sync.Mutex
	durations []time.Duration // last medianWindow completed (non-compiling) training steps
	inFlight  bool
	started   time.Time
	slow      bool
}

// NewStepClock returns a clock that applies w's rule (its zero fields mean the defaults).
func NewStepClock(w Watchdog) *StepClock { return &StepClock{w: w.withDefaults()} }

// begin marks the start of a step; slow is set for a step that compiles a graph.
func (c *StepClock) begin(now time.Time, slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight, c.started, c.slow = true, now, slow
}

// end marks the end of the step; record tells whether its duration joins the median (training
// steps that did not compile).
func (c *StepClock) end(now time.Time, record bool) time.Duration {
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

// limitLocked returns the time the current step may take.
func (c *StepClock) limitLocked() time.Duration {
	if c.slow || len(c.durations) == 0 {
		return c.w.FirstStepTimeout
	}
	sorted := slices.Clone(c.durations)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	return max(c.w.MinTimeout, time.Duration(c.w.Factor*float64(median)))
}

// Overdue tells whether a step is in flight past its limit at time now, with the time it has
// run and its limit.
func (c *StepClock) Overdue(now time.Time) (bool, time.Duration, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inFlight {
		return false, 0, 0
	}
	elapsed, limit := now.Sub(c.started), c.limitLocked()
	return elapsed > limit, elapsed, limit
}

// PollingPeriod is how often to call [StepClock.Overdue]: often enough to react within a few
// percent of the smallest limit.
func (c *StepClock) PollingPeriod() time.Duration {
	return min(watchdogPollingPeriodMax, max(10*time.Millisecond, c.w.MinTimeout/20))
}

// endWith records a step duration measured elsewhere.
func (c *StepClock) endWith(d time.Duration, record bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if record {
		c.durations = append(c.durations, d)
		if len(c.durations) > medianWindow {
			c.durations = c.durations[1:]
		}
	}
	c.inFlight = false
}

// ReadHeartbeat applies one heartbeat line, received at time now, to the clock. With
// Config.Heartbeat set, [Run] writes one line per event of its step loop:
//
//	begin <compiling>             a step starts (compiling: 1 when it compiles a graph, else 0)
//	end <nanoseconds> <recorded>  it ended after that long (recorded: 1 when it joins the median)
//	epoch <n> | saving | stalled  progress, ignored here
//
// The durations are those that the training process measured, so that the reader's median is
// the trainer's.
func (c *StepClock) ReadHeartbeat(now time.Time, line string) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return
	}
	switch fields[0] {
	case "begin":
		c.begin(now, len(fields) > 1 && fields[1] == "1")
	case "end":
		ns := int64(0)
		if len(fields) > 1 {
			ns, _ = strconv.ParseInt(fields[1], 10, 64)
		}
		c.endWith(time.Duration(ns), len(fields) > 2 && fields[2] == "1")
	}
}
