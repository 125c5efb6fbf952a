package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "digitnet",
		title: "DigitNet: conv 64 5x5, max pool, conv 128 5x5, max pool, fc 1024, fc 1024, fc classes",
		source: "the digit network of the domain-generalization literature (Volpi et al. 2018, " +
			"\"Generalizing to Unseen Domains via Adversarial Data Augmentation\"; Zhou et al. 2020, L2A-OT)",
		minInput:   16,
		fullInput:  32,
		quickWidth: 1,
		// Our count of the specification at 32x32x3 with 1,000 classes (no published table
		// lists it): 4,864 + 204,928 + 3,277,824 + 1,049,600 + 1,025,000.
		published: 5562216,
		build:     buildDigitNet,
	})
}

// buildDigitNet builds the DigitNet: conv 5x5 (64, valid) + ReLU, 2x2 max pool, conv 5x5 (128,
// valid) + ReLU, 2x2 max pool, flatten, fc 1024 + ReLU, fc 1024 + ReLU, fc classes; PyTorch
// initialization. On 32x32 images the feature map before the classifier is 5x5x128 (4x4x128 on
// 28x28 MNIST). Its minimum input is 16 (one position left after the second pool). The width multiplies every
// layer's channels and units.
func buildDigitNet(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initTorchDefault
	x = maxPoolRelu(b.conv(scope.In("conv1"), x, b.ch(64), 5, 5, 1, nn.Valid, true), 2, 2, nn.Valid)
	x = maxPoolRelu(b.conv(scope.In("conv2"), x, b.ch(128), 5, 5, 1, nn.Valid, true), 2, 2, nn.Valid)
	x = flatten(x)
	x = relu(b.dense(scope.In("fc1"), x, b.ch(1024), true))
	x = relu(b.dense(scope.In("fc2"), x, b.ch(1024), true))
	return b.dense(scope.In("fc3"), x, b.cfg.Classes, true)
}
