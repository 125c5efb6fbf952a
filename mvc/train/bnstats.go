package train

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/nn"
)

// findBatchNorm builds the training graph for the first batch's size (creating the variables)
// and looks for batch normalization update counts (nn.BatchNormCountName). With some, it builds
// the statistics executor and records Config.BNStatsBatches in the run's setup.
func (r *runner) findBatchNorm() error {
	if r.cfg.BNStatsBatches < 0 {
		return nil
	}
	if _, err := r.compile(r.trainExec, "train", min(r.cfg.BatchSize, r.train.N), true); err != nil {
		return err
	}
	for v := range r.store.IterVariables() {
		if _, name := model.SplitPath(v.Path()); name == nn.BatchNormCountName && isModelVariable(v.Path()) {
			r.bnCounts = append(r.bnCounts, v)
		}
	}
	if len(r.bnCounts) == 0 {
		return nil
	}
	var err error
	r.statsExec, err = model.NewExec(r.backend, r.store, func(scope *model.Scope, images, labels *Node) (*Node, *Node) {
		r.store.SetTraining(images.Graph(), true)
		logits := callModel(r.cfg.Model, scope, images, r.cfg.Classes)
		return ReduceAllSum(logits), countCorrect(logits, labels)
	})
	if err != nil {
		return errors.Wrap(err, "train: creating the batch normalization statistics step")
	}
	r.statsExec.WithName("bn_stats")
	r.state.Setup.BNStatsBatches = r.cfg.BNStatsBatches
	return nil
}

// recomputeBatchNorm resets the batch normalization update counts and runs Config.BNStatsBatches
// training batches (the first of a seeded permutation, the same every epoch) forward in training
// mode: the moving averages become the mean of the batches' statistics under the current weights
// (Config.BNStatsBatches). A no-op for a model without batch normalization.
func (r *runner) recomputeBatchNorm() error {
	if r.statsExec == nil {
		return nil
	}
	for _, v := range r.bnCounts {
		// One tensor each: an executor may donate a variable's buffer to its update.
		if err := v.SetValue(tensors.FromValue(int64(0))); err != nil {
			return errors.Wrapf(err, "train: resetting %s", v.Path())
		}
	}
	order := epochPermutation(r.cfg.Seed, 0, r.train.N)
	nb := min(r.cfg.BNStatsBatches, (r.train.N+r.cfg.BatchSize-1)/r.cfg.BatchSize)
	stop := make(chan struct{})
	defer close(stop)
	for b := range batches(r.train, order, r.cfg.BatchSize, 0, nb, r.cfg.Height, r.cfg.Width, r.cfg.Channels, nil, stop) {
		if b.err != nil {
			return errors.Wrap(b.err, "train: preparing a batch normalization statistics batch")
		}
		slow, _ := r.compile(r.statsExec, "bn_stats", b.n, false)
		err := r.guarded(slow, false, func() error {
			out, err := r.statsExec.Call(b.images, b.labels)
			for _, t := range out {
				_ = t.FinalizeAll()
			}
			return err
		})
		if err != nil {
			return errors.Wrap(err, "train: recomputing the batch normalization statistics")
		}
	}
	return nil
}
