package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// DepthwiseConv2D convolves each channel of images x [batch, height, width, channels] with its own
// kernel, kernel [kh, kw, channels, 1] (Keras' DepthwiseConv2D layout with depth multiplier 1),
// with the given stride and zero padding; the result is [batch, ho, wo, channels]. No bias.
//
// It is the sum, over the kh*kw window offsets, of the shifted (strided) images times the
// offset's per-channel weights (at stride 1 each shifted image is gathered as contiguous row
// runs): on GoMLX's pure-Go backend faster than a grouped Convolve, or than gathering every
// window (whose product and sum over the window then move k*k times the image), and GoMLX's
// layers.Convolution with ChannelGroupCount creates a kernel of the wrong shape. On other
// backends it is GoMLX's grouped Convolve.
func DepthwiseConv2D(x, kernel *Node, stride int, pad Padding) *Node {
	return depthwise(x, kernel, stride, pad, !isGoBackend(x))
}

func depthwise(x, kernel *Node, stride int, pad Padding, native bool) *Node {
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
	if native {
		// Grouped convolution: kernel [kh, kw, 1, channels].
		k := Reshape(kernel, kh, kw, 1, c)
		return Convolve(x, k).StridePerAxis(stride, stride).ChannelGroupCount(c).
			PaddingPerDim([][2]int{{pad.Top, pad.Bottom}, {pad.Left, pad.Right}}).Done()
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
