package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc"
)

// randomTensor returns a float32 tensor with values uniform in [-1, 1), seeded.
func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 7))
	v := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// valueAndGrads evaluates f on the inputs and the gradients of sum(f(...) * r), for a fixed random
// r, with respect to every input; it returns [value, grad_0, grad_1, ...] as flat float32 slices.
func valueAndGrads(t *testing.T, f func(inputs []*Node) *Node, inputs ...*tensors.Tensor) [][]float32 {
	t.Helper()
	exec, err := NewExec(mvc.MustBackend(), func(in []*Node) []*Node {
		y := f(in)
		r := Const(y.Graph(), randomTensor(99, y.Shape().Dimensions...))
		loss := ReduceAllSum(Mul(y, r))
		return append([]*Node{y}, Gradient(loss, in...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	outs, err := exec.Call(args...)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		res[i] = tensors.MustCopyFlatData[float32](o)
	}
	return res
}

// assertClose fails when got and want differ by more than tol (relative to want's largest value).
func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1e-6
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*scale || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: value %d is %g, want %g (scale %g)", what, i, got[i], want[i], scale)
		}
	}
}

func compareWithNative(t *testing.T, name string, ours, native func(in []*Node) *Node, inputs ...*tensors.Tensor) {
	t.Helper()
	got := valueAndGrads(t, ours, inputs...)
	want := valueAndGrads(t, native, inputs...)
	assertClose(t, name+" value", got[0], want[0], 1e-5)
	for i := 1; i < len(got); i++ {
		assertClose(t, fmt.Sprintf("%s gradient %d", name, i-1), got[i], want[i], 1e-5)
	}
}

func TestMatMul2D(t *testing.T) {
	// Both layouts of the weight gradient: k > m and k < m.
	for _, dims := range [][3]int{{7, 5, 3}, {7, 3, 5}} {
		a, b := randomTensor(1, dims[0], dims[1]), randomTensor(2, dims[1], dims[2])
		compareWithNative(t, fmt.Sprintf("MatMul2D %v", dims),
			func(in []*Node) *Node { return MatMul2D(in[0], in[1]) },
			func(in []*Node) *Node { return DotGeneral(in[0], []int{1}, nil, in[1], []int{0}, nil) },
			a, b)
	}
}

func TestConv2DAgainstConvolve(t *testing.T) {
	cases := []struct {
		x, k   []int
		stride int
		pad    Padding
	}{
		{[]int{2, 7, 6, 3}, []int{3, 3, 3, 4}, 1, Symmetric(1)},
		{[]int{2, 7, 6, 3}, []int{3, 3, 3, 4}, 2, Same(7, 6, 3, 3, 2)},
		{[]int{2, 8, 8, 2}, []int{5, 5, 2, 3}, 1, Valid},
		{[]int{1, 9, 9, 2}, []int{7, 7, 2, 3}, 2, Padding{3, 3, 3, 3}},
		{[]int{2, 5, 5, 4}, []int{1, 1, 4, 3}, 2, Valid},
		{[]int{2, 5, 5, 4}, []int{1, 1, 4, 3}, 1, Valid},
		{[]int{2, 6, 6, 3}, []int{1, 7, 3, 2}, 1, Padding{0, 0, 3, 3}},
	}
	for ci, c := range cases {
		for _, impl := range []convImpl{convIm2col, convTaps, convIm2colAutodiff, convGather, convAuto} {
			name := fmt.Sprintf("case %d impl %d", ci, impl)
			x, k := randomTensor(uint64(ci), c.x...), randomTensor(uint64(ci+100), c.k...)
			compareWithNative(t, name,
				func(in []*Node) *Node { return conv2D(in[0], in[1], nil, c.stride, c.pad, impl) },
				func(in []*Node) *Node {
					return Convolve(in[0], in[1]).StridePerAxis(c.stride, c.stride).
						PaddingPerDim([][2]int{{c.pad.Top, c.pad.Bottom}, {c.pad.Left, c.pad.Right}}).Done()
				}, x, k)
		}
	}
}

