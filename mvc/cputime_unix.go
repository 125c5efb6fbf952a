//go:build unix

package mvc

import "syscall"

// CPUSeconds returns the CPU time this process has used so far (user + system, all threads), in
// seconds; 0 where the system does not say. Throughput per CPU-second, unlike per wall-second,
// hardly changes when other work shares the machine.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
