package neurn_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// ExampleNew prepends NeuRN to a model, in GoMLX layer style.
func ExampleNew() {
	backend := mvc.MustBackend()
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return neurn.New(scope.In("neurn"), x).KernelSize(3).Done()
	})
	// One 3x3 greyscale image with a bright vertical bar in the middle column.
	x := [][][][]float32{{{{0}, {1}, {0}}, {{0}, {1}, {0}}, {{0}, {1}, {0}}}}
	y := exec.MustCall1(x).Value().([][][][]float32)
	for _, row := range y[0] {
		fmt.Printf("%.3f %.3f %.3f\n", row[0][0], row[1][0], row[2][0])
	}
	// Output:
	// 1.000 0.943 1.000
	// 1.000 0.943 1.000
	// 1.000 0.943 1.000
}

// ExampleNeuRN applies the layer as a plain graph function, normalizing each channel by its own
// maximum.
func ExampleNeuRN() {
	exec := MustNewExec(mvc.MustBackend(), func(x *Node) *Node { return neurn.NeuRN(x, 5, true) })
	x := tensors.FromFlatDataAndDimensions([]float32{0.1, 0.9, 0.2, 0.4, 0.4, 0.4, 0.8, 0.1, 0.6}, 1, 3, 3, 1)
	fmt.Println(exec.MustCall1(x).Shape())
	// Output: (Float32)[1, 3, 3, 1]
}

// ExampleTransformer applies NeuRN to a batch outside a model; a blank image maps to zeros.
func ExampleTransformer() {
	tr, err := neurn.NewTransformer(mvc.MustBackend(), 3, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	blank := make([]float32, 2*4*4*3) // two 4x4 RGB images
	out, err := tr.ApplyFlat(blank, 2, 4, 4, 3)
	fmt.Println(len(out), out[0], err)
	_, err = tr.ApplyFlat(blank, 2, 4, 4, 2)
	fmt.Println(err)
	// Output:
	// 96 0 <nil>
	// neurn: 96 values do not make shape [2 4 4 2]
}

// ExampleReference evaluates the specification in plain Go, float64.
func ExampleReference() {
	out, _ := neurn.Reference([]float64{0, 1, 0, 1}, 1, 2, 2, 1, 3, false)
	fmt.Println(out)
	// Output: [1 1 1 1]
}
