package similarity

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// paperScaleInput is the paper's selection size: 500 excitatory + 500 inhibitory cells (16x16
// maps, spread over the 6 areas and 13 Cre lines) against 13 architectures with and without
// NeuRN, 500 kernels of 3x3 each.
func paperScaleInput(kh int) Input {
	rng := rand.New(rand.NewPCG(1, 1))
	var in Input
	for i := range 1000 {
		cre := allen.CreLines[i%10].Gene
		if i >= 500 {
			cre = allen.CreLines[10+i%3].Gene
		}
		in.Cells = append(in.Cells, Cell{ID: fmt.Sprint(i), Area: allen.Areas[i%6], Cre: cre, Map: randomMap(rng, 16, 16)})
	}
	for a := range 13 {
		for _, neurn := range []bool{false, true} {
			m := Model{Name: fmt.Sprintf("arch%02d", a), NeuRN: neurn}
			for range 500 {
				m.Kernels = append(m.Kernels, randomMap(rng, kh, kh))
			}
			in.Models = append(in.Models, m)
		}
	}
	return in
}

// BenchmarkAggregatePaperScale times the full table at the paper's size (1,000 cells, 26 models
// of 500 kernels, 1,000 bootstrap resamples, 9,999 permutations per comparison).
func BenchmarkAggregatePaperScale(b *testing.B) {
	for _, kh := range []int{3, 7} {
		in := paperScaleInput(kh)
		b.Run(fmt.Sprintf("kernel%dx%d", kh, kh), func(b *testing.B) {
			for b.Loop() {
				if _, err := Aggregate(in, DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKDEIoU(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	x, y := make([]float64, 256), make([]float64, 256)
	for i := range x {
		x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()+0.5
	}
	for b.Loop() {
		if _, err := KDEIoU(x, y); err != nil {
			b.Fatal(err)
		}
	}
}
