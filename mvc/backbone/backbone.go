package backbone

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/gomlx/onnx-gomlx/onnx"
	"github.com/gomlx/onnx-gomlx/onnx/parser"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// ImageNet normalisation (torchvision's transforms.Normalize for ImageNet-trained models): the
// mean and standard deviation of each RGB channel of the ImageNet training set, for pixels in
// [0, 1]. ONNX exports of ImageNet models usually expect inputs normalised this way.
var (
	ImageNetMean = []float32{0.485, 0.456, 0.406}
	ImageNetStd  = []float32{0.229, 0.224, 0.225}
)

// ONNX is an ONNX image model used as a feature extractor to fine-tune: the paper starts its
// models from ImageNet weights ("Mice to Machines", section "Training"); users who have such a
// model as an .onnx file put NeuRN in front of it and a new classifier head on top with
// [ONNX.Model]. The ONNX graph is converted to GoMLX by github.com/gomlx/onnx-gomlx; its
// weights become trainable variables under "/model/backbone/ONNX/". Make one with [Load].
type ONNX struct {
	path   string
	model  onnx.Model
	input  string
	output string
	// nchw tells whether the ONNX input is [batch, channels, height, width] (PyTorch exports)
	// rather than [batch, height, width, channels].
	nchw bool
	// height and width are the input's static spatial size, or -1 when dynamic.
	height, width int
}

// Options configure [ONNX.Features] and [ONNX.Model]. The zero value: no NeuRN, the model's
// first output as features, ImageNet normalisation.
type Options struct {
	// NeuRN is the NeuRN window size k in front of the backbone (0: no NeuRN).
	NeuRN int
	// PerChannel selects NeuRN's per-channel normalisation.
	PerChannel bool
	// Output names the ONNX node output used as features (default: the model's first output;
	// for an ImageNet classifier, the penultimate layer's output is the usual choice).
	Output string
	// Mean and Std normalise the (NeuRN) images before the backbone, per channel: (x-mean)/std.
	// Nil means [ImageNetMean] and [ImageNetStd]; set both to []float32{0} and {1} for none.
	Mean, Std []float32
}

// Load reads an ONNX image model from path. Its single input must be a float32 image batch,
// [N, 3, H, W] or [N, H, W, 3]; H and W may be static (images are then resized to them,
// bilinearly) or dynamic.
func Load(path string) (*ONNX, error) {
	m, err := parser.ParseFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "reading ONNX model %s", path)
	}
	names, shapes := m.Inputs()
	if len(names) != 1 {
		return nil, errors.Errorf("ONNX model %s has %d inputs %q: a backbone takes one image input", path, len(names), names)
	}
	s := shapes[0]
	if s.DType != dtypes.Float32 || s.Rank() != 4 {
		return nil, errors.Errorf("ONNX model %s: input %q is %s, want a float32 image batch of rank 4", path, names[0], s)
	}
	b := &ONNX{path: path, model: m, input: names[0]}
	d := s.Dimensions
	switch {
	case d[1] == 3:
		b.nchw, b.height, b.width = true, d[2], d[3]
	case d[3] == 3:
		b.height, b.width = d[1], d[2]
	default:
		return nil, errors.Errorf("ONNX model %s: input %q has shape %v: want 3 channels, [N,3,H,W] or [N,H,W,3]", path, names[0], d)
	}
	outs, _ := m.Outputs()
	if len(outs) == 0 {
		return nil, errors.Errorf("ONNX model %s has no output", path)
	}
	b.output = outs[0]
	return b, nil
}

// String describes the backbone.
func (b *ONNX) String() string {
	layout := "NHWC"
	if b.nchw {
		layout = "NCHW"
	}
	return b.path + " (input " + b.input + " " + layout + ", features " + b.output + ")"
}

