package nn

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// Padding is the number of zero rows and columns added around each image before a convolution or
// a pooling window slides over it.
type Padding struct {
	Top, Bottom, Left, Right int
}

// Valid is no padding ("valid" in Keras and TensorFlow, padding=0 in PyTorch).
var Valid = Padding{}

// Symmetric pads p rows and columns on every side, as PyTorch's padding=p.
func Symmetric(p int) Padding { return Padding{p, p, p, p} }

// Same returns TensorFlow's (and Keras') "same" padding for an h x w input and a kh x kw window
// with the given stride: the output is ceil(h/stride) x ceil(w/stride), the total padding of an
// axis is max((out-1)*stride + k - in, 0), and the odd unit goes after (bottom, right). GoMLX's own
// PadSame is PyTorch-like (the odd unit before), which differs from Keras at stride 2.
func Same(h, w, kh, kw, stride int) Padding {
	top, bottom := sameAxis(h, kh, stride)
	left, right := sameAxis(w, kw, stride)
	return Padding{top, bottom, left, right}
}

func sameAxis(in, k, stride int) (before, after int) {
	out := (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return total / 2, total - total/2
}

// IsZero tells whether p adds nothing.
func (p Padding) IsZero() bool { return p == Padding{} }

// outputSize is the number of window positions along an axis.
func outputSize(in, k, stride, before, after int) int {
	return (in+before+after-k)/stride + 1
}

// padImages pads x [batch, height, width, channels] with value on the spatial axes.
func padImages(x *Node, p Padding, value float64) *Node {
	if p.IsZero() {
		return x
	}
	return Pad(x, Scalar(x.Graph(), x.DType(), value),
		compute.PadAxis{}, compute.PadAxis{Start: p.Top, End: p.Bottom}, compute.PadAxis{Start: p.Left, End: p.Right}, compute.PadAxis{})
}

// window returns the slice of the padded images xp [batch, hp, wp, channels] seen by window offset
// (i, j) at every output position: [batch, ho, wo, channels].
func window(xp *Node, i, j, ho, wo, stride int) *Node {
	if i == 0 && j == 0 && stride == 1 && xp.Shape().Dimensions[1] == ho && xp.Shape().Dimensions[2] == wo {
		return xp
	}
	if stride == 1 {
		// Each output row is a run of wo*channels contiguous values of a padded row: gathered,
		// each run is one memory copy (and the gradient a scatter-add of runs), where the
		// backend's Slice copies one value at a time.
		d := xp.Shape().Dimensions
		b, hp, c := d[0], d[1], d[3]
		rows := Reshape(xp, b*hp, d[2]*c)
		idx := Reshape(Const(xp.Graph(), patchStarts(b, hp, ho, 1, 1, 1, c, i, j)), b*ho, 2)
		return Reshape(GatherSlices(rows, []int{0, 1}, idx, []int{1, wo * c}, true), b, ho, wo, c)
	}
	return Slice(xp, AxisRange(), axisWindow(i, ho, stride), axisWindow(j, wo, stride), AxisRange())
}

// axisWindow selects n positions start, start+stride, ... along an axis (a plain range when the
// stride does not matter).
func axisWindow(start, n, stride int) SliceAxisSpec {
	if n == 1 || stride == 1 {
		return AxisRange(start, start+n)
	}
	return AxisRange(start, start+stride*(n-1)+1).Stride(stride)
}

// convImpl selects the formulation of [Conv2D] (for benchmarks and tests).
type convImpl int

const (
	convAuto   convImpl = iota
	convIm2col          // k*k slices concatenated on the channel axis, one product.
	convTaps            // one product per window offset, summed.
	convNative          // GoMLX's Convolve.
	convIm2colAutodiff
	convGather // im2col with the patches gathered as contiguous rows (GatherSlices), one product.
)

var defaultConvImpl = convAuto

// Conv2D convolves images x [batch, height, width, in] with kernel [kh, kw, in, out] (the layout
// of Keras and of GoMLX's layers), with the given stride and zero padding; the result is
// [batch, ho, wo, out] with ho = (height+top+bottom-kh)/stride + 1 (likewise wo). No bias.
//
// On GoMLX's pure-Go backend, whose native convolution is a slow loop, the convolution is built
// from shifted slices and matrix products (see the package documentation); on other backends
// (XLA) it is GoMLX's Convolve.
func Conv2D(x, kernel *Node, stride int, pad Padding) *Node {
	return conv2D(x, kernel, nil, stride, pad, defaultConvImpl)
}

// Conv2DWithBias is Conv2D(x, kernel, stride, pad) plus bias [out] on every output pixel (the
// usual convolution layer). On the pure-Go backend the bias is added inside the convolution, where
// its gradient costs no copy of the output gradient (see MatMulReshaped); the values are the same.
func Conv2DWithBias(x, kernel, bias *Node, stride int, pad Padding) *Node {
	if bias == nil || bias.Rank() != 1 || kernel.Rank() != 4 || bias.Shape().Dimensions[0] != kernel.Shape().Dimensions[3] {
		panicf("nn.Conv2DWithBias: want bias [out] for kernel [kh, kw, in, out], got %v and %s", bias, kernel.Shape())
	}
	return conv2D(x, kernel, bias, stride, pad, defaultConvImpl)
}

// addBias adds bias [c] (nil: none) over the last axis of y [b, h, w, c].
func addBias(y, bias *Node) *Node {
	if bias == nil {
		return y
	}
	return Add(y, Reshape(bias, 1, 1, 1, bias.Shape().Dimensions[0]))
}

func conv2D(x, kernel, bias *Node, stride int, pad Padding, impl convImpl) *Node {
	if x.Rank() != 4 || kernel.Rank() != 4 {
		panicf("nn.Conv2D: want x [batch, height, width, channels] and kernel [kh, kw, in, out], got %s and %s",
			x.Shape(), kernel.Shape())
	}
	if stride < 1 {
		panicf("nn.Conv2D: stride must be >= 1, got %d", stride)
	}
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	b, h, w, c := xd[0], xd[1], xd[2], xd[3]
	kh, kw, cin, cout := kd[0], kd[1], kd[2], kd[3]
	if cin != c {
		panicf("nn.Conv2D: kernel %s expects %d input channels, images %s have %d", kernel.Shape(), cin, x.Shape(), c)
	}
	ho, wo := outputSize(h, kh, stride, pad.Top, pad.Bottom), outputSize(w, kw, stride, pad.Left, pad.Right)
	if ho < 1 || wo < 1 {
		panicf("nn.Conv2D: a %dx%d kernel does not fit images %dx%d padded by %+v", kh, kw, h, w, pad)
	}
	if impl == convAuto {
		impl = chooseConv(x, kh, kw, c)
	}
	if impl == convNative {
		return addBias(Convolve(x, kernel).StridePerAxis(stride, stride).
			PaddingPerDim([][2]int{{pad.Top, pad.Bottom}, {pad.Left, pad.Right}}).Done(), bias)
	}
	n := b * ho * wo
	if impl == convIm2col && stride == kh && stride == kw && pad.IsZero() && h == ho*kh && w == wo*kw {
		// Non-overlapping windows tiling the image (patch embeddings): the patches are a
		// reshape and one transposition, [b, ho, kh, wo, kw, c] -> [b, ho, wo, kh, kw, c].
		patches := TransposeAllAxes(Reshape(x, b, ho, kh, wo, kw, c), 0, 1, 3, 2, 4, 5)
		out := MatMul2D(Reshape(patches, n, kh*kw*c), Reshape(kernel, kh*kw*c, cout))
		return addBias(Reshape(out, b, ho, wo, cout), bias)
	}
	if impl == convGather {
		if kh == 1 && kw == 1 && stride == 1 && pad.IsZero() && c%gatherRowMultiple == 0 {
			return pointwiseConv(x, kernel, bias)
		}
		return gatherConv(x, kernel, bias, stride, pad)
	}
	xp := padImages(x, pad, 0)
	switch impl {
	case convTaps:
		var out *Node
		for i := range kh {
			for j := range kw {
				patch := Reshape(window(xp, i, j, ho, wo, stride), n, c)
				wt := Reshape(Slice(kernel, AxisElem(i), AxisElem(j), AxisRange(), AxisRange()), c, cout)
				y := MatMul2D(patch, wt)
				if out == nil {
					out = y
				} else {
					out = Add(out, y)
				}
			}
		}
		return addBias(Reshape(out, b, ho, wo, cout), bias)
	default:
		parts := make([]*Node, 0, kh*kw)
		for i := range kh {
			for j := range kw {
				parts = append(parts, window(xp, i, j, ho, wo, stride))
			}
		}
		patches := parts[0]
		if len(parts) > 1 {
			patches = Concatenate(parts, 3)
		}
		patches = Reshape(patches, n, kh*kw*c)
		k2 := Reshape(kernel, kh*kw*c, cout)
		var out *Node
		if impl == convIm2colAutodiff {
			out = DotGeneral(patches, []int{1}, nil, k2, []int{0}, nil)
		} else {
			out = MatMul2D(patches, k2)
		}
		return addBias(Reshape(out, b, ho, wo, cout), bias)
	}
}

// gatherRowMultiple is the length, in values, that im2col's gathered window rows are rounded up
// to. The pure-Go backend's vectorized scatter-add (the gradient of the gather), like its
// broadcasting products, loads the tail of a row that is not a multiple of 16 long with a full
// 16-wide load, which reads past the row and faults (SIGSEGV) when the row ends where the mapped
// heap ends. Whole multiples never read past; elsewhere (the row runs of window, broadcasts)
// the guard is the heap reservation that package mvc makes when it creates the backend.
const gatherRowMultiple = 16

// gatherConv convolves x [b, h, w, c] with kernel [kh, kw, c, cout] after zero padding: the
// patches are gathered from the padded images seen as rows [b*hp, wp*c], one window row (kw*c
// contiguous values, rounded up to gatherRowMultiple with the next values, which meet zero rows
// of the kernel) per copy, and multiplied by the kernel in one product; bias [cout] (nil: none) is
// added to the product.
func gatherConv(x, kernel, bias *Node, stride int, pad Padding) *Node {
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	b, h, w, c := xd[0], xd[1], xd[2], xd[3]
	kh, kw, cout := kd[0], kd[1], kd[3]
	ho, wo := outputSize(h, kh, stride, pad.Top, pad.Bottom), outputSize(w, kw, stride, pad.Left, pad.Right)
	rowLen := kw * c
	paddedLen := (rowLen + gatherRowMultiple - 1) / gatherRowMultiple * gatherRowMultiple
	gatherPad := pad
	gatherPad.Right += (paddedLen - rowLen + c - 1) / c // Room for the rounded-up last window row.
	xp := padImages(x, gatherPad, 0)
	hp, wp := xp.Shape().Dimensions[1], xp.Shape().Dimensions[2]
	rows := Reshape(xp, b*hp, wp*c)
	starts := Reshape(Const(x.Graph(), patchStarts(b, hp, ho, wo, kh, stride, c, 0, 0)), b*ho*wo*kh, 2)
	patches := GatherSlices(rows, []int{0, 1}, starts, []int{1, paddedLen}, false) // [b*ho*wo*kh, 1, paddedLen]
	k := Reshape(kernel, kh, rowLen, cout)
	if paddedLen > rowLen {
		k = Pad(k, ScalarZero(x.Graph(), k.DType()), compute.PadAxis{}, compute.PadAxis{End: paddedLen - rowLen}, compute.PadAxis{})
	}
	return MatMulReshaped(patches, b*ho*wo, Reshape(k, kh*paddedLen, cout), bias, b, ho, wo, cout)
}

// pointwiseConv is gatherConv for a 1x1 kernel at stride 1 without padding, on images whose
// channel count c is a multiple of gatherRowMultiple: every pixel's channels are then already a
// patch row as gatherConv would gather it, so the images seen as [b*h*w, c] are the patch matrix,
// with no gather forward and no scatter-add backward. The product is the same (same rows, same
// inner dimension), so values and gradients are gatherConv's to the bit. With other channel
// counts gatherConv's rows are longer than c (rounded up, against zero kernel rows), and a
// product over c alone would round differently.
func pointwiseConv(x, kernel, bias *Node) *Node {
	xd, cout := x.Shape().Dimensions, kernel.Shape().Dimensions[3]
	b, h, w, c := xd[0], xd[1], xd[2], xd[3]
	return MatMulReshaped(x, b*h*w, Reshape(kernel, c, cout), bias, b, h, w, cout)
}

// patchStarts returns the start (row, column) of every window row gathered from padded images
// seen as rows [batch*hp, wp*c]: for image i, output position (y, x) and kernel row r, row
// i*hp + y*stride + r + row0 and column (x*stride + col0)*c, as flattened pairs. The order
// (i, y, x, r) makes rows of kw*c values the im2col patches [b*ho*wo, kh*kw*c]; with wo = kh = 1
// and a row run of wo*c values, the rows of the image shifted by (row0, col0).
func patchStarts(b, hp, ho, wo, kh, stride, c, row0, col0 int) []int32 {
	starts := make([]int32, 0, 2*b*ho*wo*kh)
	for i := range b {
		for y := range ho {
			for x := range wo {
				for r := range kh {
					starts = append(starts, int32(i*hp+y*stride+r+row0), int32((x*stride+col0)*c))
				}
			}
		}
	}
	return starts
}

// chooseConv picks the formulation of a kh x kw convolution of images x with c channels: on the
// pure-Go backend, im2col with the patches gathered (convGather): the backend's Gather copies
// each window row (kw*c contiguous values) with one memory copy and its gradient, a scatter-add,
// adds whole rows, where kh*kw Slices (convIm2col) copy one element at a time and their gradient
// pads and sums kh*kw full-size tensors. The per-offset formulation (convTaps) is not used: its
// kh*kw independent products make the backend's parallel executor run several matrix products at
// once, which deadlocked the pure-Go backend, and it was not faster either.
func chooseConv(x *Node, kh, kw, c int) convImpl {
	switch {
	case !isGoBackend(x):
		return convNative
	default:
		return convGather
	}
}

// isGoBackend tells whether x's graph runs on GoMLX's pure-Go backend (whose String is its
// registered name, "go"; its Name is a description).
func isGoBackend(x *Node) bool {
	backend := x.Graph().Backend()
	return backend == nil || backend.String() == gobackend.BackendName
}
