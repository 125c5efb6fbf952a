//go:build !unix

package mvc

// CPUSeconds returns 0: this system's process CPU time is not read.
func CPUSeconds() float64 { return 0 }
