package embed

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// FindABParams against scipy.optimize.curve_fit as umap-learn's find_ab_params calls it
// (values recorded with scipy 1.10.1).
func TestFindABParamsMatchesScipy(t *testing.T) {
	for _, c := range []struct{ spread, minDist, a, b float64 }{
		{1, 0.1, 1.5769434602, 0.8950608780},
		{1, 0.01, 1.8956058660, 0.8006378440},
		{1, 0.5, 0.5830300205, 1.3341669929},
		{2, 0.3, 0.3794946889, 0.9488152191},
		{1, 0.001, 1.9290733952, 0.7915045330},
		{1, 1e-12, 1.9328083979, 0.7904949736},
	} {
		a, b, err := FindABParams(c.spread, c.minDist)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a-c.a) > 1e-6 || math.Abs(b-c.b) > 1e-6 {
			t.Errorf("spread %v min_dist %v: a, b = %.10f, %.10f; scipy %.10f, %.10f", c.spread, c.minDist, a, b, c.a, c.b)
		}
	}
	for _, bad := range [][2]float64{{0, 0.1}, {1, -0.1}, {1, 2}, {math.NaN(), 0.1}, {1, math.NaN()}} {
		if _, _, err := FindABParams(bad[0], bad[1]); err == nil {
			t.Errorf("FindABParams(%v, %v): no error", bad[0], bad[1])
		}
	}
}

// A row with distances 0 (itself), 1, 2, 3 and k = 4: rho = 1 and sigma solves
// 1 + u + u^2 = log2(4) = 2 with u = exp(-1/sigma): u = (sqrt(5)-1)/2, sigma = -1/ln(u).
func TestSmoothKNNDistHandComputed(t *testing.T) {
	g := knnGraph{n: 1, k: 4, idx: []int32{0, 1, 2, 3}, dist: []float64{0, 1, 2, 3}}
	sigma, rho := smoothKNNDist(g)
	u := (math.Sqrt(5) - 1) / 2
	want := -1 / math.Log(u)
	if rho[0] != 1 {
		t.Errorf("rho = %v, want 1", rho[0])
	}
	if math.Abs(sigma[0]-want) > 1e-4 {
		t.Errorf("sigma = %v, want %v", sigma[0], want)
	}
}

// Fuzzy union on a hand-made 3-point kNN graph: w = a + b - ab, symmetric, no self loops.
func TestFuzzySimplicialSetUnion(t *testing.T) {
	// Point 0: neighbours 1 (d=1), 2 (d=3); point 1: 0 (d=1), 2 (d=2); point 2: 1 (d=2), 0 (d=3).
	g := knnGraph{n: 3, k: 3,
		idx:  []int32{0, 1, 2, 1, 0, 2, 2, 1, 0},
		dist: []float64{0, 1, 3, 0, 1, 2, 0, 2, 3}}
	sigma, rho := smoothKNNDist(g)
	memb := func(i int, d float64) float64 {
		if d-rho[i] <= 0 {
			return 1
		}
		return math.Exp(-(d - rho[i]) / sigma[i])
	}
	a := [3][3]float64{}
	a[0][1], a[0][2] = memb(0, 1), memb(0, 3)
	a[1][0], a[1][2] = memb(1, 1), memb(1, 2)
	a[2][1], a[2][0] = memb(2, 2), memb(2, 3)
	fs := fuzzySimplicialSet(g)
	if len(fs.head) != 6 {
		t.Fatalf("%d directed edges, want 6", len(fs.head))
	}
	for e := range fs.head {
		i, j := fs.head[e], fs.tail[e]
		want := a[i][j] + a[j][i] - a[i][j]*a[j][i]
		if i == j || math.Abs(fs.weight[e]-want) > 1e-15 {
			t.Errorf("edge %d-%d: weight %v, want %v", i, j, fs.weight[e], want)
		}
		if e > 0 && (fs.head[e-1] > i || fs.head[e-1] == i && fs.tail[e-1] >= j) {
			t.Errorf("edges not sorted by (head, tail) at %d", e)
		}
	}
	// a[1][2] = 1 (d = rho): the 1-2 edge has weight 1; the 0-2 edge is the weakest.
	pr := fs.prune(10000, 500)
	if len(pr.head) != 6 {
		t.Errorf("prune at max/10000 removed edges: %d left", len(pr.head))
	}
	pr = fs.prune(2, 2) // <= 10 epochs: threshold max/defaultEpochs = 0.5
	for e := range pr.weight {
		if pr.weight[e] < 0.5 {
			t.Errorf("edge %d-%d of weight %v kept by a 0.5 threshold", pr.head[e], pr.tail[e], pr.weight[e])
		}
	}
}

func TestEpochsPerSample(t *testing.T) {
	got := epochsPerSample([]float64{1, 0.5, 0.25}, 200)
	if !slices.Equal(got, []float64{1, 2, 4}) {
		t.Errorf("epochs per sample %v, want [1 2 4]", got)
	}
}

func randomPoints(seed uint64, n, d int) matrix {
	rng := rand.New(rand.NewPCG(seed, 11))
	x := matrix{n: n, d: d, v: make([]float64, n*d)}
	for i := range x.v {
		x.v[i] = rng.Float64()
	}
	return x
}

