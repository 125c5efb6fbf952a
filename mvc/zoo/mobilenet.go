package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "mobilenetv2",
		title: "MobileNetV2: inverted residual blocks with linear bottlenecks and ReLU6",
		source: "Sandler, Howard, Zhu, Zhmoginov and Chen 2018, \"MobileNetV2: Inverted Residuals and " +
			"Linear Bottlenecks\", as in Keras Applications' mobilenet_v2.py",
		// Keras' smallest accepted input.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.25,
		// Keras Applications' table: 3,538,984 parameters (3.5M) at 224x224x3, 1,000 classes.
		published: 3538984,
		build:     buildMobileNetV2,
	})
}

// mobileNetV2Blocks are the inverted residual blocks of Keras' MobileNetV2: output filters,
// stride, expansion.
var mobileNetV2Blocks = []struct{ filters, stride, expansion int }{
	{16, 1, 1},
	{24, 2, 6}, {24, 1, 6},
	{32, 2, 6}, {32, 1, 6}, {32, 1, 6},
	{64, 2, 6}, {64, 1, 6}, {64, 1, 6}, {64, 1, 6},
	{96, 1, 6}, {96, 1, 6}, {96, 1, 6},
	{160, 2, 6}, {160, 1, 6}, {160, 1, 6},
	{320, 1, 6},
}

// buildMobileNetV2 builds MobileNetV2 as Keras Applications' mobilenet_v2.py (include_top), the
// width being Keras' alpha: conv 3x3/2 "same" to make_divisible(32 alpha, 8) filters (no bias),
// batch normalization, ReLU6; 17 inverted residual blocks (mobileNetV2Blocks): except in the
// first, a 1x1 expansion convolution to expansion x the input channels + batch normalization +
// ReLU6; a 3x3 depthwise convolution (stride 1 or 2, "same" padding, which is Keras' correct_pad
// at stride 2) + batch normalization + ReLU6; a 1x1 projection to make_divisible(int(filters
// alpha), 8) channels + batch normalization (linear), added to the input when the shapes agree.
// Then a 1x1 convolution to 1280 channels (make_divisible(1280 alpha, 8) when alpha > 1) + batch
// normalization + ReLU6, global average pooling and the dense classifier. No convolution has a
// bias; batch normalization epsilon 1e-3, momentum 0.999 (Keras'); Glorot uniform kernels.
func buildMobileNetV2(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = 1e-3, 0.999
	alpha := b.cfg.Width
	x = b.conv(scope.In("Conv1"), x, makeDivisible(32*alpha, 8), 3, 3, 2, same(x, 3, 3, 2), false)
	x = relu6(b.bn(scope.In("bn_Conv1"), x))
	for id, blk := range mobileNetV2Blocks {
		s := scope.In("block_%d", id)
		in := x.Shape().Dimensions[3]
		out := makeDivisible(float64(int(float64(blk.filters)*alpha)), 8)
		y := x
		if id > 0 {
			y = b.conv(s.In("expand"), y, blk.expansion*in, 1, 1, 1, nn.Valid, false)
			y = relu6(b.bn(s.In("expand_BN"), y))
		}
		y = b.depthwise(s.In("depthwise"), y, 3, blk.stride, same(y, 3, 3, blk.stride), false)
		y = relu6(b.bn(s.In("depthwise_BN"), y))
		y = b.conv(s.In("project"), y, out, 1, 1, 1, nn.Valid, false)
		y = b.bn(s.In("project_BN"), y)
		if in == out && blk.stride == 1 {
			y = Add(x, y)
		}
		x = y
	}
	last := 1280
	if alpha > 1 {
		last = makeDivisible(1280*alpha, 8)
	}
	x = relu6(b.bn(scope.In("Conv_1_bn"), b.conv(scope.In("Conv_1"), x, last, 1, 1, 1, nn.Valid, false)))
	return b.dense(scope.In("predictions"), nn.GlobalAvgPool(x), b.cfg.Classes, true)
}