// Features builds the backbone's graph on images [batch, H, W, C] in [0, 1] (C = 1 or 3; grey
// is replicated): optional NeuRN, resize to the backbone's input size, normalisation, the ONNX
// graph, and global average pooling of spatial feature maps. It returns [batch, features].
// Variables live in scope.
func (b *ONNX) Features(scope *model.Scope, images *Node, opts Options) *Node {
	x := images
	if x.Rank() != 4 {
		exceptions.Panicf("backbone %s: images of shape %s, want [batch, height, width, channels]", b.path, x.Shape())
	}
	if c := x.Shape().Dimensions[3]; c == 1 {
		x = Concatenate([]*Node{x, x, x}, 3)
	} else if c != 3 {
		exceptions.Panicf("backbone %s: images with %d channels, want 1 or 3", b.path, c)
	}
	if opts.NeuRN > 0 {
		x = neurn.New(scope.In("neurn"), x).KernelSize(opts.NeuRN).PerChannel(opts.PerChannel).Done()
	}
	if h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]; (b.height > 0 && b.height != h) || (b.width > 0 && b.width != w) {
		x = Interpolate(x, -1, max(b.height, -1), max(b.width, -1), -1).Bilinear().Done()
	}
	mean, std := opts.Mean, opts.Std
	if mean == nil && std == nil {
		mean, std = ImageNetMean, ImageNetStd
	}
	if len(mean) > 0 || len(std) > 0 {
		x = Div(Sub(x, channelConst(x, mean)), channelConst(x, std))
	}
	if b.nchw {
		x = TransposeAllDims(x, 0, 3, 1, 2)
	}
	bscope := scope.In("backbone")
	b.ensureVariables(bscope)
	output := b.output
	if opts.Output != "" {
		output = opts.Output
	}
	f := b.model.CallGraph(bscope, x.Graph(), map[string]*Node{b.input: x}, output)[0]
	if f.DType() != dtypes.Float32 {
		f = ConvertDType(f, dtypes.Float32)
	}
	switch {
	case f.Rank() == 2:
	case f.Rank() == 4 && b.nchw: // [N, C, H, W]
		f = ReduceMean(f, 2, 3)
	case f.Rank() == 4: // [N, H, W, C]
		f = ReduceMean(f, 1, 2)
	case f.Rank() > 2:
		f = Reshape(f, f.Shape().Dimensions[0], -1)
	default:
		exceptions.Panicf("backbone %s: output %q has shape %s, want [batch, ...] features", b.path, output, f.Shape())
	}
	return f
}

// channelConst broadcasts a per-channel constant (1 or 3 values) to x's layout [N, H, W, 3].
func channelConst(x *Node, v []float32) *Node {
	if len(v) == 1 {
		v = []float32{v[0], v[0], v[0]}
	}
	if len(v) != 3 {
		exceptions.Panicf("normalisation constants %v: want 1 or 3 values", v)
	}
	return Reshape(Const(x.Graph(), v), 1, 1, 1, 3)
}

// ensureVariables uploads the ONNX weights into the Store once (a resumed run's Store already
// holds them, fine-tuned: they are not overwritten). Integer initialisers (shapes, indices) are
// not trainable.
func (b *ONNX) ensureVariables(scope *model.Scope) {
	onnxScope := scope.At(onnx.ModelScope)
	exists := false
	for range onnxScope.IterVariables() {
		exists = true
		break
	}
	if !exists {
		if err := b.model.VariablesToScope(scope); err != nil {
			panic(errors.Wrapf(err, "loading the weights of ONNX model %s", b.path))
		}
	}
	for v := range onnxScope.IterVariables() {
		if !v.Shape().DType.IsFloat() {
			v.SetTrainable(false)
		}
	}
}

// Model returns a classifier to fine-tune with [train.Run]: [ONNX.Features] followed by a new
// dense head with classes outputs (the paper's "new head" on an ImageNet-trained model).
func (b *ONNX) Model(classes int, opts Options) train.ModelFn {
	return func(scope *model.Scope, images *Node) *Node {
		f := b.Features(scope, images, opts)
		return layers.DenseWithBias(scope.In("head"), f, classes)
	}
}
