package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "densenet121",
		title: "DenseNet121: dense blocks of 6, 12, 24 and 16 bottleneck layers (growth rate 32) with transitions",
		source: "Huang, Liu, van der Maaten and Weinberger 2017, \"Densely Connected Convolutional " +
			"Networks\", as in Keras Applications' densenet.py",
		// Keras' smallest accepted input.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.25,
		// Keras Applications' table: 8,062,504 parameters (8.1M) at 224x224x3, 1,000 classes.
		published: 8062504,
		build:     buildDenseNet121,
	})
}

// buildDenseNet121 builds DenseNet121 as Keras Applications' densenet.py (include_top): zero
// padding 3, conv 64 7x7/2 (no bias), batch normalization, ReLU, zero padding 1, max pool 3x3/2;
// dense blocks of 6, 12, 24 and 16 layers, each layer batch normalization, ReLU, conv 1x1 to 4x
// the growth rate (128), batch normalization, ReLU, conv 3x3 "same" to the growth rate (32), its
// output concatenated to its input; between blocks a transition: batch normalization, ReLU, conv
// 1x1 halving the channels, 2x2/2 average pool. Then batch normalization, ReLU, global average
// pooling and the dense classifier. No convolution has a bias; batch normalization epsilon
// 1.001e-5, momentum 0.99 (Keras'); Glorot uniform kernels. The width multiplies the stem's 64
// filters and the growth rate (so also the bottlenecks).
func buildDenseNet121(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = 1.001e-5, 0.99
	growth := b.ch(32)
	x = b.conv(scope.In("conv1_conv"), x, b.ch(64), 7, 7, 2, nn.Symmetric(3), false)
	x = relu(b.bn(scope.In("conv1_bn"), x))
	x = nn.MaxPool2D(x, 3, 2, nn.Symmetric(1))
	for block, layers := range []int{6, 12, 24, 16} {
		for i := range layers {
			s := scope.In("conv%d_block%d", block+2, i+1)
			y := relu(b.bn(s.In("0_bn"), x))
			y = b.conv(s.In("1_conv"), y, 4*growth, 1, 1, 1, nn.Valid, false)
			y = relu(b.bn(s.In("1_bn"), y))
			y = b.conv(s.In("2_conv"), y, growth, 3, 3, 1, same(y, 3, 3, 1), false)
			x = Concatenate([]*Node{x, y}, 3)
		}
		if block < 3 {
			s := scope.In("pool%d", block+2)
			y := relu(b.bn(s.In("bn"), x))
			y = b.conv(s.In("conv"), y, x.Shape().Dimensions[3]/2, 1, 1, 1, nn.Valid, false)
			x = nn.AvgPool2D(y, 2, 2, nn.Valid, false)
		}
	}
	x = relu(b.bn(scope.In("bn"), x))
	return b.dense(scope.In("predictions"), nn.GlobalAvgPool(x), b.cfg.Classes, true)
}
