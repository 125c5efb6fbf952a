package mvc

import (
	"runtime"
	"sync"
)

// reserveHeap makes the Go heap's address range large once, so that no buffer GoMLX's pure-Go
// backend allocates later ends where the mapped heap ends.
//
// Built with GOEXPERIMENT=simd on Go 1.27, the backend's vectorized operations load the last,
// partial vector of a row with a full-width load (Go's portable simd package loads 64 bytes and
// masks them): up to 60 bytes past the row. Inside a buffer that is harmless; at the end of a
// buffer that ends exactly where the heap's mapped memory ends (Go grows the heap in 4 MiB steps,
// and large buffers are whole pages), the read faults and the process dies with "unexpected fault
// address" (seen in broadcast products and in scatter-adds, in about one of three NASNetMobile
// training benchmarks). Go never unmaps heap memory it has mapped (it only returns the pages to the
// system, which then read as zeros), so one large allocation, dropped at once, leaves room for
// all later buffers below that size without faults. The pages are not touched by the
// reservation itself, but later allocations may reuse and touch them, so it is kept small
// (heapReservation).
var reserveHeap = sync.OnceFunc(func() {
	if !simdBuild {
		return
	}
	size := heapReservation()
	if size <= 0 {
		return
	}
	runtime.KeepAlive(make([]byte, size)) // Dropped at once: only the mapping is wanted.
	runtime.GC()
})
