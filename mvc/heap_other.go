//go:build !linux

package mvc

// heapReservation returns 0 (no reservation) where the physical memory size is not read.
func heapReservation() int { return 0 }
