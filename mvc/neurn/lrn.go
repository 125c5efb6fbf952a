package neurn

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Local Response Normalization (LRN) defaults: AlexNet's values (Krizhevsky, Sutskever and
// Hinton 2012, "ImageNet Classification with Deep Convolutional Neural Networks", section 3.3:
// "k = 2, n = 5, alpha = 10^-4, and beta = 0.75").
const (
	// DefaultLRNSize is n, the number of adjacent channels in the window (odd).
	DefaultLRNSize = 5
	// DefaultLRNAlpha is alpha, the scale of the sum of squares (not divided by n).
	DefaultLRNAlpha = 1e-4
	// DefaultLRNBeta is beta, the exponent of the denominator.
	DefaultLRNBeta = 0.75
	// DefaultLRNBias is k, the constant added to the scaled sum of squares (called bias here,
	// as in TensorFlow, to avoid a clash with the kernel size of the other layers).
	DefaultLRNBias = 2.0
)

// Scope hyperparameters read by [NewLRN] as defaults, so a whole model can be configured with
// scope.SetParam.
const (
	// ParamLRNSize (int) overrides DefaultLRNSize.
	ParamLRNSize = "lrn_size"
	// ParamLRNAlpha (float64) overrides DefaultLRNAlpha.
	ParamLRNAlpha = "lrn_alpha"
	// ParamLRNBeta (float64) overrides DefaultLRNBeta.
	ParamLRNBeta = "lrn_beta"
	// ParamLRNBias (float64) overrides DefaultLRNBias.
	ParamLRNBias = "lrn_bias"
)

// LRNBuilder configures a Local Response Normalization layer; create it with [NewLRN], finish it
// with [LRNBuilder.Done].
type LRNBuilder struct {
	x                 *Node
	size              int
	alpha, beta, bias float64
}

// NewLRN starts a Local Response Normalization layer (Krizhevsky, Sutskever and Hinton 2012,
// "ImageNet Classification with Deep Convolutional Neural Networks", section 3.3) on x, shaped
// [batch, height, width, channels]; see [LRN] for the formula. The defaults are
// AlexNet's ([DefaultLRNSize], [DefaultLRNAlpha], [DefaultLRNBeta], [DefaultLRNBias]); the
// scope's hyperparameters [ParamLRNSize], [ParamLRNAlpha], [ParamLRNBeta] and [ParamLRNBias],
// when set, override them. The scope holds no variables (LRN has no trainable parameters).
// scope may be nil.
//
// Example:
//
//	y := neurn.NewLRN(scope, x).Size(5).Alpha(1e-4).Beta(0.75).Bias(2).Done()
func NewLRN(scope *model.Scope, x *Node) *LRNBuilder {
	b := &LRNBuilder{x: x, size: DefaultLRNSize, alpha: DefaultLRNAlpha, beta: DefaultLRNBeta, bias: DefaultLRNBias}
	if scope != nil {
		b.size = model.GetParamOr(scope, ParamLRNSize, b.size)
		b.alpha = model.GetParamOr(scope, ParamLRNAlpha, b.alpha)
		b.beta = model.GetParamOr(scope, ParamLRNBeta, b.beta)
		b.bias = model.GetParamOr(scope, ParamLRNBias, b.bias)
	}
	return b
}

// Size sets n, the number of adjacent channels summed (odd, >= 1): the window of channel i is
// [i - n/2, i + n/2], cut to the existing channels. Default: [DefaultLRNSize].
func (b *LRNBuilder) Size(n int) *LRNBuilder {
	b.size = n
	return b
}

// Alpha sets alpha (>= 0), the scale of the sum of squares. It is not divided by n (AlexNet's
// convention; PyTorch's alpha is n times this one). Default: [DefaultLRNAlpha].
func (b *LRNBuilder) Alpha(alpha float64) *LRNBuilder {
	b.alpha = alpha
	return b
}

// Beta sets beta (>= 0), the exponent of the denominator. Default: [DefaultLRNBeta].
func (b *LRNBuilder) Beta(beta float64) *LRNBuilder {
	b.beta = beta
	return b
}

// Bias sets the constant k (> 0) added inside the denominator. Default: [DefaultLRNBias].
func (b *LRNBuilder) Bias(bias float64) *LRNBuilder {
	b.bias = bias
	return b
}

