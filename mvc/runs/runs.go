package runs

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Options configure [Train]. Zero values take the paper's settings (package train's defaults).
type Options struct {
	// Dir is the run directory (checkpoint, metrics, summary; see package train); empty for a
	// run that saves nothing, which [Open] then cannot reopen.
	Dir string
	// Subset keeps only the first Subset training images (0: all).
	Subset int
	// Epochs bounds the epochs (0: train.DefaultMaxEpochs; early stopping usually ends sooner).
	Epochs int
	// BatchSize is the mini-batch size (0: 256).
	BatchSize int
	// LearningRate is Adam's learning rate (0: 0.001).
	LearningRate float64
	// Patience is early stopping's patience in epochs (0: 5; negative: no early stopping).
	Patience int
	// StepsPerEpoch limits the batches per epoch (0: all), for smoke runs.
	StepsPerEpoch int
	// Augment changes the training images at random (train.Augment: shifts, left-right flips);
	// zero for none.
	Augment train.Augment
	// Init is a run directory (or checkpoint) whose weights initialise the model; layers whose
	// shape differs (a head for other classes) start fresh.
	Init string
	// Resume continues the run saved in Dir (starting afresh when Dir holds none); without it a
	// Dir that already holds a checkpoint is an error.
	Resume bool
	// Progress receives a progress bar and one line per epoch; nil for quiet.
	Progress io.Writer
	// Backend runs the computation (nil: mvc.Backend, the process's backend).
	Backend compute.Backend
	// WaitLock waits while another process trains into Dir instead of failing with
	// train.ErrBusy.
	WaitLock bool
	// Watchdog, when set, ends the run with train.ErrStalled when a step stalls; Heartbeat, when
	// set, receives a line per step for a supervisor (package supervise).
	Watchdog  *train.Watchdog
	Heartbeat io.Writer
}

// Run is a trained model: what [Train] returns and [Open] reads back from a run directory.
type Run struct {
	// Dir is the run directory ("" for a run that saved nothing).
	Dir string
	// Spec is the model, with its defaults and class count filled in.
	Spec Spec
	// Setup is everything that fixed the training (input size, batch, learning rate, data).
	Setup train.Setup
	// BestEpoch (1-based) and BestValAccuracy identify the weights kept: those of the epoch
	// with the best validation accuracy.
	BestEpoch       int
	BestValAccuracy float64
	// History holds every epoch's metrics.
	History []train.EpochMetrics
	// StoppedEarly tells whether early stopping ended the training, Resumed whether it
	// continued a checkpoint (both false for a run read back by [Open]).
	StoppedEarly, Resumed bool

	store   *model.Store
	fn      train.ModelFn
	backend compute.Backend
}

// Train loads the training split of the dataset named trainData (data.Load: "cifar27" or a digit
// domain), holds 10% of it out for validation (seeded by spec.Seed) and trains the model spec
// describes on the rest; see [TrainOn].
func Train(ctx context.Context, spec Spec, trainData string, opts Options) (*Run, error) {
	spec = spec.withDefaults()
	ds, err := data.Load(trainData, "train", data.DomainOptions{N: opts.Subset, Seed: spec.Seed})
	if err != nil {
		return nil, err
	}
	return TrainOn(ctx, spec, ds, opts)
}

