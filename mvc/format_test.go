package mvc

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "0.0s",
		1234 * time.Millisecond:               "1.2s",
		59*time.Second + 940*time.Millisecond: "59.9s",
		time.Minute:                           "1m00s",
		3*time.Minute + 4*time.Second + 900*time.Millisecond: "3m04s",
		time.Hour + 2*time.Minute + 59*time.Second:           "1h02m",
		26*time.Hour + 5*time.Minute:                         "26h05m",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestETA(t *testing.T) {
	if _, ok := ETA(time.Second, 0, 10); ok {
		t.Error("ETA with nothing done reports an estimate")
	}
	if eta, ok := ETA(10*time.Second, 2, 10); !ok || eta != 40*time.Second {
		t.Errorf("ETA(10s, 2 of 10) = %v, %v; want 40s, true", eta, ok)
	}
	if eta, ok := ETA(time.Minute, 5, 5); !ok || eta != 0 {
		t.Errorf("ETA when all is done = %v, %v; want 0, true", eta, ok)
	}
}

func TestDot(t *testing.T) {
	a, b := []float64{1, 2, 3, 4, 5}, []float64{2, 2, 2, 2, 2, 9}
	if got := Dot(a, b); got != 30 {
		t.Errorf("Dot = %g, want 30", got)
	}
	if got := Dot(nil, b); got != 0 {
		t.Errorf("Dot of nothing = %g", got)
	}
}