// TestConv2DPatchifyGradient checks a patch-embedding convolution (stride = kernel, as ViT's) by
// finite differences: GoMLX v0.28.8's own Convolve gradient is wrong for this case on the pure-Go
// backend (12x12 images, 6x6 kernel), so it cannot be the reference.
func TestConv2DPatchifyGradient(t *testing.T) {
	x, k := randomTensor(7, 1, 12, 12, 3), randomTensor(107, 6, 6, 3, 2)
	// The patchify formulation (reshape and transpose) against the general im2col (slices).
	got := valueAndGrads(t, func(in []*Node) *Node { return conv2D(in[0], in[1], nil, 6, Valid, convIm2col) }, x, k)
	want := valueAndGrads(t, func(in []*Node) *Node { return conv2D(in[0], in[1], nil, 6, Valid, convIm2colAutodiff) }, x, k)
	for i := range got {
		assertClose(t, fmt.Sprintf("patchify output %d", i), got[i], want[i], 1e-5)
	}
	for _, impl := range []convImpl{convIm2col, convTaps} {
		f := func(in []*Node) *Node { return conv2D(in[0], in[1], nil, 6, Valid, impl) }
		checkNumericGradient(t, fmt.Sprintf("patchify impl %d", impl), f, []*tensors.Tensor{x, k}, 0, []int{0, 1, 50, 431})
		checkNumericGradient(t, fmt.Sprintf("patchify impl %d", impl), f, []*tensors.Tensor{x, k}, 1, []int{0, 7, 100, 215})
	}
}

// checkNumericGradient compares the gradient of sum(f * r) (r as in valueAndGrads) with respect to
// some elements of inputs[which] with central finite differences.
func checkNumericGradient(t *testing.T, name string, f func([]*Node) *Node, inputs []*tensors.Tensor, which int, elems []int) {
	t.Helper()
	grads := valueAndGrads(t, f, inputs...)[1+which]
	exec := MustNewExec(mvc.MustBackend(), func(in []*Node) *Node {
		y := f(in)
		r := Const(y.Graph(), randomTensor(99, y.Shape().Dimensions...))
		return ReduceAllSum(ConvertDType(Mul(y, r), dtypes.Float64))
	})
	loss := func(delta float32, elem int) float64 {
		args := make([]any, len(inputs))
		for i, x := range inputs {
			args[i] = x
		}
		v := tensors.MustCopyFlatData[float32](inputs[which])
		v[elem] += delta
		args[which] = tensors.FromFlatDataAndDimensions(v, inputs[which].Shape().Dimensions...)
		return tensors.ToScalar[float64](exec.MustCall1(args...))
	}
	const eps = 1e-2
	for _, e := range elems {
		numeric := (loss(eps, e) - loss(-eps, e)) / (2 * eps)
		if math.Abs(numeric-float64(grads[e])) > 1e-3*max(1, math.Abs(numeric)) {
			t.Errorf("%s: gradient of input %d element %d is %g, finite differences give %g", name, which, e, grads[e], numeric)
		}
	}
}

func TestDepthwiseAgainstPerChannelConvolve(t *testing.T) {
	for ci, c := range []struct {
		x, k   []int
		stride int
		pad    Padding
	}{
		{[]int{2, 7, 6, 3}, []int{3, 3, 3, 1}, 1, Symmetric(1)},
		{[]int{2, 7, 6, 3}, []int{3, 3, 3, 1}, 2, Same(7, 6, 3, 3, 2)},
		{[]int{1, 9, 9, 2}, []int{5, 5, 2, 1}, 2, Same(9, 9, 5, 5, 2)},
		{[]int{1, 9, 9, 2}, []int{7, 7, 2, 1}, 1, Valid},
		{[]int{2, 8, 9, 4}, []int{5, 5, 4, 1}, 1, Same(8, 9, 5, 5, 1)},
	} {
		x, k := randomTensor(uint64(ci), c.x...), randomTensor(uint64(ci+100), c.k...)
		compareWithNative(t, fmt.Sprintf("depthwise case %d", ci),
			func(in []*Node) *Node { return depthwise(in[0], in[1], c.stride, c.pad, false) },
			func(in []*Node) *Node {
				channels := c.x[3]
				parts := make([]*Node, channels)
				for ch := range channels {
					xc := Slice(in[0], AxisRange(), AxisRange(), AxisRange(), AxisRange(ch, ch+1))
					kc := Slice(in[1], AxisRange(), AxisRange(), AxisRange(ch, ch+1), AxisRange())
					parts[ch] = Convolve(xc, kc).StridePerAxis(c.stride, c.stride).
						PaddingPerDim([][2]int{{c.pad.Top, c.pad.Bottom}, {c.pad.Left, c.pad.Right}}).Done()
				}
				return Concatenate(parts, 3)
			}, x, k)
	}
}

