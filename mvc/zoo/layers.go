package zoo

import (
	"math"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

// initKind selects how a family initializes its kernels, following its reference
// implementation. Biases always start at zero (Keras' default; PyTorch draws them uniformly).
type initKind int

const (
	// initGlorotUniform is Keras' default kernel initializer: U(+-sqrt(6 / (fan_in + fan_out))).
	initGlorotUniform initKind = iota
	// initHeFanOut is torchvision's ResNet and ShuffleNet convolution initializer,
	// kaiming_normal_(mode="fan_out", nonlinearity="relu"): N(0, 2 / fan_out).
	initHeFanOut
	// initTorchDefault is PyTorch's default for Conv2d and Linear weights,
	// kaiming_uniform_(a=sqrt(5)): U(+-1/sqrt(fan_in)).
	initTorchDefault
	// initNormal002 is N(0, 0.02^2), ViT's (timm's trunc_normal_(std=.02) without the truncation).
	initNormal002
)

// builder carries what the layers of one model need while its graph is built.
type builder struct {
	cfg  Config
	g    *Graph
	root string // scope path given to Model.Logits
	// firstConv is the first convolution built (recorded for Model.FirstConv).
	firstConv *firstConv
	// init is the family's kernel initializer.
	init initKind
	// bnEps and bnMomentum are the family's batch normalization epsilon and moving-average
	// momentum (Keras convention: new = momentum*old + (1-momentum)*batch).
	bnEps, bnMomentum float64
}

type firstConv struct {
	shape [4]int
	path  string
}

// ch scales a published channel (or unit) count by the width multiplier, rounding to the
// nearest integer and keeping at least 1.
func (b *builder) ch(c int) int {
	return max(1, int(math.Round(float64(c)*b.cfg.Width)))
}

// makeDivisible rounds v to the nearest multiple of divisor, at least divisor and never below 90%
// of v: Keras' _make_divisible (MobileNetV2, EfficientNet).
func makeDivisible(v float64, divisor int) int {
	n := max(divisor, int(v+float64(divisor)/2)/divisor*divisor)
	if float64(n) < 0.9*v {
		n += divisor
	}
	return n
}

// initializer returns the variable initializer of the given kind for scope's store.
func (b *builder) initializer(scope *model.Scope, kind initKind) model.VariableInitializer {
	store := scope.Store()
	if b.cfg.Init == InitHe {
		kind = initHeFanOut
	}
	return func(g *Graph, shape shapes.Shape) *Node {
		if shape.Rank() <= 1 {
			return Zeros(g, shape)
		}
		fanIn, fanOut := fans(shape)
		switch kind {
		case initHeFanOut:
			return MulScalar(store.RandomNormal(g, shape), math.Sqrt(2/float64(fanOut)))
		case initTorchDefault:
			limit := 1 / math.Sqrt(float64(fanIn))
			return AddScalar(MulScalar(store.RandomUniform(g, shape), 2*limit), -limit)
		case initNormal002:
			return MulScalar(store.RandomNormal(g, shape), 0.02)
		default:
			limit := math.Sqrt(6 / float64(fanIn+fanOut))
			return AddScalar(MulScalar(store.RandomUniform(g, shape), 2*limit), -limit)
		}
	}
}

// fans returns the fan-in and fan-out of a kernel [..., in, out] (dense [in, out], convolution
// [kh, kw, in, out]; depthwise [kh, kw, channels, 1] counts kh*kw in and kh*kw*1 out, as Keras).
func fans(shape shapes.Shape) (fanIn, fanOut int) {
	d := shape.Dimensions
	receptive := 1
	for _, v := range d[:len(d)-2] {
		receptive *= v
	}
	return max(1, d[len(d)-2]*receptive), max(1, d[len(d)-1]*receptive)
}

// weight creates (or reuses) a trainable variable in scope with the family's initializer.
func (b *builder) weight(scope *model.Scope, name string, kind initKind, dims ...int) *Node {
	v := scope.WithInitializer(b.initializer(scope, kind)).VariableWithShape(name, shapes.Make(b.dtype(), dims...))
	return v.NodeValue(b.g)
}

func (b *builder) dtype() dtypes.DType { return dtypes.Float32 }

// conv is a 2D convolution layer (Keras Conv2D, PyTorch Conv2d): kernel "weights" [kh, kw, in,
// filters] and, with bias, "biases" [filters], in scope.
func (b *builder) conv(scope *model.Scope, x *Node, filters, kh, kw, stride int, pad nn.Padding, bias bool) *Node {
	in := x.Shape().Dimensions[3]
	kernel := b.weight(scope, "weights", b.init, kh, kw, in, filters)
	if b.firstConv == nil {
		path := model.JoinPath(scope.Scope(), "weights")
		rel := strings.TrimPrefix(strings.TrimPrefix(path, b.root), "/")
		b.firstConv = &firstConv{shape: [4]int{kh, kw, in, filters}, path: rel}
	}
	if bias {
		return nn.Conv2DWithBias(x, kernel, b.weight(scope, "biases", b.init, filters), stride, pad)
	}
	return nn.Conv2D(x, kernel, stride, pad)
}

// lastAxis reshapes v [c] to rank dimensions [1, ..., 1, c], to broadcast over the last axis.
func lastAxis(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// same returns Keras' "same" padding for x and a kh x kw window at stride.
func same(x *Node, kh, kw, stride int) nn.Padding {
	d := x.Shape().Dimensions
	return nn.Same(d[1], d[2], kh, kw, stride)
}

// depthwise is Keras' DepthwiseConv2D (depth multiplier 1): kernel "depthwise" [k, k, channels, 1].
func (b *builder) depthwise(scope *model.Scope, x *Node, k, stride int, pad nn.Padding, bias bool) *Node {
	c := x.Shape().Dimensions[3]
	kernel := b.weight(scope, "depthwise", b.init, k, k, c, 1)
	y := nn.DepthwiseConv2D(x, kernel, stride, pad)
	if bias {
		y = Add(y, lastAxis(b.weight(scope, "biases", b.init, c), 4))
	}
	return y
}

// separable is Keras' SeparableConv2D without bias: a depthwise k x k ("same" padding) then a
// pointwise 1x1 convolution to filters channels.
func (b *builder) separable(scope *model.Scope, x *Node, filters, k, stride int) *Node {
	y := b.depthwise(scope.In("depthwise"), x, k, stride, same(x, k, k, stride), false)
	return b.conv(scope.In("pointwise"), y, filters, 1, 1, 1, nn.Valid, false)
}

// dense is a fully connected layer on x [batch, in]: "weights" [in, units] and, with bias,
// "biases" [units].
func (b *builder) dense(scope *model.Scope, x *Node, units int, bias bool) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	w := b.weight(scope, "weights", b.init, in, units)
	var y *Node
	if x.Rank() == 2 {
		y = nn.MatMul2D(x, w)
	} else {
		lead := x.Shape().Dimensions[:x.Rank()-1]
		n := 1
		for _, d := range lead {
			n *= d
		}
		var bv *Node
		if bias {
			bv = b.weight(scope, "biases", b.init, units)
		}
		return nn.MatMulReshaped(x, n, w, bv, append(append([]int(nil), lead...), units)...)
	}
	if bias {
		y = Add(y, lastAxis(b.weight(scope, "biases", b.init, units), y.Rank()))
	}
	return y
}

// batchNorm is batch normalization over the last axis (Ioffe and Szegedy 2015) with the family's
// epsilon and momentum: variables "gamma" (when scale), "beta", and the non-trainable
// "moving_mean" and "moving_variance" (Keras' four weights) and "moving_count" (an int64 count of
// updates, nn.BatchNormCountName; not a float parameter, so not in NumParams). Training (the
// store's IsTraining) normalizes with the batch statistics with the exact gradient through them
// (nn.BatchNormTrain; GoMLX's own layer, on this backend, trains only with
// UseBackendInference(false), whose gradient treats them as constants) and updates the moving
// averages with the unbiased batch variance and the debiased momentum min(momentum, 1 - 1/count)
// of GoMLX's layer (nn.DebiasedMomentum): Keras' plain momentum 0.99 would leave 40% of the
// initial (0, 1) in the averages after 90 steps, and a short run's inference on them is at chance
// however well it trains. Inference uses the moving averages.
func (b *builder) batchNorm(scope *model.Scope, x *Node, scale bool) *Node {
	dims := x.Shape().Dimensions
	c := dims[len(dims)-1]
	count := x.Shape().Size() / c
	vshape := shapes.Make(x.DType(), c)
	var gamma *Node
	if scale {
		gamma = scope.WithInitializer(ones).VariableWithShape("gamma", vshape).NodeValue(b.g)
	}
	beta := scope.WithInitializer(Zeros).VariableWithShape("beta", vshape).NodeValue(b.g)
	meanVar := scope.WithInitializer(Zeros).VariableWithShape("moving_mean", vshape).SetTrainable(false)
	varVar := scope.WithInitializer(ones).VariableWithShape("moving_variance", vshape).SetTrainable(false)
	countVar := scope.WithInitializer(Zeros).VariableWithShape(nn.BatchNormCountName, shapes.Make(dtypes.Int64)).SetTrainable(false)
	if !scope.IsTraining(b.g) {
		return nn.BatchNormInference(x, gamma, beta, meanVar.NodeValue(b.g), varVar.NodeValue(b.g), b.bnEps)
	}
	y, mean, variance := nn.BatchNormTrain(x, gamma, beta, b.bnEps)
	m, updates := nn.DebiasedMomentum(countVar.NodeValue(b.g), b.bnMomentum, x.DType())
	countVar.SetNodeValue(updates)
	unbiased := variance
	if count > 1 {
		unbiased = MulScalar(variance, float64(count)/float64(count-1))
	}
	meanVar.SetNodeValue(Add(Mul(meanVar.NodeValue(b.g), m), Mul(mean, OneMinus(m))))
	varVar.SetNodeValue(Add(Mul(varVar.NodeValue(b.g), m), Mul(unbiased, OneMinus(m))))
	return y
}

// bn is batchNorm with a learned scale.
func (b *builder) bn(scope *model.Scope, x *Node) *Node { return b.batchNorm(scope, x, true) }

// dropout zeroes a fraction rate of x while training and scales the rest by 1/(1-rate) (GoMLX's
// layers.DropoutStatic; the random numbers come from the store's seeded generator).
func (b *builder) dropout(scope *model.Scope, x *Node, rate float64) *Node {
	return layers.DropoutStatic(scope, x, rate)
}

func ones(g *Graph, shape shapes.Shape) *Node { return Ones(g, shape) }

func relu(x *Node) *Node  { return nn.Relu(x) }
func relu6(x *Node) *Node { return MinScalar(MaxScalar(x, 0), 6) }

// maxPoolRelu is ReLU followed by max pooling, computed as max pooling followed by ReLU: the
// same values and gradients (ReLU is monotone, so the window maximum of ReLU(x) is ReLU of the
// window maximum, and both give no gradient to windows whose maximum is not positive), with the
// ReLU on the pooled, smaller tensor.
func maxPoolRelu(x *Node, k, stride int, pad nn.Padding) *Node {
	return relu(nn.MaxPool2D(x, k, stride, pad))
}

// flatten reshapes x [batch, ...] to [batch, features].
func flatten(x *Node) *Node {
	d := x.Shape().Dimensions
	n := 1
	for _, v := range d[1:] {
		n *= v
	}
	return Reshape(x, d[0], n)
}
