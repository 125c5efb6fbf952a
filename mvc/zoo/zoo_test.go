package zoo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// publishedParams are the parameter counts the issue holds the zoo to (within 2%), at full
// width, the full input size and 1,000 classes: Keras Applications' table, torchvision's for
// AlexNet, ResNet18 and ShuffleNetV2 1.0x, timm's ViT-B/16; DigitNet's is our count of its
// specification at 32x32x3.
var publishedParams = map[string]float64{
	"vgg19":          143.7e6,
	"resnet50v2":     25.6e6,
	"densenet121":    8.1e6,
	"inceptionv3":    23.9e6,
	"xception":       22.9e6,
	"mobilenetv2":    3.5e6,
	"efficientnetb0": 5.3e6,
	"nasnetmobile":   5.3e6,
	"alexnet":        61e6,
	"resnet18":       11.7e6,
	"shufflenetv2":   2.3e6,
	"vit":            86.6e6,
	"digitnet":       5562216,
}

// TestNames checks that the registry holds the paper's 13 architectures under the names.
func TestNames(t *testing.T) {
	want := []string{"alexnet", "densenet121", "digitnet", "efficientnetb0", "inceptionv3", "mobilenetv2",
		"nasnetmobile", "resnet18", "resnet50v2", "shufflenetv2", "vgg19", "vit", "xception"}
	got := Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		if d, err := Describe(name); err != nil || d == "" {
			t.Errorf("Describe(%q) = %q, %v", name, d, err)
		}
	}
}

func TestParameterCountsMatchPublished(t *testing.T) {
	for _, name := range Names() {
		want, ok := publishedParams[name]
		if !ok {
			t.Errorf("%s: no published parameter count to check against", name)
			continue
		}
		cfg, err := FullConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(name, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := m.NumParams()
		if rel := math.Abs(float64(got)-want) / want; rel > 0.02 {
			t.Errorf("%s: %d parameters at full size, published %.1fM (%.1f%% off)", name, got, want/1e6, 100*rel)
		}
	}
}

// runLogits builds the model in inference mode on a random batch and returns the logits.
func runLogits(t *testing.T, m *Model, batch int) *tensors.Tensor {
	t.Helper()
	store, err := m.NewStore()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(mvc.MustBackend(), store, m.Logits)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	cfg := m.Config()
	rng := rand.New(rand.NewPCG(3, 4))
	values := make([]float32, batch*cfg.InputSize*cfg.InputSize*cfg.Channels)
	for i := range values {
		values[i] = rng.Float32()
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(values, batch, cfg.InputSize, cfg.InputSize, cfg.Channels))
	if err != nil {
		t.Fatalf("%s: %v", m, err)
	}
	return out[0]
}

// TestQuickModelsBuildWithAndWithoutNeuRN builds every architecture at its quick configuration,
// with and without NeuRN, runs it on a batch of 2 random images and checks the logits' shape and
// that they are finite.
func TestQuickModelsBuildWithAndWithoutNeuRN(t *testing.T) {
	for _, name := range Names() {
		for _, withNeuRN := range []bool{false, true} {
			cfg, err := QuickConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			cfg.NeuRN = withNeuRN
			m, err := New(name, cfg)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			logits := runLogits(t, m, 2)
			if got := logits.Shape().Dimensions; len(got) != 2 || got[0] != 2 || got[1] != cfg.Classes {
				t.Fatalf("%s: logits shape %v, want [2 %d]", m, got, cfg.Classes)
			}
			for i, v := range tensors.MustCopyFlatData[float32](logits) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s: logit %d is %g", m, i, v)
				}
			}
			if fc := m.FirstConv(); fc[2] != cfg.Channels || fc[0] < 1 || fc[3] < 1 {
				t.Errorf("%s: first convolution %v does not read %d channels", m, fc, cfg.Channels)
			}
		}
	}
}

