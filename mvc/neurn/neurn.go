package neurn

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// DefaultKernelSize is the window size k used when none is given; the paper's "patches of size
// k" with the value of its companion paper (NeuRN, arXiv 2505.06881).
const DefaultKernelSize = 3

// MaxFloor is the lower bound applied to the per-image maximum before dividing, so that a blank
// image (all windows flat) maps to zeros instead of NaN.
const MaxFloor = 1e-6

// Scope hyperparameters read by [New] as defaults, so a whole model can be configured with
// scope.SetParam.
const (
	// ParamKernelSize (int) overrides DefaultKernelSize.
	ParamKernelSize = "neurn_kernel_size"
	// ParamPerChannel (bool) selects the per-channel maximum.
	ParamPerChannel = "neurn_per_channel"
)

// Builder configures a NeuRN layer; create it with [New], finish it with [Builder.Done].
type Builder struct {
	x          *Node
	kernelSize int
	perChannel bool
}

// New starts a NeuRN layer on images x, shaped [batch, height, width, channels]. The scope
// holds no variables (NeuRN has no trainable parameters); its hyperparameters [ParamKernelSize]
// and [ParamPerChannel], when set, give the defaults. scope may be nil.
//
// Example:
//
//	y := neurn.New(scope, x).KernelSize(5).Done()
func New(scope *model.Scope, x *Node) *Builder {
	b := &Builder{x: x, kernelSize: DefaultKernelSize}
	if scope != nil {
		if v, ok := scope.GetParam(ParamKernelSize); ok {
			if k, ok := v.(int); ok {
				b.kernelSize = k
			}
		}
		if v, ok := scope.GetParam(ParamPerChannel); ok {
			if pc, ok := v.(bool); ok {
				b.perChannel = pc
			}
		}
	}
	return b
}

// KernelSize sets the window size k (odd, >= 1). Default: [DefaultKernelSize].
func (b *Builder) KernelSize(k int) *Builder {
	b.kernelSize = k
	return b
}

// PerChannel normalizes each channel by its own maximum instead of the image's maximum over all
// channels (the paper's "c = max(sigma)" is over the whole image, the default).
func (b *Builder) PerChannel(perChannel bool) *Builder {
	b.perChannel = perChannel
	return b
}

// Done builds the layer and returns its output, with x's shape and dtype.
func (b *Builder) Done() *Node {
	return NeuRN(b.x, b.kernelSize, b.perChannel)
}

// NeuRN returns the NeuRN of images x ([batch, height, width, channels], float32 or float64)
// with window size k (odd, >= 1), normalized per image, or per image and channel when
// perChannel is true. The output has x's shape and dtype. Invalid arguments panic with a GoMLX
// exception, which executors return as errors.
func NeuRN(x *Node, k int, perChannel bool) *Node {
	checkImages("NeuRN", x, k)
	sigma := localStd(x, k)
	reduceAxes := []int{1, 2, 3}
	if perChannel {
		reduceAxes = []int{1, 2}
	}
	m := MaxScalar(ReduceAndKeep(sigma, ReduceMax, reduceAxes...), MaxFloor)
	return Div(sigma, m)
}

// checkImages validates the input of the image normalizations.
func checkImages(op string, x *Node, k int) {
	if x.Rank() != 4 {
		exceptions.Panicf("%s: images must be [batch, height, width, channels] (rank 4), got shape %s", op, x.Shape())
	}
	if dt := x.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
		exceptions.Panicf("%s: images must be float32 or float64, got %s", op, dt)
	}
	if k < 1 || k%2 == 0 {
		exceptions.Panicf("%s: kernel size must be odd and >= 1, got %d", op, k)
	}
}

