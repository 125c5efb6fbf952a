package dg

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/train"
)

// ModelSpec names one classifier to build: an architecture at a width, with or without NeuRN
// as its first layer (the paper's "+NeuRN" rows of Table 1, window k = 3 by default).
type ModelSpec struct {
	// Name is the architecture's name in the factory (the zoo's lower-case names: "vgg19",
	// "digitnet", ...).
	Name string `json:"model"`
	// Width is the width multiplier (1 = the published architecture).
	Width float64 `json:"width"`
	// NeuRN is NeuRN's window size k, 0 for the model without NeuRN.
	NeuRN int `json:"neurn"`
	// Classes is the number of logits (10 for digits).
	Classes int `json:"classes"`
	// Size is the input height and width (32: the paper's and the literature's digit size).
	Size int `json:"size"`
	// Seed seeds what the architecture itself draws (the factory may ignore it: weights are
	// initialised from the training run's seed).
	Seed uint64 `json:"seed"`
	// Impl says which implementation builds the architecture (e.g. "zoo" for package zoo,
	// "dg" for this package's [DigitNet]): part of a run's identity, so that results of one
	// implementation are never taken for another's.
	Impl string `json:"impl,omitempty"`
	// Init chooses the kernels' initializer ("" for the architecture's reference; zoo.InitHe), as
	// the CIFAR-27 run the model starts from was built: part of a run's identity.
	Init string `json:"init,omitempty"`
}

// Factory builds models by name: the project's model zoo through the command line, a tiny model
// in tests. Build returns a train.ModelFn (images [batch, Size, Size, 3] in [0, 1] to logits
// [batch, Classes]) and must reject unknown names and bad settings with an error.
type Factory interface {
	Build(spec ModelSpec) (train.ModelFn, error)
}

// FactoryFunc adapts a function to [Factory].
type FactoryFunc func(spec ModelSpec) (train.ModelFn, error)

// Build calls f.
func (f FactoryFunc) Build(spec ModelSpec) (train.ModelFn, error) { return f(spec) }

// Input describes what the sweep puts in front of the architecture: the literature's input
// whitening and RandConv augmentation.
type Input struct {
	// Whiten feeds the model (x - 0.5) / 0.5, in [-1, 1], instead of x in [0, 1], as the
	// literature's digit code does (torchvision Normalize((0.5,)*3, (0.5,)*3) in Xu et al.'s
	// train_digits.py). Table 1's models take [0, 1].
	Whiten bool `json:"whiten,omitempty"`
	// RandConv, when set, augments every training batch with a random convolution (evaluation
	// sees the images unchanged).
	RandConv *RandConv `json:"randconv,omitempty"`
	// Resize is how images are brought to the model's size: [ResizeArea] (package data's area
	// averaging, the default) or [ResizeBilinear] (PIL's bilinear filter, as torchvision).
	Resize string `json:"resize,omitempty"`
}

// WrapModel puts in's whitening and RandConv in front of base. RandConv works on whitened
// images as Xu et al.'s code does; without Whiten its output is mapped back to [0, 1]'s scale
// (x * 0.5 + 0.5) before the model. With RandConv.Consistency > 0 the training graph runs the
// model on three independently augmented views of the batch and adds the consistency loss (see
// [RandConv]), the three views passing through the model as one batch of three times the
// size; the cross-entropy uses the first view's logits, which WrapModel returns.
func WrapModel(base train.ModelFn, in Input) (train.ModelFn, error) {
	if base == nil {
		return nil, errors.New("dg: nil model function")
	}
	if in.RandConv != nil {
		if err := in.RandConv.Validate(); err != nil {
			return nil, err
		}
	}
	if !in.Whiten && in.RandConv == nil {
		return base, nil
	}
	rc := in.RandConv
	return func(scope *model.Scope, images *Node) *Node {
		x := images
		if in.Whiten || rc != nil {
			x = MulScalar(AddScalar(images, -0.5), 2)
		}
		toModel := func(v *Node) *Node {
			if in.Whiten {
				return v
			}
			return AddScalar(MulScalar(v, 0.5), 0.5)
		}
		if rc == nil || !scope.IsTraining(images.Graph()) {
			return base(scope, toModel(x))
		}
		if rc.Consistency <= 0 {
			return base(scope, toModel(randConv(scope, x, *rc)))
		}
		// The views go through the model as one batch, as AugMix's code does (cheaper than
		// three passes on the CPU); the logits are split back per view.
		b := images.Shape().Dimensions[0]
		views := make([]*Node, consistencyViews)
		for i := range views {
			views[i] = toModel(randConv(scope, x, *rc))
		}
		all := base(scope, Concatenate(views, 0))
		logits := make([]*Node, consistencyViews)
		for i := range logits {
			logits[i] = Slice(all, AxisRange(i*b, (i+1)*b))
		}
		addConsistencyLoss(logits, rc.Consistency)
		return logits[0]
	}, nil
}

// variantName is the row label suffix of a variant ("", "+NeuRN", "+RandConv",
// "+NeuRN+RandConv").
func variantName(neurnK int, rc bool) string {
	s := ""
	if neurnK > 0 {
		s += "+NeuRN"
		if neurnK != 3 {
			s += fmt.Sprintf("(k=%d)", neurnK)
		}
	}
	if rc {
		s += "+RandConv"
	}
	return s
}
