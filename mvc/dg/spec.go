package dg

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// Domain codes of the paper's Table 1.
const (
	CodeMNIST  = "M"
	CodeUSPS   = "U"
	CodeSVHN   = "S"
	CodeMNISTM = "MM"
)

// DomainCode returns Table 1's code of a domain name of package data ("mnist" -> "M", "usps" ->
// "U", "svhn" and "syn" -> "S", "mnistm" -> "MM"), or "" for another name.
func DomainCode(domain string) string {
	switch domain {
	case data.DomainMNIST:
		return CodeMNIST
	case data.DomainUSPS:
		return CodeUSPS
	case data.DomainSVHN, data.DomainSYN:
		return CodeSVHN
	case data.DomainMNISTM:
		return CodeMNISTM
	}
	return ""
}

// Training are the training and data settings of a run. Zero values take package train's
// defaults (the paper's: Adam 0.001, batch 256, patience 5).
type Training struct {
	// TrainImages uses the first N images of the source's training split (0: all).
	TrainImages int `json:"train_images,omitempty"`
	// ValidationImages, when > 0, takes the validation set from the source's training split
	// right after the TrainImages used for training (disjoint from them: the literature
	// protocol's MNIST images 10,000 on); 0 holds out a seeded ValidationFraction of the
	// training images instead (the paper's Keras validation_split).
	ValidationImages int `json:"validation_images,omitempty"`
	// ValidationFraction is the held-out share when ValidationImages is 0 (0: 0.1).
	ValidationFraction float64 `json:"validation_fraction,omitempty"`
	// TestImages evaluates the first N images of each test split (0: all).
	TestImages    int     `json:"test_images,omitempty"`
	BatchSize     int     `json:"batch_size,omitempty"`
	LearningRate  float64 `json:"learning_rate,omitempty"`
	MaxEpochs     int     `json:"max_epochs,omitempty"`
	Patience      int     `json:"patience,omitempty"`
	StepsPerEpoch int     `json:"steps_per_epoch,omitempty"`
	// Shift, when > 0, shifts each training image by a random offset of up to Shift pixels in
	// each direction (zero fill; train.Augment). Digits are not flipped.
	Shift int `json:"shift,omitempty"`
}

// RunSpec is everything that defines one run of a sweep: the same spec gives the same result
// (on the same backend), and its hash names the run's result file.
type RunSpec struct {
	// Experiment names the sweep ("table1", "digits-protocol").
	Experiment string `json:"experiment"`
	// Model is the architecture (its NeuRN setting included).
	Model ModelSpec `json:"model"`
	// Input holds whitening and RandConv.
	Input Input `json:"input"`
	// Source is the training domain (a package data name: "mnist", "usps", "svhn", "syn",
	// "mnistm").
	Source string `json:"source"`
	// Targets are the domains whose test splits are evaluated (the source's own test split may be
	// among them: it is reported, not tabulated as a transfer).
	Targets []string `json:"targets"`
	// Seed seeds the weights' initialisation, the validation split, the shuffling and RandConv.
	Seed uint64 `json:"seed"`
	// DataSeed seeds the generated domains (SYN, the MNIST-M recipe): the same for every run of
	// a sweep, so that all runs see the same images.
	DataSeed uint64 `json:"data_seed"`
	// Init is the checkpoint the weights start from ("" for a fresh initialisation): the
	// model's CIFAR-27 fine-tuning run in the paper's ImageNet -> CIFAR-27 -> digits chain.
	Init string `json:"init,omitempty"`
	// InitSettings says how the Init run was trained (its profile's settings, e.g. runs.
	// CIFAR27Profile.Settings), so that retraining the CIFAR-27 step with other settings makes
	// new Table 1 runs rather than reusing results that started from the old weights.
	InitSettings string `json:"init_settings,omitempty"`
	// Training holds the training settings.
	Training Training `json:"training"`
}

// Validate checks a spec before any work.
func (s RunSpec) Validate() error {
	switch {
	case s.Experiment == "" || strings.ContainsAny(s.Experiment, `/\ `):
		return errors.Errorf("dg: experiment name %q: want a non-empty name without slashes or spaces", s.Experiment)
	case s.Model.Name == "" || strings.ContainsAny(s.Model.Name, `/\ `):
		return errors.Errorf("dg: model name %q: want a non-empty name without slashes or spaces", s.Model.Name)
	case !(s.Model.Width > 0) || math.IsInf(s.Model.Width, 0):
		return errors.Errorf("dg: %s: width %g: want > 0", s.Model.Name, s.Model.Width)
	case s.Model.NeuRN < 0 || (s.Model.NeuRN > 0 && s.Model.NeuRN%2 == 0):
		return errors.Errorf("dg: %s: NeuRN window %d: want 0 (none) or odd", s.Model.Name, s.Model.NeuRN)
	case s.Model.Classes < 2:
		return errors.Errorf("dg: %s: %d classes: want >= 2", s.Model.Name, s.Model.Classes)
	case s.Model.Size < 1:
		return errors.Errorf("dg: %s: input size %d: want >= 1", s.Model.Name, s.Model.Size)
	case len(s.Targets) == 0:
		return errors.Errorf("dg: run %s: no target domains", s.Label())
	case s.Training.TrainImages < 0 || s.Training.ValidationImages < 0 || s.Training.TestImages < 0:
		return errors.Errorf("dg: run %s: negative image counts in %+v", s.Label(), s.Training)
	}
	if DomainCode(s.Source) == "" {
		return errors.Errorf("dg: run %s: unknown source domain %q", s.Label(), s.Source)
	}
	for _, t := range s.Targets {
		if DomainCode(t) == "" {
			return errors.Errorf("dg: run %s: unknown target domain %q", s.Label(), t)
		}
	}
	if s.Input.Resize != ResizeArea && s.Input.Resize != ResizeBilinear {
		return errors.Errorf("dg: run %s: resize %q: want %q (area) or %q", s.Label(), s.Input.Resize, ResizeArea, ResizeBilinear)
	}
	if s.Input.RandConv != nil {
		return s.Input.RandConv.Validate()
	}
	return nil
}

// Variant is the row suffix of the spec's model: "", "+NeuRN", "+RandConv", "+NeuRN+RandConv".
func (s RunSpec) Variant() string { return variantName(s.Model.NeuRN, s.Input.RandConv != nil) }

// Label is a short human-readable name: "vgg19+NeuRN M->* seed 1".
func (s RunSpec) Label() string {
	return fmt.Sprintf("%s%s %s->* seed %d", s.Model.Name, s.Variant(), DomainCode(s.Source), s.Seed)
}

// Hash is the first 12 hex digits of the SHA-256 of the spec's JSON encoding.
func (s RunSpec) Hash() string {
	js, _ := json.Marshal(s)
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:])[:12]
}

// ID names the run's files: model, variant, source, seed and the spec's hash, e.g.
// "vgg19-neurn3_mnist_s1_0123456789ab".
func (s RunSpec) ID() string {
	var b strings.Builder
	b.WriteString(s.Model.Name)
	if s.Model.NeuRN > 0 {
		fmt.Fprintf(&b, "-neurn%d", s.Model.NeuRN)
	}
	if s.Input.RandConv != nil {
		b.WriteString("-randconv")
	}
	fmt.Fprintf(&b, "_%s_s%d_%s", s.Source, s.Seed, s.Hash())
	return b.String()
}

// Equal tells whether two specs are the same (same JSON encoding).
func (s RunSpec) Equal(o RunSpec) bool {
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(o)
	return slices.Equal(a, b)
}
