package zoo

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/nn"
)

// Config configures a model of the zoo. Every field must be set ([QuickConfig] and [FullConfig]
// give complete ones); [New] rejects bad values with an error naming the field.
type Config struct {
	// Classes is the number of output logits (>= 2).
	Classes int
	// InputSize is the height and width of the images given to the model (>= 1). Smaller than
	// the architecture's minimum ([Model.MinInput]), the images are resized to that minimum
	// inside the model.
	InputSize int
	// Channels is the number of image channels (1 for MNIST, 3 for colour).
	Channels int
	// Width multiplies every layer's number of channels (units, for fully connected layers);
	// 1 is the published architecture. Each family rounds as documented on its constructor.
	Width float64
	// NeuRN puts the paper's NeuRN layer (mvc/neurn) first, on the images as given.
	NeuRN bool
	// NeuRNKernel is NeuRN's window k (odd, >= 1); 0 means neurn.DefaultKernelSize.
	NeuRNKernel int
	// Seed seeds the initialization of the weights (through [Model.NewStore]).
	Seed int64
	// Init chooses the kernels' initializer: "" for the family's reference (Keras' Glorot
	// uniform for the Keras families), or InitHe for He normal with fan-out, N(0, 2 / fan_out),
	// torchvision's initializer of VGG's and ResNet's convolutions, for every kernel. A deep
	// network without batch normalization (VGG19) trained from scratch needs it: Glorot's
	// variance halves the signal's at every ReLU layer.
	Init string
}

// InitHe is the Config.Init value for He normal initialization with fan-out (kaiming_normal_,
// mode "fan_out", nonlinearity "relu"; He et al., ICCV 2015).
const InitHe = "he"

// Model is one architecture of the zoo with its configuration. Build its graph with
// [Model.Logits] inside a GoMLX model function (model.Exec, train.Trainer).
type Model struct {
	name      string
	cfg       Config
	spec      *spec
	firstConv [4]int
	firstPath string
	params    int
	trainable int
}

// spec describes one architecture of the registry.
type spec struct {
	// name is the registry name, lower case.
	name string
	// title and source say what the architecture is and which reference it follows.
	title, source string
	// minInput is the smallest input the original accepts; smaller images are resized to it.
	minInput int
	// fullInput is the input size of the published parameter count (224, or 299).
	fullInput int
	// quickWidth is the width multiplier of the quick profile (see QuickConfig).
	quickWidth float64
	// published is the published parameter count at full width, fullInput and 1,000 classes.
	published int
	// build adds the architecture to the graph: images x [batch, s, s, channels] with s >=
	// minInput, already through NeuRN if configured; it returns logits [batch, classes].
	build func(b *builder, scope *model.Scope, x *Node) *Node
}

var registry = map[string]*spec{}

// register adds an architecture; each family file calls it in an init function.
func register(s *spec) {
	if _, dup := registry[s.name]; dup {
		panic("zoo: architecture " + s.name + " registered twice")
	}
	registry[s.name] = s
}

// Names returns the registry's architecture names, sorted: alexnet, densenet121, digitnet,
// efficientnetb0, inceptionv3, mobilenetv2, nasnetmobile, resnet18, resnet50v2, shufflenetv2,
// vgg19, vit, xception.
func Names() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Describe returns one line saying what the named architecture is and which reference it
// follows, or an error for an unknown name.
func Describe(name string) (string, error) {
	s, err := lookup(name)
	if err != nil {
		return "", err
	}
	return s.title + " (" + s.source + ")", nil
}

// PublishedParams returns the parameter count published for the named architecture at full
// width, its full input size and 1,000 classes (Keras Applications' table, or torchvision's for
// AlexNet, ResNet18 and ShuffleNetV2, timm's for ViT-B/16; the DigitNet count is ours).
func PublishedParams(name string) (int, error) {
	s, err := lookup(name)
	if err != nil {
		return 0, err
	}
	return s.published, nil
}

