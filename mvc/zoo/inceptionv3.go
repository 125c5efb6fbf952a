package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "inceptionv3",
		title: "InceptionV3: factorized Inception modules (35x35, 17x17 with 1x7/7x1, 8x8 with 1x3/3x1), global average pool, dense",
		source: "Szegedy et al. 2016, \"Rethinking the Inception Architecture for Computer Vision\", " +
			"as in Keras Applications' inception_v3.py",
		// Keras' smallest accepted input: 75 -> 37 -> 35 -> 17 -> 15 -> 7 -> 3 (mixed3) -> 1 (mixed8).
		minInput:   75,
		fullInput:  299,
		quickWidth: 0.25,
		// Keras Applications' table: 23,851,784 parameters (23.9M) at 299x299x3, 1,000 classes.
		published: 23851784,
		build:     buildInceptionV3,
	})
}

// buildInceptionV3 builds InceptionV3 as Keras Applications' inception_v3.py (include_top):
// every convolution is conv2d_bn (Conv2D without bias, batch normalization without scale
// (scale=False: no gamma), epsilon 1e-3, momentum 0.99, ReLU); the stem (32 3x3/2 valid, 32 3x3
// valid, 64 3x3 same, 3x3/2 max pool, 80 1x1, 192 3x3 valid, 3x3/2 max pool); mixed0-2 (35x35
// modules with 1x1, 5x5, double 3x3 and average-pool branches), mixed3 (grid reduction), mixed4-7
// (17x17 modules with factorized 1x7/7x1 convolutions, 128, 160, 160, 192 inner filters), mixed8
// (grid reduction), mixed9-10 (8x8 modules with split 1x3/3x1 branches); global average pooling
// and a dense layer to the classes. Keras' default initialization (Glorot uniform kernels, zero
// biases). Average pools are 3x3/1 "same" and exclude the padding from their means, as Keras'.
// Its minimum input is 75 (Keras'); smaller images are resized to 75x75 before the stem. The
// width multiplies every convolution's filters (rounded to the nearest integer, at least 1).
func buildInceptionV3(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = 1e-3, 0.99
	n := 0
	// cbn is Keras' conv2d_bn: filters kh x kw with the given stride, "same" padding unless
	// valid, no bias, batch normalization without scale, ReLU. Scopes are numbered in build
	// order, as Keras' conv2d_1, conv2d_2, ...
	cbn := func(x *Node, filters, kh, kw, stride int, valid bool) *Node {
		n++
		s := scope.In("conv2d_%d", n)
		pad := nn.Valid
		if !valid {
			pad = same(x, kh, kw, stride)
		}
		y := b.conv(s.In("conv"), x, b.ch(filters), kh, kw, stride, pad, false)
		return relu(b.batchNorm(s.In("bn"), y, false))
	}
	avgSame := func(x *Node) *Node { return nn.AvgPool2D(x, 3, 1, same(x, 3, 3, 1), false) }
	maxValid := func(x *Node) *Node { return nn.MaxPool2D(x, 3, 2, nn.Valid) }
	concat := func(parts ...*Node) *Node { return Concatenate(parts, 3) }

	// Stem.
	x = cbn(x, 32, 3, 3, 2, true)
	x = cbn(x, 32, 3, 3, 1, true)
	x = cbn(x, 64, 3, 3, 1, false)
	x = maxValid(x)
	x = cbn(x, 80, 1, 1, 1, true)
	x = cbn(x, 192, 3, 3, 1, true)
	x = maxValid(x)

	// mixed0-2: 35 x 35 x 256, 288, 288.
	for _, poolFilters := range []int{32, 64, 64} {
		b1 := cbn(x, 64, 1, 1, 1, false)
		b5 := cbn(x, 48, 1, 1, 1, false)
		b5 = cbn(b5, 64, 5, 5, 1, false)
		b3 := cbn(x, 64, 1, 1, 1, false)
		b3 = cbn(b3, 96, 3, 3, 1, false)
		b3 = cbn(b3, 96, 3, 3, 1, false)
		bp := cbn(avgSame(x), poolFilters, 1, 1, 1, false)
		x = concat(b1, b5, b3, bp)
	}

	// mixed3: 17 x 17 x 768.
	{
		b3 := cbn(x, 384, 3, 3, 2, true)
		bd := cbn(x, 64, 1, 1, 1, false)
		bd = cbn(bd, 96, 3, 3, 1, false)
		bd = cbn(bd, 96, 3, 3, 2, true)
		x = concat(b3, bd, maxValid(x))
	}

	// mixed4-7: 17 x 17 x 768.
	for _, f := range []int{128, 160, 160, 192} {
		b1 := cbn(x, 192, 1, 1, 1, false)
		b7 := cbn(x, f, 1, 1, 1, false)
		b7 = cbn(b7, f, 1, 7, 1, false)
		b7 = cbn(b7, 192, 7, 1, 1, false)
		bd := cbn(x, f, 1, 1, 1, false)
		bd = cbn(bd, f, 7, 1, 1, false)
		bd = cbn(bd, f, 1, 7, 1, false)
		bd = cbn(bd, f, 7, 1, 1, false)
		bd = cbn(bd, 192, 1, 7, 1, false)
		bp := cbn(avgSame(x), 192, 1, 1, 1, false)
		x = concat(b1, b7, bd, bp)
	}

	// mixed8: 8 x 8 x 1280.
	{
		b3 := cbn(x, 192, 1, 1, 1, false)
		b3 = cbn(b3, 320, 3, 3, 2, true)
		b7 := cbn(x, 192, 1, 1, 1, false)
		b7 = cbn(b7, 192, 1, 7, 1, false)
		b7 = cbn(b7, 192, 7, 1, 1, false)
		b7 = cbn(b7, 192, 3, 3, 2, true)
		x = concat(b3, b7, maxValid(x))
	}

	// mixed9-10: 8 x 8 x 2048.
	for range 2 {
		b1 := cbn(x, 320, 1, 1, 1, false)
		b3 := cbn(x, 384, 1, 1, 1, false)
		b3 = concat(cbn(b3, 384, 1, 3, 1, false), cbn(b3, 384, 3, 1, 1, false))
		bd := cbn(x, 448, 1, 1, 1, false)
		bd = cbn(bd, 384, 3, 3, 1, false)
		bd = concat(cbn(bd, 384, 1, 3, 1, false), cbn(bd, 384, 3, 1, 1, false))
		bp := cbn(avgSame(x), 192, 1, 1, 1, false)
		x = concat(b1, b3, bd, bp)
	}

	x = nn.GlobalAvgPool(x)
	return b.dense(scope.In("predictions"), x, b.cfg.Classes, true)
}
