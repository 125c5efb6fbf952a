package train

import (
	"context"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// Evaluate measures a model's mean cross-entropy loss and accuracy on ds, resized to height x
// width x channels, in batches of batchSize (0: [DefaultBatchSize]). store holds the model's
// variables under [ModelScope] (e.g. Result.Store, or a checkpoint's via
// [EvaluateCheckpoint]); a model variable missing from store is an error, not a fresh
// initialisation. classes is the model's number of logits.
func Evaluate(ctx context.Context, backend compute.Backend, store *model.Store, fn ModelFn, ds *data.Dataset,
	height, width, channels, classes, batchSize int) (Evaluation, error) {
	if fn == nil || store == nil || backend == nil {
		return Evaluation{}, errors.New("train.Evaluate: nil model, store or backend")
	}
	if err := ds.Validate(); err != nil {
		return Evaluation{}, errors.Wrap(err, "train.Evaluate")
	}
	if ds.N == 0 {
		return Evaluation{}, errors.Errorf("train.Evaluate: dataset %s is empty", ds.Name)
	}
	if len(ds.ClassNames) > classes {
		return Evaluation{}, errors.Errorf("train.Evaluate: dataset %s has %d classes, the model %d", ds.Name, len(ds.ClassNames), classes)
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	r := &runner{
		ctx: ctx, backend: backend, store: store, compiled: map[string]bool{}, clock: NewStepClock(Watchdog{}),
		cfg: Config{Height: height, Width: width, Channels: channels, Classes: classes, BatchSize: batchSize},
	}
	e, err := newEvalExec(backend, store, fn, classes)
	if err != nil {
		return Evaluation{}, err
	}
	// Build the graph first, to check that every model variable has a value.
	if _, err := r.compile(e, "eval", min(batchSize, ds.N), true); err != nil {
		return Evaluation{}, err
	}
	for v := range store.IterVariables() {
		if isModelVariable(v.Path()) && !v.HasValue() {
			return Evaluation{}, errors.Errorf("train.Evaluate: model variable %s has no value (the weights do not match this model)", v.Path())
		}
	}
	r.compiled = map[string]bool{}
	return evaluateWith(r, e, ds, batchSize)
}

// NewStore returns a Store holding a checkpoint's best model weights (or, before any epoch
// completed, its current ones).
func (c *Checkpoint) NewStore() (*model.Store, error) {
	store := model.NewStore()
	if err := setVariables(store, c.BestOrCurrent()); err != nil {
		return nil, err
	}
	return store, nil
}

// EvaluateCheckpoint evaluates a checkpoint's best weights on ds at the checkpoint's input size;
// fn must build the checkpoint's model (State.Setup.ModelSpec says which).
func EvaluateCheckpoint(ctx context.Context, backend compute.Backend, ckpt *Checkpoint, fn ModelFn, ds *data.Dataset) (Evaluation, error) {
	store, err := ckpt.NewStore()
	if err != nil {
		return Evaluation{}, err
	}
	s := ckpt.State.Setup
	return Evaluate(ctx, backend, store, fn, ds, s.Height, s.Width, s.Channels, s.Classes, s.BatchSize)
}