func lookup(name string) (*spec, error) {
	s, ok := registry[strings.ToLower(name)]
	if !ok {
		return nil, errors.Errorf("zoo: unknown model %q; known models: %s", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// QuickConfig returns the named model's small CPU configuration, the one the speed benchmarks
// (BenchmarkTrainQuick, "mvc bench train", the PyTorch comparison) and the tests build: 32x32x3
// images, 10 classes (callers set their own), NeuRN off with k = 3, seed 1, and the model's quick
// width: 1 for DigitNet (its full size), 1/8 for VGG19, AlexNet and ViT (whose full widths are
// dense-layer heavy), 1/4 for the others. The images are resized inside the model to its minimum
// input where it has one (63 for AlexNet, 71 for Xception, 75 for InceptionV3). The quick training
// profiles (package runs, package dg) choose their own widths: 1/4 for every model but MobileNetV2
// and ShuffleNetV2 (1/2). The README's "Speed" section lists how fast each model trains on the CPU at both.
func QuickConfig(name string) (Config, error) {
	s, err := lookup(name)
	if err != nil {
		return Config{}, err
	}
	return Config{Classes: 10, InputSize: 32, Channels: 3, Width: s.quickWidth, NeuRNKernel: neurn.DefaultKernelSize, Seed: 1}, nil
}

// FullConfig returns the published configuration of the named model: full width, 1,000 classes,
// RGB images of its full input size (224, or 299 for InceptionV3 and Xception; 32 for DigitNet).
func FullConfig(name string) (Config, error) {
	s, err := lookup(name)
	if err != nil {
		return Config{}, err
	}
	return Config{Classes: 1000, InputSize: s.fullInput, Channels: 3, Width: 1, NeuRNKernel: neurn.DefaultKernelSize, Seed: 1}, nil
}

// Validate checks the configuration's fields.
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return errors.WithMessage(err, "zoo")
	}
	return nil
}

func (c Config) validate() error {
	switch {
	case c.Classes < 2:
		return errors.Errorf("Classes must be >= 2, got %d", c.Classes)
	case c.InputSize < 1:
		return errors.Errorf("InputSize must be >= 1, got %d", c.InputSize)
	case c.Channels < 1:
		return errors.Errorf("Channels must be >= 1, got %d", c.Channels)
	case !(c.Width > 0) || math.IsInf(c.Width, 0):
		return errors.Errorf("Width must be a positive number, got %g", c.Width)
	case c.NeuRNKernel < 0 || (c.NeuRNKernel > 0 && c.NeuRNKernel%2 == 0):
		return errors.Errorf("NeuRNKernel must be odd and >= 1 (or 0 for the default %d), got %d",
			neurn.DefaultKernelSize, c.NeuRNKernel)
	case c.Init != "" && c.Init != InitHe:
		return errors.Errorf("Init must be empty (the family's initializer) or %q, got %q", InitHe, c.Init)
	}
	return nil
}

// New returns the named model (see [Names]; case is ignored) with the given configuration. It
// builds the model's graph once, abstractly (shapes only, no weights allocated), to check that
// the configuration works and to learn its parameter count and first convolution; errors say
// what is wrong.
func New(name string, cfg Config) (*Model, error) {
	s, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, errors.WithMessagef(err, "zoo: model %s", s.name)
	}
	if cfg.NeuRNKernel == 0 {
		cfg.NeuRNKernel = neurn.DefaultKernelSize
	}
	m := &Model{name: s.name, cfg: cfg, spec: s}
	if err := m.inspect(); err != nil {
		return nil, err
	}
	return m, nil
}

// Name returns the model's registry name (lower case).
func (m *Model) Name() string { return m.name }

// Config returns the model's configuration (with NeuRNKernel defaulted).
func (m *Model) Config() Config { return m.cfg }

// MinInput returns the smallest input size of the original architecture; images smaller than
// that are resized to it (bilinearly, after NeuRN) inside the model. 1 when there is none.
func (m *Model) MinInput() int { return m.spec.minInput }

// FirstConv returns the shape [kh, kw, in, out] of the model's first convolution kernel (after
// NeuRN, which has no weights), as built for this configuration.
func (m *Model) FirstConv() [4]int { return m.firstConv }

// FirstConvPath returns the path of the first convolution's kernel variable relative to the
// scope given to [Model.Logits], e.g. "conv1/conv/weights"; with the store's root scope its
// full path is "/" + FirstConvPath(). See [Model.FirstConvVariable].
func (m *Model) FirstConvPath() string { return m.firstPath }

// FirstConvVariable returns the first convolution's kernel variable in store, for a model built
// with store.Scope(scopePath) (use "/" for the root scope), or nil if it is not there.
func (m *Model) FirstConvVariable(store *model.Store, scopePath string) *model.Variable {
	return store.GetVariable(model.JoinPath("/", scopePath, m.firstPath))
}

// NumParams returns the number of values in the model's variables for its configuration: the
// trainable weights plus batch normalization's moving means and variances, as Keras counts
// ("Total params"); trainable is the part an optimizer updates.
func (m *Model) NumParams() (total, trainable int) { return m.params, m.trainable }

