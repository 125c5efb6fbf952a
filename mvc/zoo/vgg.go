package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "vgg19",
		title: "VGG19: 16 3x3 convolutions in 5 blocks (64, 128, 256, 512, 512 filters) with max pooling, fc 4096, fc 4096",
		source: "Simonyan and Zisserman 2015, \"Very Deep Convolutional Networks for Large-Scale Image " +
			"Recognition\", configuration E, as in Keras Applications' vgg19.py",
		// Keras' smallest accepted input: five 2x2 max pools leave 1x1.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.125,
		// Keras Applications' table: 143,667,240 parameters (143.7M) at 224x224x3, 1,000 classes.
		published: 143667240,
		build:     buildVGG19,
	})
}

// buildVGG19 builds VGG19 as Keras Applications' vgg19.py (include_top): blocks of 2, 2, 4, 4 and
// 4 convolutions 3x3 "same" with bias and ReLU (64, 128, 256, 512 and 512 filters), each block
// ending in a 2x2/2 max pool; flatten; fc1 4096 and fc2 4096 with ReLU; predictions (no dropout,
// as Keras). Keras' default initialization (Glorot uniform kernels, zero biases). Its minimum
// input is 32 (Keras'): on 32x32 images the flattened features are 1x1x512. The width multiplies
// the filters and the fully connected units.
func buildVGG19(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	for block, spec := range []struct{ convs, filters int }{{2, 64}, {2, 128}, {4, 256}, {4, 512}, {4, 512}} {
		for i := range spec.convs {
			s := scope.In("block%d_conv%d", block+1, i+1)
			x = b.conv(s, x, b.ch(spec.filters), 3, 3, 1, same(x, 3, 3, 1), true)
			if i < spec.convs-1 {
				x = relu(x)
			}
		}
		x = maxPoolRelu(x, 2, 2, nn.Valid) // ReLU then max pool, computed in the cheaper order.
	}
	x = flatten(x)
	x = relu(b.dense(scope.In("fc1"), x, b.ch(4096), true))
	x = relu(b.dense(scope.In("fc2"), x, b.ch(4096), true))
	return b.dense(scope.In("predictions"), x, b.cfg.Classes, true)
}