// TestDepthwiseAsymmetricSame checks the stride-1 "same" depthwise convolution of an even kernel
// (one more padded row and column after than before) by finite differences: GoMLX's grouped
// Convolve, the reference above, returns a wrong input gradient for asymmetric padding on the
// pure-Go backend.
func TestDepthwiseAsymmetricSame(t *testing.T) {
	x, k := randomTensor(5, 2, 6, 5, 3), randomTensor(105, 4, 2, 3, 1)
	pad := Same(6, 5, 4, 2, 1)
	f := func(in []*Node) *Node { return depthwise(in[0], in[1], 1, pad, false) }
	checkNumericGradient(t, "depthwise 4x2 same", f, []*tensors.Tensor{x, k}, 0, []int{0, 1, 7, 30, 59, 179})
	checkNumericGradient(t, "depthwise 4x2 same", f, []*tensors.Tensor{x, k}, 1, []int{0, 5, 12, 23})
	value := evalOnly(t, f, x, k)
	want := evalOnly(t, func(in []*Node) *Node { return taps(padImages(in[0], pad, 0), in[1], 6, 5, 1) }, x, k)
	assertClose(t, "depthwise 4x2 same value", value, want, 1e-6)
}

func TestPoolsAgainstReduceWindow(t *testing.T) {
	for ci, c := range []struct {
		x         []int
		k, stride int
		pad       Padding
	}{
		{[]int{2, 8, 8, 3}, 2, 2, Valid},
		{[]int{2, 7, 7, 3}, 3, 2, Valid},
		{[]int{2, 8, 8, 3}, 3, 2, Symmetric(1)},
		{[]int{2, 8, 7, 3}, 3, 2, Same(8, 7, 3, 3, 2)},
		{[]int{2, 6, 6, 2}, 3, 1, Symmetric(1)},
		{[]int{1, 5, 5, 2}, 1, 2, Valid},
	} {
		x := randomTensor(uint64(ci), c.x...)
		paddings := [][2]int{{c.pad.Top, c.pad.Bottom}, {c.pad.Left, c.pad.Right}}
		compareWithNative(t, fmt.Sprintf("max pool case %d", ci),
			func(in []*Node) *Node { return MaxPool2D(in[0], c.k, c.stride, c.pad) },
			func(in []*Node) *Node {
				return MaxPool(in[0]).Window(c.k).Strides(c.stride).PaddingPerDim(paddings).Done()
			}, x)
		ours := func(in []*Node) *Node { return AvgPool2D(in[0], c.k, c.stride, c.pad, false) }
		native := func(in []*Node) *Node {
			return MeanPool(in[0]).Window(c.k).Strides(c.stride).PaddingPerDim(paddings).Done()
		}
		if c.pad.IsZero() {
			compareWithNative(t, fmt.Sprintf("avg pool case %d", ci), ours, native, x)
		} else {
			// GoMLX's padded MeanPool gradient fails on the pure-Go backend: compare values, and
			// check the gradient by finite differences.
			got, want := valueAndGrads(t, ours, x)[0], evalOnly(t, native, x)
			assertClose(t, fmt.Sprintf("avg pool case %d value", ci), got, want, 1e-5)
			checkNumericGradient(t, fmt.Sprintf("avg pool case %d", ci), ours, []*tensors.Tensor{x}, 0, []int{0, 5, 17, 40})
		}
	}
}

func evalOnly(t *testing.T, f func(in []*Node) *Node, inputs ...*tensors.Tensor) []float32 {
	t.Helper()
	exec := MustNewExec(mvc.MustBackend(), func(in []*Node) *Node { return f(in) })
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	return tensors.MustCopyFlatData[float32](exec.MustCall1(args...))
}

