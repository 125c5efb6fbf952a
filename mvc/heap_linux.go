package mvc

import (
	"os"
	"strings"
	"syscall"
)

// heapReservation is the address range reserveHeap maps: 2 GiB (more than most quick-width
// models' training heaps), at most half of the machine's physical memory and a quarter of the process's
// address-space limit (ulimit -v) when there is one. It is kept small because the range is not
// always left untouched: in some processes (the comparison's tests among them) the resident
// memory grew to the whole reservation, and with half the memory reserved two such processes
// exhausted a machine. It is 0 (no reservation) where
// the system does not say, or where the kernel counts mapped memory strictly
// (vm.overcommit_memory = 2, common on compute clusters): there the untouched range would still
// be charged against the commit limit.
// maxHeapReservation bounds the heap reservation.
const maxHeapReservation = 2 << 30

func heapReservation() int {
	if raw, err := os.ReadFile("/proc/sys/vm/overcommit_memory"); err == nil && strings.TrimSpace(string(raw)) == "2" {
		return 0
	}
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		return 0
	}
	size := min(int(info.Totalram)*int(info.Unit)/2, maxHeapReservation)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err == nil && lim.Cur != ^uint64(0) && lim.Cur < 1<<62 {
		size = min(size, int(lim.Cur/4))
	}
	return size
}