// Nearest-neighbour descent finds almost all true neighbours (pynndescent reaches > 0.99 recall
// at these sizes) and puts each point first in its own list.
func TestNNDescentRecall(t *testing.T) {
	x := randomPoints(1, 3000, 8)
	k := 15
	exact := exactKNN(x, k)
	approx := nnDescent(x, k, 42)
	hits := 0
	for i := range x.n {
		if approx.idx[i*k] != int32(i) || approx.dist[i*k] != 0 {
			t.Fatalf("point %d: first neighbour %d at %v, want itself", i, approx.idx[i*k], approx.dist[i*k])
		}
		want := exact.idx[i*k : (i+1)*k]
		for j, c := range approx.idx[i*k : (i+1)*k] {
			if slices.Contains(want, c) {
				hits++
			}
			if j > 0 && approx.dist[i*k+j] < approx.dist[i*k+j-1] {
				t.Fatalf("point %d: distances not sorted", i)
			}
			if d := math.Sqrt(sqDist(x.row(i), x.row(int(c)))); math.Abs(d-approx.dist[i*k+j]) > 1e-12 {
				t.Fatalf("point %d: distance to %d is %v, list says %v", i, c, d, approx.dist[i*k+j])
			}
		}
	}
	recall := float64(hits) / float64(x.n*k)
	t.Logf("NN-descent recall on 3,000 uniform 8-D points, k = 15: %.4f", recall)
	if recall < 0.97 {
		t.Errorf("recall %.4f < 0.97", recall)
	}
}

func TestNNDescentDeterministicAcrossGOMAXPROCS(t *testing.T) {
	// High-dimensional uniform points: the descent does not reach the exact neighbours, so its
	// result depends on its path, which must not depend on the scheduling.
	x := randomPoints(2, 4500, 48)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	a := nnDescent(x, 10, 3)
	// More goroutines than cores interleave chunks in ever different orders.
	for _, procs := range []int{2, 8, 8} {
		runtime.GOMAXPROCS(procs)
		b := nnDescent(x, 10, 3)
		if !slices.Equal(a.idx, b.idx) || !slices.Equal(a.dist, b.dist) {
			t.Fatalf("nearest-neighbour descent differs between GOMAXPROCS 1 and %d", procs)
		}
	}
}

// The Lanczos solver and the dense one agree on the Laplacian eigenvectors of a kNN graph.
func TestLanczosMatchesDense(t *testing.T) {
	x := randomPoints(3, 400, 2)
	g := fuzzySimplicialSet(exactKNN(x, 15))
	labels, nc := g.components()
	if nc != 1 {
		t.Fatalf("%d components, want a connected test graph", nc)
	}
	m, sqrtDeg, ok := normalizedAdjacency(g, labels, 0, x.n)
	if !ok {
		t.Fatal("isolated vertex")
	}
	dense, err := spectralVectorsBy(m, sqrtDeg, 2, rand.New(rand.NewPCG(1, 1)), true)
	if err != nil {
		t.Fatal(err)
	}
	lanczos, err := spectralVectorsBy(m, sqrtDeg, 2, rand.New(rand.NewPCG(1, 1)), false)
	if err != nil {
		t.Fatal(err)
	}
	for c := range 2 {
		diff := 0.0
		for i := range x.n {
			diff = max(diff, math.Abs(dense.v[i*2+c]-lanczos.v[i*2+c]))
		}
		if diff > 1e-4 {
			t.Errorf("eigenvector %d: Lanczos and dense differ by up to %v", c+1, diff)
		}
	}
}

func TestComponentsAndMultiComponentLayout(t *testing.T) {
	// Three far-apart groups of points: three components, laid out apart.
	rng := rand.New(rand.NewPCG(4, 4))
	var data [][]float64
	for c := range 3 {
		for range 40 {
			data = append(data, []float64{100*float64(c) + rng.Float64(), rng.Float64()})
		}
	}
	res, err := FitUMAP(data, UMAPOptions{NNeighbors: 10, Seed: 1, Epochs: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Components != 3 {
		t.Errorf("%d components, want 3 (init %q)", res.Components, res.Init)
	}
	tw, err := Trustworthiness(data, res.Embedding, 5)
	if err != nil {
		t.Fatal(err)
	}
	if tw < 0.9 {
		t.Errorf("trustworthiness %.3f < 0.9 for three separated groups", tw)
	}
}

// When the eigensolver fails, the layout falls back to a random one (umap-learn's behaviour),
// says so, and the optimisation still gives a faithful embedding.
func TestSpectralFailureFallsBackToRandom(t *testing.T) {
	saved := lanczosMaxMatVec
	lanczosMaxMatVec = 3
	defer func() { lanczosMaxMatVec = saved }()
	x := randomPoints(5, 400, 3)
	data := make([][]float64, x.n)
	for i := range data {
		data[i] = x.row(i)
	}
	res, err := FitUMAP(data, UMAPOptions{Seed: 1, Epochs: 200})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Init, "random (spectral initialisation failed") {
		t.Fatalf("init %q, want the random fallback", res.Init)
	}
	tw, _ := Trustworthiness(data, res.Embedding, 10)
	if tw < 0.85 {
		t.Errorf("trustworthiness %.3f after the random fallback", tw)
	}
}
