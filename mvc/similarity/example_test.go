package similarity_test

import (
	"fmt"

	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// Eq. 1: the 4x4 neural map is averaged down to the kernel's 2x2, both are min-max scaled, and
// their root mean squared difference taken.
func ExampleRMSE() {
	kernel := similarity.Map{Height: 2, Width: 2, Values: []float64{0, 1, 2, 3}}
	neural := similarity.Map{Height: 4, Width: 4, Values: []float64{
		2, 4, 1, 1,
		3, 3, 0, 2,
		2, 2, 0, 0,
		1, 3, 0, 0,
	}}
	rmse, err := similarity.RMSE(kernel, neural)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("RMSE = %.4f\n", rmse)
	// Output: RMSE = 0.7071
}

// Eqs. 2-5: the overlap of two kernel density estimates, as in Fig. 3.
func ExampleKDEIoU() {
	cells := []float64{0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.05}
	kernels := []float64{0.3, 0.6, 0.65, 0.7, 0.95, 0.5, 0.45}
	iou, err := similarity.KDEIoU(cells, kernels)
	if err != nil {
		fmt.Println(err)
		return
	}
	same, _ := similarity.KDEIoU(cells, cells)
	fmt.Printf("IoU = %.4f, with itself %.4f\n", iou, same)
	// Output: IoU = 0.5220, with itself 1.0000
}

// Linear CKA of a representation with a rotated and scaled copy of itself is 1.
func ExampleLinearCKA() {
	x := [][]float64{{1, 2}, {0.3, -1}, {2.5, 0}, {-0.5, 1.5}}
	// Rotate by 90 degrees and scale by 3: (a, b) -> (-3b, 3a).
	y := make([][]float64, len(x))
	for i, r := range x {
		y[i] = []float64{-3 * r[1], 3 * r[0]}
	}
	cka, err := similarity.LinearCKA(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("CKA = %.4f\n", cka)
	// Output: CKA = 1.0000
}

// RSA compares two sets of representations of the same items through their dissimilarity
// matrices.
func ExampleRSA() {
	x := [][]float64{{1, 2, 0.5}, {0.3, -1, 2}, {2.5, 0, 1}, {-0.5, 1.5, 0.2}, {1.1, 0.7, -2}}
	y := [][]float64{{0.2, 1, 3, -1}, {1.5, 0.1, 0, 2}, {0.9, 2.2, -0.4, 0.3}, {-1.2, 0.5, 1.1, 0.8}, {0, -0.7, 2.4, 1.6}}
	r, err := similarity.RSA(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("RSA = %.4f\n", r)
	// Output: RSA = 0.5152
}

// A paired sign-flip test: with three pairs all 2^3 sign patterns are enumerated.
func ExamplePairedPermutationTest() {
	neurn := []float64{0.30, 0.28, 0.35}
	base := []float64{0.31, 0.30, 0.38}
	res, err := similarity.PairedPermutationTest(neurn, base, similarity.DefaultPermutationOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean difference %.3f, p = %.3f (exact: %v, %d patterns)\n", res.MeanDiff, res.P, res.Exact, res.Permutations)
	// Output: mean difference -0.020, p = 0.250 (exact: true, 8 patterns)
}

func ExampleBootstrapMean() {
	values := []float64{0.31, 0.29, 0.35, 0.33, 0.30, 0.36, 0.28, 0.34}
	est, err := similarity.BootstrapMean(values, similarity.DefaultBootstrapOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %.3f, 95%% CI [%.3f, %.3f]\n", est.Mean, est.Low, est.High)
	// Output: mean 0.320, 95% CI [0.301, 0.340]
}

// Aggregate compares cells with models and groups the results as Fig. 2A and 2B do.
func ExampleAggregate() {
	mk := func(v ...float64) similarity.Map { return similarity.Map{Height: 2, Width: 2, Values: v} }
	in := similarity.Input{
		Provenance: "example",
		Cells: []similarity.Cell{
			{ID: "1", Area: "VISp", Cre: "Cux2", Map: mk(0, 1, 2, 4)},
			{ID: "2", Area: "VISp", Cre: "Cux2", Map: mk(0, 2, 1, 4)},
			{ID: "3", Area: "VISal", Cre: "Sst", Map: mk(4, 1, 2, 0)},
		},
		Models: []similarity.Model{
			{Name: "net", Kernels: []similarity.Map{mk(1, 0, 0, 1), mk(0, 1, 1, 0)}},
			{Name: "net", NeuRN: true, Kernels: []similarity.Map{mk(0, 1, 2, 3), mk(0, 2, 1, 3)}},
		},
	}
	table, err := similarity.Aggregate(in, similarity.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range table.Rows {
		if r.Level == similarity.LevelCre {
			label := similarity.Model{Name: r.Model, NeuRN: r.NeuRN}.Label()
			fmt.Printf("%-9s %-4s %s n=%d RMSE %.3f [%.3f, %.3f]\n", label, r.Cre, r.Class, r.NCells, r.MeanRMSE, r.CILow, r.CIHigh)
		}
	}
	c, _ := table.Comparison("net", similarity.Group{Level: similarity.LevelAll, Area: similarity.All, Cre: similarity.All, Class: similarity.All})
	fmt.Printf("NeuRN - base: %.3f, p = %.3f\n", c.MeanDiff, c.P)
	// Output:
	// net       Cux2 E n=2 RMSE 0.623 [0.573, 0.673]
	// net       Sst  I n=1 RMSE 0.623 [0.573, 0.673]
	// net+NeuRN Cux2 E n=2 RMSE 0.159 [0.093, 0.224]
	// net+NeuRN Sst  I n=1 RMSE 0.728 [0.713, 0.742]
	// NeuRN - base: -0.275, p = 0.500
}