func TestAvgPoolCountPadding(t *testing.T) {
	// One 3x3 image of ones, 3x3 window, stride 1, padding 1: the corner window holds 4 pixels
	// inside the image out of 9.
	x := tensors.FromFlatDataAndDimensions([]float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 3, 3, 1)
	excl := evalOnly(t, func(in []*Node) *Node { return AvgPool2D(in[0], 3, 1, Symmetric(1), false) }, x)
	incl := evalOnly(t, func(in []*Node) *Node { return AvgPool2D(in[0], 3, 1, Symmetric(1), true) }, x)
	assertClose(t, "excluding padding", excl, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, 1e-6)
	assertClose(t, "counting padding", incl, []float32{4. / 9, 6. / 9, 4. / 9, 6. / 9, 1, 6. / 9, 4. / 9, 6. / 9, 4. / 9}, 1e-6)
}

func TestSamePadding(t *testing.T) {
	for _, c := range []struct {
		in, k, stride, before, after int
	}{
		{224, 3, 2, 0, 1}, // TF puts the odd unit after.
		{224, 7, 2, 2, 3},
		{225, 3, 2, 1, 1},
		{32, 3, 1, 1, 1},
		{7, 1, 2, 0, 0},
		{5, 5, 1, 2, 2},
	} {
		p := Same(c.in, c.in, c.k, c.k, c.stride)
		if p.Top != c.before || p.Bottom != c.after || p.Left != c.before || p.Right != c.after {
			t.Errorf("Same(%d, k=%d, stride=%d) = %+v, want %d before and %d after", c.in, c.k, c.stride, p, c.before, c.after)
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	// 2x2 -> 4x4 with half-pixel centres: rows interpolate 0.25/0.75 between neighbours and clamp
	// at the borders; the same along columns.
	x := tensors.FromFlatDataAndDimensions([]float32{0, 1, 2, 3}, 1, 2, 2, 1)
	got := evalOnly(t, func(in []*Node) *Node { return ResizeBilinear(in[0], 4, 4) }, x)
	want := []float32{
		0, 0.25, 0.75, 1,
		0.5, 0.75, 1.25, 1.5,
		1.5, 1.75, 2.25, 2.5,
		2, 2.25, 2.75, 3,
	}
	assertClose(t, "bilinear 2x2->4x4", got, want, 1e-6)
	// Against GoMLX's own bilinear interpolation with half-pixel centres on a random image.
	r := randomTensor(5, 2, 7, 5, 3)
	ours := evalOnly(t, func(in []*Node) *Node { return ResizeBilinear(in[0], 11, 13) }, r)
	theirs := evalOnly(t, func(in []*Node) *Node {
		return Interpolate(in[0], -1, 11, 13, -1).Bilinear().HalfPixelCenters(true).AlignCorner(false).Done()
	}, r)
	assertClose(t, "bilinear vs Interpolate", ours, theirs, 1e-5)
}

func TestAdaptiveAvgPool2D(t *testing.T) {
	// 1x1 -> 2x2 repeats the pixel; 4x4 -> 2x2 averages 2x2 blocks; 5 -> 3 overlaps (PyTorch).
	one := tensors.FromFlatDataAndDimensions([]float32{7}, 1, 1, 1, 1)
	assertClose(t, "1x1->2x2", evalOnly(t, func(in []*Node) *Node { return AdaptiveAvgPool2D(in[0], 2, 2) }, one),
		[]float32{7, 7, 7, 7}, 1e-6)
	x := tensors.FromFlatDataAndDimensions([]float32{0, 1, 2, 3, 4}, 1, 5, 1, 1)
	// PyTorch: windows [0,2), [1,4), [3,5) -> 0.5, 2, 3.5.
	assertClose(t, "5->3", evalOnly(t, func(in []*Node) *Node { return AdaptiveAvgPool2D(in[0], 3, 1) }, x),
		[]float32{0.5, 2, 3.5}, 1e-6)
}

// TestFastFormulationsOnGoBackend checks that, on the pure-Go backend, Conv2D and DepthwiseConv2D
// do not fall back to the backend's slow native convolution.
func TestFastFormulationsOnGoBackend(t *testing.T) {
	backend := mvc.MustBackend()
	if backend.String() != "go" {
		t.Skipf("backend is %s", backend)
	}
	g := NewGraph(backend, "check")
	defer g.Finalize()
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 8, 8, 3))
	if impl := chooseConv(x, 3, 3, 3); impl == convNative {
		t.Errorf("Conv2D uses the native convolution on the pure-Go backend")
	}
	if !isGoBackend(x) {
		t.Errorf("isGoBackend is false on backend %s", backend)
	}
}