// Done builds the layer and returns its output, with x's shape and dtype.
func (b *LRNBuilder) Done() *Node {
	return LRN(b.x, b.size, b.alpha, b.beta, b.bias)
}

// LRN returns the Local Response Normalization of x ([batch, height, width,
// channels], float32 or float64), as defined by Krizhevsky, Sutskever and Hinton (2012),
// section 3.3:
//
//	b^i_{x,y} = a^i_{x,y} / (bias + alpha * sum_{j=max(0, i-n/2)}^{min(N-1, i+n/2)} (a^j_{x,y})^2)^beta
//
// where a^i_{x,y} is channel i of x at pixel (x, y), N the number of channels and n = size
// (odd, >= 1) the number of adjacent channels in the window, which is cut at the first and last
// channels. Each pixel is normalized by its own neighbouring channels ("lateral inhibition"
// across feature maps); there is no spatial extent.
//
// Mapping to other libraries, for the same output:
//   - PyTorch torch.nn.LocalResponseNorm(size=n, alpha=A, beta, k) divides alpha by n:
//     use alpha = A/n here.
//   - TensorFlow tf.nn.local_response_normalization(depth_radius=R, bias, alpha, beta) sums
//     2R+1 channels and does not divide alpha: use size = 2R+1 and the same alpha.
//
// Constraints: size odd and >= 1, alpha >= 0, beta >= 0, bias > 0, all finite (so the
// denominator is at least bias^beta and a blank image maps to zeros). The windowed sums of
// squares are differences of a cumulative sum along the channel axis, accumulated in float64:
// the cost is O(channels) per pixel whatever n. The output has x's shape and dtype. Invalid
// arguments panic with a GoMLX exception, which executors return as errors.
func LRN(x *Node, size int, alpha, beta, bias float64) *Node {
	const op = "LRN"
	checkImageTensor(op, x)
	if size < 1 || size%2 == 0 {
		exceptions.Panicf("%s: size must be odd and >= 1, got %d", op, size)
	}
	if !(alpha >= 0) || math.IsInf(alpha, 0) {
		exceptions.Panicf("%s: alpha must be finite and >= 0, got %g", op, alpha)
	}
	if !(beta >= 0) || math.IsInf(beta, 0) {
		exceptions.Panicf("%s: beta must be finite and >= 0, got %g", op, beta)
	}
	if !(bias > 0) || math.IsInf(bias, 0) {
		exceptions.Panicf("%s: bias must be finite and > 0, got %g", op, bias)
	}
	x64 := ConvertDType(x, dtypes.Float64)
	sumSq := MaxScalar(channelWindowSum(Square(x64), size), 0) // Cancellation can leave -1e-17.
	denom := AddScalar(MulScalar(sumSq, alpha), bias)
	scale := ConvertDType(Pow(denom, Scalar(x.Graph(), dtypes.Float64, -beta)), x.DType())
	return Mul(x, scale)
}

// checkImageTensor validates the rank and dtype of the input of the LRN and LCN layers.
func checkImageTensor(op string, x *Node) {
	if x.Rank() != 4 {
		exceptions.Panicf("%s: images must be [batch, height, width, channels] (rank 4), got shape %s", op, x.Shape())
	}
	if dt := x.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
		exceptions.Panicf("%s: images must be float32 or float64, got %s", op, dt)
	}
}

// channelWindowSum sums, at each position, the window of n (odd) channels centred on it along
// the last axis, treating channels outside [0, C) as zeros, in O(C) whatever n: a cumulative
// sum of the zero-padded axis, then the difference of two shifted slices.
func channelWindowSum(x *Node, n int) *Node {
	if n == 1 {
		return x
	}
	axis := x.Rank() - 1
	r := n / 2
	c := x.Shape().Dimensions[axis]
	pads := make([]compute.PadAxis, x.Rank())
	pads[axis] = compute.PadAxis{Start: r + 1, End: r}
	cum := CumSum(Pad(x, ScalarZero(x.Graph(), x.DType()), pads...), axis)
	return Sub(SliceAxis(cum, axis, AxisRange(2*r+1, 2*r+1+c)), SliceAxis(cum, axis, AxisRange(0, c)))
}
