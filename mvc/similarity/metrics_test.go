package similarity

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.17g, want %.17g (tolerance %g)", what, got, want, tol)
	}
}

func TestResizeAreaAveraging(t *testing.T) {
	// 3x3 -> 2x2: output (0,0) covers source rows and columns [0, 1.5): weights 2/3 and 1/3.
	corner := Map{3, 3, []float64{9, 0, 0, 0, 0, 0, 0, 0, 0}}
	got, err := Resize(corner, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{4, 0, 0, 0} { // 9 * 2/3 * 2/3
		near(t, "corner resize", got.Values[i], want, 1e-12)
	}
	centre := Map{3, 3, []float64{0, 0, 0, 0, 9, 0, 0, 0, 0}}
	got, _ = Resize(centre, 2, 2)
	for i := range 4 { // 9 * 1/3 * 1/3 in every output
		near(t, "centre resize", got.Values[i], 1, 1e-12)
	}
	// Integer ratio: block means.
	m := Map{2, 4, []float64{1, 3, 5, 7, 3, 5, 7, 9}}
	got, _ = Resize(m, 1, 2)
	near(t, "block mean 0", got.Values[0], 3, 1e-12)
	near(t, "block mean 1", got.Values[1], 7, 1e-12)
	// Enlarging 1x2 -> 1x4 repeats values.
	got, _ = Resize(Map{1, 2, []float64{1, 2}}, 1, 4)
	for i, want := range []float64{1, 1, 2, 2} {
		near(t, "enlarge", got.Values[i], want, 1e-12)
	}
}

func TestMinMaxScale(t *testing.T) {
	got := MinMaxScale([]float64{2, 4, 3, 6})
	for i, want := range []float64{0, 0.5, 0.25, 1} {
		near(t, "scaled", got[i], want, 0)
	}
	for _, v := range MinMaxScale([]float64{7, 7, 7}) {
		near(t, "constant map", v, 0.5, 0)
	}
}

func TestRMSEHandComputed(t *testing.T) {
	kernel := Map{2, 2, []float64{0, 1, 2, 3}} // scaled: 0, 1/3, 2/3, 1
	// 4x4 neural map whose 2x2 block means are 3, 1 / 2, 0 -> scaled 1, 1/3 / 2/3, 0.
	neural := Map{4, 4, []float64{
		2, 4, 1, 1,
		3, 3, 0, 2,
		2, 2, 0, 0,
		1, 3, 0, 0,
	}}
	got, err := RMSE(kernel, neural)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RMSE", got, math.Sqrt(0.5), 1e-15) // differences -1, 0, 0, 1
	// Against a constant map (scaled to 0.5): sqrt(((1/2)^2*2 + (1/6)^2*2)/4) = sqrt(5)/6.
	got, _ = RMSE(kernel, Map{3, 5, make([]float64, 15)})
	near(t, "RMSE vs constant", got, math.Sqrt(5)/6, 1e-15)
	got, _ = RMSE(kernel, kernel)
	near(t, "RMSE of a map with itself", got, 0, 0)
	// Scaling is affine-invariant: 10*k + 3 has RMSE 0 to k.
	got, _ = RMSE(kernel, Map{2, 2, []float64{3, 13, 23, 33}})
	near(t, "RMSE affine", got, 0, 1e-15)
	// Anti-aligned maps: RMSE = sqrt(mean((x - (1-x))^2)) = sqrt((1 + 1/9 + 1/9 + 1)/4).
	got, _ = RMSE(kernel, Map{2, 2, []float64{3, 2, 1, 0}})
	near(t, "RMSE reversed", got, math.Sqrt((2+2.0/9)/4), 1e-15)
}

func TestRMSERejectsBadMaps(t *testing.T) {
	good := Map{2, 2, []float64{0, 1, 2, 3}}
	for name, bad := range map[string]Map{
		"short":     {2, 2, []float64{1, 2, 3}},
		"zero size": {0, 2, nil},
		"NaN":       {1, 2, []float64{1, math.NaN()}},
		"Inf":       {1, 2, []float64{math.Inf(1), 1}},
	} {
		if _, err := RMSE(good, bad); err == nil {
			t.Errorf("%s neural map: no error", name)
		}
		if _, err := RMSE(bad, good); err == nil {
			t.Errorf("%s kernel map: no error", name)
		}
	}
}

// Reference numbers from scipy 1.10.1 / numpy 1.24.2 (/usr/bin/python3):
//
//	import numpy as np
//	from scipy.stats import gaussian_kde
//	from scipy.integrate import trapezoid
//	a = np.array([0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.05])
//	b = np.array([0.3, 0.6, 0.65, 0.7, 0.95, 0.5, 0.45])
//	ka, kb = gaussian_kde(a), gaussian_kde(b)
//	ha, hb = np.sqrt(ka.covariance[0,0]), np.sqrt(kb.covariance[0,0])
//	ka([0.0, 0.3, 0.77])
//	lo = min(a.min()-3*ha, b.min()-3*hb); hi = max(a.max()+3*ha, b.max()+3*hb)
//	x = np.linspace(lo, hi, 512); fa, fb = ka(x), kb(x)
//	trapezoid(np.minimum(fa,fb), x) / trapezoid(np.maximum(fa,fb), x)
//	# far apart: the same with b + 10
var (
	kdeA            = []float64{0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.05}
	kdeB            = []float64{0.3, 0.6, 0.65, 0.7, 0.95, 0.5, 0.45}
	scipyBandwidthA = 0.20633798362444339
	scipyBandwidthB = 0.14027878619165593
	scipyDensityA   = map[float64]float64{0.0: 0.70200358556820597, 0.3: 1.0639370631262928, 0.77: 0.66018516430712015}
	scipyIoU        = 0.52202476410889231
	scipyIoUFar     = 2.7135220304274124e-163
)

func TestKDEAgainstScipy(t *testing.T) {
	ka, err := NewKDE(kdeA)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := NewKDE(kdeB)
	near(t, "bandwidth a", ka.Bandwidth, scipyBandwidthA, 1e-15)
	near(t, "bandwidth b", kb.Bandwidth, scipyBandwidthB, 1e-15)
	for x, want := range scipyDensityA {
		near(t, "density", ka.At(x), want, 1e-14)
	}
	iou, err := KDEIoU(kdeA, kdeB)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "IoU", iou, scipyIoU, 1e-13)
	far := make([]float64, len(kdeB))
	for i, v := range kdeB {
		far[i] = v + 10
	}
	iou, err = KDEIoU(kdeA, far)
	if err != nil {
		t.Fatal(err)
	}
	if rel := math.Abs(iou-scipyIoUFar) / scipyIoUFar; rel > 1e-8 {
		t.Errorf("far IoU = %g, scipy %g (relative error %g)", iou, scipyIoUFar, rel)
	}
}

