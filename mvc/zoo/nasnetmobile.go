package zoo

import (
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "nasnetmobile",
		title: "NASNet-A Mobile (4 @ 1056): stem, two reduction cells, 3 x 4 normal cells with 2 reduction cells between",
		source: "Zoph et al. 2018, \"Learning Transferable Architectures for Scalable Image Recognition\", " +
			"as in Keras Applications' nasnet.py (NASNetMobile)",
		// Keras' smallest accepted input: 32 -> 15 (stem) -> 8 -> 4 -> 2 -> 1.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.25,
		// Keras Applications' table: 5,326,716 parameters (5.3M) at 224x224x3, 1,000 classes.
		published: 5326716,
		build:     buildNASNetMobile,
	})
}

// NASNetMobile's hyperparameters in Keras Applications (NASNetMobile calls NASNet with these).
const (
	nasPenultimateFilters = 1056
	nasNumBlocks          = 4
	nasStemFilters        = 32
	nasFilterMultiplier   = 2
	// nasBNMomentum and nasBNEpsilon are the batch normalization settings of every layer.
	nasBNMomentum = 0.9997
	nasBNEpsilon  = 1e-3
)

// buildNASNetMobile builds NASNetMobile as Keras Applications' nasnet.py: NASNet with
// penultimate_filters 1056, num_blocks 4, stem_block_filters 32, filter_multiplier 2 and
// skip_reduction false. Stem: conv 32 3x3/2 valid (no bias) + batch normalization; reduction cells
// stem_1 (11 filters) and stem_2 (22); normal cells 0-3 (44 filters), reduction cell reduce_4 (88),
// normal cells 5-8 (88), reduction cell reduce_8 (176), normal cells 9-12 (176); ReLU, global
// average pooling and a dense layer to the classes. Each cell first adjusts the previous cell's
// output p to its input's size and filters (_adjust_block: two shifted 1x1/2 paths concatenated,
// or a 1x1 projection), then combines separable-convolution blocks (ReLU, separable conv, BN,
// ReLU, separable conv, BN), pools and identities as in Keras' _normal_a_cell and
// _reduction_a_cell. Batch normalization everywhere has momentum 0.9997 and epsilon 1e-3.
// Initialization as Keras': plain convolutions he_normal (drawn here as a normal with Keras'
// variance 2/fan_in, not truncated), separable convolutions and the dense layer Glorot uniform
// (Keras' SeparableConv2D ignores nasnet.py's kernel_initializer), biases zero. Its minimum
// input is 32 (Keras'), so 32x32 images are not resized.
//
// The width multiplies the stem filters (rounded, at least 1) and the penultimate filters,
// rounded to the nearest multiple of 96 (24 * filter_multiplier^2, which Keras requires so
// that every cell's filters split evenly), at least 96: 1/4 gives 288, i.e. cells of 3, 6, 12,
// 24 and 48 filters.
func buildNASNetMobile(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = nasBNEpsilon, nasBNMomentum
	const unit = 24 * nasFilterMultiplier * nasFilterMultiplier
	penultimate := unit * max(1, int(math.Round(float64(nasPenultimateFilters)*b.cfg.Width/unit)))
	filters := penultimate / 24
	const m = nasFilterMultiplier

	x = nasConv(b, scope.In("stem_conv1"), x, b.ch(nasStemFilters), 3, 2, nn.Valid)
	x = b.bn(scope.In("stem_bn1"), x)

	var p *Node
	x, p = nasReductionCell(b, scope.In("reduction_stem_1"), x, p, filters/(m*m))
	x, p = nasReductionCell(b, scope.In("reduction_stem_2"), x, p, filters/m)
	for i := range nasNumBlocks {
		x, p = nasNormalCell(b, scope.In("normal_%d", i), x, p, filters)
	}
	// skip_reduction is false for NASNetMobile: the next cell's p is the reduction cell's input.
	x, p = nasReductionCell(b, scope.In("reduction_%d", nasNumBlocks), x, p, filters*m)
	for i := range nasNumBlocks {
		x, p = nasNormalCell(b, scope.In("normal_%d", nasNumBlocks+i+1), x, p, filters*m)
	}
	x, p = nasReductionCell(b, scope.In("reduction_%d", 2*nasNumBlocks), x, p, filters*m*m)
	for i := range nasNumBlocks {
		x, p = nasNormalCell(b, scope.In("normal_%d", 2*nasNumBlocks+i+1), x, p, filters*m*m)
	}
	_ = p
	x = relu(x)
	x = nn.GlobalAvgPool(x)
	return b.dense(scope.In("predictions"), x, b.cfg.Classes, true)
}

