package dg

// The digits protocol's architecture. This file holds the DigitNet of the
// domain-generalization literature so that the protocol can run while the project's model zoo
// (mvc/zoo, which will also register "digitnet") is not in the build; the command line uses the
// zoo's when it exists.

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// DigitNetName is the protocol architecture's name in [DigitNetFactory].
const DigitNetName = "digitnet"

// DigitNet returns the DigitNet of single-source domain generalization on digits (Volpi et al.,
// NeurIPS 2018; Xu et al., ICLR 2021, lib/networks/digit_net.py): conv 64 5x5 (no padding),
// ReLU, max-pool 2; conv 128 5x5, ReLU, max-pool 2; fc 1024, ReLU; fc 1024, ReLU; fc classes; on
// 32x32x3 inputs that is 32 -> 28 -> 14 -> 10 -> 5, a 3,200-feature flatten and 4,547,466 parameters
// at width 1. Width scales every layer's size. With neurnK > 0, NeuRN with window neurnK comes
// first. Weights and biases start as PyTorch's defaults for these layers, U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)). Convolutions run as shifted slices and one matrix product (DESIGN.md: 5-14x
// faster than the pure-Go backend's Convolve).
func DigitNet(classes int, width float64, neurnK int) (train.ModelFn, error) {
	if classes < 2 {
		return nil, errors.Errorf("dg: DigitNet with %d classes: want >= 2", classes)
	}
	if !(width > 0) || math.IsInf(width, 0) {
		return nil, errors.Errorf("dg: DigitNet width %g: want > 0", width)
	}
	if neurnK < 0 || (neurnK > 0 && neurnK%2 == 0) {
		return nil, errors.Errorf("dg: NeuRN window %d: want 0 (none) or odd", neurnK)
	}
	size := func(n int) int { return max(1, int(math.Round(float64(n)*width))) }
	c1, c2, f := size(64), size(128), size(1024)
	return func(scope *model.Scope, x *Node) *Node {
		if neurnK > 0 {
			x = neurn.New(scope.In("neurn"), x).KernelSize(neurnK).Done()
		}
		x = maxPool2(activation.Relu(convValid(scope.In("conv1"), x, 5, c1)))
		x = maxPool2(activation.Relu(convValid(scope.In("conv2"), x, 5, c2)))
		b := x.Shape().Dimensions[0]
		x = Reshape(x, b, -1)
		x = activation.Relu(torchDense(scope.In("fc1"), x, f))
		x = activation.Relu(torchDense(scope.In("fc2"), x, f))
		return torchDense(scope.In("fc3"), x, classes)
	}, nil
}

// DigitNetFactory builds [DigitNet] under the name [DigitNetName] (the digits protocol's model
// when the zoo is absent).
var DigitNetFactory = FactoryFunc(func(spec ModelSpec) (train.ModelFn, error) {
	if spec.Name != DigitNetName {
		return nil, errors.Errorf("dg: model %q: this factory has only %q", spec.Name, DigitNetName)
	}
	return DigitNet(spec.Classes, spec.Width, spec.NeuRN)
})

// torchDense is a fully connected layer x [B, in] -> [B, out] with PyTorch's initialisation.
func torchDense(scope *model.Scope, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	g := x.Graph()
	w := scope.WithInitializer(initializer.RandomUniformFn(scope, -1/math.Sqrt(float64(in)), 1/math.Sqrt(float64(in)))).
		VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out)).NodeValue(g)
	b := scope.WithInitializer(initializer.RandomUniformFn(scope, -1/math.Sqrt(float64(in)), 1/math.Sqrt(float64(in)))).
		VariableWithShape("biases", shapes.Make(dtypes.Float32, out)).NodeValue(g)
	return Add(Dot(x, w).Product(), Reshape(b, 1, out))
}

// convValid is a k x k convolution without padding, stride 1, with bias: the k^2 shifted
// slices are concatenated on the channel axis and multiplied by the [k^2 C, out] kernel.
func convValid(scope *model.Scope, x *Node, k, out int) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	oh, ow := h-k+1, w-k+1
	g := x.Graph()
	fanIn := k * k * c
	bound := 1 / math.Sqrt(float64(fanIn))
	init := scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound))
	kernel := init.VariableWithShape("weights", shapes.Make(dtypes.Float32, k, k, c, out)).NodeValue(g)
	bias := init.VariableWithShape("biases", shapes.Make(dtypes.Float32, out)).NodeValue(g)
	taps := make([]*Node, 0, k*k)
	for dy := range k {
		for dx := range k {
			taps = append(taps, Slice(x, AxisRange(), AxisRange(dy, dy+oh), AxisRange(dx, dx+ow), AxisRange()))
		}
	}
	cols := Reshape(Concatenate(taps, -1), b*oh*ow, fanIn)
	y := Dot(cols, Reshape(kernel, fanIn, out)).Product()
	return Add(Reshape(y, b, oh, ow, out), Reshape(bias, 1, 1, 1, out))
}

// maxPool2 is 2x2 max pooling with stride 2 (odd trailing rows and columns dropped, as
// PyTorch's MaxPool2d(2, 2)), as a reshape and a reduction.
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1]/2, d[2]/2, d[3]
	if d[1] != 2*h || d[2] != 2*w {
		x = Slice(x, AxisRange(), AxisRange(0, 2*h), AxisRange(0, 2*w), AxisRange())
	}
	return ReduceMax(Reshape(x, b, h, 2, w, 2, c), 2, 4)
}