// TestEveryModelTrains runs one training step (GoMLX's trainer, Adam) of every architecture at its
// quick configuration with NeuRN on a batch of 4 random images: the training graph (batch
// statistics, moving averages, dropout, every gradient) builds and runs, the loss is finite and
// some weights change.
func TestEveryModelTrains(t *testing.T) {
	const batch = 4
	for _, name := range Names() {
		cfg, err := QuickConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg.NeuRN = true
		m, err := New(name, cfg)
		if err != nil {
			t.Fatal(err)
		}
		store, err := m.NewStore()
		if err != nil {
			t.Fatal(err)
		}
		trainer := train.NewTrainer(mvc.MustBackend(), store, m.Logits,
			loss.SparseCategoricalCrossEntropyLogits, optimizer.Adam().LearningRate(1e-3).Done(), nil, nil)
		rng := rand.New(rand.NewPCG(7, 8))
		pixels := make([]float32, batch*32*32*3)
		for i := range pixels {
			pixels[i] = rng.Float32()
		}
		labels := []int32{0, 1, 2, 3}
		step := func() float32 {
			metrics, err := trainer.TrainStep(train.Batch{
				Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(pixels, batch, 32, 32, 3)},
				Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, batch, 1)},
			})
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			return tensors.ToScalar[float32](metrics[0])
		}
		first := step()
		kernel := m.FirstConvVariable(store, "/")
		if kernel == nil {
			t.Fatalf("%s: first convolution variable %q not in the store", m, m.FirstConvPath())
		}
		before := tensors.MustCopyFlatData[float32](kernel.MustValue())
		second := step()
		after := tensors.MustCopyFlatData[float32](kernel.MustValue())
		if math.IsNaN(float64(first)) || math.IsNaN(float64(second)) || math.IsInf(float64(second), 0) {
			t.Errorf("%s: losses %g, %g", m, first, second)
		}
		changed := false
		for i := range before {
			if before[i] != after[i] {
				changed = true
				break
			}
		}
		if !changed {
			t.Errorf("%s: a training step left the first convolution's kernel unchanged", m)
		}
	}
}

func TestBadConfigs(t *testing.T) {
	good, err := QuickConfig("digitnet")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"width zero", func(c *Config) { c.Width = 0 }, "Width must be a positive number"},
		{"width negative", func(c *Config) { c.Width = -1 }, "Width must be a positive number"},
		{"width NaN", func(c *Config) { c.Width = math.NaN() }, "Width must be a positive number"},
		{"one class", func(c *Config) { c.Classes = 1 }, "Classes must be >= 2"},
		{"no input", func(c *Config) { c.InputSize = 0 }, "InputSize must be >= 1"},
		{"no channels", func(c *Config) { c.Channels = 0 }, "Channels must be >= 1"},
		{"even NeuRN k", func(c *Config) { c.NeuRNKernel = 4 }, "NeuRNKernel must be odd"},
	} {
		cfg := good
		c.change(&cfg)
		_, err := New("digitnet", cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := New("lenet5", good); err == nil || !strings.Contains(err.Error(), `unknown model "lenet5"`) ||
		!strings.Contains(err.Error(), "digitnet") {
		t.Errorf("unknown model: got %v, want an error naming it and listing the known models", err)
	}
	if _, err := QuickConfig("lenet5"); err == nil {
		t.Error("QuickConfig of an unknown model: no error")
	}
	// Names are case-insensitive.
	if m, err := New("DigitNet", good); err != nil || m.Name() != "digitnet" {
		t.Errorf("New(\"DigitNet\"): %v, %v", m, err)
	}
	// Images of the wrong shape are an error of the executor, not a crash.
	m, err := New("digitnet", good)
	if err != nil {
		t.Fatal(err)
	}
	store, err := m.NewStore()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(mvc.MustBackend(), store, m.Logits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call(tensors.FromFlatDataAndDimensions(make([]float32, 2*28*28), 2, 28, 28, 1)); err == nil ||
		!strings.Contains(err.Error(), "wants images [batch, 32, 32, 3]") {
		t.Errorf("wrong image shape: got %v", err)
	}
}

// TestDigitNetTrainingLowersLoss trains DigitNet with Adam (lr 1e-3, the paper's) for a few steps
// on 32 real MNIST test digits and checks that the cross-entropy on that batch goes down.
func TestDigitNetTrainingLowersLoss(t *testing.T) {
	digits, err := data.LoadMNIST(data.MNISTTest)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	const n = 32
	digits = digits.First(n)
	cfg, err := QuickConfig("digitnet")
	if err != nil {
		t.Fatal(err)
	}
	cfg.InputSize, cfg.Channels = 28, 1
	m, err := New("digitnet", cfg)
	if err != nil {
		t.Fatal(err)
	}
	pixels, err := digits.Float32(28, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int32, n)
	for i, l := range digits.Labels {
		labels[i] = int32(l)
	}
	store, err := m.NewStore()
	if err != nil {
		t.Fatal(err)
	}
	trainer := train.NewTrainer(mvc.MustBackend(), store, m.Logits,
		loss.SparseCategoricalCrossEntropyLogits, optimizer.Adam().LearningRate(1e-3).Done(), nil, nil)
	var first, last float32
	for step := range 6 {
		metrics, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(pixels, n, 28, 28, 1)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, n, 1)},
		})
		if err != nil {
			t.Fatal(err)
		}
		batchLoss := tensors.ToScalar[float32](metrics[0])
		if step == 0 {
			first = batchLoss
		}
		last = batchLoss
	}
	if !(last < 0.8*first) {
		t.Errorf("batch loss went from %g to %g after 5 Adam steps, want a clear decrease", first, last)
	}
}