// nasConv is Keras' Conv2D without bias and with the he_normal initializer (nasnet.py's plain
// convolutions): kernel "weights" [k, k, in, filters], drawn from N(0, 2/fan_in). The builder's
// initializers have no fan-in He kind, hence this variant of builder.conv (which it mirrors,
// including recording the first convolution).
func nasConv(b *builder, scope *model.Scope, x *Node, filters, k, stride int, pad nn.Padding) *Node {
	in := x.Shape().Dimensions[3]
	store := scope.Store()
	heNormal := func(g *Graph, shape shapes.Shape) *Node {
		fanIn, _ := fans(shape)
		return MulScalar(store.RandomNormal(g, shape), math.Sqrt(2/float64(fanIn)))
	}
	kernel := scope.WithInitializer(heNormal).VariableWithShape("weights", shapes.Make(b.dtype(), k, k, in, filters)).NodeValue(b.g)
	if b.firstConv == nil {
		path := model.JoinPath(scope.Scope(), "weights")
		rel := strings.TrimPrefix(strings.TrimPrefix(path, b.root), "/")
		b.firstConv = &firstConv{shape: [4]int{k, k, in, filters}, path: rel}
	}
	return nn.Conv2D(x, kernel, stride, pad)
}

// nasCorrectPad is Keras' imagenet_utils.correct_pad for a k x k window on x: k/2 rows and
// columns after, one fewer before on an axis of even size.
func nasCorrectPad(x *Node, k int) nn.Padding {
	d := x.Shape().Dimensions
	return nn.Padding{Top: k/2 - (1 - d[1]%2), Bottom: k / 2, Left: k/2 - (1 - d[2]%2), Right: k / 2}
}

// nasZeroPad pads images x with zeros (Keras' ZeroPadding2D).
func nasZeroPad(x *Node, p nn.Padding) *Node {
	return Pad(x, ScalarZero(x.Graph(), x.DType()),
		compute.PadAxis{}, compute.PadAxis{Start: p.Top, End: p.Bottom}, compute.PadAxis{Start: p.Left, End: p.Right}, compute.PadAxis{})
}

// nasSeparableBlock is Keras' _separable_conv_block: ReLU, separable k x k convolution (stride 1
// "same", or stride 2 after correct_pad zero padding, "valid"), batch normalization, ReLU,
// separable k x k convolution ("same"), batch normalization; no biases.
func nasSeparableBlock(b *builder, scope *model.Scope, x *Node, filters, k, stride int) *Node {
	x = relu(x)
	pad := same(x, k, k, 1)
	if stride == 2 {
		x = nasZeroPad(x, nasCorrectPad(x, k))
		pad = nn.Valid
	}
	s := scope.In("separable_1")
	x = b.depthwise(s.In("depthwise"), x, k, stride, pad, false)
	x = b.conv(s.In("pointwise"), x, filters, 1, 1, 1, nn.Valid, false)
	x = relu(b.bn(scope.In("bn_1"), x))
	x = b.separable(scope.In("separable_2"), x, filters, k, 1)
	return b.bn(scope.In("bn_2"), x)
}

