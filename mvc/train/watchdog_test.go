package train

import (
	"testing"
	"time"
)

func TestWatchdogRule(t *testing.T) {
	c := NewStepClock(Watchdog{MinTimeout: time.Second, Factor: 20, FirstStepTimeout: time.Minute})
	t0 := time.Unix(0, 0)
	c.begin(t0, true)
	if stalled, _, limit := c.Overdue(t0.Add(59 * time.Second)); stalled || limit != time.Minute {
		t.Errorf("compiling step: stalled %v limit %v, want false and 1m", stalled, limit)
	}
	c.end(t0.Add(30*time.Second), true) // compiling steps do not join the median
	for i := range 5 {
		start := t0.Add(time.Duration(i) * time.Hour)
		c.begin(start, false)
		c.end(start.Add(100*time.Millisecond), true)
	}
	c.begin(t0, false)
	if _, _, limit := c.Overdue(t0); limit != 2*time.Second {
		t.Errorf("limit %v, want 20 x 100ms = 2s", limit)
	}
	if stalled, _, _ := c.Overdue(t0.Add(2100 * time.Millisecond)); !stalled {
		t.Error("a step 21x the median is not reported stalled")
	}
	c.end(t0, false)
	c.w.MinTimeout = 30 * time.Second
	c.begin(t0, false)
	if _, _, limit := c.Overdue(t0); limit != 30*time.Second {
		t.Errorf("limit %v, want the 30s floor", limit)
	}
}
