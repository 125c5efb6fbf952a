package data_test

import (
	"math"
	"slices"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

func TestResizeArea(t *testing.T) {
	src := make([]float64, 5*7)
	var sum float64
	for i := range src {
		src[i] = float64((i * 37) % 11)
		sum += src[i]
	}
	for _, size := range [][2]int{{3, 4}, {5, 7}, {10, 14}, {1, 1}, {4, 9}} {
		out, err := data.ResizeArea(src, 5, 7, size[0], size[1])
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, v := range out {
			s += v
		}
		// Area averaging preserves the mean.
		if mean := s / float64(len(out)); math.Abs(mean-sum/35) > 1e-12 {
			t.Errorf("resize to %v: mean %v, want %v", size, mean, sum/35)
		}
	}
	// 4x4 to 2x2: means of 2x2 blocks.
	out, _ := data.ResizeArea([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 4, 4, 2, 2)
	if !slices.Equal(out, []float64{3.5, 5.5, 11.5, 13.5}) {
		t.Errorf("4x4 -> 2x2 = %v", out)
	}
	if _, err := data.ResizeArea(src, 5, 6, 2, 2); err == nil {
		t.Error("no error for a wrong length")
	}
}