// TestNameConstants checks that the exported names are exactly the registry's.
func TestNameConstants(t *testing.T) {
	consts := []string{AlexNet, DenseNet121, DigitNet, EfficientNetB0, InceptionV3, MobileNetV2, NASNetMobile,
		ResNet18, ResNet50V2, ShuffleNetV2, VGG19, ViT, Xception}
	if got := Names(); !slices.Equal(got, consts) {
		t.Errorf("Names() = %v, the constants %v", got, consts)
	}
}

// Config.Init "he" draws every kernel from N(0, 2 / fan_out) instead of the family's initializer
// (VGG19: Keras' Glorot uniform, standard deviation sqrt(2 / (fan_in + fan_out))); other values
// are refused.
func TestConfigInitHe(t *testing.T) {
	std := func(init string) (float64, [4]int) {
		m, err := New("vgg19", Config{Classes: 10, InputSize: 32, Channels: 3, Width: 0.25, Seed: 3, Init: init})
		if err != nil {
			t.Fatal(err)
		}
		store, err := m.NewStore()
		if err != nil {
			t.Fatal(err)
		}
		exec, err := model.NewExec(mvc.MustBackend(), store, m.Logits)
		if err != nil {
			t.Fatal(err)
		}
		defer exec.Finalize()
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(make([]float32, 32*32*3), 1, 32, 32, 3))
		if err != nil {
			t.Fatal(err)
		}
		out[0].FinalizeAll()
		// The second convolution (16 inputs) has more values than the first for a steady estimate.
		v := store.GetVariable("/block1_conv2/weights")
		if v == nil {
			t.Fatal("no /block1_conv2/weights in the store")
		}
		values := tensors.MustCopyFlatData[float32](v.MustValue())
		var sum2 float64
		for _, x := range values {
			sum2 += float64(x) * float64(x)
		}
		d := v.Shape().Dimensions
		return math.Sqrt(sum2 / float64(len(values))), [4]int{d[0], d[1], d[2], d[3]}
	}
	glorot, d := std("")
	he, _ := std(InitHe)
	fanIn, fanOut := float64(d[0]*d[1]*d[2]), float64(d[0]*d[1]*d[3])
	if want := math.Sqrt(2 / (fanIn + fanOut)); math.Abs(glorot/want-1) > 0.1 {
		t.Errorf("family initializer: kernel std %.4f, want Glorot's %.4f", glorot, want)
	}
	if want := math.Sqrt(2 / fanOut); math.Abs(he/want-1) > 0.1 {
		t.Errorf("Init %q: kernel std %.4f, want He's %.4f", InitHe, he, want)
	}
	if _, err := New("vgg19", Config{Classes: 10, InputSize: 32, Channels: 3, Width: 0.25, Init: "xavier"}); err == nil {
		t.Error(`Init "xavier" accepted`)
	}
}
