package embed

import (
	"math/rand/v2"
	"testing"
)

// gaussianMixture draws n points in d dimensions from k spherical Gaussians of unit variance
// whose centres are drawn from N(0, sep^2) per coordinate; point i belongs to component i % k.
func gaussianMixture(n, d, k int, sep float64, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 64))
	cent := make([][]float64, k)
	for c := range cent {
		cent[c] = make([]float64, d)
		for j := range cent[c] {
			cent[c][j] = sep * rng.NormFloat64()
		}
	}
	out := make([][]float64, n)
	for i := range out {
		c := cent[i%k]
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = c[j] + rng.NormFloat64()
		}
	}
	return out
}

// BenchmarkUMAP10000x64 embeds 10,000 points of a 10-component Gaussian mixture in 64
// dimensions with the defaults (nearest-neighbour descent, spectral init, 500 epochs): the
// issue's speed target is 30 s on 2 cores. Run with
//
//	go test -run XXX -bench UMAP10000 -benchtime 1x ./mvc/embed/
func BenchmarkUMAP10000x64(b *testing.B) {
	data := gaussianMixture(10000, 64, 10, 1, 1)
	for b.Loop() {
		res, err := FitUMAP(data, UMAPOptions{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Components), "components")
	}
}
