package supervise

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// tinyModel is a small classifier for tests (the same as package train's tests use): 2x2 mean
// pooling, a hidden layer of 16 and a softmax layer, with dropout so that the graph's random
// state matters for resuming.
func tinyModel(scope *model.Scope, images *Node) *Node {
	d := images.Shape().Dimensions
	b := d[0]
	x := ReduceMean(Reshape(images, b, d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
	x = Reshape(x, b, -1)
	x = activation.Relu(layers.DenseWithBias(scope.In("hidden"), x, 16))
	x = layers.Dropout(scope, x, Scalar(images.Graph(), x.DType(), 0.1))
	return layers.DenseWithBias(scope.In("logits"), x, 10)
}

// tinyConfig is a fast configuration: 16x16 grey inputs, batches of 32.
func tinyConfig(dir string) train.Config {
	return train.Config{
		Model: tinyModel, ModelSpec: map[string]any{"name": "tiny"},
		Height: 16, Width: 16, Channels: 1, BatchSize: 32, MaxEpochs: 4, Seed: 7, Dir: dir,
		LearningRate: 1e-2,
	}
}

var (
	mnistOnce sync.Once
	mnistSet  *data.Dataset
	mnistErr  error
)

// smallMNIST returns the first n real MNIST training images, or skips the test without them.
func smallMNIST(t testing.TB, n int) *data.Dataset {
	t.Helper()
	mnistOnce.Do(func() { mnistSet, mnistErr = data.LoadMNIST(data.MNISTTrain) })
	if mnistErr != nil {
		t.Skipf("real MNIST not available: %v", mnistErr)
	}
	return mnistSet.First(n)
}

// loadMNISTForChild is smallMNIST(320) for a child process, which has no testing.T.
func loadMNISTForChild() (*data.Dataset, error) {
	ds, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		return nil, err
	}
	return ds.First(320), nil
}

// deterministic drops the metrics that depend on timing.
func deterministic(ms []train.EpochMetrics) []train.EpochMetrics {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Seconds, out[i].ImagesPerSecond = 0, 0
	}
	return out
}

// modelWeights returns the raw bytes of the model's variables (under train.ModelScope) by path.
func modelWeights(t *testing.T, store *model.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Path(), "/"+train.ModelScope+"/") {
			continue
		}
		value, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if err := value.ConstBytes(func(b []byte) { out[v.Path()] = slices.Clone(b) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sameWeights(t *testing.T, a, b map[string][]byte, what string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d variables vs %d", what, len(a), len(b))
	}
	for p, va := range a {
		if !bytes.Equal(va, b[p]) {
			t.Fatalf("%s: variable %s differs", what, p)
		}
	}
}
