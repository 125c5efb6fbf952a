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
	d := images.Shape().Dimensions
	b := d[0]
	// 2x2 mean pooling as a reshape and a reduction (the pure-Go backend's ReduceWindow is slow).
	x := ReduceMean(Reshape(images, b, d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
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
	if !resumed.Resumed || resumed.ResumedEpochs != 2 {
		t.Errorf("Result.Resumed = %v, ResumedEpochs = %d; want true and 2 (stopped as epoch 3 began)", resumed.Resumed, resumed.ResumedEpochs)
	}
	if full.Resumed || full.ResumedEpochs != 0 {
		t.Errorf("uninterrupted run: Resumed = %v, ResumedEpochs = %d", full.Resumed, full.ResumedEpochs)
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
	// The summary names the software that trained the run.
	raw, err = os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Versions["go"] == "" || sum.Epochs != len(full.Epochs) {
		t.Errorf("%s: versions %v, epochs %d; want the Go version and %d epochs", ResultFile, sum.Versions, sum.Epochs, len(full.Epochs))
	}
	// Resuming a finished run returns it as it is.
	again, err := Run(ctx, backend, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, weightsOf(t, full.Store), weightsOf(t, again.Store), "finished run resumed again")
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

func TestEarlyStoppingRestoresBestWeights(t *testing.T) {
	ds := smallMNIST(t, 160)
	// Scripted validation accuracies: best at epoch 3, then 5 epochs without a strict improvement
	// (a tie does not count, as in Keras' EarlyStopping).
	script := []float64{0.2, 0.5, 0.7, 0.6, 0.7, 0.65, 0.1, 0.3, 0.9, 0.95}
	var weightsAt []map[string][]byte
	var store *model.Store
	cfg := tinyConfig("")
	cfg.MaxEpochs = len(script)
	cfg.Evaluate = func(_ context.Context, epoch int) (Evaluation, error) {
		weightsAt = append(weightsAt, weightsOf(t, store))
		return Evaluation{Accuracy: script[epoch-1], Loss: 1 - script[epoch-1]}, nil
	}
	// The hook needs the store: a wrapper model records its scope's Store.
	inner := cfg.Model
	cfg.Model = func(scope *model.Scope, images *Node) *Node {
		store = scope.Store()
		return inner(scope, images)
	}
	res, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 8 || !res.StoppedEarly || res.BestEpoch != 3 || res.BestValAccuracy != 0.7 {
		t.Fatalf("ran %d epochs, stopped early %v, best epoch %d (%.2f); want 8, true, 3 (0.70)",
			len(res.Epochs), res.StoppedEarly, res.BestEpoch, res.BestValAccuracy)
	}
	for i, m := range res.Epochs {
		wantWait := []int{0, 0, 0, 1, 2, 3, 4, 5}[i]
		if m.Wait != wantWait || m.Improved != (wantWait == 0) || m.ValAccuracy != script[i] {
			t.Errorf("epoch %d: %+v, want wait %d", i+1, m, wantWait)
		}
	}
	got := weightsOf(t, res.Store)
	for p, w := range weightsAt[2] { // weights evaluated after epoch 3
		if isModelVariable(p) && !bytes.Equal(got[p], w) {
			t.Errorf("variable %s is not epoch 3's", p)
		}
	}
	if bytes.Equal(got["/model/logits/dense/weights"], weightsAt[7]["/model/logits/dense/weights"]) {
		t.Error("final weights equal the last epoch's: the best were not restored")
	}
}

func TestBadConfigsGiveClearErrors(t *testing.T) {
	ds := smallMNIST(t, 64)
	b := mvc.MustBackend()
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no model", func(c *Config) { c.Model = nil }, "model function is required"},
		{"one class", func(c *Config) { c.Classes = 1 }, "at least 2"},
		{"fewer classes than data", func(c *Config) { c.Classes = 5 }, "training set has 10"},
		{"batch", func(c *Config) { c.BatchSize = -1 }, "batch size"},
		{"lr", func(c *Config) { c.LearningRate = -1 }, "learning rate"},
		{"epochs", func(c *Config) { c.MaxEpochs = -3 }, "max epochs"},
		{"size", func(c *Config) { c.Channels = 2 }, "1 or 3 channels"},
		{"fraction", func(c *Config) { c.ValidationFraction = 1.5 }, "validation fraction"},
		{"resume without dir", func(c *Config) { c.Resume, c.Dir = true, "" }, "run directory"},
		{"wrong logits", func(c *Config) {
			c.Model = func(scope *model.Scope, images *Node) *Node {
				return layers.DenseWithBias(scope, Reshape(images, images.Shape().Dimensions[0], -1), 7)
			}
			c.Classes = 10
		}, "want [batch, classes] = [32 10]"},
		{"init missing", func(c *Config) { c.Init = filepath.Join(dir, "nope") }, "--init"},
	} {
		cfg := tinyConfig("")
		cfg.MaxEpochs = 1
		c.edit(&cfg)
		_, err := Run(ctx, b, cfg, ds, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", c.name, c.want, err)
		}
	}

	// An existing run is not overwritten without Resume, and resuming with other settings fails.
	cfg := tinyConfig(dir)
	cfg.MaxEpochs = 1
	if _, err := Run(ctx, b, cfg, ds, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, b, cfg, ds, nil); err == nil || !strings.Contains(err.Error(), "already holds a checkpoint") {
		t.Errorf("rerun without Resume: got %v", err)
	}
	cfg.Resume, cfg.Seed = true, 8
	if _, err := Run(ctx, b, cfg, ds, nil); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("resume with another seed: got %v", err)
	}
	cfg.Seed = 7
	if _, err := Run(ctx, b, cfg, ds.First(60), nil); err == nil || !strings.Contains(err.Error(), "train_data") {
		t.Errorf("resume with other data: got %v", err)
	}
	// A corrupted checkpoint is reported as such.
	path := filepath.Join(dir, CheckpointFile)
	raw, _ := os.ReadFile(path)
	raw[len(raw)-1] ^= 0xff
	_ = os.WriteFile(path, raw, 0o644)
	if _, err := LoadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupted checkpoint: got %v", err)
	}
}