func TestRelu(t *testing.T) {
	x := randomTensor(3, 4, 5, 6)
	compareWithNative(t, "Relu",
		func(in []*Node) *Node { return Relu(in[0]) },
		func(in []*Node) *Node { return Max(in[0], ZerosLike(in[0])) }, x)
}

// TestMatMul2DInsideLargerGraph checks the custom gradients when the product's inputs and output
// are shared with other parts of the graph, and when two products are chained.
func TestMatMul2DInsideLargerGraph(t *testing.T) {
	a, b, c := randomTensor(1, 6, 4), randomTensor(2, 4, 5), randomTensor(3, 5, 3)
	compareWithNative(t, "chained MatMul2D",
		func(in []*Node) *Node {
			ab := MatMul2D(in[0], in[1])
			return Add(MatMul2D(Relu(ab), in[2]), MatMul2D(MulScalar(in[0], 2), Slice(MatMul2D(in[1], in[2]), AxisRange(), AxisRange())))
		},
		func(in []*Node) *Node {
			dot := func(x, y *Node) *Node { return DotGeneral(x, []int{1}, nil, y, []int{0}, nil) }
			ab := dot(in[0], in[1])
			return Add(dot(Max(ab, ZerosLike(ab)), in[2]), dot(MulScalar(in[0], 2), dot(in[1], in[2])))
		}, a, b, c)
}

func TestBatchNormTrain(t *testing.T) {
	const eps = 1e-3
	x, gamma, beta := randomTensor(1, 3, 4, 5, 6), randomTensor(2, 6), randomTensor(3, 6)
	plain := func(in []*Node, withGamma bool) *Node {
		mean := ReduceAndKeep(in[0], ReduceMean, 0, 1, 2)
		xc := Sub(in[0], mean)
		variance := ReduceAndKeep(Square(xc), ReduceMean, 0, 1, 2)
		y := Div(xc, Sqrt(AddScalar(variance, eps)))
		if withGamma {
			y = Mul(y, Reshape(in[1], 1, 1, 1, 6))
		}
		return Add(y, Reshape(in[2], 1, 1, 1, 6))
	}
	compareWithNative(t, "BatchNormTrain",
		func(in []*Node) *Node { y, _, _ := BatchNormTrain(in[0], in[1], in[2], eps); return y },
		func(in []*Node) *Node { return plain(in, true) }, x, gamma, beta)
	compareWithNative(t, "BatchNormTrain without scale",
		func(in []*Node) *Node {
			y, _, _ := BatchNormTrain(in[0], nil, in[2], eps)
			return Add(y, ReduceAllSum(MulScalar(in[1], 0)))
		},
		func(in []*Node) *Node { return Add(plain(in, false), ReduceAllSum(MulScalar(in[1], 0))) }, x, gamma, beta)
	// Inference with the batch's own statistics equals training.
	got := evalOnly(t, func(in []*Node) *Node {
		_, mean, variance := BatchNormTrain(in[0], in[1], in[2], eps)
		return BatchNormInference(in[0], in[1], in[2], mean, variance, eps)
	}, x, gamma, beta)
	assertClose(t, "inference with batch statistics", got, evalOnly(t, func(in []*Node) *Node { return plain(in, true) }, x, gamma, beta), 1e-5)
}

// The debiased momentum averages the first 1/(1-momentum) values exactly, then is the momentum.
func TestDebiasedMomentum(t *testing.T) {
	exec := MustNewExec(mvc.MustBackend(), func(count *Node) []*Node {
		m, next := DebiasedMomentum(count, 0.99, dtypes.Float32)
		return []*Node{m, next}
	})
	for _, c := range []struct {
		count int64
		want  float64
	}{{0, 0}, {1, 0.5}, {3, 0.75}, {98, 1 - 1.0/99}, {99, 0.99}, {500, 0.99}} {
		out := exec.MustCall(c.count)
		m, next := out[0].Value().(float32), out[1].Value().(int64)
		if math.Abs(float64(m)-c.want) > 1e-6 || next != c.count+1 {
			t.Errorf("count %d: momentum %g, next %d; want %g, %d", c.count, m, next, c.want, c.count+1)
		}
	}
}

