package similarity_test

import (
	"fmt"

	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// Compare three 3x3 kernels with three neural maps of another size in one call.
func ExampleCompareSets() {
	kernels := []similarity.Map{
		{Height: 3, Width: 3, Values: []float64{0, 1, 0, 1, 2, 1, 0, 1, 0}},    // centre on
		{Height: 3, Width: 3, Values: []float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}}, // vertical edge
		{Height: 3, Width: 3, Values: []float64{2, 1, 0, 1, 0, -1, 0, -1, -2}}, // diagonal ramp
	}
	cells := []similarity.Map{
		{Height: 6, Width: 6, Values: []float64{
			0, 0, 1, 1, 0, 0,
			0, 0, 1, 1, 0, 0,
			1, 1, 2, 2, 1, 1,
			1, 1, 2, 2, 1, 1,
			0, 0, 1, 1, 0, 0,
			0, 0, 1, 1, 0, 0}},
		{Height: 3, Width: 6, Values: []float64{
			0, 0, 1, 1, 2, 2,
			0, 0, 1, 1, 2, 2,
			0, 0, 1, 1, 2, 2}},
		{Height: 4, Width: 4, Values: []float64{
			3, 2, 1, 0,
			2, 2, 1, 0,
			1, 1, 0, 0,
			0, 0, 0, 1}},
	}
	s, err := similarity.CompareSets(kernels, cells)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("nearest RMSE per kernel: %.2f %.2f %.2f\n", s.NearestRMSE[0], s.NearestRMSE[1], s.NearestRMSE[2])
	fmt.Printf("RSA %.2f, CKA %.2f\n", s.RSA, s.CKA)
	// Output:
	// nearest RMSE per kernel: 0.00 0.17 0.27
	// RSA 0.89, CKA 0.90
}