func TestKDEIoUIdentitiesAndErrors(t *testing.T) {
	iou, err := KDEIoU(kdeA, kdeA)
	if err != nil || iou != 1 {
		t.Errorf("IoU of identical samples = %v, %v; want exactly 1", iou, err)
	}
	// Symmetric.
	ab, _ := KDEIoU(kdeA, kdeB)
	ba, _ := KDEIoU(kdeB, kdeA)
	near(t, "IoU symmetry", ab, ba, 1e-15)
	// The densities integrate to about 1 on the grid.
	o, err := KDEOverlap(kdeA, kdeB, GridPoints)
	if err != nil {
		t.Fatal(err)
	}
	var ia float64
	for i := 1; i < len(o.Grid); i++ {
		ia += (o.Grid[i] - o.Grid[i-1]) * (o.A[i] + o.A[i-1]) / 2
	}
	near(t, "integral of density a", ia, 1, 2e-3)
	for name, s := range map[string][]float64{"one sample": {1}, "constant": {2, 2, 2}, "NaN": {1, math.NaN()}} {
		if _, err := KDEIoU(kdeA, s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := KDEOverlap(kdeA, kdeB, 1); err == nil {
		t.Error("one grid point: no error")
	}
}

// Reference numbers from scipy 1.10.1 (/usr/bin/python3):
//
//	from scipy.stats import spearmanr, pearsonr
//	u = [1, 2, 2, 3, 5, 5, 5, 8]; v = [2, 1, 4, 4, 6, 3, 7, 9]
//	spearmanr(u, v).statistic; pearsonr(u, v).statistic
func TestPearsonSpearmanAgainstScipy(t *testing.T) {
	u := []float64{1, 2, 2, 3, 5, 5, 5, 8}
	v := []float64{2, 1, 4, 4, 6, 3, 7, 9}
	r, err := Spearman(u, v)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Spearman with ties", r, 0.78418969951496909, 1e-15)
	r, _ = Pearson(u, v)
	near(t, "Pearson", r, 0.85004486421978964, 1e-15)
	ranks := Ranks(u)
	for i, want := range []float64{1, 2.5, 2.5, 4, 6, 6, 6, 8} {
		near(t, "rank", ranks[i], want, 0)
	}
	if _, err := Pearson([]float64{1, 1, 1}, []float64{1, 2, 3}); err == nil {
		t.Error("constant vector: no error")
	}
	if _, err := Spearman([]float64{1, 2}, []float64{1, 2, 3}); err == nil {
		t.Error("lengths differ: no error")
	}
}

// Reference numbers from scipy 1.10.1 (/usr/bin/python3):
//
//	from scipy.spatial.distance import pdist
//	dx, dy = pdist(X, 'correlation'), pdist(Y, 'correlation')
//	spearmanr(dx, dy).statistic
//	def cka(X, Y):
//	    X = X - X.mean(0); Y = Y - Y.mean(0)
//	    return np.linalg.norm(Y.T @ X)**2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))
var (
	repX = [][]float64{{1.0, 2.0, 0.5}, {0.3, -1.0, 2.0}, {2.5, 0.0, 1.0}, {-0.5, 1.5, 0.2}, {1.1, 0.7, -2.0}}
	repY = [][]float64{{0.2, 1.0, 3.0, -1.0}, {1.5, 0.1, 0.0, 2.0}, {0.9, 2.2, -0.4, 0.3}, {-1.2, 0.5, 1.1, 0.8}, {0.0, -0.7, 2.4, 1.6}}

	scipyRDMX = []float64{1.9645788568769382, 1.5636214801906783, 0.22594068543244483, 0.32705463216112685,
		0.67424579054698563, 1.579629390516192, 1.8442357314181037, 1.9592488757997297, 0.76827616899476792,
		0.94740917195391272}
	scipyRSA = 0.51515151515151514
	numpyCKA = 0.70913558375692298
)

func TestRDMAndRSAAgainstScipy(t *testing.T) {
	rdm, err := RDM(repX)
	if err != nil {
		t.Fatal(err)
	}
	if len(rdm) != len(scipyRDMX) {
		t.Fatalf("RDM has %d entries, want %d", len(rdm), len(scipyRDMX))
	}
	for i, want := range scipyRDMX {
		near(t, "RDM entry", rdm[i], want, 1e-14)
	}
	r, err := RSA(repX, repY)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RSA", r, scipyRSA, 1e-14)
	r, _ = RSA(repX, repX)
	near(t, "RSA of identical sets", r, 1, 1e-15)
	// RSA depends on the RDM's ranks only: a positive affine change of every item leaves the
	// correlation distances, and so RSA, unchanged.
	scaled := make([][]float64, len(repY))
	for i, row := range repY {
		scaled[i] = make([]float64, len(row))
		for j, v := range row {
			scaled[i][j] = 3*v - 1
		}
	}
	r2, _ := RSA(repX, scaled)
	near(t, "RSA after affine change", r2, scipyRSA, 1e-14)
	if _, err := RSA(repX[:2], repY[:2]); err == nil {
		t.Error("two items: no error")
	}
	if _, err := RSA(repX, repY[:4]); err == nil {
		t.Error("different item counts: no error")
	}
	if _, err := RDM([][]float64{{1, 2}, {3, 3}}); err == nil {
		t.Error("constant item: no error")
	}
}

// ckaHSIC is the textbook definition, tr(KHLH)/sqrt(tr(KHKH) tr(LHLH)) with explicit n x n
// centring matrices: an independent check of LinearCKA's two code paths.
func ckaHSIC(x, y [][]float64) float64 {
	n := len(x)
	k, l := gram(x), gram(y)
	h := make([][]float64, n)
	for i := range h {
		h[i] = make([]float64, n)
		for j := range h[i] {
			h[i][j] = -1 / float64(n)
		}
		h[i][i]++
	}
	mul := func(a, b [][]float64) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = make([]float64, n)
			for j := range out[i] {
				for m := range n {
					out[i][j] += a[i][m] * b[m][j]
				}
			}
		}
		return out
	}
	trace := func(a [][]float64) float64 {
		var s float64
		for i := range a {
			s += a[i][i]
		}
		return s
	}
	kh, lh := mul(k, h), mul(l, h)
	return trace(mul(kh, lh)) / math.Sqrt(trace(mul(kh, kh))*trace(mul(lh, lh)))
}

