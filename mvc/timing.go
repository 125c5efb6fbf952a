package mvc

import "time"

// Timing is the measured cost of repeated calls (see [TimeCalls]).
type Timing struct {
	// Calls is the number of timed calls; Seconds and CPUSeconds their wall and process CPU time.
	Calls      int
	Seconds    float64
	CPUSeconds float64
}

// TimeCalls calls call at least minCalls times and until d has passed, and returns how long the
// calls took in wall time and in this process's CPU time ([CPUSeconds]). It stops at the first
// error. Benchmarks of this project call it after one untimed call that compiles the graph.
func TimeCalls(call func() error, minCalls int, d time.Duration) (Timing, error) {
	var t Timing
	cpu0, start := CPUSeconds(), time.Now()
	for t.Calls < minCalls || time.Since(start) < d {
		if err := call(); err != nil {
			return t, err
		}
		t.Calls++
	}
	t.Seconds, t.CPUSeconds = time.Since(start).Seconds(), CPUSeconds()-cpu0
	return t, nil
}
