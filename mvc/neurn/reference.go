package neurn

import (
	"fmt"
	"math"
)

// Reference evaluates NeuRN exactly as specified, in float64, with a naive loop over each
// window and a two-pass (mean, then squared deviations) standard deviation: O(H x W x k^2) per
// channel. It is the oracle the tests compare [NeuRN] against, and the "naive per-window"
// implementation in the benchmarks.
//
// images is a flat row-major [n, h, w, c] array; the result has the same layout.
func Reference(images []float64, n, h, w, c, k int, perChannel bool) ([]float64, error) {
	if n < 0 || h < 0 || w < 0 || c < 0 || n*h*w*c != len(images) {
		return nil, fmt.Errorf("neurn.Reference: %d values do not make shape [%d %d %d %d]", len(images), n, h, w, c)
	}
	if k < 1 || k%2 == 0 {
		return nil, fmt.Errorf("neurn.Reference: kernel size must be odd and >= 1, got %d", k)
	}
	r := k / 2
	out := make([]float64, len(images))
	at := func(b, i, j, ch int) int { return ((b*h+i)*w+j)*c + ch }
	for b := range n {
		for ch := range c {
			for i := range h {
				for j := range w {
					var sum float64
					count := 0
					for y := max(i-r, 0); y <= min(i+r, h-1); y++ {
						for x := max(j-r, 0); x <= min(j+r, w-1); x++ {
							sum += images[at(b, y, x, ch)]
							count++
						}
					}
					mean := sum / float64(count)
					var ss float64
					for y := max(i-r, 0); y <= min(i+r, h-1); y++ {
						for x := max(j-r, 0); x <= min(j+r, w-1); x++ {
							dev := images[at(b, y, x, ch)] - mean
							ss += dev * dev
						}
					}
					out[at(b, i, j, ch)] = math.Sqrt(ss / float64(count))
				}
			}
		}
		// Normalize by the image's maximum, or by each channel's.
		maxima := make([]float64, c)
		for i := range h {
			for j := range w {
				for ch := range c {
					maxima[ch] = max(maxima[ch], out[at(b, i, j, ch)])
				}
			}
		}
		if !perChannel {
			m := 0.0
			for _, v := range maxima {
				m = max(m, v)
			}
			for ch := range maxima {
				maxima[ch] = m
			}
		}
		for i := range h {
			for j := range w {
				for ch := range c {
					out[at(b, i, j, ch)] /= max(maxima[ch], MaxFloor)
				}
			}
		}
	}
	return out, nil
}
