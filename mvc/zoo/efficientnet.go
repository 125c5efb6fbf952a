package zoo

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "efficientnetb0",
		title: "EfficientNetB0: MBConv blocks with squeeze-and-excitation and swish, 16 blocks in 7 stages",
		source: "Tan and Le 2019, \"EfficientNet: Rethinking Model Scaling for Convolutional Neural " +
			"Networks\", as in Keras Applications' efficientnet.py",
		// Keras' smallest accepted input.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.25,
		// Keras Applications' table: 5,330,571 parameters (5.3M) at 224x224x3, 1,000 classes;
		// 7 of them are the input Normalization layer's statistics, which this model leaves out.
		published: 5330571,
		build:     buildEfficientNetB0,
	})
}

// efficientNetStages are Keras' DEFAULT_BLOCKS_ARGS: kernel size, repeats, input and output
// filters, expansion ratio, stride (all with squeeze-and-excitation ratio 0.25).
var efficientNetStages = []struct{ kernel, repeats, in, out, expand, stride int }{
	{3, 1, 32, 16, 1, 1},
	{3, 2, 16, 24, 6, 2},
	{5, 2, 24, 40, 6, 2},
	{3, 3, 40, 80, 6, 2},
	{5, 3, 80, 112, 6, 1},
	{5, 4, 112, 192, 6, 2},
	{3, 1, 192, 320, 6, 1},
}

// buildEfficientNetB0 builds EfficientNetB0 as Keras Applications' efficientnet.py
// (include_top; width coefficient 1 = the Width, depth coefficient 1): stem conv 3x3/2 (padded as
// Keras' correct_pad, which is "same") to round_filters(32) channels + batch normalization + swish;
// the 16 MBConv blocks of efficientNetStages, each: a 1x1 expansion convolution + batch
// normalization + swish (when the ratio is not 1), a depthwise k x k convolution + batch
// normalization + swish, squeeze-and-excitation (global average, 1x1 convolution with bias to
// max(1, int(filters_in/4)) channels + swish, 1x1 convolution with bias back + sigmoid, multiplied
// in), a 1x1 projection + batch normalization, and, when stride 1 and the channels agree, stochastic
// depth (dropout of whole examples at rate 0.2 * block/16, Keras' drop_connect) and the identity
// shortcut; then top conv 1x1 to round_filters(1280) + batch normalization + swish, global average
// pooling, dropout 0.2 and the dense classifier. No bias except in squeeze-and-excitation and the
// classifier; batch normalization epsilon 1e-3, momentum 0.99 (Keras'); convolutions initialized
// N(0, 2/fan_out) (Keras' VarianceScaling(2, fan_out), without truncation), the classifier
// Glorot uniform. Keras' input Rescaling(1/255) and Normalization layers are left out: images are
// already in [0, 1], and without ImageNet weights the Normalization is the identity.
func buildEfficientNetB0(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initHeFanOut
	b.bnEps, b.bnMomentum = 1e-3, 0.99
	round := func(filters int) int { return makeDivisible(float64(filters)*b.cfg.Width, 8) }
	x = b.conv(scope.In("stem_conv"), x, round(32), 3, 3, 2, same(x, 3, 3, 2), false)
	x = swish(b.bn(scope.In("stem_bn"), x))
	total := 0
	for _, st := range efficientNetStages {
		total += st.repeats
	}
	block := 0
	for i, st := range efficientNetStages {
		in, out := round(st.in), round(st.out)
		for j := range st.repeats {
			stride := st.stride
			if j > 0 {
				stride, in = 1, out
			}
			dropRate := 0.2 * float64(block) / float64(total)
			s := scope.In("block%d%c", i+1, rune('a'+j))
			x = b.mbConv(s, x, in, out, st.kernel, stride, st.expand, dropRate)
			block++
		}
	}
	x = swish(b.bn(scope.In("top_bn"), b.conv(scope.In("top_conv"), x, round(1280), 1, 1, 1, nn.Valid, false)))
	x = b.dropout(scope.In("top_dropout"), nn.GlobalAvgPool(x), 0.2)
	b.init = initGlorotUniform
	return b.dense(scope.In("predictions"), x, b.cfg.Classes, true)
}

// mbConv is Keras' EfficientNet block.
func (b *builder) mbConv(scope *model.Scope, inputs *Node, filtersIn, filtersOut, kernel, stride, expand int, dropRate float64) *Node {
	filters := filtersIn * expand
	x := inputs
	if expand != 1 {
		x = swish(b.bn(scope.In("expand_bn"), b.conv(scope.In("expand_conv"), x, filters, 1, 1, 1, nn.Valid, false)))
	}
	x = b.depthwise(scope.In("dwconv"), x, kernel, stride, same(x, kernel, kernel, stride), false)
	x = swish(b.bn(scope.In("bn"), x))
	// Squeeze and excitation.
	se := nn.GlobalAvgPool(x)
	se = Reshape(se, se.Shape().Dimensions[0], 1, 1, filters)
	se = swish(b.conv(scope.In("se_reduce"), se, max(1, filtersIn/4), 1, 1, 1, nn.Valid, true))
	se = Sigmoid(b.conv(scope.In("se_expand"), se, filters, 1, 1, 1, nn.Valid, true))
	x = Mul(x, se)
	x = b.bn(scope.In("project_bn"), b.conv(scope.In("project_conv"), x, filtersOut, 1, 1, 1, nn.Valid, false))
	if stride == 1 && filtersIn == filtersOut {
		if dropRate > 0 {
			x = b.dropPath(scope.In("drop"), x, dropRate)
		}
		x = Add(x, inputs)
	}
	return x
}

// dropPath drops whole examples of x [batch, ...] at the given rate while training and scales
// the kept ones by 1/(1-rate): Keras' Dropout with noise_shape (None, 1, 1, 1).
func (b *builder) dropPath(scope *model.Scope, x *Node, rate float64) *Node {
	if !scope.IsTraining(b.g) {
		return x
	}
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	mask := b.dropout(scope, Ones(b.g, shapes.Make(x.DType(), dims...)), rate)
	return Mul(x, mask)
}

func swish(x *Node) *Node { return Mul(x, Sigmoid(x)) }
