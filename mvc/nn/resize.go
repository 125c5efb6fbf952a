package nn

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
)

// ResizeBilinear resizes images x [batch, height, width, channels] to [batch, outHeight,
// outWidth, channels] by bilinear interpolation with half-pixel centres and no antialiasing: the
// output pixel i samples the input at (i + 0.5) * in/out - 0.5, clamped to the image, as
// tf.image.resize(method="bilinear") and PyTorch's interpolate(mode="bilinear",
// align_corners=False) do when enlarging. It is two products with constant interpolation
// matrices (one per axis), so it is fast on any backend and differentiable.
func ResizeBilinear(x *Node, outHeight, outWidth int) *Node {
	if x.Rank() != 4 || outHeight < 1 || outWidth < 1 {
		panicf("nn.ResizeBilinear: want x [batch, height, width, channels] and a positive size, got %s and %dx%d",
			x.Shape(), outHeight, outWidth)
	}
	d := x.Shape().Dimensions
	if d[1] == outHeight && d[2] == outWidth {
		return x
	}
	return separable(x, bilinearMatrix(d[1], outHeight), bilinearMatrix(d[2], outWidth))
}

// AdaptiveAvgPool2D averages images x [batch, height, width, channels] into an outHeight x
// outWidth grid as PyTorch's AdaptiveAvgPool2d: output cell i covers input rows
// floor(i*in/out) to ceil((i+1)*in/out) (exclusive), likewise for columns; when the output is
// larger than the input, cells repeat input pixels (torchvision's AlexNet on small images).
func AdaptiveAvgPool2D(x *Node, outHeight, outWidth int) *Node {
	if x.Rank() != 4 || outHeight < 1 || outWidth < 1 {
		panicf("nn.AdaptiveAvgPool2D: want x [batch, height, width, channels] and a positive size, got %s and %dx%d",
			x.Shape(), outHeight, outWidth)
	}
	d := x.Shape().Dimensions
	if d[1] == outHeight && d[2] == outWidth {
		return x
	}
	return separable(x, adaptiveMatrix(d[1], outHeight), adaptiveMatrix(d[2], outWidth))
}

// separable applies mh [oh, h] along the height and mw [ow, w] along the width of x
// [b, h, w, c]: out[b, i, j, c] = sum_{y, x} mh[i, y] mw[j, x] x[b, y, x, c].
func separable(x *Node, mh, mw *tensors.Tensor) *Node {
	g := x.Graph()
	mhN := ConvertDType(Const(g, mh), x.DType())
	mwN := ConvertDType(Const(g, mw), x.DType())
	y := chainedDot(x, []int{1}, nil, mhN, []int{1}, nil) // [b, w, c, oh]
	z := chainedDot(y, []int{1}, nil, mwN, []int{1}, nil) // [b, c, oh, ow]
	return TransposeAllAxes(z, 0, 2, 3, 1)                // [b, oh, ow, c]
}

// bilinearMatrix returns the [out, in] half-pixel bilinear interpolation weights.
func bilinearMatrix(in, out int) *tensors.Tensor {
	m := make([]float32, out*in)
	scale := float64(in) / float64(out)
	for i := range out {
		src := max((float64(i)+0.5)*scale-0.5, 0)
		i0 := min(int(math.Floor(src)), in-1)
		i1 := min(i0+1, in-1)
		frac := float32(src - float64(i0))
		m[i*in+i0] += 1 - frac
		m[i*in+i1] += frac
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}

// adaptiveMatrix returns the [out, in] averaging weights of PyTorch's adaptive average pooling.
func adaptiveMatrix(in, out int) *tensors.Tensor {
	m := make([]float32, out*in)
	for i := range out {
		start := (i * in) / out
		end := ((i+1)*in + out - 1) / out
		for j := start; j < end; j++ {
			m[i*in+j] = 1 / float32(end-start)
		}
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}
