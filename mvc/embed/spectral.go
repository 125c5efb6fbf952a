package embed

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/mice2machines/mice2machines/mvc"
)

// Spectral initialisation (umap-learn's spectral_layout and multi_component_layout): the
// eigenvectors of the normalized graph Laplacian L = I - D^-1/2 W D^-1/2 with the smallest
// non-zero eigenvalues (Laplacian eigenmaps, Belkin and Niyogi 2003), one connected component at
// a time when the graph has several.
//
// Small problems use a dense symmetric eigendecomposition (gonum's mat.EigenSym); larger ones a
// Lanczos method with full reorthogonalisation and thick restarts (Wu and Simon 2000) on
// M = D^-1/2 W D^-1/2, whose largest eigenvalues are L's smallest, with the known top eigenvector
// sqrt(degree) deflated. Every step is sequential or uses fixed chunks, so the result does not
// depend on GOMAXPROCS. When the solver does not converge, the layout falls back to a random one,
// as umap-learn does.

const (
	// denseEigenLimit is the component size up to which the dense eigensolver is used.
	denseEigenLimit = 200
	// lanczosTol is the residual norm ||M y - theta y|| (y of unit norm) accepted for each of
	// the wanted eigenvectors.
	lanczosTol = 1e-6
	// lanczosMaxBasis caps the Lanczos basis size (memory is 2 x basis x n float64).
	lanczosMaxBasis = 128
)

// lanczosMaxMatVec bounds the matrix-vector products before falling back to a random layout;
// kNN graphs of 3,000 to 10,000 points converge in 80 to 220. (A variable for tests.)
var lanczosMaxMatVec = 5000

// csr is a sparse symmetric matrix in compressed sparse row form.
type csr struct {
	n      int
	rowPtr []int
	col    []int32
	val    []float64
}

// mulVec sets dst = A src; rows run in parallel in fixed chunks, each summed in a fixed order.
func (a *csr) mulVec(dst, src []float64) {
	mvc.ParallelChunks(a.n, 1024, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := 0.0
			for e := a.rowPtr[i]; e < a.rowPtr[i+1]; e++ {
				s += a.val[e] * src[a.col[e]]
			}
			dst[i] = s
		}
	})
}

// normalizedAdjacency returns M = D^-1/2 W D^-1/2 for the vertices with the given component
// label (local indices in increasing global order) and sqrt(degree); ok is false when a vertex
// has no edge.
func normalizedAdjacency(g graph, labels []int, label int, size int) (m *csr, sqrtDeg []float64, ok bool) {
	local := make([]int32, g.n)
	next := int32(0)
	for i := range g.n {
		if labels[i] == label {
			local[i] = next
			next++
		} else {
			local[i] = -1
		}
	}
	deg := make([]float64, size)
	m = &csr{n: size, rowPtr: make([]int, size+1)}
	for e := range g.head {
		h := local[g.head[e]]
		if h < 0 {
			continue
		}
		deg[h] += g.weight[e]
		m.rowPtr[h+1]++
		m.col = append(m.col, local[g.tail[e]])
		m.val = append(m.val, g.weight[e])
	}
	for i := range size {
		m.rowPtr[i+1] += m.rowPtr[i]
	}
	sqrtDeg = make([]float64, size)
	for i, d := range deg {
		if !(d > 0) {
			return nil, nil, false
		}
		sqrtDeg[i] = math.Sqrt(d)
	}
	for i := range size {
		for e := m.rowPtr[i]; e < m.rowPtr[i+1]; e++ {
			m.val[e] /= sqrtDeg[i] * sqrtDeg[m.col[e]]
		}
	}
	return m, sqrtDeg, true
}

// spectralVectors returns dim eigenvectors (columns of an n x dim matrix) of the normalized
// Laplacian of one connected component with the smallest eigenvalues above the trivial one, or
// an error when the solver fails.
func spectralVectors(m *csr, sqrtDeg []float64, dim int, rng *rand.Rand) (matrix, error) {
	return spectralVectorsBy(m, sqrtDeg, dim, rng, m.n <= denseEigenLimit)
}

