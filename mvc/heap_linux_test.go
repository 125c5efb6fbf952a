package mvc_test

import (
	"syscall"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestHeapReservationBounded: the reservation never exceeds 32 GiB, and stays within a quarter of
// an address-space limit (ulimit -v) when one is set.
func TestHeapReservationBounded(t *testing.T) {
	if got := mvc.HeapReservation(); got < 0 || got > 32<<30 {
		t.Errorf("heap reservation %d bytes, want 0 to 32 GiB", got)
	}
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &saved); err != nil {
		t.Skip(err)
	}
	limited := saved
	limited.Cur = 64 << 30
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