func TestInitFromCheckpointSkipsHeadOfOtherClassCount(t *testing.T) {
	ds := smallMNIST(t, 160)
	b := mvc.MustBackend()
	src := t.TempDir()
	cfg := tinyConfig(src)
	cfg.MaxEpochs = 1
	if _, err := Run(context.Background(), b, cfg, ds, nil); err != nil {
		t.Fatal(err)
	}
	ckpt, err := LoadCheckpoint(src)
	if err != nil {
		t.Fatal(err)
	}
	hidden := ckpt.Best[0]
	if hidden.Info.Path != "/model/hidden/dense/weights" {
		t.Fatalf("first best variable is %s", hidden.Info.Path)
	}
	// Fine-tune with 12 classes: the hidden layer starts from the checkpoint, the head is new.
	cfg = tinyConfig("")
	cfg.Init, cfg.Classes, cfg.MaxEpochs = src, 12, 1
	var first map[string][]byte
	var store *model.Store
	inner := cfg.Model
	cfg.Model = func(scope *model.Scope, images *Node) *Node {
		store = scope.Store()
		logits := inner(scope, images)
		return layers.DenseWithBias(scope.In("head12"), logits, 12)
	}
	cfg.BeforeStep = func(epoch, step int) error {
		if first == nil { // before the first step: the head has no value yet
			first = map[string][]byte{}
			for v := range store.IterVariables() {
				if v.HasValue() {
					_ = v.MustValue().ConstBytes(func(b []byte) { first[v.Path()] = bytes.Clone(b) })
				}
			}
		}
		return nil
	}
	res, err := Run(context.Background(), b, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first["/model/hidden/dense/weights"], hidden.Data) {
		t.Error("the hidden layer did not start from the --init checkpoint")
	}
	if _, ok := first["/model/head12/dense/weights"]; ok {
		t.Error("the new head was loaded from a checkpoint that has none")
	}
	if v := res.Store.GetVariable("/model/head12/dense/weights"); v == nil || !v.HasValue() {
		t.Error("the new head was not trained")
	}
}
