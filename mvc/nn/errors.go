package nn

import "github.com/gomlx/gomlx/support/exceptions"

// panicf raises a GoMLX exception: graph-building functions report bad arguments this way, and
// executors (and model.Exec) return them as errors.
func panicf(format string, args ...any) {
	exceptions.Panicf(format, args...)
}
