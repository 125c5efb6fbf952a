package mvc_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestHeapReservationBounded: the reservation never exceeds 2 GiB, and stays within a quarter of
// an address-space limit (ulimit -v) when one is set.
func TestHeapReservationBounded(t *testing.T) {
	if got := mvc.HeapReservation(); got < 0 || got > 2<<30 {
		t.Errorf("heap reservation %d bytes, want 0 to 2 GiB", got)
	}
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &saved); err != nil {
		t.Skip(err)
	}
	limited := saved
	limited.Cur = 4 << 30
	if saved.Max < limited.Cur {
		limited.Cur = saved.Max
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &limited); err != nil {
		t.Skip(err)
	}
	got := mvc.HeapReservation()
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &saved); err != nil {
		t.Fatal(err)
	}
	if got > int(limited.Cur/4) {
		t.Errorf("with ulimit -v of %d bytes the reservation is %d, want at most a quarter", limited.Cur, got)
	}
}

// TestBackendReservesHeap: in a SIMD build, creating the pure-Go backend leaves the process with
// at least the reserved address range mapped.
func TestBackendReservesHeap(t *testing.T) {
	if !mvc.SIMD() || mvc.ChooseBackend().Name != mvc.GoBackendName {
		t.Skip("the heap is reserved for the pure-Go backend in SIMD builds only")
	}
	want := mvc.HeapReservation()
	if want <= 0 {
		t.Skip("no reservation on this system")
	}
	mvc.MustBackend()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatalf("VmSize %q: %v", v, err)
			}
			if kb*1024 < want {
				t.Errorf("mapped %d bytes after creating the backend, want at least the reservation %d", kb*1024, want)
			}
			return
		}
	}
	t.Skip("no VmSize in /proc/self/status")
}
