package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "shufflenetv2",
		title: "ShuffleNetV2 1.0x: channel-split units with depthwise convolutions and channel shuffle, stages of 4, 8 and 4 units",
		source: "Ma, Zhang, Zheng and Sun 2018, \"ShuffleNet V2: Practical Guidelines for Efficient CNN " +
			"Architecture Design\", as torchvision's shufflenet_v2_x1_0",
		// Stride 32 in all still leaves 1x1 on 32x32 images; no resize is needed.
		minInput:   1,
		fullInput:  224,
		quickWidth: 0.25,
		// torchvision's table: 2,278,604 parameters (2.3M) at 224x224x3, 1,000 classes (our
		// count adds batch normalization's running means and variances).
		published: 2278604,
		build:     buildShuffleNetV2,
	})
}

// buildShuffleNetV2 builds torchvision's ShuffleNetV2 (shufflenet_v2_x1_0 at width 1): conv 24
// 3x3/2 padding 1 (no bias) + batch normalization + ReLU, max pool 3x3/2 padding 1; stages 2 to 4
// of 4, 8 and 4 units with 116, 232 and 464 output channels; conv 1x1 to 1024 + batch
// normalization + ReLU; global average pooling; fc to the classes. A unit of stride 1 splits the
// channels in halves, keeps the first and passes the second through conv 1x1 + batch
// normalization + ReLU, depthwise 3x3 + batch normalization, conv 1x1 + batch normalization +
// ReLU; a unit of stride 2 concatenates that branch (on all channels, depthwise stride 2) with a
// second one, depthwise 3x3/2 + batch normalization + conv 1x1 + batch normalization + ReLU; both
// end with a channel shuffle of 2 groups. No convolution has a bias; batch normalization epsilon
// 1e-5, momentum 0.1 (PyTorch's); PyTorch's default initialization. The width scales the stage
// channels (rounded to an even number, since units split them in halves) and the stem; the last
// convolution keeps 1024 channels up to width 1.5 and has 2048 above, as torchvision's variants.
func buildShuffleNetV2(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initTorchDefault
	b.bnEps, b.bnMomentum = 1e-5, 0.9
	x = relu(b.bn(scope.In("conv1_bn"), b.conv(scope.In("conv1"), x, b.ch(24), 3, 3, 2, nn.Symmetric(1), false)))
	x = nn.MaxPool2D(x, 3, 2, nn.Symmetric(1))
	for stage, st := range []struct{ repeats, channels int }{{4, 116}, {8, 232}, {4, 464}} {
		out := 2 * max(1, int(float64(st.channels)*b.cfg.Width/2+0.5))
		for i := range st.repeats {
			stride := 1
			if i == 0 {
				stride = 2
			}
			x = b.shuffleUnit(scope.In("stage%d_%d", stage+2, i), x, out, stride)
		}
	}
	last := 1024
	if b.cfg.Width > 1.5 {
		last = 2048
	}
	x = relu(b.bn(scope.In("conv5_bn"), b.conv(scope.In("conv5"), x, last, 1, 1, 1, nn.Valid, false)))
	return b.dense(scope.In("fc"), nn.GlobalAvgPool(x), b.cfg.Classes, true)
}

// shuffleUnit is torchvision's InvertedResidual of ShuffleNetV2.
func (b *builder) shuffleUnit(scope *model.Scope, x *Node, out, stride int) *Node {
	half := out / 2
	c := x.Shape().Dimensions[3]
	var left, right *Node
	if stride == 1 {
		left = Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, c/2))
		right = Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(c/2, c))
	} else {
		s := scope.In("branch1")
		left = b.bn(s.In("dw_bn"), b.depthwise(s.In("dw"), x, 3, stride, nn.Symmetric(1), false))
		left = relu(b.bn(s.In("pw_bn"), b.conv(s.In("pw"), left, half, 1, 1, 1, nn.Valid, false)))
		right = x
	}
	s := scope.In("branch2")
	right = relu(b.bn(s.In("pw1_bn"), b.conv(s.In("pw1"), right, half, 1, 1, 1, nn.Valid, false)))
	right = b.bn(s.In("dw_bn"), b.depthwise(s.In("dw"), right, 3, stride, nn.Symmetric(1), false))
	right = relu(b.bn(s.In("pw2_bn"), b.conv(s.In("pw2"), right, half, 1, 1, 1, nn.Valid, false)))
	return channelShuffle(Concatenate([]*Node{left, right}, 3), 2)
}

// channelShuffle interleaves the channels of x [batch, h, w, c] from groups groups: channel
// g*(c/groups)+i moves to i*groups+g (ShuffleNet's shuffle; torchvision's channel_shuffle in
// channels-last layout).
func channelShuffle(x *Node, groups int) *Node {
	d := x.Shape().Dimensions
	y := Reshape(x, d[0], d[1], d[2], groups, d[3]/groups)
	y = TransposeAllAxes(y, 0, 1, 2, 4, 3)
	return Reshape(y, d...)
}
