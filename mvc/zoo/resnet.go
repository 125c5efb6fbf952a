package zoo

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

func init() {
	register(&spec{
		name:  "resnet50v2",
		title: "ResNet50V2: pre-activation bottleneck residual network, stages of 3, 4, 6 and 3 blocks",
		source: "He, Zhang, Ren and Sun 2016, \"Identity Mappings in Deep Residual Networks\", as in Keras " +
			"Applications' resnet_v2.py",
		// Keras' smallest accepted input.
		minInput:   32,
		fullInput:  224,
		quickWidth: 0.25,
		// Keras Applications' table: 25,613,800 parameters (25.6M) at 224x224x3, 1,000 classes.
		published: 25613800,
		build:     buildResNet50V2,
	})
	register(&spec{
		name:  "resnet18",
		title: "ResNet18: residual network of basic blocks, stages of 2, 2, 2 and 2 blocks",
		source: "He, Zhang, Ren and Sun 2016, \"Deep Residual Learning for Image Recognition\", as " +
			"torchvision's resnet18",
		// Five stride-2 stages still leave 1x1 on 32x32 images; no resize below that is needed.
		minInput:   1,
		fullInput:  224,
		quickWidth: 0.25,
		// torchvision's table: 11,689,512 parameters (11.7M) at 224x224x3, 1,000 classes (our
		// count adds batch normalization's 9,600 running means and variances).
		published: 11689512,
		build:     buildResNet18,
	})
}

// buildResNet50V2 builds ResNet50V2 as Keras Applications' resnet_v2.py (include_top):
// 7x7/2 convolution (64 filters, bias, after zero padding 3), zero padding 1 and 3x3/2 max pool;
// stages conv2 to conv5 of 3, 4, 6 and 3 pre-activation bottleneck blocks (64, 128, 256 and 512
// filters, output 4x that): batch normalization and ReLU (the "preact"), a 1x1 convolution
// (no bias) + batch normalization + ReLU, zero padding 1 and a 3x3 convolution (no bias; stride 2
// in the last block of conv2, conv3 and conv4) + batch normalization + ReLU, and a 1x1 convolution
// to 4x filters (bias), added to the shortcut: a 1x1 convolution (bias) of the preact in each
// stage's first block, else the input (subsampled by a 1x1/2 max pool in strided blocks). Then
// batch normalization, ReLU, global average pooling and the dense classifier. Batch normalization
// epsilon 1.001e-5 and momentum 0.99 (Keras'); Glorot uniform kernels. The width multiplies every
// layer's filters.
func buildResNet50V2(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initGlorotUniform
	b.bnEps, b.bnMomentum = 1.001e-5, 0.99
	x = b.conv(scope.In("conv1_conv"), x, b.ch(64), 7, 7, 2, nn.Symmetric(3), true)
	x = nn.MaxPool2D(x, 3, 2, nn.Symmetric(1))
	for stage, st := range []struct{ filters, blocks, stride int }{{64, 3, 2}, {128, 4, 2}, {256, 6, 2}, {512, 3, 1}} {
		for i := range st.blocks {
			stride := 1
			if i == st.blocks-1 {
				stride = st.stride
			}
			x = b.preactBottleneck(scope.In("conv%d_block%d", stage+2, i+1), x, b.ch(st.filters), stride, i == 0)
		}
	}
	x = relu(b.bn(scope.In("post_bn"), x))
	return b.dense(scope.In("predictions"), nn.GlobalAvgPool(x), b.cfg.Classes, true)
}

// preactBottleneck is Keras' block2 of resnet_v2.py.
func (b *builder) preactBottleneck(scope *model.Scope, x *Node, filters, stride int, convShortcut bool) *Node {
	preact := relu(b.bn(scope.In("preact_bn"), x))
	var shortcut *Node
	switch {
	case convShortcut:
		shortcut = b.conv(scope.In("0_conv"), preact, 4*filters, 1, 1, stride, nn.Valid, true)
	case stride > 1:
		shortcut = nn.MaxPool2D(x, 1, stride, nn.Valid)
	default:
		shortcut = x
	}
	y := relu(b.bn(scope.In("1_bn"), b.conv(scope.In("1_conv"), preact, filters, 1, 1, 1, nn.Valid, false)))
	y = relu(b.bn(scope.In("2_bn"), b.conv(scope.In("2_conv"), y, filters, 3, 3, stride, nn.Symmetric(1), false)))
	y = b.conv(scope.In("3_conv"), y, 4*filters, 1, 1, 1, nn.Valid, true)
	return Add(shortcut, y)
}

// buildResNet18 builds torchvision's resnet18: conv 64 7x7/2 padding 3 (no bias), batch
// normalization, ReLU, max pool 3x3/2 padding 1; four stages of two basic blocks (64, 128, 256 and
// 512 filters; the first block of stages 2 to 4 has stride 2 and a 1x1/2 convolution + batch
// normalization shortcut): conv 3x3 + batch normalization + ReLU, conv 3x3 + batch normalization,
// added to the shortcut, ReLU; global average pooling; fc to the classes. Batch normalization
// epsilon 1e-5 and momentum 0.1 (PyTorch's; 0.9 in Keras' convention); convolutions initialized
// as torchvision (Kaiming normal, fan out), the fc with PyTorch's default. The width multiplies
// every layer's filters.
func buildResNet18(b *builder, scope *model.Scope, x *Node) *Node {
	b.init = initHeFanOut
	b.bnEps, b.bnMomentum = 1e-5, 0.9
	x = b.conv(scope.In("conv1"), x, b.ch(64), 7, 7, 2, nn.Symmetric(3), false)
	x = relu(b.bn(scope.In("bn1"), x))
	x = nn.MaxPool2D(x, 3, 2, nn.Symmetric(1))
	for stage, filters := range []int{64, 128, 256, 512} {
		for i := range 2 {
			stride := 1
			if stage > 0 && i == 0 {
				stride = 2
			}
			x = b.basicBlock(scope.In("layer%d_%d", stage+1, i), x, b.ch(filters), stride)
		}
	}
	b.init = initTorchDefault
	return b.dense(scope.In("fc"), nn.GlobalAvgPool(x), b.cfg.Classes, true)
}

// basicBlock is torchvision's BasicBlock.
func (b *builder) basicBlock(scope *model.Scope, x *Node, filters, stride int) *Node {
	shortcut := x
	if stride != 1 || x.Shape().Dimensions[3] != filters {
		shortcut = b.bn(scope.In("downsample_bn"), b.conv(scope.In("downsample_conv"), x, filters, 1, 1, stride, nn.Valid, false))
	}
	y := relu(b.bn(scope.In("bn1"), b.conv(scope.In("conv1"), x, filters, 3, 3, stride, nn.Symmetric(1), false)))
	y = b.bn(scope.In("bn2"), b.conv(scope.In("conv2"), y, filters, 3, 3, 1, nn.Symmetric(1), false))
	return relu(Add(shortcut, y))
}