// The convolution with its bias added inside (Conv2DWithBias) gives exactly the values and
// gradients of the convolution followed by a broadcast bias: only the layout of the work changes.
func TestConv2DWithBiasEqualsConvPlusBias(t *testing.T) {
	x, k, bias := randomTensor(11, 2, 7, 6, 3), randomTensor(12, 3, 3, 3, 5), randomTensor(13, 5)
	fused := valueAndGrads(t, func(in []*Node) *Node { return Conv2DWithBias(in[0], in[1], in[2], 1, Symmetric(1)) }, x, k, bias)
	plain := valueAndGrads(t, func(in []*Node) *Node {
		return Add(Conv2D(in[0], in[1], 1, Symmetric(1)), Reshape(in[2], 1, 1, 1, 5))
	}, x, k, bias)
	for i, what := range []string{"output", "dx", "dkernel", "dbias"} {
		assertClose(t, "Conv2DWithBias "+what, fused[i], plain[i], 0)
	}
}

// MatMulReshaped with a bias equals the product of the reshaped input plus the bias, reshaped,
// in its values and gradients.
func TestMatMulReshapedEqualsReshapes(t *testing.T) {
	a, b, bias := randomTensor(21, 4, 3, 6), randomTensor(22, 6, 5), randomTensor(23, 5)
	fused := valueAndGrads(t, func(in []*Node) *Node { return MatMulReshaped(in[0], 12, in[1], in[2], 4, 3, 5) }, a, b, bias)
	plain := valueAndGrads(t, func(in []*Node) *Node {
		y := Add(MatMul2D(Reshape(in[0], 12, 6), in[1]), Reshape(in[2], 1, 5))
		return Reshape(y, 4, 3, 5)
	}, a, b, bias)
	for i, what := range []string{"output", "da", "db", "dbias"} {
		assertClose(t, "MatMulReshaped "+what, fused[i], plain[i], 0)
	}
	noBias := valueAndGrads(t, func(in []*Node) *Node { return MatMulReshaped(in[0], 12, in[1], nil) }, a, b)
	want := valueAndGrads(t, func(in []*Node) *Node { return MatMul2D(Reshape(in[0], 12, 6), in[1]) }, a, b)
	for i := range noBias {
		assertClose(t, fmt.Sprintf("MatMulReshaped without bias, output %d", i), noBias[i], want[i], 0)
	}
}

// A 1x1 convolution at stride 1 of images with a multiple of 16 channels is the product of the
// pixels with the kernel (pointwiseConv); it gives the gathered formulation's values and
// gradients to the bit, with and without a bias.
func TestPointwiseConvEqualsGatherConv(t *testing.T) {
	for _, c := range []int{16, 32} {
		x, k, bias := randomTensor(31, 2, 5, 4, c), randomTensor(32, 1, 1, c, 6), randomTensor(33, 6)
		fast := valueAndGrads(t, func(in []*Node) *Node { return pointwiseConv(in[0], in[1], in[2]) }, x, k, bias)
		gathered := valueAndGrads(t, func(in []*Node) *Node { return gatherConv(in[0], in[1], in[2], 1, Valid) }, x, k, bias)
		for i, what := range []string{"output", "dx", "dkernel", "dbias"} {
			assertClose(t, fmt.Sprintf("pointwise convolution of %d channels, %s", c, what), fast[i], gathered[i], 0)
		}
		fast = valueAndGrads(t, func(in []*Node) *Node { return pointwiseConv(in[0], in[1], nil) }, x, k)
		gathered = valueAndGrads(t, func(in []*Node) *Node { return gatherConv(in[0], in[1], nil, 1, Valid) }, x, k)
		for i, what := range []string{"output", "dx", "dkernel"} {
			assertClose(t, fmt.Sprintf("pointwise convolution of %d channels without bias, %s", c, what), fast[i], gathered[i], 0)
		}
	}
}
