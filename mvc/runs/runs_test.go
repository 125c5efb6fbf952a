package runs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// smallRun trains a narrow DigitNet with NeuRN for one short epoch on generated SYN digits.
func smallRun(t *testing.T, dir string) *Run {
	t.Helper()
	r, err := Train(context.Background(), Spec{Model: zoo.DigitNet, NeuRN: 3, Width: 0.125, Seed: 7}, "syn",
		Options{Dir: dir, Subset: 120, Epochs: 1, BatchSize: 32, StepsPerEpoch: 2})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTrainOpenEvaluate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r := smallRun(t, dir)
	if r.Spec.Classes != 10 || r.Spec.Size != 32 || r.BestEpoch != 1 || len(r.History) != 1 {
		t.Errorf("trained run: spec %+v, best epoch %d, %d epochs; want 10 classes, size 32, epoch 1 of 1",
			r.Spec, r.BestEpoch, len(r.History))
	}
	ctx := context.Background()
	ev, err := r.EvaluateSplit(ctx, "syn", "test", 64)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Images != 64 || ev.Accuracy < 0 || ev.Accuracy > 1 {
		t.Errorf("evaluation %+v: want 64 images and an accuracy in [0, 1]", ev)
	}

	// The directory alone rebuilds the same model with the same weights.
	back, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Spec != r.Spec || back.BestEpoch != r.BestEpoch || back.BestValAccuracy != r.BestValAccuracy {
		t.Errorf("reopened run %+v (best %d, %g), trained %+v (best %d, %g)",
			back.Spec, back.BestEpoch, back.BestValAccuracy, r.Spec, r.BestEpoch, r.BestValAccuracy)
	}
	if !reflect.DeepEqual(back.Setup, r.Setup) || r.Setup.BatchSize != 32 || r.Setup.TrainData == "" {
		t.Errorf("setup of the trained run %+v, of the reopened one %+v", r.Setup, back.Setup)
	}
	again, err := back.EvaluateSplit(ctx, "syn", "test", 64)
	if err != nil {
		t.Fatal(err)
	}
	if again != ev {
		t.Errorf("reopened run evaluates to %+v, the trained one to %+v", again, ev)
	}

	// Data of other classes is refused as bad input.
	three := &data.Dataset{Name: "three", Split: "test", N: 1, Height: 2, Width: 2, Channels: 3,
		Pixels: make([]uint8, 12), Labels: []int{0}, ClassNames: []string{"a", "b", "c"}}
	if _, err := back.EvaluateOn(ctx, three); !errors.Is(err, mvc.ErrInput) {
		t.Errorf("evaluating on 3 classes: %v, want an input error", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); !errors.Is(err, mvc.ErrInput) {
		t.Errorf("Open of an empty directory: %v, want an input error", err)
	}
	bad := filepath.Join(dir, train.CheckpointFile)
	if err := os.WriteFile(bad, []byte("not a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, mvc.ErrInput) {
		t.Errorf("Open of a corrupt checkpoint: %v, want an input error", err)
	}
}

func TestSpecValidate(t *testing.T) {
	for _, s := range []Spec{
		{},
		{Model: "vgg20", Classes: 10},
		{Model: zoo.DigitNet, NeuRN: 4, Classes: 10},
		{Model: zoo.DigitNet, Width: -1, Classes: 10},
		{Model: ONNX, Classes: 10},
		{Model: zoo.DigitNet, ONNX: "x.onnx", Classes: 10},
	} {
		if _, err := s.Build(); !errors.Is(err, mvc.ErrInput) {
			t.Errorf("Build(%+v): %v, want an input error", s, err)
		}
	}
	if got, want := (Spec{Model: zoo.VGG19, NeuRN: 3, Width: 0.25}).String(), "vgg19 with NeuRN k=3, width 0.25"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
