package neurn_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// BenchmarkNeuRN measures NeuRN on the workload, a batch of 256 images 32x32x3, for the
// box-sum graph (NeuRN) and the naive per-window graph (NaiveNeuRN); it reports images/s.
func BenchmarkNeuRN(b *testing.B) {
	const n, h, w, c = 256, 32, 32, 3
	rng := rand.New(rand.NewPCG(1, 1))
	v := make([]float32, n*h*w*c)
	for i := range v {
		v[i] = rng.Float32()
	}
	x := tensors.FromFlatDataAndDimensions(v, n, h, w, c)
	backend := mvc.MustBackend()
	for _, impl := range []struct {
		name  string
		naive bool
	}{{"boxsum", false}, {"naive", true}} {
		for _, k := range []int{3, 5, 7} {
			b.Run(fmt.Sprintf("%s/k=%d", impl.name, k), func(b *testing.B) {
				var tr *neurn.Transformer
				var err error
				if impl.naive {
					tr, err = neurn.NewNaiveTransformer(backend, k, false)
				} else {
					tr, err = neurn.NewTransformer(backend, k, false)
				}
				if err != nil {
					b.Fatal(err)
				}
				// Compile outside the timed loop.
				out, err := tr.Apply(x)
				if err != nil {
					b.Fatal(err)
				}
				out.FinalizeAll()
				b.ResetTimer()
				for b.Loop() {
					out, err := tr.Apply(x)
					if err != nil {
						b.Fatal(err)
					}
					out.FinalizeAll()
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