// spectralVectorsBy is [spectralVectors] with the solver chosen by the caller.
func spectralVectorsBy(m *csr, sqrtDeg []float64, dim int, rng *rand.Rand, dense bool) (matrix, error) {
	n := m.n
	if n <= dim+1 {
		return matrix{}, fmt.Errorf("%d vertices are too few for %d eigenvectors", n, dim)
	}
	out := matrix{n: n, d: dim, v: make([]float64, n*dim)}
	if dense {
		l := mat.NewSymDense(n, nil)
		for i := range n {
			l.SetSym(i, i, 1)
		}
		for i := range n {
			for e := m.rowPtr[i]; e < m.rowPtr[i+1]; e++ {
				if j := int(m.col[e]); j >= i {
					v := l.At(i, j) - m.val[e]
					l.SetSym(i, j, v)
				}
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(l, true) {
			return matrix{}, fmt.Errorf("dense eigendecomposition of a %d x %d Laplacian failed", n, n)
		}
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		// Eigenvalues come in ascending order: skip the trivial first one.
		for c := range dim {
			for i := range n {
				out.v[i*dim+c] = vecs.At(i, c+1)
			}
		}
	} else {
		defl := make([]float64, n)
		norm := math.Sqrt(mvc.Dot(sqrtDeg, sqrtDeg))
		for i, s := range sqrtDeg {
			defl[i] = s / norm
		}
		ncv := min(lanczosMaxBasis, n-1, max(2*(dim+1)+1, int(math.Sqrt(float64(n)))))
		vecs, err := lanczosTop(n, m.mulVec, defl, dim, ncv, lanczosTol, lanczosMaxMatVec, rng)
		if err != nil {
			return matrix{}, err
		}
		for c := range dim {
			for i := range n {
				out.v[i*dim+c] = vecs[c][i]
			}
		}
	}
	signFlip(out)
	for _, v := range out.v {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return matrix{}, fmt.Errorf("eigenvectors are not finite")
		}
	}
	return out, nil
}

// signFlip makes each column's largest-magnitude entry positive (scikit-learn's
// _deterministic_vector_sign_flip), so eigenvectors have one orientation whatever the solver.
func signFlip(x matrix) {
	for c := range x.d {
		best, bestAbs := 0.0, -1.0
		for i := range x.n {
			if a := math.Abs(x.v[i*x.d+c]); a > bestAbs {
				best, bestAbs = x.v[i*x.d+c], a
			}
		}
		if best < 0 {
			for i := range x.n {
				x.v[i*x.d+c] = -x.v[i*x.d+c]
			}
		}
	}
}

// lanczosTop returns the nev unit eigenvectors with the largest eigenvalues of the symmetric
// operator op restricted to the orthogonal complement of the unit vector defl, by thick-restart
// Lanczos with full reorthogonalisation and an explicit Rayleigh-Ritz projection on a basis of
// ncv vectors. It fails after maxMatVec products without every residual below tol.
func lanczosTop(n int, op func(dst, src []float64), defl []float64, nev, ncv int, tol float64, maxMatVec int, rng *rand.Rand) ([][]float64, error) {
	keep := min(ncv-1, max(nev+1, ncv/2))
	V := make([][]float64, 0, ncv)
	AV := make([][]float64, 0, ncv)
	H := mat.NewSymDense(ncv, nil)
	coef := make([]float64, ncv)

	// orthogonalize makes w orthogonal to defl and the basis (classical Gram-Schmidt, twice) and
	// returns its remaining norm.
	orthogonalize := func(w []float64) float64 {
		for range 2 {
			axpy(-mvc.Dot(defl, w), defl, w)
			for i, v := range V {
				coef[i] = mvc.Dot(v, w)
			}
			for i, v := range V {
				axpy(-coef[i], v, w)
			}
		}
		return math.Sqrt(mvc.Dot(w, w))
	}
	randomUnit := func() []float64 {
		for range 3 {
			w := make([]float64, n)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			if nrm := orthogonalize(w); nrm > 1e-8 {
				for i := range w {
					w[i] /= nrm
				}
				return w
			}
		}
		return nil
	}

	next := randomUnit()
	if next == nil {
		return nil, fmt.Errorf("lanczos: no start vector")
	}
	matVecs := 0
	nKept := 0
	for {
		// Extend the basis to ncv vectors (or until the space is exhausted).
		for len(V) < ncv && next != nil {
			w := make([]float64, n)
			op(w, next)
			matVecs++
			V = append(V, next)
			AV = append(AV, w)
			r := append([]float64(nil), w...)
			if nrm := orthogonalize(r); nrm > 1e-10*math.Sqrt(mvc.Dot(w, w))+1e-300 {
				for i := range r {
					r[i] /= nrm
				}
				next = r
			} else {
				next = randomUnit() // an invariant subspace was found: continue elsewhere
			}
		}
		m := len(V)
		if m <= nev {
			return nil, fmt.Errorf("lanczos: basis of %d vectors for %d eigenvectors", m, nev)
		}
		// Rayleigh-Ritz on span(V): H = V^T A V. The block of kept Ritz vectors is diagonal
		// and was set at the restart.
		Hm := mat.NewSymDense(m, nil)
		for i := range m {
			for j := i; j < m; j++ {
				if j < nKept {
					if i == j {
						Hm.SetSym(i, j, H.At(i, i))
					}
					continue
				}
				Hm.SetSym(i, j, 0.5*(mvc.Dot(V[i], AV[j])+mvc.Dot(V[j], AV[i])))
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(Hm, true) {
			return nil, fmt.Errorf("lanczos: Rayleigh-Ritz eigendecomposition failed")
		}
		theta := eig.Values(nil)
		var S mat.Dense
		eig.VectorsTo(&S)
		// Ritz pairs in descending order of eigenvalue.
		nNew := min(keep, m-1)
		if next == nil {
			nNew = nev // the whole space is spanned: the Ritz pairs are exact
		}
		Y := make([][]float64, nNew)
		AY := make([][]float64, nNew)
		converged := true
		for c := range nNew {
			col := m - 1 - c
			y := make([]float64, n)
			ay := make([]float64, n)
			for j := range m {
				s := S.At(j, col)
				axpy(s, V[j], y)
				axpy(s, AV[j], ay)
			}
			Y[c], AY[c] = y, ay
			if c < nev {
				res := 0.0
				for i := range n {
					d := ay[i] - theta[col]*y[i]
					res += d * d
				}
				if math.Sqrt(res) > tol && next != nil {
					converged = false
				}
			}
		}
		if converged {
			return Y[:nev], nil
		}
		if matVecs >= maxMatVec {
			return nil, fmt.Errorf("lanczos: no convergence after %d products", matVecs)
		}
		// Thick restart: keep the best Ritz vectors; next (orthogonal to the old basis, hence to
		// them) continues the Krylov sequence.
		V, AV = V[:0], AV[:0]
		for c := range nNew {
			V = append(V, Y[c])
			AV = append(AV, AY[c])
			H.SetSym(c, c, theta[m-1-c])
		}
		nKept = nNew
	}
}

// componentLayout places the centroids of nc components with a spectral embedding of the
// affinity exp(-d^2) between centroids (umap-learn's component_layout, which uses scikit-learn's
// SpectralEmbedding: normalized Laplacian, eigenvectors divided by sqrt(degree), sign flip,
// first one dropped), scaled so the largest coordinate is 1.
func componentLayout(x matrix, labels []int, nc, dim int, rng *rand.Rand) matrix {
	cent := matrix{n: nc, d: x.d, v: make([]float64, nc*x.d)}
	counts := make([]float64, nc)
	for i := range x.n {
		axpy(1, x.row(i), cent.row(labels[i]))
		counts[labels[i]]++
	}
	for c := range nc {
		for j := range x.d {
			cent.v[c*x.d+j] /= counts[c]
		}
	}
	aff := mat.NewSymDense(nc, nil)
	deg := make([]float64, nc)
	for a := range nc {
		for b := a + 1; b < nc; b++ {
			w := math.Exp(-sqDist(cent.row(a), cent.row(b)))
			aff.SetSym(a, b, w)
			deg[a] += w
			deg[b] += w
		}
	}
	dd := make([]float64, nc)
	for a := range nc {
		dd[a] = 1
		if deg[a] > 0 {
			dd[a] = math.Sqrt(deg[a])
		}
	}
	lap := mat.NewSymDense(nc, nil)
	for a := range nc {
		if deg[a] > 0 {
			lap.SetSym(a, a, 1)
		}
		for b := a + 1; b < nc; b++ {
			lap.SetSym(a, b, -aff.At(a, b)/(dd[a]*dd[b]))
		}
	}
	out := matrix{n: nc, d: dim, v: make([]float64, nc*dim)}
	var eig mat.EigenSym
	ok := eig.Factorize(lap, true)
	if ok {
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		for c := range dim {
			for a := range nc {
				out.v[a*dim+c] = vecs.At(a, c+1) / dd[a]
			}
		}
		signFlip(out)
		mx := math.Inf(-1)
		for _, v := range out.v {
			mx = max(mx, v)
		}
		if mx > 0 && !math.IsInf(mx, 0) {
			for i := range out.v {
				out.v[i] /= mx
			}
		} else {
			ok = false
		}
		for _, v := range out.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				ok = false
			}
		}
	}
	if !ok {
		// Degenerate affinities: spread the components at random in [-1, 1].
		for i := range out.v {
			out.v[i] = 2*rng.Float64() - 1
		}
	}
	return out
}

// spectralLayout returns the initial layout (n x dim) of umap-learn's "spectral" init before
// scaling and noise, and a note saying how it was obtained.
func spectralLayout(x matrix, g graph, dim int, rng *rand.Rand) (matrix, string) {
	labels, nc := g.components()
	out := matrix{n: g.n, d: dim, v: make([]float64, g.n*dim)}
	if nc == 1 {
		m, sqrtDeg, ok := normalizedAdjacency(g, labels, 0, g.n)
		var err error
		var vecs matrix
		if ok {
			vecs, err = spectralVectors(m, sqrtDeg, dim, rng)
		} else {
			err = fmt.Errorf("a vertex has no edge")
		}
		if err == nil {
			return vecs, "spectral"
		}
		for i := range out.v {
			out.v[i] = 20*rng.Float64() - 10
		}
		return out, fmt.Sprintf("random (spectral initialisation failed: %v)", err)
	}

	// Several components: umap-learn's multi_component_layout.
	var meta matrix
	if nc > 2*dim {
		meta = componentLayout(x, labels, nc, dim, rng)
	} else {
		meta = matrix{n: nc, d: dim, v: make([]float64, nc*dim)}
		k := (nc + 1) / 2
		for c := range nc {
			if c < k {
				meta.v[c*dim+c] = 1
			} else {
				meta.v[c*dim+c-k] = -1
			}
		}
	}
	sizes := make([]int, nc)
	for _, l := range labels {
		sizes[l]++
	}
	failed := 0
	for c := range nc {
		dataRange := math.Inf(1)
		for o := range nc {
			if d := math.Sqrt(sqDist(meta.row(c), meta.row(o))); d > 0 {
				dataRange = min(dataRange, d)
			}
		}
		if math.IsInf(dataRange, 1) {
			dataRange = 1
		}
		dataRange /= 2
		var vecs matrix
		var err error
		if sizes[c] < 2*dim || sizes[c] <= dim+1 {
			err = fmt.Errorf("too small")
		} else if m, sqrtDeg, ok := normalizedAdjacency(g, labels, c, sizes[c]); ok {
			vecs, err = spectralVectors(m, sqrtDeg, dim, rng)
		} else {
			err = fmt.Errorf("a vertex has no edge")
		}
		if err == nil {
			mx := 0.0
			for _, v := range vecs.v {
				mx = max(mx, math.Abs(v))
			}
			if mx > 0 {
				for i := range vecs.v {
					vecs.v[i] *= dataRange / mx
				}
			}
		} else {
			if sizes[c] >= 2*dim && sizes[c] > dim+1 {
				failed++
			}
			vecs = matrix{n: sizes[c], d: dim, v: make([]float64, sizes[c]*dim)}
			for i := range vecs.v {
				vecs.v[i] = dataRange * (2*rng.Float64() - 1)
			}
		}
		li := 0
		for i, l := range labels {
			if l == c {
				for j := range dim {
					out.v[i*dim+j] = vecs.v[li*dim+j] + meta.v[c*dim+j]
				}
				li++
			}
		}
	}
	note := fmt.Sprintf("spectral, per connected component (%d components)", nc)
	if failed > 0 {
		note += fmt.Sprintf("; random for %d components whose eigensolver failed", failed)
	}
	return out, note
}