// TrainOn trains the model spec describes on trainSet (10% held out for validation) as the
// paper's section "Training" says, restoring the weights of the best validation epoch. A zero
// spec.Classes takes the training set's class count.
func TrainOn(ctx context.Context, spec Spec, trainSet *data.Dataset, opts Options) (*Run, error) {
	spec = spec.withDefaults()
	if spec.Classes == 0 {
		spec.Classes = len(trainSet.ClassNames)
	}
	if spec.Model == ONNX && spec.ONNX != "" {
		abs, err := filepath.Abs(spec.ONNX)
		if err != nil {
			return nil, mvc.InputErrorf("ONNX file %s: %w", spec.ONNX, err)
		}
		spec.ONNX = abs
	}
	if opts.Subset > 0 && trainSet.N > opts.Subset {
		trainSet = trainSet.First(opts.Subset)
	}
	fn, err := spec.Build()
	if err != nil {
		return nil, err
	}
	backend, err := backendOr(opts.Backend)
	if err != nil {
		return nil, err
	}
	cfg := train.Config{
		Model: fn, ModelSpec: spec,
		Height: spec.Size, Width: spec.Size, Channels: 3, Classes: spec.Classes,
		BatchSize: opts.BatchSize, LearningRate: opts.LearningRate, MaxEpochs: opts.Epochs, Patience: opts.Patience,
		Seed: spec.Seed, StepsPerEpoch: opts.StepsPerEpoch, Dir: opts.Dir, Resume: opts.Resume, Init: opts.Init,
		Progress: opts.Progress, WaitLock: opts.WaitLock, Watchdog: opts.Watchdog, Heartbeat: opts.Heartbeat,
		Augment: opts.Augment,
	}
	res, err := train.Run(ctx, backend, cfg, trainSet, nil)
	if err != nil {
		return nil, err
	}
	return &Run{Dir: opts.Dir, Spec: spec, Setup: res.Setup, BestEpoch: res.BestEpoch, BestValAccuracy: res.BestValAccuracy,
		History: res.Epochs, StoppedEarly: res.StoppedEarly, Resumed: res.Resumed, store: res.Store, fn: fn, backend: backend}, nil
}

// Open reads a finished or interrupted run back from its directory (or its checkpoint file):
// the model its checkpoint records, with the weights of its best validation epoch (the current
// ones when no epoch has finished). A run directory without its checkpoint (only the summary a
// repository keeps) cannot be reopened.
func Open(dir string) (*Run, error) {
	ckpt, err := train.LoadCheckpoint(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, mvc.InputErrorf("run %s has no %s to reopen: %w", dir, train.CheckpointFile, err)
		}
		return nil, mvc.InputErrorf("run %s: %w", dir, err)
	}
	spec, err := SpecOf(ckpt.State.Setup.ModelSpec, dir)
	if err != nil {
		return nil, err
	}
	fn, err := spec.Build()
	if err != nil {
		return nil, errors.WithMessagef(err, "run %s", dir)
	}
	store, err := ckpt.NewStore()
	if err != nil {
		return nil, errors.WithMessagef(err, "run %s", dir)
	}
	st := ckpt.State
	return &Run{Dir: dir, Spec: spec, Setup: st.Setup, BestEpoch: st.BestEpoch, BestValAccuracy: st.BestValAccuracy,
		History: st.History, store: store, fn: fn}, nil
}

// Evaluate measures the run's model on the test split of the dataset named name (data.Load; the
// images resized to the model's input size): its mean cross-entropy loss and accuracy.
func (r *Run) Evaluate(ctx context.Context, name string) (train.Evaluation, error) {
	return r.EvaluateSplit(ctx, name, "test", 0)
}

// EvaluateSplit is [Run.Evaluate] on a split ("train" or "test") of the named dataset, its
// first n images (0: all).
func (r *Run) EvaluateSplit(ctx context.Context, name, split string, n int) (train.Evaluation, error) {
	ds, err := data.Load(name, split, data.DomainOptions{N: n, Seed: r.Spec.Seed})
	if err != nil {
		return train.Evaluation{}, err
	}
	return r.EvaluateOn(ctx, ds)
}

// EvaluateOn measures the run's model on a dataset, which must have the model's classes.
func (r *Run) EvaluateOn(ctx context.Context, ds *data.Dataset) (train.Evaluation, error) {
	if len(ds.ClassNames) != r.Spec.Classes {
		where := ""
		if r.Dir != "" {
			where = " in " + r.Dir
		}
		return train.Evaluation{}, mvc.InputErrorf("dataset %s has %d classes, the model%s was trained for %d: evaluate it on data of its own classes",
			ds.Name, len(ds.ClassNames), where, r.Spec.Classes)
	}
	backend, err := backendOr(r.backend)
	if err != nil {
		return train.Evaluation{}, err
	}
	batch := r.Setup.BatchSize
	return train.Evaluate(ctx, backend, r.store, r.fn, ds, r.Spec.Size, r.Spec.Size, 3, r.Spec.Classes, batch)
}

// Store holds the model's weights (variables under train.ModelScope).
func (r *Run) Store() *model.Store { return r.store }

// Model returns the model function (with [Run.Store], a classifier to call in any graph).
func (r *Run) Model() train.ModelFn { return r.fn }

func backendOr(b compute.Backend) (compute.Backend, error) {
	if b != nil {
		return b, nil
	}
	return mvc.Backend()
}
