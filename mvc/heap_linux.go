package mvc

import "syscall"

// heapReservation is the address range reserveHeap maps: half of the machine's physical memory
// (a heap larger than that would swap anyway), at most 32 GiB; 0 when the system does not say.
func heapReservation() int {
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err != nil {
		return 0
	}
	total := int(info.Totalram) * int(info.Unit)
	return min(total/2, 32<<30)
}
