package neurn

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// NaiveNeuRN computes the same values as [NeuRN] the textbook way, window by window: it gathers
// the k^2 shifted copies of the image, takes their mean, then the mean of the squared deviations
// (two passes, float64). Its cost is O(H x W x k^2) per channel. It exists as the baseline of the
// benchmarks ("mvc bench neurn"); use [NeuRN] in models.
func NaiveNeuRN(x *Node, k int, perChannel bool) *Node {
	checkImages("NaiveNeuRN", x, k)
	g := x.Graph()
	dims := x.Shape().Dimensions
	h, w := dims[1], dims[2]
	r := k / 2
	x64 := ConvertDType(x, dtypes.Float64)
	zero := ScalarZero(g, dtypes.Float64)
	pads := []compute.PadAxis{{}, {Start: r, End: r}, {Start: r, End: r}, {}}
	xp := Pad(x64, zero, pads...)
	// inside marks the pixels of the padded image that belong to the image.
	inside := Pad(Ones(g, x64.Shape()), zero, pads...)
	var shifted, masks []*Node
	for dy := range k {
		for dx := range k {
			window := []SliceAxisSpec{AxisRange(), AxisRange(dy, dy+h), AxisRange(dx, dx+w), AxisRange()}
			shifted = append(shifted, Slice(xp, window...))
			masks = append(masks, Slice(inside, window...))
		}
	}
	sum, count := shifted[0], masks[0]
	for i := 1; i < len(shifted); i++ {
		sum, count = Add(sum, shifted[i]), Add(count, masks[i])
	}
	mean := Div(sum, count)
	var ss *Node
	for i := range shifted {
		dev := Mul(Sub(shifted[i], mean), masks[i])
		if ss == nil {
			ss = Square(dev)
		} else {
			ss = Add(ss, Square(dev))
		}
	}
	sigma := ConvertDType(safeSqrt(Div(ss, count)), x.DType())
	reduceAxes := []int{1, 2, 3}
	if perChannel {
		reduceAxes = []int{1, 2}
	}
	return Div(sigma, MaxScalar(ReduceAndKeep(sigma, ReduceMax, reduceAxes...), MaxFloor))
}
