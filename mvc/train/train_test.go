package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// tinyModel is a small classifier for tests: 2x2 mean pooling, a hidden layer of 16 and a
// softmax layer, with dropout so that the graph's random state matters for resuming.
func tinyModel(scope *model.Scope, images *Node) *Node {
	b := images.Shape().Dimensions[0]
	x := MeanPool(images).Window(2).Done()
	x = Reshape(x, b, -1)
	x = activation.Relu(layers.DenseWithBias(scope.In("hidden"), x, 16))
	x = layers.Dropout(scope, x, Scalar(images.Graph(), x.DType(), 0.1))
	return layers.DenseWithBias(scope.In("logits"), x, 10)
}

var (
	mnistOnce sync.Once
	mnistSet  *data.Dataset
	mnistErr  error
)

// smallMNIST returns the first n real MNIST training images.
func smallMNIST(t testing.TB, n int) *data.Dataset {
	t.Helper()
	mnistOnce.Do(func() { mnistSet, mnistErr = data.LoadMNIST(data.MNISTTrain) })
	if mnistErr != nil {
		t.Skipf("real MNIST not available: %v", mnistErr)
	}
	return mnistSet.First(n)
}

// tinyConfig is a fast configuration: 16x16 grey inputs, batches of 32.
func tinyConfig(dir string) Config {
	return Config{
		Model: tinyModel, ModelSpec: map[string]any{"name": "tiny"},
		Height: 16, Width: 16, Channels: 1, BatchSize: 32, MaxEpochs: 4, Seed: 7, Dir: dir,
		LearningRate: 1e-2, // the tiny model learns slowly at the paper's 1e-3
	}
}

// weightsOf returns the model variables' raw bytes by path.
func weightsOf(t *testing.T, store *model.Store) map[string][]byte {
	t.Helper()
	ts, err := snapshot(store, SetBest, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, x := range ts {
		out[x.Info.Path] = x.Data
	}
	return out
}

// deterministic drops the timing fields, which vary from run to run.
func deterministic(ms []EpochMetrics) []EpochMetrics {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Seconds, out[i].ImagesPerSecond = 0, 0
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

func TestTrainingLowersLossOnRealMNIST(t *testing.T) {
	ds := smallMNIST(t, 1280)
	cfg := tinyConfig("")
	cfg.MaxEpochs, cfg.Patience = 5, -1
	res, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 5 {
		t.Fatalf("%d epochs, want 5", len(res.Epochs))
	}
	first, last := res.Epochs[0], res.Epochs[4]
	if !(last.TrainLoss < first.TrainLoss) || !(last.ValLoss < first.ValLoss) {
		t.Errorf("loss did not go down: epoch 1 %+v, epoch 3 %+v", first, last)
	}
	if !(last.ValAccuracy > 0.7) {
		t.Errorf("validation accuracy %.3f after 5 epochs on 1152 MNIST digits: want > 0.7 (chance 0.1)", last.ValAccuracy)
	}
	if first.TrainImages != 1152 { // 1280 - 10% validation
		t.Errorf("epoch 1 saw %d training images, want 1152", first.TrainImages)
	}
}

func TestKillAndResumeGivesIdenticalRun(t *testing.T) {
	ds := smallMNIST(t, 320)
	backend := mvc.MustBackend()
	ctx := context.Background()

	// Uninterrupted.
	full, err := Run(ctx, backend, tinyConfig(filepath.Join(t.TempDir(), "full")), ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.BestEpoch < 3 {
		t.Fatalf("the reference run's best epoch is %d: want a late one, so that the compared weights come after the interruptions", full.BestEpoch)
	}
	// Interrupted twice: inside epoch 2 (a mid-epoch checkpoint) and right after epoch 3 began.
	dir := filepath.Join(t.TempDir(), "resumed")
	for _, stopAt := range [][2]int{{2, 4}, {3, 0}} {
		cctx, cancel := context.WithCancel(ctx)
		cfg := tinyConfig(dir)
		cfg.Resume = true
		cfg.BeforeStep = func(epoch, step int) error {
			if epoch == stopAt[0] && step == stopAt[1] {
				cancel()
			}
			return nil
		}
		_, err := Run(cctx, backend, cfg, ds, nil)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stop at %v: want context.Canceled, got %v", stopAt, err)
		}
	}
	cfg := tinyConfig(dir)
	cfg.Resume = true
	resumed, err := Run(ctx, backend, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !resumed.Resumed {
		t.Error("Result.Resumed is false")
	}
	if a, b := deterministic(full.Epochs), deterministic(resumed.Epochs); !slices.Equal(a, b) {
		t.Errorf("metrics differ:\nfull    %+v\nresumed %+v", a, b)
	}
	sameWeights(t, weightsOf(t, full.Store), weightsOf(t, resumed.Store), "final weights")

	// The metrics log holds one line per epoch, equal to the result.
	raw, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != len(full.Epochs) {
		t.Fatalf("%s has %d lines, want %d", MetricsFile, len(lines), len(full.Epochs))
	}
	for i, line := range lines {
		var m EpochMetrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if deterministic([]EpochMetrics{m})[0] != deterministic(full.Epochs)[i] {
			t.Errorf("log line %d = %+v, want %+v", i+1, m, full.Epochs[i])
		}
	}
	// Resuming a finished run returns it as it is.
	again, err := Run(ctx, backend, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, weightsOf(t, full.Store), weightsOf(t, again.Store), "finished run resumed again")
}

// loadMNISTForChild loads the same images as smallMNIST(t, 320) in a child process.
func loadMNISTForChild() (*data.Dataset, error) {
	ds, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		return nil, err
	}
	return ds.First(320), nil
}

func TestEvaluateCheckpointMatchesValidation(t *testing.T) {
	ds := smallMNIST(t, 320)
	dir := t.TempDir()
	cfg := tinyConfig(dir)
	cfg.MaxEpochs = 2
	res, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	ckpt, err := LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, val, _ := ds.SplitValidation(DefaultValidationFraction, cfg.Seed)
	ev, err := EvaluateCheckpoint(context.Background(), mvc.MustBackend(), ckpt, tinyModel, val)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != res.BestValAccuracy || ev.Images != val.N {
		t.Errorf("checkpoint evaluation %+v, want the best validation accuracy %v on %d images", ev, res.BestValAccuracy, val.N)
	}
	// A model that does not match the checkpoint is an error, not a random initialisation.
	other := func(scope *model.Scope, images *Node) *Node {
		return layers.DenseWithBias(scope.In("other"), Reshape(images, images.Shape().Dimensions[0], -1), 10)
	}
	if _, err := EvaluateCheckpoint(context.Background(), mvc.MustBackend(), ckpt, other, val); err == nil ||
		!strings.Contains(err.Error(), "has no value") {
		t.Errorf("mismatched model: want a 'has no value' error, got %v", err)
	}
}