// nasAdjust is Keras' _adjust_block: it brings the previous cell's output p to the size and
// filters of this cell's input ip. No p: ip itself. A p of another spatial size (twice ip's):
// ReLU, then two paths, a 1x1/2 subsampling and the same shifted by one pixel (zero padded),
// each through a 1x1 convolution to filters/2, concatenated and batch normalized. A p of the
// same size but other filters: ReLU, 1x1 convolution, batch normalization.
func nasAdjust(b *builder, scope *model.Scope, p, ip *Node, filters int) *Node {
	if p == nil {
		return ip
	}
	pd, id := p.Shape().Dimensions, ip.Shape().Dimensions
	switch {
	case pd[2] != id[2]:
		p = relu(p)
		p1 := nn.AvgPool2D(p, 1, 2, nn.Valid, false)
		p1 = nasConv(b, scope.In("adjust_conv_1"), p1, filters/2, 1, 1, nn.Valid)
		p2 := nasZeroPad(p, nn.Padding{Bottom: 1, Right: 1})
		p2 = Slice(p2, AxisRange(), AxisRange(1), AxisRange(1), AxisRange())
		p2 = nn.AvgPool2D(p2, 1, 2, nn.Valid, false)
		p2 = nasConv(b, scope.In("adjust_conv_2"), p2, filters/2, 1, 1, nn.Valid)
		return b.bn(scope.In("adjust_bn"), Concatenate([]*Node{p1, p2}, 3))
	case pd[3] != filters:
		p = relu(p)
		p = nasConv(b, scope.In("adjust_conv_projection"), p, filters, 1, 1, nn.Valid)
		return b.bn(scope.In("adjust_bn"), p)
	}
	return p
}

// nasSqueeze is the ReLU, 1x1 convolution to filters and batch normalization with which every
// cell starts on its input.
func nasSqueeze(b *builder, scope *model.Scope, ip *Node, filters int) *Node {
	h := nasConv(b, scope.In("conv_1"), relu(ip), filters, 1, 1, nn.Valid)
	return b.bn(scope.In("bn_1"), h)
}

// nasNormalCell is Keras' _normal_a_cell (NASNet-A normal cell) on input ip and previous output
// p; it returns the cell's output (6*filters channels, ip's size) and ip (the next cell's p).
func nasNormalCell(b *builder, scope *model.Scope, ip, p *Node, filters int) (*Node, *Node) {
	p = nasAdjust(b, scope, p, ip, filters)
	h := nasSqueeze(b, scope, ip, filters)
	avg := func(x *Node) *Node { return nn.AvgPool2D(x, 3, 1, same(x, 3, 3, 1), false) }
	x1 := Add(nasSeparableBlock(b, scope.In("left1"), h, filters, 5, 1),
		nasSeparableBlock(b, scope.In("right1"), p, filters, 3, 1))
	x2 := Add(nasSeparableBlock(b, scope.In("left2"), p, filters, 5, 1),
		nasSeparableBlock(b, scope.In("right2"), p, filters, 3, 1))
	x3 := Add(avg(h), p)
	x4 := Add(avg(p), avg(p))
	x5 := Add(nasSeparableBlock(b, scope.In("left5"), h, filters, 3, 1), h)
	return Concatenate([]*Node{p, x1, x2, x3, x4, x5}, 3), ip
}

// nasReductionCell is Keras' _reduction_a_cell (NASNet-A reduction cell) on input ip and
// previous output p; it returns the cell's output (4*filters channels, half ip's size) and ip.
func nasReductionCell(b *builder, scope *model.Scope, ip, p *Node, filters int) (*Node, *Node) {
	p = nasAdjust(b, scope, p, ip, filters)
	h := nasSqueeze(b, scope, ip, filters)
	h3 := nasZeroPad(h, nasCorrectPad(h, 3))
	x1 := Add(nasSeparableBlock(b, scope.In("left1"), h, filters, 5, 2),
		nasSeparableBlock(b, scope.In("right1"), p, filters, 7, 2))
	x2 := Add(nn.MaxPool2D(h3, 3, 2, nn.Valid),
		nasSeparableBlock(b, scope.In("right2"), p, filters, 7, 2))
	x3 := Add(nn.AvgPool2D(h3, 3, 2, nn.Valid, false),
		nasSeparableBlock(b, scope.In("right3"), p, filters, 5, 2))
	x4 := Add(nn.AvgPool2D(x1, 3, 1, same(x1, 3, 3, 1), false), x2)
	x5 := Add(nasSeparableBlock(b, scope.In("left4"), x1, filters, 3, 1),
		nn.MaxPool2D(h3, 3, 2, nn.Valid))
	return Concatenate([]*Node{x2, x3, x4, x5}, 3), ip
}