// NewStore returns an empty model store whose random number generator is seeded with the
// configuration's Seed, so that the weights a model function initializes in it are
// deterministic.
func (m *Model) NewStore() (*model.Store, error) {
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(m.cfg.Seed); err != nil {
		return nil, errors.WithMessagef(err, "zoo: seeding the store of %s", m.name)
	}
	return store, nil
}

// Logits builds the model on images [batch, InputSize, InputSize, Channels] (float32, values in
// [0, 1]) and returns the logits [batch, Classes]. Its variables are created under scope. When
// the store is training (model.Store.IsTraining, as GoMLX's trainer sets it), batch
// normalization uses batch statistics and updates its moving averages, and dropout is active.
// Images of the wrong shape panic with a GoMLX exception, which executors return as errors.
func (m *Model) Logits(scope *model.Scope, images *Node) *Node {
	logits, _ := m.logits(scope, images)
	return logits
}

func (m *Model) logits(scope *model.Scope, images *Node) (*Node, *builder) {
	want := []int{-1, m.cfg.InputSize, m.cfg.InputSize, m.cfg.Channels}
	dims := images.Shape().Dimensions
	if images.Rank() != 4 || dims[1] != want[1] || dims[2] != want[2] || dims[3] != want[3] {
		exceptions.Panicf("zoo: model %s wants images [batch, %d, %d, %d], got shape %s",
			m.name, want[1], want[2], want[3], images.Shape())
	}
	if !images.DType().IsFloat() {
		exceptions.Panicf("zoo: model %s wants float images in [0, 1], got dtype %s", m.name, images.DType())
	}
	x := images
	if m.cfg.NeuRN {
		x = neurn.New(scope.In("neurn"), x).KernelSize(m.cfg.NeuRNKernel).Done()
	}
	if s := m.spec.minInput; m.cfg.InputSize < s {
		x = nn.ResizeBilinear(x, s, s)
	}
	b := &builder{cfg: m.cfg, g: x.Graph(), root: scope.Scope()}
	logits := m.spec.build(b, scope, x)
	if got := logits.Shape().Dimensions; logits.Rank() != 2 || got[1] != m.cfg.Classes {
		exceptions.Panicf("zoo: model %s built logits of shape %s, want [batch, %d]", m.name, logits.Shape(), m.cfg.Classes)
	}
	return logits, b
}

// countBackend is a private pure-Go backend used to build graphs abstractly (shapes only).
var countBackend = sync.OnceValues(func() (compute.Backend, error) { return gobackend.New("") })

// inspect builds the model's graph for one image, without running it or allocating weights, and
// records the parameter counts and the first convolution.
func (m *Model) inspect() (err error) {
	backend, err := countBackend()
	if err != nil {
		return errors.Wrap(err, "zoo: creating the pure-Go backend to inspect models")
	}
	store := model.NewStore()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		logits, b := m.logits(scope, x)
		if b.firstConv != nil {
			m.firstConv, m.firstPath = b.firstConv.shape, b.firstConv.path
		}
		return logits
	})
	if err != nil {
		return errors.WithMessagef(err, "zoo: model %s", m.name)
	}
	defer exec.Finalize()
	shape := shapes.Make(dtypes.Float32, 1, m.cfg.InputSize, m.cfg.InputSize, m.cfg.Channels)
	if _, err := exec.Compile(shape); err != nil {
		return errors.WithMessagef(err, "zoo: model %s does not build with %+v", m.name, m.cfg)
	}
	for v := range store.IterVariables() {
		if v.Path() == model.JoinPath("/", model.RNGStateVariableName) || !v.Shape().DType.IsFloat() {
			continue
		}
		n := v.Shape().Size()
		m.params += n
		if v.Trainable {
			m.trainable += n
		}
	}
	if m.firstPath == "" {
		return errors.Errorf("zoo: model %s has no convolution", m.name)
	}
	return nil
}

// String describes the model in one line.
func (m *Model) String() string {
	neu := "no NeuRN"
	if m.cfg.NeuRN {
		neu = fmt.Sprintf("NeuRN k=%d", m.cfg.NeuRNKernel)
	}
	return fmt.Sprintf("%s (width %g, %dx%dx%d input, %d classes, %s, %d parameters)",
		m.name, m.cfg.Width, m.cfg.InputSize, m.cfg.InputSize, m.cfg.Channels, m.cfg.Classes, neu, m.params)
}
