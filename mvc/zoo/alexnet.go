package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "alexnet",
		title: "AlexNet: 5 convolutions (64 11x11/4, 192 5x5, 384, 256, 256 3x3) with max pooling, fc 4096, fc 4096",
		source: "Krizhevsky, Sutskever and Hinton 2012, \"ImageNet Classification with Deep Convolutional " +
			"Neural Networks\", single-tower variant as torchvision's alexnet (after Krizhevsky 2014, " +
			"\"One weird trick\")",
		// The smallest input for which torchvision's three 3x3/2 max pools leave at least 1x1:
		// 63 -> 15 -> 7 -> 7 -> 3 -> 1.
		minInput:   63,
		fullInput:  224,
		quickWidth: 0.125,
		// torchvision's table: 61,100,840 parameters (61.1M) at 224x224x3, 1,000 classes.
		published: 61100840,
		build:     buildAlexNet,
	})
}

// buildAlexNet builds torchvision's AlexNet: conv 64 11x11/4 padding 2, ReLU, max pool 3x3/2;
// conv 192 5x5 padding 2, ReLU, max pool 3x3/2; conv 384, 256 and 256 3x3 padding 1 with ReLU;
// max pool 3x3/2; adaptive average pooling to 6x6; dropout 0.5, fc 4096, ReLU, dropout 0.5, fc
// 4096, ReLU, fc classes. All layers have biases; PyTorch's default initialization (uniform
// +-1/sqrt(fan_in) kernels; zero biases here). No local response normalization (torchvision's
// version has none). Its minimum input is 63; smaller images are resized to 63x63. The width
// multiplies the filters and the fully connected units.
func buildAlexNet(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initTorchDefault
	// ReLU then max pool is computed as max pool then ReLU (same values and gradients).
	x = maxPoolRelu(b.conv(scope.In("conv1"), x, b.ch(64), 11, 11, 4, nn.Symmetric(2), true), 3, 2, nn.Valid)
	x = maxPoolRelu(b.conv(scope.In("conv2"), x, b.ch(192), 5, 5, 1, nn.Symmetric(2), true), 3, 2, nn.Valid)
	x = relu(b.conv(scope.In("conv3"), x, b.ch(384), 3, 3, 1, nn.Symmetric(1), true))
	x = relu(b.conv(scope.In("conv4"), x, b.ch(256), 3, 3, 1, nn.Symmetric(1), true))
	x = maxPoolRelu(b.conv(scope.In("conv5"), x, b.ch(256), 3, 3, 1, nn.Symmetric(1), true), 3, 2, nn.Valid)
	x = flatten(nn.AdaptiveAvgPool2D(x, 6, 6))
	x = b.dropout(scope.In("dropout1"), x, 0.5)
	x = relu(b.dense(scope.In("fc6"), x, b.ch(4096), true))
	x = b.dropout(scope.In("dropout2"), x, 0.5)
	x = relu(b.dense(scope.In("fc7"), x, b.ch(4096), true))
	return b.dense(scope.In("fc8"), x, b.cfg.Classes, true)
}