func randomRows(rng *rand.Rand, n, p int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, p)
		for j := range out[i] {
			out[i][j] = rng.NormFloat64()
		}
	}
	return out
}

// randomOrthogonal returns a p x p orthogonal matrix by Gram-Schmidt on Gaussian columns.
func randomOrthogonal(rng *rand.Rand, p int) [][]float64 {
	q := randomRows(rng, p, p)
	for j := range p {
		for k := range j {
			var dot float64
			for i := range p {
				dot += q[i][j] * q[i][k]
			}
			for i := range p {
				q[i][j] -= dot * q[i][k]
			}
		}
		var norm float64
		for i := range p {
			norm += q[i][j] * q[i][j]
		}
		norm = math.Sqrt(norm)
		for i := range p {
			q[i][j] /= norm
		}
	}
	return q
}

func matMul(a, b [][]float64) [][]float64 {
	out := make([][]float64, len(a))
	for i := range a {
		out[i] = make([]float64, len(b[0]))
		for k, av := range a[i] {
			for j, bv := range b[k] {
				out[i][j] += av * bv
			}
		}
	}
	return out
}

func TestLinearCKA(t *testing.T) {
	got, err := LinearCKA(repX, repY)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "CKA against numpy", got, numpyCKA, 1e-14)
	got, _ = LinearCKA(repX, repX)
	near(t, "CKA(X, X)", got, 1, 1e-14)

	rng := rand.New(rand.NewPCG(1, 2))
	// Both code paths: few items (Gram matrices) and many items (feature cross-products).
	for _, shape := range [][3]int{{6, 10, 8}, {60, 3, 4}} {
		n, p, q := shape[0], shape[1], shape[2]
		x, y := randomRows(rng, n, p), randomRows(rng, n, q)
		for i := range y { // make y partly depend on x
			y[i][0] += 2 * x[i][0]
		}
		want := ckaHSIC(x, y)
		got, err := LinearCKA(x, y)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "CKA against the HSIC definition", got, want, 1e-12)
		if got <= 0 || got > 1 {
			t.Errorf("CKA %v outside (0, 1]", got)
		}
		// Invariance to orthogonal transforms and isotropic scaling (Kornblith et al. 2019).
		xr := matMul(x, randomOrthogonal(rng, p))
		for i := range xr {
			for j := range xr[i] {
				xr[i][j] *= 7.5
			}
		}
		yr := matMul(y, randomOrthogonal(rng, q))
		got2, _ := LinearCKA(xr, yr)
		near(t, "CKA after rotation and scaling", got2, got, 1e-12)
		// Not invariant to an anisotropic scaling of one feature.
		for i := range xr {
			x[i][0] *= 10
		}
		if got3, _ := LinearCKA(x, y); math.Abs(got3-got) < 1e-6 {
			t.Errorf("CKA unchanged (%v) after an anisotropic scaling", got3)
		}
	}
	if _, err := LinearCKA([][]float64{{1, 2}, {1, 2}}, [][]float64{{1}, {2}}); err == nil {
		t.Error("constant representation: no error")
	}
	if _, err := LinearCKA(repX, repY[:3]); err == nil {
		t.Error("different item counts: no error")
	}
}
