package embed

// sqDist is the squared Euclidean distance between a and b (len(b) >= len(a)). The summation
// order is fixed (four interleaved partial sums), so it is bit-for-bit reproducible.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy sets y += alpha * x.
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// matrix is a dense row-major n x d matrix of float64.
type matrix struct {
	n, d int
	v    []float64
}

func (m matrix) row(i int) []float64 { return m.v[i*m.d : (i+1)*m.d] }
