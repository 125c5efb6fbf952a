package neurn

import (
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// Local Contrast Normalization (LCN) defaults. Jarrett et al. (2009) use a 9x9 Gaussian window
// but do not give its standard deviation; 2 pixels is our choice.
const (
	// DefaultLCNKernelSize is the side of the Gaussian weighting window (Jarrett et al.: 9x9).
	DefaultLCNKernelSize = 9
	// DefaultLCNSigma is the standard deviation, in pixels, of the Gaussian weighting window.
	DefaultLCNSigma = 2.0
	// LCNFloor is the lower bound of the divisor max(c, sigma_jk): a blank image maps to zeros
	// instead of NaN (0/0). It is our addition to Jarrett et al.'s definition.
	LCNFloor = 1e-6
)

// Scope hyperparameters read by [NewLCN] as defaults, so a whole model can be configured with
// scope.SetParam.
const (
	// ParamLCNKernelSize (int) overrides DefaultLCNKernelSize.
	ParamLCNKernelSize = "lcn_kernel_size"
	// ParamLCNSigma (float64) overrides DefaultLCNSigma.
	ParamLCNSigma = "lcn_sigma"
)

// LCNBuilder configures a Local Contrast Normalization layer; create it with [NewLCN], finish it
// with [LCNBuilder.Done].
type LCNBuilder struct {
	x          *Node
	kernelSize int
	sigma      float64
}

// NewLCN starts a Local Contrast Normalization layer (Jarrett, Kavukcuoglu, Ranzato and LeCun
// 2009, "What is the Best Multi-Stage Architecture for Object Recognition?", ICCV, section 2.1)
// on images x, shaped [batch, height, width, channels]; see [LCN] for the
// formula. The defaults are [DefaultLCNKernelSize] and [DefaultLCNSigma]; the scope's
// hyperparameters [ParamLCNKernelSize] and [ParamLCNSigma], when set, override them. The scope
// holds no variables (LCN has no trainable parameters). scope may be nil.
//
// Example:
//
//	y := neurn.NewLCN(scope, x).KernelSize(9).Sigma(2).Done()
func NewLCN(scope *model.Scope, x *Node) *LCNBuilder {
	b := &LCNBuilder{x: x, kernelSize: DefaultLCNKernelSize, sigma: DefaultLCNSigma}
	if scope != nil {
		b.kernelSize = model.GetParamOr(scope, ParamLCNKernelSize, b.kernelSize)
		b.sigma = model.GetParamOr(scope, ParamLCNSigma, b.sigma)
	}
	return b
}

// KernelSize sets the side k (odd, >= 1) of the k x k Gaussian weighting window. Default:
// [DefaultLCNKernelSize].
func (b *LCNBuilder) KernelSize(k int) *LCNBuilder {
	b.kernelSize = k
	return b
}

// Sigma sets the standard deviation, in pixels (> 0), of the Gaussian weighting window.
// Default: [DefaultLCNSigma].
func (b *LCNBuilder) Sigma(sigma float64) *LCNBuilder {
	b.sigma = sigma
	return b
}

// Done builds the layer and returns its output, with x's shape and dtype.
func (b *LCNBuilder) Done() *Node {
	return LCN(b.x, b.kernelSize, b.sigma)
}

// LCN returns the Local Contrast Normalization of images x ([batch, height,
// width, channels], float32 or float64) as defined by Jarrett, Kavukcuoglu, Ranzato and LeCun
// (2009), section 2.1, with a size x size Gaussian weighting window of standard deviation sigma
// pixels. In their notation (i the channel, j, k the row and column, p, q the offsets in the
// window), a subtractive normalization
//
//	v_ijk = x_ijk - sum_{ipq} w_pq x_{i,j+p,k+q}
//
// is followed by a divisive normalization
//
//	y_ijk = v_ijk / max(c, sigma_jk),  sigma_jk = (sum_{ipq} w_pq v^2_{i,j+p,k+q})^(1/2),
//
// where c = mean(sigma_jk) over each image's positions, and w_pq is a Gaussian window normalized
// so that sum_{ipq} w_pq = 1, the sum running over the channels too: each channel's weight is
// the 2-D Gaussian (normalized to sum 1 over the window) divided by the number of channels.
// Both the mean and sigma_jk are therefore shared by all channels of a pixel.
//
// Borders: pixels outside the image count as zeros (zero padding, as in Jarrett et al.'s
// convolutions), and the weights are not renormalized there, so a constant non-zero image
// keeps a residue along its borders. Our addition: the divisor is max(c, sigma_jk, [LCNFloor]),
// so a blank (all-zero) image maps to zeros instead of NaN, and gradients are finite
// everywhere (the gradient of sigma_jk is taken as 0 where sigma_jk = 0).
//
// The Gaussian window is separable, w_pq = g_p g_q / C, so the weighted sums are two 1-D
// passes, along height then width, each a sum of size shifted slices times constants, on the
// channel mean (one channel): the cost is O(height x width x size) per image, and no
// Convolve or ReduceWindow is used (both are slow on the pure-Go backend).
//
// Constraints: size odd and >= 1, sigma finite and > 0. The output has x's shape and dtype.
// Invalid arguments panic with a GoMLX exception, which executors return as errors.
func LCN(x *Node, size int, sigma float64) *Node {
	const op = "LCN"
	checkImageTensor(op, x)
	if size < 1 || size%2 == 0 {
		exceptions.Panicf("%s: kernel size must be odd and >= 1, got %d", op, size)
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		exceptions.Panicf("%s: Gaussian sigma must be finite and > 0, got %g", op, sigma)
	}
	g := gaussianWindow(size, sigma)
	// Weighted mean over the window and all channels: a Gaussian blur of the channel mean.
	mean := gaussianBlur(ReduceAndKeep(x, ReduceMean, 3), g) // [batch, H, W, 1]
	v := Sub(x, mean)
	sigmaJK := sqrtFiniteGrad(gaussianBlur(ReduceAndKeep(Square(v), ReduceMean, 3), g))
	c := ReduceAndKeep(sigmaJK, ReduceMean, 1, 2) // [batch, 1, 1, 1]
	divisor := MaxScalar(Max(sigmaJK, c), LCNFloor)
	return Div(v, divisor)
}

// gaussianWindow returns the 1-D Gaussian weights exp(-d^2 / (2 sigma^2)) for the offsets
// d = -size/2 .. size/2, normalized to sum 1. Their outer product is the 2-D Gaussian window
// normalized to sum 1.
func gaussianWindow(size int, sigma float64) []float64 {
	r := size / 2
	g := make([]float64, size)
	var total float64
	for i := range g {
		d := float64(i - r)
		g[i] = math.Exp(-d * d / (2 * sigma * sigma))
		total += g[i]
	}
	for i := range g {
		g[i] /= total
	}
	return g
}

// gaussianBlur applies the separable window g (symmetric, odd length) along height and width
// of x [batch, H, W, C], with zero padding.
func gaussianBlur(x *Node, g []float64) *Node {
	return weightedPass(weightedPass(x, 1, g), 2, g)
}

// weightedPass returns, at each position i along axis, sum_d g[r+d] x[i+d] for d in [-r, r]
// (r = len(g)/2), with x = 0 outside the axis. g must be symmetric: the two offsets +-d share
// one multiplication.
func weightedPass(x *Node, axis int, g []float64) *Node {
	r := len(g) / 2
	if r == 0 {
		return MulScalar(x, g[0])
	}
	n := x.Shape().Dimensions[axis]
	pads := make([]compute.PadAxis, x.Rank())
	pads[axis] = compute.PadAxis{Start: r, End: r}
	p := Pad(x, ScalarZero(x.Graph(), x.DType()), pads...)
	// In p, x[i+d] is at index i+d+r.
	shifted := func(d int) *Node { return SliceAxis(p, axis, AxisRange(r+d, r+d+n)) }
	out := MulScalar(x, g[r])
	for d := 1; d <= r; d++ {
		out = Add(out, MulScalar(Add(shifted(-d), shifted(d)), g[r+d]))
	}
	return out
}

// sqrtFiniteGrad is sqrt(max(v, 0)) with a finite gradient at 0: for v below tiny it returns
// v/sqrt(tiny) (at most sqrt(tiny) = 1e-15 away from the square root), whose gradient is finite.
func sqrtFiniteGrad(v *Node) *Node {
	const tiny = 1e-30
	v = MaxScalar(v, 0)
	return Div(v, Sqrt(MaxScalar(v, tiny)))
}
