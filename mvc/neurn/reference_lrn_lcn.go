package neurn

import (
	"fmt"
	"math"
)

// ReferenceLRN evaluates Local Response Normalization ([LRN]) exactly as
// Krizhevsky, Sutskever and Hinton (2012, section 3.3) write it, in float64, with a naive loop
// over each pixel's window of channels:
//
//	b^i = a^i / (bias + alpha * sum_{j=max(0, i-n/2)}^{min(N-1, i+n/2)} (a^j)^2)^beta
//
// It is the oracle the tests compare [LRN] against. images is a flat row-major
// [n, h, w, c] array (here n is the batch size; size is the window); the result has the same
// layout.
func ReferenceLRN(images []float64, n, h, w, c, size int, alpha, beta, bias float64) ([]float64, error) {
	if err := checkReferenceShape("ReferenceLRN", images, n, h, w, c); err != nil {
		return nil, err
	}
	if size < 1 || size%2 == 0 {
		return nil, fmt.Errorf("neurn.ReferenceLRN: size must be odd and >= 1, got %d", size)
	}
	if !(alpha >= 0) || !(beta >= 0) || !(bias > 0) || math.IsInf(alpha+beta+bias, 0) {
		return nil, fmt.Errorf("neurn.ReferenceLRN: want finite alpha >= 0, beta >= 0, bias > 0, got %g, %g, %g", alpha, beta, bias)
	}
	out := make([]float64, len(images))
	for pixel := 0; pixel < n*h*w; pixel++ {
		a := images[pixel*c : (pixel+1)*c]
		for i := range c {
			var sum float64
			for j := max(0, i-size/2); j <= min(c-1, i+size/2); j++ {
				sum += a[j] * a[j]
			}
			out[pixel*c+i] = a[i] / math.Pow(bias+alpha*sum, beta)
		}
	}
	return out, nil
}

// ReferenceLCN evaluates Local Contrast Normalization ([LCN]) as Jarrett et al.
// (2009, section 2.1) write it, in float64, with naive loops over each pixel's size x size
// window and all channels, using the 2-D Gaussian window directly (not its separable form):
//
//	w_pq = exp(-(p^2+q^2) / (2 sigma^2)) / Z / C,  Z = sum_pq exp(-(p^2+q^2) / (2 sigma^2))
//	v_ijk = x_ijk - sum_{ipq} w_pq x_{i,j+p,k+q}
//	sigma_jk = (sum_{ipq} w_pq v^2_{i,j+p,k+q})^(1/2),  c = mean_jk(sigma_jk)
//	y_ijk = v_ijk / max(c, sigma_jk, LCNFloor)
//
// with pixels outside the image counted as zeros. It is the oracle the tests compare
// [LCN] against. images is a flat row-major [n, h, w, c] array; the result has
// the same layout.
func ReferenceLCN(images []float64, n, h, w, c, size int, sigma float64) ([]float64, error) {
	if err := checkReferenceShape("ReferenceLCN", images, n, h, w, c); err != nil {
		return nil, err
	}
	if size < 1 || size%2 == 0 {
		return nil, fmt.Errorf("neurn.ReferenceLCN: kernel size must be odd and >= 1, got %d", size)
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("neurn.ReferenceLCN: sigma must be finite and > 0, got %g", sigma)
	}
	r := size / 2
	weights := make([][]float64, size) // weights[p+r][q+r] = w_pq, including the 1/C.
	var z float64
	for p := -r; p <= r; p++ {
		weights[p+r] = make([]float64, size)
		for q := -r; q <= r; q++ {
			weights[p+r][q+r] = math.Exp(-float64(p*p+q*q) / (2 * sigma * sigma))
			z += weights[p+r][q+r]
		}
	}
	for _, row := range weights {
		for q := range row {
			row[q] /= z * float64(c)
		}
	}
	at := func(b, j, k, i int) int { return ((b*h+j)*w+k)*c + i }
	// windowSum returns sum_{ipq} w_pq f(i, j+p, k+q), skipping pixels outside the image.
	windowSum := func(f func(j, k, i int) float64, j, k int) float64 {
		var s float64
		for p := -r; p <= r; p++ {
			for q := -r; q <= r; q++ {
				if j+p < 0 || j+p >= h || k+q < 0 || k+q >= w {
					continue
				}
				for i := range c {
					s += weights[p+r][q+r] * f(j+p, k+q, i)
				}
			}
		}
		return s
	}
	out := make([]float64, len(images))
	v := make([]float64, h*w*c)
	sigmas := make([]float64, h*w)
	for b := range n {
		x := func(j, k, i int) float64 { return images[at(b, j, k, i)] }
		for j := range h {
			for k := range w {
				mean := windowSum(x, j, k)
				for i := range c {
					v[at(0, j, k, i)] = x(j, k, i) - mean
				}
			}
		}
		vSquared := func(j, k, i int) float64 { return v[at(0, j, k, i)] * v[at(0, j, k, i)] }
		var meanSigma float64
		for j := range h {
			for k := range w {
				sigmas[j*w+k] = math.Sqrt(windowSum(vSquared, j, k))
				meanSigma += sigmas[j*w+k]
			}
		}
		meanSigma /= float64(h * w)
		for j := range h {
			for k := range w {
				divisor := max(meanSigma, sigmas[j*w+k], LCNFloor)
				for i := range c {
					out[at(b, j, k, i)] = v[at(0, j, k, i)] / divisor
				}
			}
		}
	}
	return out, nil
}

// checkReferenceShape checks that images holds n*h*w*c values.
func checkReferenceShape(op string, images []float64, n, h, w, c int) error {
	if n < 0 || h < 0 || w < 0 || c < 0 || n*h*w*c != len(images) {
		return fmt.Errorf("neurn.%s: %d values do not make shape [%d %d %d %d]", op, len(images), n, h, w, c)
	}
	return nil
}
