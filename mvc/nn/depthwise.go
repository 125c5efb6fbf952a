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
	if stride == 1 && ho == h && wo == w && pad.Top < kh && pad.Bottom < kh && pad.Left < kw && pad.Right < kw {
		return depthwiseSame(x, kernel, pad)
	}
	return taps(padImages(x, pad, 0), kernel, ho, wo, stride)
}

// taps is the sum over the kernel's window offsets of the shifted padded images xp times the
// offset's per-channel weights: [batch, ho, wo, channels].
func taps(xp, kernel *Node, ho, wo, stride int) *Node {
	kd := kernel.Shape().Dimensions
	kh, kw, c := kd[0], kd[1], kd[2]
	terms := make([]*Node, 0, kh*kw)
	for i := range kh {
		for j := range kw {
			wij := Reshape(Slice(kernel, AxisElem(i), AxisElem(j), AxisRange(), AxisRange()), 1, 1, 1, c)
			terms = append(terms, Mul(window(xp, i, j, ho, wo, stride), wij))
		}
	}
	return sumTree(terms)
}

// sumTree adds the terms pairwise, so that the backend, which runs independent operations in
// parallel, can add several pairs at once.
func sumTree(terms []*Node) *Node {
	for len(terms) > 1 {
		next := terms[:0:0]
		for i := 0; i+1 < len(terms); i += 2 {
			next = append(next, Add(terms[i], terms[i+1]))
		}
		if len(terms)%2 == 1 {
			next = append(next, terms[len(terms)-1])
		}
		terms = next
	}
	return terms[0]
}

// depthwiseSame is the stride-1 depthwise convolution whose output has the input's size, with
// the input's gradient given directly: the correlation of the padded output gradient with the
// kernel flipped, built from gathers like the forward pass. Left to automatic differentiation,
// each of the k*k shifted images would return its gradient as a scatter-add into a zeroed copy
// of the padded input, then a slice back to the input: about twice the memory traffic.
//
// GoMLX attaches custom gradients to single nodes only, so the input reaches the output through
// a link whose value is exactly zero, x - StopGradient(x), whose gradient is the output's
// gradient unchanged; the kernel's gradient is left to automatic differentiation.
func depthwiseSame(x, kernel *Node, pad Padding) *Node {
	xd, kd := x.Shape().Dimensions, kernel.Shape().Dimensions
	h, w := xd[1], xd[2]
	kh, kw := kd[0], kd[1]
	y := taps(padImages(StopGradient(x), pad, 0), kernel, h, w, 1)
	frozen := StopGradient(kernel)
	flipped := Reverse(frozen, 0, 1)
	backPad := Padding{Top: kh - 1 - pad.Top, Bottom: kh - 1 - pad.Bottom, Left: kw - 1 - pad.Left, Right: kw - 1 - pad.Right}
	link := IdentityWithCustomGradient(x, func(_, dy *Node) *Node {
		return taps(padImages(dy, backPad, 0), flipped, h, w, 1)
	})
	return Add(y, Sub(link, StopGradient(link)))
}
