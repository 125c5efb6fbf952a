package embed

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// irisClassMeans are the published class means of Fisher's iris data (Fisher 1936; e.g. R's
// datasets::iris, aggregate(. ~ Species, iris, mean)).
var irisClassMeans = [3][4]float64{
	{5.006, 3.428, 1.462, 0.246},
	{5.936, 2.770, 4.260, 1.326},
	{6.588, 2.974, 5.552, 2.026},
}

func TestIrisTable(t *testing.T) {
	if len(irisData) != 150 {
		t.Fatalf("iris has %d rows, want 150", len(irisData))
	}
	for c := range 3 {
		for f := range 4 {
			s := 0.0
			for _, row := range irisData[50*c : 50*c+50] {
				s += row[f]
			}
			if got := s / 50; math.Abs(got-irisClassMeans[c][f]) > 1e-9 {
				t.Errorf("class %d feature %d: mean %v, published %v", c, f, got, irisClassMeans[c][f])
			}
		}
	}
}

// TestUMAPIrisTrustworthiness is umap-learn's test_umap_trustworthiness_on_iris:
// UMAP(n_neighbors=10, min_dist=0.01, random_state=42) on iris, trustworthiness (k=10) >= 0.97.
func TestUMAPIrisTrustworthiness(t *testing.T) {
	res, err := FitUMAP(irisData, UMAPOptions{NNeighbors: 10, MinDist: 0.01, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	tw, err := Trustworthiness(irisData, res.Embedding, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("iris: trustworthiness %.4f (knn %s, init %s, %d components, %d edges, a=%.4f b=%.4f)",
		tw, res.KNN, res.Init, res.Components, res.Edges, res.A, res.B)
	if tw < 0.97 {
		t.Errorf("trustworthiness on iris %.4f < 0.97", tw)
	}
}

// uniform5D is umap-learn's nn_data fixture in miniature: 50 points uniform in [0,1]^5.
func uniform5D(seed uint64, n int) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 5))
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, 5)
		for j := range out[i] {
			out[i][j] = rng.Float64()
		}
	}
	return out
}

// TestUMAPUniformTrustworthiness is umap-learn's test_umap_trustworthiness_random_init and
// _fast_approx bar: 50 uniform 5-D points, n_neighbors 10, min_dist 0.01, trustworthiness >= 0.8.
func TestUMAPUniformTrustworthiness(t *testing.T) {
	data := uniform5D(1, 50)
	for _, init := range []string{"spectral", "random"} {
		emb, err := UMAP(data, UMAPOptions{NNeighbors: 10, MinDist: 0.01, Seed: 42, Init: init})
		if err != nil {
			t.Fatal(err)
		}
		tw, err := Trustworthiness(data, emb, 10)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("50 uniform 5-D points, init %s: trustworthiness %.4f", init, tw)
		if tw < 0.8 {
			t.Errorf("init %s: trustworthiness %.4f < 0.8", init, tw)
		}
	}
}

func TestUMAPDeterministicAcrossGOMAXPROCS(t *testing.T) {
	data := uniform5D(3, 300)
	opts := UMAPOptions{Seed: 7, Epochs: 50}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	a, err := UMAP(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{2, 8} {
		runtime.GOMAXPROCS(procs)
		b, err := UMAP(data, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			for j := range a[i] {
				if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
					t.Fatalf("point %d coordinate %d: %v with GOMAXPROCS=1, %v with %d", i, j, a[i][j], b[i][j], procs)
				}
			}
		}
	}
}

