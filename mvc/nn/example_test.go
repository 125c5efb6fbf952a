package nn_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/nn"
)

// ExampleConv2D finds a vertical edge: a 4x4 greyscale image, dark on the left and bright on
// the right, convolved with the horizontal difference kernel [-1 1] (kernel [1, 2, 1, 1]),
// once without padding (4x3 outputs) and once with Keras' "same" padding (4x4). The first
// convolution layer of every zoo model is such a Conv2D, with learned kernels.
func ExampleConv2D() {
	backend, err := mvc.NewBackend("go") // GoMLX's pure-Go backend
	if err != nil {
		panic(err)
	}
	image := [][][][]float32{{
		{{0}, {0}, {1}, {1}},
		{{0}, {0}, {1}, {1}},
		{{0}, {0}, {1}, {1}},
		{{0}, {0}, {1}, {1}},
	}}
	kernel := [][][][]float32{{{{-1}}, {{1}}}} // [kh=1, kw=2, in=1, out=1]
	exec := MustNewExec(backend, func(x, k *Node) (*Node, *Node) {
		return nn.Conv2D(x, k, 1, nn.Valid), nn.Conv2D(x, k, 1, nn.Same(4, 4, 1, 2, 1))
	})
	outs := exec.MustCall(image, kernel)
	for _, out := range outs {
		fmt.Println(out.Shape())
		for _, row := range out.Value().([][][][]float32)[0] {
			fmt.Println(row)
		}
	}
	// Output:
	// (Float32)[1, 4, 3, 1]
	// [[0] [1] [0]]
	// [[0] [1] [0]]
	// [[0] [1] [0]]
	// [[0] [1] [0]]
	// (Float32)[1, 4, 4, 1]
	// [[0] [1] [0] [-1]]
	// [[0] [1] [0] [-1]]
	// [[0] [1] [0] [-1]]
	// [[0] [1] [0] [-1]]
}

// ExampleDepthwiseConv2D filters each channel with its own kernel (kernel [kh, kw, channels,
// 1]): a 3x3 box sum on the first channel and the identity on the second, at stride 1 with
// one pixel of zero padding on every side, so the output keeps the 3x3 size.
func ExampleDepthwiseConv2D() {
	backend, err := mvc.NewBackend("go")
	if err != nil {
		panic(err)
	}
	// One 3x3 image with 2 channels: all ones in the first, 1..9 in the second.
	image := make([][][][]float32, 1)
	image[0] = make([][][]float32, 3)
	for i := range 3 {
		image[0][i] = make([][]float32, 3)
		for j := range 3 {
			image[0][i][j] = []float32{1, float32(3*i + j + 1)}
		}
	}
	kernel := make([][][][]float32, 3)
	for i := range 3 {
		kernel[i] = make([][][]float32, 3)
		for j := range 3 {
			identity := float32(0)
			if i == 1 && j == 1 {
				identity = 1
			}
			kernel[i][j] = [][]float32{{1}, {identity}}
		}
	}
	exec := MustNewExec(backend, func(x, k *Node) *Node { return nn.DepthwiseConv2D(x, k, 1, nn.Symmetric(1)) })
	out := exec.MustCall1(image, kernel)
	fmt.Println(out.Shape())
	y := out.Value().([][][][]float32)[0]
	for c := range 2 {
		fmt.Printf("channel %d:", c)
		for i := range 3 {
			fmt.Print(" [")
			for j := range 3 {
				if j > 0 {
					fmt.Print(" ")
				}
				fmt.Print(y[i][j][c])
			}
			fmt.Print("]")
		}
		fmt.Println()
	}
	// Output:
	// (Float32)[1, 3, 3, 2]
	// channel 0: [4 6 4] [6 9 6] [4 6 4]
	// channel 1: [1 2 3] [4 5 6] [7 8 9]
}

// ExampleMatMulReshaped applies one dense layer (weights [3, 2], bias [2]) to every token of a
// batch of token sequences [batch=1, tokens=2, features=3], as a transformer's projections do:
// the tokens are seen as 2 rows of 3 features and the result is given back as [1, 2, 2].
func ExampleMatMulReshaped() {
	backend, err := mvc.NewBackend("go")
	if err != nil {
		panic(err)
	}
	tokens := [][][]float32{{{1, 0, 2}, {0, 1, 1}}}
	weights := [][]float32{{1, 0}, {0, 1}, {1, 1}}
	bias := []float32{10, 20}
	exec := MustNewExec(backend, func(x, w, b *Node) *Node {
		return nn.MatMulReshaped(x, 2, w, b, 1, 2, 2)
	})
	out := exec.MustCall(tokens, weights, bias)[0]
	fmt.Println(out.Shape(), out.Value())
	// Output:
	// (Float32)[1, 2, 2] [[[13 22] [11 22]]]
}
