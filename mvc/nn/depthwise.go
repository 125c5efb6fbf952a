package nn

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// DepthwiseConv2D convolves each channel of images x [batch, height, width, channels] with its own
// kernel, kernel [kh, kw, channels, 1] (Keras' DepthwiseConv2D layout with depth multiplier 1),
// with the given stride and zero padding; the result is [batch, ho, wo, channels]. No bias.
//
// On GoMLX's pure-Go backend the kh*kw values of each channel's window are gathered from the
// padded images (one memory copy per window offset and position, the channels being contiguous),
// multiplied by the per-channel weights and summed over the window: much faster than a grouped
// Convolve, or than summing kh*kw shifted slices (which the backend copies one value at a time).
// GoMLX's layers.Convolution with ChannelGroupCount creates a kernel of the wrong shape. On other
// backends it is GoMLX's grouped Convolve.
func DepthwiseConv2D(x, kernel *Node, stride int, pad Padding) *Node {
	impl := depthwiseGather
	if !isGoBackend(x) {
		impl = depthwiseNative
	}
	return depthwise(x, kernel, stride, pad, impl)
}

// depthwiseImpl selects the formulation of [DepthwiseConv2D] (for tests and benchmarks).
type depthwiseImpl int

const (
	depthwiseGather depthwiseImpl = iota // gathered windows, a product and a sum over the window
	depthwiseSlices                      // the sum over offsets of shifted slices times weights
	depthwiseNative                      // GoMLX's grouped Convolve
)

func depthwise(x, kernel *Node, stride int, pad Padding, impl depthwiseImpl) *Node {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		panicf("nn.DepthwiseConv2D: want x [batch, height, width, channels] and kernel [kh, kw, channels, 1], got %s and %s",
			x.Shape(), kernel.Shape())
	}
	if stride < 1 {
		panicf("nn.DepthwiseConv2D: stride must be >= 1, got %d", stride)
	}
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	h, w, c := xd[1], xd[2], xd[3]
	kh, kw := kd[0], kd[1]
	if kd[2] != c || kd[3] != 1 {
		panicf("nn.DepthwiseConv2D: kernel %s must be [kh, kw, %d, 1] for images %s", kernel.Shape(), c, x.Shape())
	}
	ho, wo := outputSize(h, kh, stride, pad.Top, pad.Bottom), outputSize(w, kw, stride, pad.Left, pad.Right)
	if ho < 1 || wo < 1 {
		panicf("nn.DepthwiseConv2D: a %dx%d kernel does not fit images %dx%d padded by %+v", kh, kw, h, w, pad)
	}
	if impl == depthwiseNative {
		// Grouped convolution: kernel [kh, kw, 1, channels].
		k := Reshape(kernel, kh, kw, 1, c)
		return Convolve(x, k).StridePerAxis(stride, stride).ChannelGroupCount(c).
			PaddingPerDim([][2]int{{pad.Top, pad.Bottom}, {pad.Left, pad.Right}}).Done()
	}
	if impl == depthwiseGather {
		return gatherDepthwise(x, kernel, stride, pad, ho, wo)
	}
	xp := padImages(x, pad, 0)
	var out *Node
	for i := range kh {
		for j := range kw {
			wij := Reshape(Slice(kernel, AxisElem(i), AxisElem(j), AxisRange(), AxisRange()), 1, 1, 1, c)
			term := Mul(window(xp, i, j, ho, wo, stride), wij)
			if out == nil {
				out = term
			} else {
				out = Add(out, term)
			}
		}
	}
	return out
}

// gatherDepthwise is the depthwise convolution of x [b, h, w, c] by kernel [kh, kw, c, 1] with the
// windows gathered: from the padded images seen as rows [b*hp, wp*c], the c channels of each
// window offset at each output position are one contiguous run, copied at once, giving
// [b*ho*wo, kh*kw, c]; times the weights [kh*kw, c] and summed over the window. Runs are rounded
// up to gatherRowMultiple values (see there), the extra channels meeting zero weights and cut from
// the result.
func gatherDepthwise(x, kernel *Node, stride int, pad Padding, ho, wo int) *Node {
	g := x.Graph()
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	b, c := xd[0], xd[3]
	kh, kw := kd[0], kd[1]
	runLen := (c + gatherRowMultiple - 1) / gatherRowMultiple * gatherRowMultiple
	gatherPad := pad
	gatherPad.Right += (runLen - c + c - 1) / c // Room for the rounded-up last run.
	xp := padImages(x, gatherPad, 0)
	hp, wp := xp.Shape().Dimensions[1], xp.Shape().Dimensions[2]
	rows := Reshape(xp, b*hp, wp*c)
	n := b * ho * wo
	starts := make([]int32, 0, 2*n*kh*kw)
	for i := range b {
		for y := range ho {
			for xo := range wo {
				for r := range kh {
					for s := range kw {
						starts = append(starts, int32(i*hp+y*stride+r), int32((xo*stride+s)*c))
					}
				}
			}
		}
	}
	idx := Reshape(Const(g, starts), n*kh*kw, 2)
	windows := Reshape(GatherSlices(rows, []int{0, 1}, idx, []int{1, runLen}, false), n, kh*kw, runLen)
	weights := Reshape(kernel, kh*kw, c)
	if runLen > c {
		weights = Pad(weights, ScalarZero(g, weights.DType()), compute.PadAxis{}, compute.PadAxis{End: runLen - c})
	}
	out := ReduceSum(Mul(windows, BroadcastToDims(InsertAxes(weights, 0), n, kh*kw, runLen)), 1) // [n, runLen]
	if runLen > c {
		out = Slice(out, AxisRange(), AxisRange(0, c))
	}
	return Reshape(out, b, ho, wo, c)
}