// Trustworthiness against scikit-learn's formula, computed with NumPy (stable argsort) on the
// same deterministic points: X[i][j] = sin(0.37 i (j+1) + j), Y a nonlinear 2-D map of X.
func TestTrustworthinessMatchesSklearnFormula(t *testing.T) {
	n := 40
	X := make([][]float64, n)
	Y := make([][]float64, n)
	for i := range n {
		X[i] = make([]float64, 4)
		for j := range 4 {
			X[i][j] = math.Sin(0.37*float64(i)*float64(j+1) + float64(j))
		}
		Y[i] = []float64{X[i][0] + 0.5*X[i][1]*X[i][1], X[i][2] - X[i][3]*X[i][0]}
	}
	for _, c := range []struct {
		k    int
		want float64
	}{{1, 0.9980263157894737}, {5, 0.8875}, {10, 0.8675510204081632}, {19, 0.7909090909090909}} {
		got, err := Trustworthiness(X, Y, c.k)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("k=%d: trustworthiness %v, NumPy %v", c.k, got, c.want)
		}
	}
	if tw, _ := Trustworthiness(X, X, 5); tw != 1 {
		t.Errorf("identity embedding: trustworthiness %v, want 1", tw)
	}
	for _, k := range []int{0, 20, 25} {
		if _, err := Trustworthiness(X, Y, k); err == nil {
			t.Errorf("k=%d with n=40: no error", k)
		}
	}
	if _, err := Trustworthiness(X, Y[:30], 5); err == nil {
		t.Error("different point counts: no error")
	}
}

func TestUMAPBadInput(t *testing.T) {
	good := uniform5D(1, 20)
	cases := map[string]struct {
		data [][]float64
		opts UMAPOptions
	}{
		"no points":       {nil, UMAPOptions{}},
		"two points":      {good[:2], UMAPOptions{}},
		"ragged":          {[][]float64{{1, 2}, {3, 4}, {5}}, UMAPOptions{}},
		"NaN":             {append([][]float64{{math.NaN(), 0, 0, 0, 0}}, good...), UMAPOptions{}},
		"Inf":             {append([][]float64{{math.Inf(1), 0, 0, 0, 0}}, good...), UMAPOptions{}},
		"n_neighbors 1":   {good, UMAPOptions{NNeighbors: 1}},
		"min_dist>spread": {good, UMAPOptions{MinDist: 2}},
		"negative epochs": {good, UMAPOptions{Epochs: -1}},
		"cosine metric":   {good, UMAPOptions{Metric: "cosine"}},
		"unknown init":    {good, UMAPOptions{Init: "pca"}},
		"too many dims":   {good[:4], UMAPOptions{NComponents: 3}},
	}
	for name, c := range cases {
		if _, err := UMAP(c.data, c.opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestUMAPShapesAndSmallInputs(t *testing.T) {
	data := uniform5D(2, 12) // fewer points than n_neighbors 15: cut to 11
	res, err := FitUMAP(data, UMAPOptions{NComponents: 3, Seed: 1, Epochs: 30})
	if err != nil {
		t.Fatal(err)
	}
	if res.NNeighbors != 11 || len(res.Embedding) != 12 || len(res.Embedding[0]) != 3 || res.Epochs != 30 {
		t.Errorf("n_neighbors %d, shape %dx%d, epochs %d", res.NNeighbors, len(res.Embedding), len(res.Embedding[0]), res.Epochs)
	}
	for _, row := range res.Embedding {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatal("non-finite embedding")
			}
		}
	}
	// Duplicated points (zero distances) embed without trouble.
	dup := append(uniform5D(3, 30), uniform5D(3, 30)...)
	if _, err := UMAP(dup, UMAPOptions{Seed: 1, Epochs: 30}); err != nil {
		t.Error(err)
	}
}

// Above 4,096 points the neighbours come from nearest-neighbour descent: still deterministic
// across GOMAXPROCS and faithful to the data.
func TestUMAPLargeDeterministicAcrossGOMAXPROCS(t *testing.T) {
	data := gaussianMixture(4200, 8, 6, 1, 9)
	opts := UMAPOptions{Seed: 3, Epochs: 30}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	a, err := FitUMAP(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	b, err := FitUMAP(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.KNN != "nn-descent" {
		t.Errorf("kNN method %q for 4,200 points, want nn-descent", a.KNN)
	}
	for i := range a.Embedding {
		for j := range a.Embedding[i] {
			if math.Float64bits(a.Embedding[i][j]) != math.Float64bits(b.Embedding[i][j]) {
				t.Fatalf("point %d coordinate %d: %v with GOMAXPROCS=1, %v with 2", i, j, a.Embedding[i][j], b.Embedding[i][j])
			}
		}
	}
	t.Logf("4,200 points: init %s, %d components, %d edges", a.Init, a.Components, a.Edges)
}
