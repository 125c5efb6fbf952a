package runs

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/backbone"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// ONNX is the [Spec.Model] of a model whose backbone is an ONNX file ([Spec.ONNX]) under a new
// classification head (backbone.Load).
const ONNX = "onnx"

// Spec describes a classifier completely enough to rebuild it: it is stored in every checkpoint
// (train.Config.ModelSpec) as JSON, with the field names below.
type Spec struct {
	// Model is the zoo architecture (zoo.Names: zoo.DigitNet, zoo.VGG19, ...) or [ONNX].
	Model string `json:"model"`
	// ONNX is the backbone file of an [ONNX] model (an absolute path once trained).
	ONNX string `json:"onnx,omitempty"`
	// ONNXOutput is the ONNX node output used as features ("": the model's first output).
	ONNXOutput string `json:"onnx_output,omitempty"`
	// NeuRN is the window size k of NeuRN as the first layer (odd), 0 for none.
	NeuRN int `json:"neurn"`
	// Width multiplies every layer's channels (1: the published architecture; 0 means 1).
	Width float64 `json:"width"`
	// Classes is the number of logits (0: the training set's number of classes).
	Classes int `json:"classes"`
	// Size is the input height and width images are resized to (0 means 32, the paper's size
	// for CIFAR and the digit domains); the input has 3 channels.
	Size int `json:"size"`
	// Seed seeds the weights' initialisation, the validation split and the shuffling (0 means 1).
	Seed uint64 `json:"seed"`
	// Init chooses the kernels' initializer (zoo.Config.Init): "" for the architecture's
	// reference, zoo.InitHe for He normal with fan-out.
	Init string `json:"init,omitempty"`
}

// withDefaults fills the zero values the fields document, except Classes.
func (s Spec) withDefaults() Spec {
	if s.Width == 0 {
		s.Width = 1
	}
	if s.Size == 0 {
		s.Size = 32
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.ONNX != "" && s.Model == "" {
		s.Model = ONNX
	}
	return s
}

// Validate reports a spec that cannot be built; its errors match mvc.ErrInput.
func (s Spec) Validate() error {
	switch {
	case s.Model == "":
		return mvc.InputErrorf("model spec: no model named (want one of %s, or %s with a file)", strings.Join(zoo.Names(), ", "), ONNX)
	case s.Model == ONNX && s.ONNX == "":
		return mvc.InputErrorf("model spec: an %s model needs its file", ONNX)
	case s.Model != ONNX && s.ONNX != "":
		return mvc.InputErrorf("model spec: %s with an ONNX file: name one or the other", s.Model)
	case s.Model != ONNX && !slices.Contains(zoo.Names(), s.Model):
		return mvc.InputErrorf("model spec: %q is not in the zoo (%s)", s.Model, strings.Join(zoo.Names(), ", "))
	case s.NeuRN < 0 || (s.NeuRN > 0 && s.NeuRN%2 == 0):
		return mvc.InputErrorf("model spec: NeuRN's window must be 0 (none) or odd, got %d", s.NeuRN)
	case !(s.Width > 0):
		return mvc.InputErrorf("model spec: width must be > 0, got %g", s.Width)
	case s.Size < 1:
		return mvc.InputErrorf("model spec: input size must be >= 1, got %d", s.Size)
	case s.Classes < 1:
		return mvc.InputErrorf("model spec: %d classes", s.Classes)
	case s.Init != "" && s.Init != zoo.InitHe:
		return mvc.InputErrorf("model spec: initializer %q: want none (the architecture's) or %q", s.Init, zoo.InitHe)
	case s.Init != "" && s.Model == ONNX:
		return mvc.InputErrorf("model spec: an %s backbone keeps its weights; it takes no initializer (%q)", ONNX, s.Init)
	}
	return nil
}

// Build returns the model function the spec describes (images [batch, Size, Size, 3] in [0, 1]
// to logits [batch, Classes]); Classes must be set.
func (s Spec) Build() (train.ModelFn, error) {
	s = s.withDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Model == ONNX {
		b, err := backbone.Load(s.ONNX)
		if err != nil {
			return nil, mvc.InputErrorf("%w", err)
		}
		return b.Model(s.Classes, backbone.Options{NeuRN: s.NeuRN, Output: s.ONNXOutput}), nil
	}
	m, err := zoo.New(s.Model, zoo.Config{Classes: s.Classes, InputSize: s.Size, Channels: 3, Width: s.Width,
		NeuRN: s.NeuRN > 0, NeuRNKernel: s.NeuRN, Seed: int64(s.Seed), Init: s.Init})
	if err != nil {
		return nil, mvc.InputErrorf("%w", err)
	}
	return m.Logits, nil
}

// String describes the model in words, e.g. "digitnet with NeuRN k=3, width 0.25".
func (s Spec) String() string {
	name := s.Model
	if s.Model == ONNX {
		name = "ONNX backbone " + filepath.Base(s.ONNX)
	}
	if s.NeuRN > 0 {
		name += fmt.Sprintf(" with NeuRN k=%d", s.NeuRN)
	}
	if s.Width != 1 && s.Width != 0 {
		name += fmt.Sprintf(", width %g", s.Width)
	}
	if s.Init == zoo.InitHe {
		name += ", He initialization"
	}
	return name
}

// SpecOf returns the model spec a checkpoint or run summary recorded (train.Setup.ModelSpec),
// or an error naming where when there is none.
func SpecOf(raw json.RawMessage, where string) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(raw, &s); err != nil || s.Model == "" {
		return Spec{}, mvc.InputErrorf("%s does not say which model it holds (not written by this package or mvc train?)", where)
	}
	return s, nil
}
