package mvc

import (
	"fmt"
	"time"
)

// FormatDuration writes a duration for progress lines and logs, to the precision a reader
// needs: hours and minutes from an hour up ("1h02m"), minutes and seconds from a minute up
// ("3m04s"), else seconds with one decimal ("5.2s"). Longer units are truncated, not rounded.
func FormatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

// ETA estimates the time left when done of total items took elapsed, at the same rate:
// elapsed x (total - done) / done. It reports false when nothing is done yet.
func ETA(elapsed time.Duration, done, total int) (time.Duration, bool) {
	if done <= 0 || elapsed <= 0 {
		return 0, false
	}
	return time.Duration(float64(elapsed) * float64(total-done) / float64(done)), true
}