// localStd returns the population standard deviation of each pixel's k x k window (cut at the
// borders), per channel, in x's dtype.
//
// The pure-Go backend runs one pass over memory per operation and does not fuse them, so the
// graph is arranged to need few passes: one padding serves both box sums and both axes.
func localStd(x *Node, k int) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	height, width := dims[1], dims[2]
	r := k / 2
	x64 := ConvertDType(x, dtypes.Float64)
	// Shift each image-channel by its top-left pixel: the sums then scale with the image's
	// range instead of its brightness, which keeps float64 rounding far below 1e-5 of the
	// output even for nearly flat images. The shift does not change any standard deviation.
	ref := StopGradient(Slice(x64, AxisRange(), AxisRange(0, 1), AxisRange(0, 1), AxisRange()))
	d := Sub(x64, ref)
	if k > 1 {
		// Zeros around the image: r+1 before (the cumulative sums' leading zero) and r after.
		d = Pad(d, ScalarZero(g, dtypes.Float64),
			compute.PadAxis{}, compute.PadAxis{Start: r + 1, End: r}, compute.PadAxis{Start: r + 1, End: r}, compute.PadAxis{})
	}
	s1 := boxSum2D(d, k, height, width)
	s2 := boxSum2D(Square(d), k, height, width)
	// count^2 * variance = count * sum(d^2) - sum(d)^2, with the count of each (cut) window.
	counts := Const(g, windowCounts(height, width, k)) // [1, H, W, 1]
	scaledVar := ConvertDType(Sub(Mul(s2, counts), Square(s1)), x.DType())
	scaledStd := safeSqrt(scaledVar)
	inv := ConvertDType(Reciprocal(counts), x.DType())
	return Mul(scaledStd, inv)
}

// safeSqrt is sqrt(max(v, 0)) with a finite gradient everywhere: it returns
// sqrt(max(v, tiny)) - sqrt(tiny) with tiny = 2^-100, exactly 0 for v <= tiny and within
// sqrt(tiny) < 1e-15 of sqrt(v) otherwise; its gradient is 0 for v <= tiny (flat windows).
func safeSqrt(v *Node) *Node {
	const tiny, sqrtTiny = 0x1p-100, 0x1p-50
	return AddScalar(Sqrt(MaxScalar(v, tiny)), -sqrtTiny)
}

// boxSum2D sums each k x k window of x over axes 1 and 2, cut at the borders. Unless k == 1,
// x must be zero-padded by r+1 before and r after (r = k/2) on both axes; the result is
// [batch, height, width, channels].
func boxSum2D(x *Node, k, height, width int) *Node {
	if k == 1 {
		return x
	}
	return boxSum(boxSum(x, 1, k, height), 2, k, width)
}

// boxSum sums, along axis, the window of size k (odd) centred at each position, in O(n)
// whatever k: the cumulative sum of the axis, zero-padded by r+1 before and r after, then the
// difference of two shifted slices. The axis shrinks to n.
func boxSum(x *Node, axis, k, n int) *Node {
	r := k / 2
	c := CumSum(x, axis)
	// Slice a rank-2 view [outer, axis x inner]: the backend copies slices element by element
	// with per-axis bookkeeping, which costs much less with long contiguous rows.
	dims := c.Shape().Dimensions
	outer, inner := 1, 1
	for _, d := range dims[:axis] {
		outer *= d
	}
	for _, d := range dims[axis+1:] {
		inner *= d
	}
	flat := Reshape(c, outer, dims[axis]*inner)
	hi := Slice(flat, AxisRange(), AxisRange((2*r+1)*inner, (2*r+1+n)*inner))
	lo := Slice(flat, AxisRange(), AxisRange(0, n*inner))
	outDims := append([]int(nil), dims...)
	outDims[axis] = n
	return Reshape(Sub(hi, lo), outDims...)
}

// windowCounts returns the number of pixels of the k x k window at each position of an H x W
// image, with windows cut at the borders, shaped [1, H, W, 1].
func windowCounts(height, width, k int) [][][][]float64 {
	out := [][][][]float64{make([][][]float64, height)}
	for i := range height {
		row := make([][]float64, width)
		for j := range width {
			row[j] = []float64{float64(windowCount(i, height, k) * windowCount(j, width, k))}
		}
		out[0][i] = row
	}
	return out
}

// windowCount is the number of positions of a size-k window centred at i that fall in [0, n).
func windowCount(i, n, k int) int {
	r := k / 2
	return min(i+r, n-1) - max(i-r, 0) + 1
}
