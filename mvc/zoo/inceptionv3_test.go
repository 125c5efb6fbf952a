package zoo

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
)

// checkFamily checks one architecture of the zoo: at its quick configuration, with and without
// NeuRN, it builds and gives finite [2, classes] logits on a batch of 2 random 32x32x3 images
// (resized inside to its minimum input), in inference mode without NeuRN and in training mode
// with it; its first
// convolution has the kernel shape firstQuick; at full size (FullConfig) its parameter count is
// within 2% of published and its first convolution's kernel is firstFull.
func checkFamily(t *testing.T, name string, published int, firstQuick, firstFull [4]int) {
	t.Helper()
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
		if got := m.FirstConv(); got != firstQuick {
			t.Errorf("%s: first convolution %v, want %v", m, got, firstQuick)
		}
		// Inference without NeuRN, training mode (batch statistics, moving-average updates)
		// with it: both paths of batch normalization, one build each to keep the test fast.
		training := withNeuRN
		store, err := m.NewStore()
		if err != nil {
			t.Fatal(err)
		}
		exec, err := model.NewExec(mvc.MustBackend(), store, func(scope *model.Scope, x *Node) *Node {
			scope.Store().SetTraining(x.Graph(), training)
			return m.Logits(scope, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		values := make([]float32, 2*32*32*3)
		for i := range values {
			values[i] = rng.Float32()
		}
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(values, 2, 32, 32, 3))
		exec.Finalize()
		if err != nil {
			t.Fatalf("%s (training %v): %v", m, training, err)
		}
		logits := out[0]
		if got := logits.Shape().Dimensions; len(got) != 2 || got[0] != 2 || got[1] != cfg.Classes {
			t.Fatalf("%s: logits shape %v, want [2 %d]", m, got, cfg.Classes)
		}
		for i, v := range tensors.MustCopyFlatData[float32](logits) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s (training %v): logit %d is %g", m, training, i, v)
			}
		}
	}
	if got, err := PublishedParams(name); err != nil || got != published {
		t.Errorf("%s: PublishedParams = %d, %v; want %d", name, got, err, published)
	}
	cfg, err := FullConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(name, cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	total, trainable := m.NumParams()
	if rel := math.Abs(float64(total-published)) / float64(published); rel > 0.02 {
		t.Errorf("%s: %d parameters at full size, published %d (%.2f%% off)", name, total, published, 100*rel)
	}
	t.Logf("%s: %d parameters (%d trainable), published %d", m, total, trainable, published)
	if got := m.FirstConv(); got != firstFull {
		t.Errorf("%s: first convolution %v, want %v", m, got, firstFull)
	}
}

// TestInceptionV3 checks InceptionV3 against Keras Applications: 23,851,784 parameters at
// 299x299x3 and 1,000 classes; first convolution 32 3x3 filters (8 at the quick width 1/4).
func TestInceptionV3(t *testing.T) {
	checkFamily(t, "inceptionv3", 23851784, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 32})
}
