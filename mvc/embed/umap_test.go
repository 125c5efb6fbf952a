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
	runtime.GOMAXPROCS(2)
	b, err := UMAP(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				t.Fatalf("point %d coordinate %d: %v with GOMAXPROCS=1, %v with 2", i, j, a[i][j], b[i][j])
			}
		}
	}
}
