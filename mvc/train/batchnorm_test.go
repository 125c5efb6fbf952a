package train

import (
	"context"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/nn"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// A short run of a batch-normalized model (Keras momentum 0.99) must validate on statistics of
// its current weights: with the moving averages of training alone, 40 steps leave them far from
// the data's and validation sits at chance while training accuracy climbs (what the quick Table
// 1 showed before precise BN).
func TestBatchNormStatisticsRecomputedBeforeValidation(t *testing.T) {
	all := smallMNIST(t, 960)
	idx := make([]int, 320)
	for i := range idx {
		idx[i] = 640 + i
	}
	trainSet := all.First(640)
	val, err := all.Subset(idx, "validation")
	if err != nil {
		t.Fatal(err)
	}
	var m *zoo.Model
	m, err = zoo.New("resnet50v2", zoo.Config{Classes: 10, InputSize: 32, Channels: 1, Width: 0.125})
	if err != nil {
		t.Fatal(err)
	}
	backend := mvc.MustBackend()
	run := func(statsBatches int) *Result {
		cfg := Config{
			Model: m.Logits, ModelSpec: map[string]any{"name": "resnet50v2", "width": 0.125},
			Height: 32, Width: 32, Channels: 1, BatchSize: 32, MaxEpochs: 4, Patience: -1, Seed: 3,
			BNStatsBatches: statsBatches,
		}
		res, err := Run(context.Background(), backend, cfg, trainSet, val)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	precise := run(0)
	last := precise.Epochs[len(precise.Epochs)-1]
	t.Logf("precise BN: train accuracy %.3f, validation %.3f", last.TrainAccuracy, last.ValAccuracy)
	if last.TrainAccuracy < 0.4 {
		t.Fatalf("training accuracy %.3f after 2 epochs: the model does not learn, the test says nothing", last.TrainAccuracy)
	}
	if last.ValAccuracy < last.TrainAccuracy-0.15 {
		t.Errorf("validation accuracy %.3f far below training accuracy %.3f: the batch normalization statistics are not those of the current weights",
			last.ValAccuracy, last.TrainAccuracy)
	}
	// Every layer's update count is the number of statistics batches, not the training steps.
	counts := 0
	for v := range precise.Store.IterVariables() {
		if _, name := model.SplitPath(v.Path()); name == nn.BatchNormCountName {
			counts++
			if got := v.MustValue().Value().(int64); got != DefaultBNStatsBatches {
				t.Fatalf("%s = %d, want %d (the statistics batches)", v.Path(), got, DefaultBNStatsBatches)
			}
		}
	}
	if counts == 0 {
		t.Fatal("the model has no batch normalization update counts")
	}
	off := run(-1)
	lastOff := off.Epochs[len(off.Epochs)-1]
	t.Logf("moving averages of training only: train accuracy %.3f, validation %.3f", lastOff.TrainAccuracy, lastOff.ValAccuracy)
}
