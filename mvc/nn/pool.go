package nn

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
)

// MaxPool2D returns the maximum of each k x k window of images x [batch, height, width,
// channels], sliding by stride, after padding (padded positions never win: they are -infinity,
// as in Keras/TensorFlow "same" pooling and PyTorch's padded max pooling).
//
// Non-overlapping windows that tile the image (k == stride, no padding, sizes divisible) are a
// reshape and one reduction; other windows are the running maximum of shifted slices, taken along
// the width and then along the height (2k slices instead of k*k). Both are much faster on the
// pure-Go backend than its ReduceWindow, and their gradients are GoMLX's (the gradient goes to
// every window position equal to the maximum).
func MaxPool2D(x *Node, k, stride int, pad Padding) *Node {
	return pool2D("nn.MaxPool2D", x, k, stride, pad, true, false)
}

// AvgPool2D returns the mean of each k x k window of images x [batch, height, width, channels],
// sliding by stride, after zero padding. When countPadding is false the mean is over the
// window's pixels inside the image (Keras/TensorFlow "same" average pooling, PyTorch's
// count_include_pad=False); when true, padded zeros count (PyTorch's default).
func AvgPool2D(x *Node, k, stride int, pad Padding, countPadding bool) *Node {
	return pool2D("nn.AvgPool2D", x, k, stride, pad, false, countPadding)
}

// GlobalAvgPool averages images x [batch, height, width, channels] over height and width:
// [batch, channels].
func GlobalAvgPool(x *Node) *Node {
	if x.Rank() != 4 {
		panicf("nn.GlobalAvgPool: want x [batch, height, width, channels], got %s", x.Shape())
	}
	return ReduceMean(x, 1, 2)
}

func pool2D(op string, x *Node, k, stride int, pad Padding, isMax, countPadding bool) *Node {
	if x.Rank() != 4 {
		panicf("%s: want x [batch, height, width, channels], got %s", op, x.Shape())
	}
	if k < 1 || stride < 1 {
		panicf("%s: window %d and stride %d must be >= 1", op, k, stride)
	}
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	ho, wo := outputSize(h, k, stride, pad.Top, pad.Bottom), outputSize(w, k, stride, pad.Left, pad.Right)
	if ho < 1 || wo < 1 {
		panicf("%s: a %dx%d window does not fit images %dx%d padded by %+v", op, k, k, h, w, pad)
	}
	if k == 1 && pad.IsZero() {
		return window(x, 0, 0, ho, wo, stride)
	}
	if k == stride && pad.IsZero() && h%k == 0 && w%k == 0 {
		// Tiling windows: [b, ho, k, wo, k, c] reduced over the window axes.
		t := Reshape(x, b, ho, k, wo, k, c)
		if isMax {
			return tiledMax(t)
		}
		return ReduceMean(t, 2, 4)
	}
	fill := 0.0
	if isMax {
		fill = math.Inf(-1)
	}
	xp := padImages(x, pad, fill)
	combine := Add
	if isMax {
		combine = Max
	}
	// Along the width: [b, hp, wo, c].
	hp := h + pad.Top + pad.Bottom
	var rows *Node
	for j := range k {
		s := Slice(xp, AxisRange(), AxisRange(), axisWindow(j, wo, stride), AxisRange())
		if rows == nil {
			rows = s
		} else {
			rows = combine(rows, s)
		}
	}
	// Along the height: [b, ho, wo, c].
	var out *Node
	for i := range k {
		s := rows
		if !(i == 0 && stride == 1 && hp == ho) {
			s = Slice(rows, AxisRange(), axisWindow(i, ho, stride), AxisRange(), AxisRange())
		}
		if out == nil {
			out = s
		} else {
			out = combine(out, s)
		}
	}
	if isMax {
		return out
	}
	if countPadding || pad.IsZero() {
		return DivScalar(out, float64(k*k))
	}
	return Mul(out, ConvertDType(Const(x.Graph(), inverseCounts(h, w, k, stride, pad, ho, wo)), x.DType()))
}

// inverseCounts returns [1, ho, wo, 1]: 1 / the number of pixels inside the image in each window.
func inverseCounts(h, w, k, stride int, pad Padding, ho, wo int) *tensors.Tensor {
	inside := func(start, n int) int {
		lo, hi := max(start, 0), min(start+k, n)
		return max(hi-lo, 1)
	}
	v := make([]float32, ho*wo)
	for i := range ho {
		ch := inside(i*stride-pad.Top, h)
		for j := range wo {
			v[i*wo+j] = 1 / float32(ch*inside(j*stride-pad.Left, w))
		}
	}
	return tensors.FromFlatDataAndDimensions(v, 1, ho, wo, 1)
}

// tiledMax reduces t [b, ho, k, wo, k, c] over its window axes 2 and 4 with a cheap gradient:
// dt = dy (broadcast) where t equals the window's maximum, else 0; ties all receive it, as with
// GoMLX's ReduceMax gradient, which costs two more passes (Sign twice).
func tiledMax(t *Node) *Node {
	d := t.Shape().Dimensions
	var dy, y *Node
	ti := IdentityWithCustomGradient(t, func(x, _ *Node) *Node {
		// Same-shape operands take the backend's vectorized paths; broadcasting ones do not. The
		// window axes are broadcast in place, without a reshape, which would copy y: the next
		// layer uses it too.
		atMax := Equal(x, ExpandAndBroadcast(y, d, []int{2, 4}))
		return Where(atMax, ExpandAndBroadcast(dy, d, []int{2, 4}), ScalarZero(x.Graph(), x.DType()))
	})
	y = IdentityWithCustomGradient(ReduceMax(ti, 2, 4), func(_, v *Node) *Node {
		dy = v
		return v
	})
	return y
}
