package mvc

// Dot is the inner product of a and b (len(b) >= len(a)) summed in a fixed order, with four
// accumulators: the same vectors give the same bits on every machine, and the loop runs at memory
// speed (no branches). UMAP, k-means and the bootstrap use it, so their results are deterministic.
func Dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
