package neurn_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// LRN with AlexNet's defaults (n = 5, alpha = 1e-4, beta = 0.75, k = 2) on one pixel with 5
// channels; then the same pixel with PyTorch's nn.LocalResponseNorm(size=3, alpha=0.3, beta=0.75,
// k=1), whose alpha is divided by the size: alpha = 0.3/3 here.
func ExampleNewLRN() {
	backend := mvc.MustBackend()
	pixel := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5}, 1, 1, 1, 5)

	alexNet := MustNewExec(backend, func(x *Node) *Node { return neurn.NewLRN(nil, x).Done() })
	y := alexNet.MustCall1(pixel)
	fmt.Println("shape:", y.Shape())
	fmt.Printf("AlexNet: %.4f\n", tensors.MustCopyFlatData[float32](y))

	pyTorch := MustNewExec(backend, func(x *Node) *Node {
		return neurn.NewLRN(nil, x).Size(3).Alpha(0.3 / 3).Beta(0.75).Bias(1).Done()
	})
	fmt.Printf("PyTorch-style: %.4f\n", tensors.MustCopyFlatData[float32](pyTorch.MustCall1(pixel)))
	// Output:
	// shape: (Float32)[1, 1, 1, 5]
	// AlexNet: [0.5943 1.1879 1.7801 2.3736 2.9675]
	// PyTorch-style: [0.7378 1.0372 1.0810 1.0434 1.4733]
}

// LCN of a 5x5 image with one bright pixel, with a 3x3 Gaussian window of sigma 1: the bright
// pixel stands out, its neighbours become negative (they are below their local mean), and the
// pixels whose window misses the bright one stay 0. A blank image maps to zeros.
func ExampleNewLCN() {
	backend := mvc.MustBackend()
	values := make([]float32, 25)
	values[12] = 1 // Centre pixel.
	image := tensors.FromFlatDataAndDimensions(values, 1, 5, 5, 1)

	lcn := MustNewExec(backend, func(x *Node) *Node { return neurn.NewLCN(nil, x).KernelSize(3).Sigma(1).Done() })
	y := tensors.MustCopyFlatData[float32](lcn.MustCall1(image))
	for row := range 5 {
		fmt.Printf("%6.3f\n", y[row*5:row*5+5])
	}
	blank := tensors.FromFlatDataAndDimensions(make([]float32, 25), 1, 5, 5, 1)
	fmt.Println("blank:", tensors.MustCopyFlatData[float32](lcn.MustCall1(blank))[:5])
	// Output:
	// [ 0.000  0.000  0.000  0.000  0.000]
	// [ 0.000 -0.328 -0.424 -0.328  0.000]
	// [ 0.000 -0.424  2.138 -0.424  0.000]
	// [ 0.000 -0.328 -0.424 -0.328  0.000]
	// [ 0.000  0.000  0.000  0.000  0.000]
	// blank: [0 0 0 0 0]
}
