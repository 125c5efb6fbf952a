package embed

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// blobs draws sizes[c] points around centre c of a grid spaced 20 apart in d dimensions, with
// standard deviation 0.5; it returns the points and their blob.
func blobs(sizes []int, d int, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var pts [][]float64
	var truth []int
	for c, n := range sizes {
		centre := make([]float64, d)
		centre[c%d] = 20 * float64(1+c/d)
		for range n {
			p := make([]float64, d)
			for j := range p {
				p[j] = centre[j] + 0.5*rng.NormFloat64()
			}
			pts = append(pts, p)
			truth = append(truth, c)
		}
	}
	return pts, truth
}

// sameClustering reports whether labels and truth induce the same partition.
func sameClustering(labels, truth []int) bool {
	fwd, back := map[int]int{}, map[int]int{}
	for i := range labels {
		if l, ok := fwd[truth[i]]; ok && l != labels[i] {
			return false
		}
		if tr, ok := back[labels[i]]; ok && tr != truth[i] {
			return false
		}
		fwd[truth[i]], back[labels[i]] = labels[i], truth[i]
	}
	return true
}

func TestKMeansRecoversBlobs(t *testing.T) {
	pts, truth := blobs([]int{40, 60, 25, 80, 50, 35}, 3, 1)
	km, err := KMeans(pts, KMeansOptions{K: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !sameClustering(km.Labels, truth) {
		t.Errorf("k-means did not recover the 6 blobs: sizes %v", km.Sizes)
	}
	sizes := slices.Clone(km.Sizes)
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{25, 35, 40, 50, 60, 80}) {
		t.Errorf("cluster sizes %v", km.Sizes)
	}
	if !km.Converged {
		t.Error("not converged")
	}
	// Inertia is the sum of squared distances to the centroids, which are the cluster means.
	inertia := 0.0
	for i, p := range pts {
		inertia += sqDist(p, km.Centroids[km.Labels[i]])
	}
	if math.Abs(inertia-km.Inertia) > 1e-9*inertia {
		t.Errorf("inertia %v, recomputed %v", km.Inertia, inertia)
	}
}

// Hand-computed: 1-D points 0, 1, 10, 11 in two clusters: centroids 0.5 and 10.5, inertia 1.
func TestKMeansHandComputed(t *testing.T) {
	km, err := KMeans([][]float64{{0}, {10}, {1}, {11}}, KMeansOptions{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := []float64{km.Centroids[0][0], km.Centroids[1][0]}
	slices.Sort(cs)
	if !slices.Equal(cs, []float64{0.5, 10.5}) || km.Inertia != 1 {
		t.Errorf("centroids %v inertia %v, want [0.5 10.5] and 1", cs, km.Inertia)
	}
	if km.Labels[0] != km.Labels[2] || km.Labels[1] != km.Labels[3] || km.Labels[0] == km.Labels[1] {
		t.Errorf("labels %v", km.Labels)
	}
	// As many clusters as distinct points (with duplicates): k-means++ never picks a point
	// twice, so the inertia is 0.
	dup := [][]float64{{0, 0}, {0, 0}, {1, 1}, {1, 1}, {1, 1}, {5, 0}}
	km, err = KMeans(dup, KMeansOptions{K: 3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if km.Inertia != 0 {
		t.Errorf("3 distinct points in 3 clusters: inertia %v", km.Inertia)
	}
}

func TestKMeansDeterministic(t *testing.T) {
	pts := gaussianMixture(3000, 2, 10, 1, 5) // overlapping: many local optima
	opts := KMeansOptions{K: 10, Seed: 11}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	a, err := KMeans(pts, opts)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	b, err := KMeans(pts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Labels, b.Labels) || a.Inertia != b.Inertia || a.Run != b.Run {
		t.Errorf("k-means differs between GOMAXPROCS 1 and 2: inertia %v vs %v", a.Inertia, b.Inertia)
	}
	// More restarts never give a worse optimum (the first runs are the same).
	one, _ := KMeans(pts, KMeansOptions{K: 10, Seed: 11, NInit: 1})
	if a.Inertia > one.Inertia {
		t.Errorf("10 restarts: inertia %v > 1 restart: %v", a.Inertia, one.Inertia)
	}
}

func TestKMeansBadInput(t *testing.T) {
	for name, c := range map[string]struct {
		data [][]float64
		k    int
	}{
		"K > n":   {[][]float64{{1}, {2}}, 3},
		"K = 0":   {[][]float64{{1}, {2}}, 0},
		"NaN":     {[][]float64{{1}, {math.NaN()}}, 1},
		"ragged":  {[][]float64{{1, 2}, {3}}, 1},
		"no data": {nil, 1},
	} {
		if _, err := KMeans(c.data, KMeansOptions{K: c.k}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNearestToCentroids(t *testing.T) {
	data := [][]float64{{0}, {3}, {1}, {-2}, {10}, {12}, {11.5}}
	km := &KMeansResult{Labels: []int{0, 0, 0, 0, 1, 1, 1}, Centroids: [][]float64{{0.5}, {11}}}
	got, err := NearestToCentroids(data, km, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Cluster 0: distances 0.5 (0), 2.5 (1), 0.5 (2), 2.5 (3): ties by index.
	if !slices.Equal(got[0], []int{0, 2}) || !slices.Equal(got[1], []int{6, 4}) {
		t.Errorf("nearest %v, want [[0 2] [6 4]]", got)
	}
	all, _ := NearestToCentroids(data, km, 10)
	if !slices.Equal(all[0], []int{0, 2, 1, 3}) || !slices.Equal(all[1], []int{6, 4, 5}) {
		t.Errorf("all members %v", all)
	}
	if _, err := NearestToCentroids(data[:3], km, 2); err == nil {
		t.Error("mismatched clustering: no error")
	}
}
