package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "xception",
		title: "Xception: entry flow, 8 middle-flow blocks of three 728-filter separable convolutions, exit flow, all residual",
		source: "Chollet 2017, \"Xception: Deep Learning with Depthwise Separable Convolutions\", " +
			"as in Keras Applications' xception.py",
		// Keras' smallest accepted input: 71 -> 35 -> 33 -> 17 -> 9 -> 5 -> 3.
		minInput:   71,
		fullInput:  299,
		quickWidth: 0.25,
		// Keras Applications' table: 22,910,480 parameters (22.9M) at 299x299x3, 1,000 classes.
		published: 22910480,
		build:     buildXception,
	})
}

// buildXception builds Xception as Keras Applications' xception.py (include_top). Entry flow:
// conv 32 3x3/2 valid and conv 64 3x3 valid (no bias, batch normalization, ReLU); three blocks
// of two separable 3x3 convolutions (128, 256, 728 filters; SeparableConv2D without bias, each
// followed by batch normalization, ReLU between them and before the block except the first) and a
// 3x3/2 "same" max pool, added to a 1x1/2 convolution + batch normalization shortcut. Middle flow:
// 8 identity-shortcut blocks of three ReLU + separable 728 + batch normalization. Exit flow: ReLU,
// separable 728, batch normalization, ReLU, separable 1024, batch normalization, 3x3/2 max pool
// plus a 1x1/2 shortcut to 1024; separable 1536 and 2048, each with batch normalization and ReLU;
// global average pooling and a dense layer to the classes. Batch normalization has Keras'
// defaults (epsilon 1e-3, momentum 0.99, with scale); Keras' default initialization (Glorot
// uniform kernels, zero biases). Its minimum input is 71 (Keras'); smaller images are resized to
// 71x71 before the entry flow. The width multiplies every layer's filters (rounded to the nearest
// integer, at least 1).
func buildXception(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = 1e-3, 0.99
	convBN := func(s *model.Scope, x *Node, filters, k, stride int, pad nn.Padding) *Node {
		return b.bn(s.In("bn"), b.conv(s.In("conv"), x, b.ch(filters), k, k, stride, pad, false))
	}
	sepBN := func(s *model.Scope, x *Node, filters int) *Node {
		return b.bn(s.In("bn"), b.separable(s.In("sepconv"), x, b.ch(filters), 3, 1))
	}
	maxSame := func(x *Node) *Node { return nn.MaxPool2D(x, 3, 2, same(x, 3, 3, 2)) }

	// Entry flow.
	x = relu(convBN(scope.In("block1_conv1"), x, 32, 3, 2, nn.Valid))
	x = relu(convBN(scope.In("block1_conv2"), x, 64, 3, 1, nn.Valid))
	for i, filters := range []int{128, 256, 728} {
		s := scope.In("block%d", i+2)
		residual := convBN(s.In("shortcut"), x, filters, 1, 2, same(x, 1, 1, 2))
		if i > 0 {
			x = relu(x)
		}
		x = relu(sepBN(s.In("sepconv1"), x, filters))
		x = sepBN(s.In("sepconv2"), x, filters)
		x = Add(maxSame(x), residual)
	}

	// Middle flow.
	for i := range 8 {
		s := scope.In("block%d", i+5)
		residual := x
		for j := range 3 {
			x = sepBN(s.In("sepconv%d", j+1), relu(x), 728)
		}
		x = Add(x, residual)
	}

	// Exit flow.
	{
		s := scope.In("block13")
		residual := convBN(s.In("shortcut"), x, 1024, 1, 2, same(x, 1, 1, 2))
		x = relu(sepBN(s.In("sepconv1"), relu(x), 728))
		x = sepBN(s.In("sepconv2"), x, 1024)
		x = Add(maxSame(x), residual)
	}
	s := scope.In("block14")
	x = relu(sepBN(s.In("sepconv1"), x, 1536))
	x = relu(sepBN(s.In("sepconv2"), x, 2048))

	x = nn.GlobalAvgPool(x)
	return b.dense(scope.In("predictions"), x, b.cfg.Classes, true)
}
