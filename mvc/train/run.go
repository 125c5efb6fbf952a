package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/nn"
)

// runner holds one Run's state.
type runner struct {
	ctx        context.Context
	backend    compute.Backend
	cfg        Config
	train, val *data.Dataset
	store      *model.Store
	trainExec  *model.Exec
	evalExec   *model.Exec
	// statsExec runs the model forward in training mode without updating the weights, to
	// recompute batch normalization statistics; bnCounts are the layers' update counts (none:
	// the model has no batch normalization).
	statsExec *model.Exec
	bnCounts  []*model.Variable
	compiled  map[string]bool
	clock     *StepClock
	state     State
	best      []*Tensor
	progress  *progress
	lastSave  time.Time
}

// Run fine-tunes a classifier on trainSet as the paper does (section "Training"): Adam (learning
// rate 0.001), batch 256, softmax cross-entropy, seeded shuffling every epoch, early stopping on
// validation accuracy with patience 5, restoring the best weights at the end. validation may be
// nil: then a seeded Config.ValidationFraction of trainSet is held out.
//
// With Config.Dir set, a checkpoint (weights, optimizer state, random state, epoch, early
// stopping counters, metrics) is written atomically after every epoch, metrics are appended to
// [MetricsFile], and Config.Resume continues a killed run: the resumed run ends with the same
// weights and metrics as an uninterrupted one. When ctx is cancelled, Run saves a checkpoint at
// the current step and returns ctx's error.
//
// Config.Dir is locked while Run trains into it ([LockDir]): another process's Run on the same
// directory returns a [*BusyError] (or waits, with Config.WaitLock), and temporary files left by
// a killed write are removed when the lock is taken.
func Run(ctx context.Context, backend compute.Backend, cfg Config, trainSet, validation *data.Dataset) (*Result, error) {
	if backend == nil {
		return nil, errors.New("train: nil backend")
	}
	cfg, trainSet, validation, setup, err := prepare(cfg, trainSet, validation)
	if err != nil {
		return nil, err
	}
	if cfg.Dir != "" {
		lock, err := LockDir(ctx, cfg.Dir, cfg.WaitLock)
		if err != nil {
			return nil, err
		}
		defer func() { _ = lock.Unlock() }()
	}
	r := &runner{
		ctx: ctx, backend: backend, cfg: cfg, train: trainSet, val: validation,
		store: model.NewStore(), compiled: map[string]bool{},
		clock:    NewStepClock(watchdogOrZero(cfg.Watchdog)),
		progress: newProgress(cfg.Progress),
	}
	r.state.Setup = setup
	if err := r.setup(); err != nil {
		return nil, err
	}
	resumed, resumedEpochs := r.state.Epoch > 0 || r.state.Step > 0, r.state.Epoch
	if err := r.loop(); err != nil {
		return nil, err
	}
	// Restore the best weights (Keras' restore_best_weights; here also when MaxEpochs ends the run).
	if len(r.best) > 0 {
		if err := setVariables(r.store, r.best); err != nil {
			return nil, errors.Wrap(err, "train: restoring the best weights")
		}
	}
	res := &Result{
		Epochs: r.state.History, BestEpoch: r.state.BestEpoch, BestValAccuracy: r.state.BestValAccuracy,
		StoppedEarly: r.state.StoppedEarly, Resumed: resumed, ResumedEpochs: resumedEpochs, Store: r.store,
		Setup: r.state.Setup,
	}
	if cfg.Dir != "" {
		if err := r.writeSummary(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func watchdogOrZero(w *Watchdog) Watchdog {
	if w == nil {
		return Watchdog{}
	}
	return *w
}

// PlannedSetup returns the setup [Run] would record for cfg on these data (validation may be
// nil, as for Run), without training: a caller compares it with a finished run's
// ([CompareSetup]) to tell whether the run was trained with the same settings and data.
// BNStatsBatches is Config.BNStatsBatches (or its default) whatever the model; Run records 0
// for a model without batch normalization.
func PlannedSetup(cfg Config, trainSet, validation *data.Dataset) (Setup, error) {
	cfg, _, _, setup, err := prepare(cfg, trainSet, validation)
	if err != nil {
		return Setup{}, err
	}
	setup.BNStatsBatches = cfg.BNStatsBatches
	return setup, nil
}

// prepare checks the configuration and data, applies the defaults, holds out the validation set
// when none is given and returns the run's setup.
func prepare(cfg Config, trainSet, validation *data.Dataset) (Config, *data.Dataset, *data.Dataset, Setup, error) {
	fail := func(err error) (Config, *data.Dataset, *data.Dataset, Setup, error) {
		return cfg, nil, nil, Setup{}, err
	}
	if trainSet == nil {
		return fail(errors.New("train: nil training set"))
	}
	if err := trainSet.Validate(); err != nil {
		return fail(errors.Wrap(err, "train: training set"))
	}
	cfg, err := cfg.withDefaults(len(trainSet.ClassNames))
	if err != nil {
		return fail(err)
	}
	if validation == nil {
		if trainSet, validation, err = trainSet.SplitValidation(cfg.ValidationFraction, cfg.Seed); err != nil {
			return fail(errors.Wrap(err, "train: holding out a validation set"))
		}
	} else if err := validation.Validate(); err != nil {
		return fail(errors.Wrap(err, "train: validation set"))
	}
	if trainSet.N == 0 || validation.N == 0 {
		return fail(errors.Errorf("train: empty training (%d images) or validation (%d images) set", trainSet.N, validation.N))
	}
	if len(validation.ClassNames) > cfg.Classes {
		return fail(errors.Errorf("train: the validation set has %d classes, the model %d", len(validation.ClassNames), cfg.Classes))
	}
	spec, err := specJSON(cfg.ModelSpec)
	if err != nil {
		return fail(err)
	}
	setup := Setup{
		ModelSpec: spec, Height: cfg.Height, Width: cfg.Width, Channels: cfg.Channels, Classes: cfg.Classes,
		BatchSize: cfg.BatchSize, LearningRate: cfg.LearningRate, Patience: cfg.Patience, Seed: cfg.Seed,
		ValidationFraction: cfg.ValidationFraction, StepsPerEpoch: cfg.StepsPerEpoch, Init: cfg.Init,
		TrainData: fingerprint(trainSet), ValidationData: fingerprint(validation), ClassNames: trainSet.ClassNames,
	}
	if !cfg.Augment.IsZero() {
		a := cfg.Augment
		setup.Augment = &a
	}
	return cfg, trainSet, validation, setup, nil
}

// fingerprint identifies a dataset: name, split, shape and an FNV-64a hash of pixels and labels.
func fingerprint(d *data.Dataset) string {
	h := fnv.New64a()
	_, _ = h.Write(d.Pixels)
	var buf [8]byte
	for _, l := range d.Labels {
		binary.LittleEndian.PutUint64(buf[:], uint64(l))
		_, _ = h.Write(buf[:])
	}
	return fmt.Sprintf("%s/%s [%d %d %d %d] fnv64a:%016x", d.Name, d.Split, d.N, d.Height, d.Width, d.Channels, h.Sum64())
}

// checkpointPath returns the run's checkpoint file.
func (r *runner) checkpointPath() string { return filepath.Join(r.cfg.Dir, CheckpointFile) }

// setup creates the store and executors and loads the resumed or initial weights.
func (r *runner) setup() error {
	cfg := r.cfg
	if err := r.store.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return errors.Wrap(err, "train: seeding the random number generator")
	}
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Done()
	var err error
	r.trainExec, err = model.NewExec(r.backend, r.store, func(scope *model.Scope, images, labels *Node) (*Node, *Node) {
		g := images.Graph()
		r.store.SetTraining(g, true)
		logits := callModel(cfg.Model, scope, images, cfg.Classes)
		meanLoss := ReduceAllMean(loss.SparseCategoricalCrossEntropyLogits([]*Node{labels}, []*Node{logits}))
		gtrain.AddMainLoss(meanLoss)
		opt.UpdateGraph(scope, g, gtrain.TotalLoss(g))
		gtrain.ExecPerStepUpdateGraphFn(g)
		return meanLoss, countCorrect(logits, labels)
	})
	if err != nil {
		return errors.Wrap(err, "train: creating the training step")
	}
	r.trainExec.WithName("train_step")
	r.evalExec, err = newEvalExec(r.backend, r.store, cfg.Model, cfg.Classes)
	if err != nil {
		return err
	}
	if err := r.findBatchNorm(); err != nil {
		return err
	}

	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return errors.Wrapf(err, "train: creating run directory %s", cfg.Dir)
		}
		ckpt, err := LoadCheckpoint(r.checkpointPath())
		switch {
		case err == nil && !cfg.Resume:
			return errors.Errorf("train: %s already holds a checkpoint (epoch %d): resume it or choose another directory",
				cfg.Dir, ckpt.State.Epoch)
		case err == nil:
			return r.resume(ckpt)
		case !os.IsNotExist(errors.Cause(err)):
			return errors.Wrapf(err, "train: cannot resume from %s", cfg.Dir)
		}
		// No checkpoint: a fresh run (also with Resume: nothing to resume yet).
		if err := mvc.WriteFileAtomic(filepath.Join(cfg.Dir, MetricsFile), func(*os.File) error { return nil }); err != nil {
			return err
		}
	}
	if cfg.Init != "" {
		return r.initFrom(cfg.Init)
	}
	return nil
}

// resume loads a checkpoint of this run.
func (r *runner) resume(ckpt *Checkpoint) error {
	if err := CompareSetup(ckpt.State.Setup, r.state.Setup); err != nil {
		return errors.Wrapf(err, "train: cannot resume %s (resuming needs the same settings and data)", r.cfg.Dir)
	}
	if err := setVariables(r.store, ckpt.Current); err != nil {
		return errors.Wrapf(err, "train: cannot resume %s", r.cfg.Dir)
	}
	r.state = ckpt.State
	r.best = ckpt.Best
	if r.state.Done && !r.state.StoppedEarly && r.state.Epoch < r.cfg.MaxEpochs {
		r.state.Done = false // MaxEpochs was raised: continue.
	}
	// The log is rebuilt from the checkpoint: lines appended after the checkpoint was written
	// belong to no saved state.
	return r.rewriteMetrics()
}

// CompareSetup explains the first difference between a checkpoint's (or a finished run's) setup
// and the requested one; nil when they are the same.
func CompareSetup(saved, want Setup) error {
	// The same JSON, however indented (result.json is indented, checkpoints are not).
	if compactJSON(saved.ModelSpec) == compactJSON(want.ModelSpec) {
		saved.ModelSpec, want.ModelSpec = nil, nil
	} else {
		return errors.Errorf("the checkpoint's model is %s, this run's %s", saved.ModelSpec, want.ModelSpec)
	}
	// Report the first differing field, in declaration order (settings before data).
	a, b := reflect.ValueOf(saved), reflect.ValueOf(want)
	for i := range a.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("json"), ",")
			return errors.Errorf("the checkpoint's %s is %v, this run's %v",
				name, a.Field(i).Interface(), b.Field(i).Interface())
		}
	}
	return nil
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// initFrom copies the model weights of another checkpoint whose paths and shapes match.
func (r *runner) initFrom(path string) error {
	ckpt, err := LoadCheckpoint(path)
	if err != nil {
		return errors.Wrap(err, "train: --init")
	}
	// Build the training graph once to create the variables (with their shapes), uninitialised.
	if _, err := r.compile(r.trainExec, "train", r.cfg.BatchSize, true); err != nil {
		return err
	}
	var use []*Tensor
	loaded := 0
	for _, t := range ckpt.BestOrCurrent() {
		v := r.store.GetVariable(t.Info.Path)
		shape, _ := t.Shape()
		if v == nil || !v.Shape().Equal(shape) {
			continue // e.g. the classifier head of a model with another number of classes
		}
		if _, name := model.SplitPath(t.Info.Path); name == nn.BatchNormCountName {
			// The moving averages start from the checkpoint's but are re-estimated on this
			// run's data as if new (AdaBN: Li et al., 2016): the first update replaces them.
			continue
		}
		use = append(use, t)
		loaded++
	}
	if loaded == 0 {
		return errors.Errorf("train: --init %s: no variable of the checkpoint matches this model (different architecture?)", path)
	}
	return setVariables(r.store, use)
}

// loop runs the epochs.
func (r *runner) loop() error {
	cfg := r.cfg
	for !r.state.Done && r.state.Epoch < cfg.MaxEpochs {
		epoch := r.state.Epoch + 1
		if err := r.runEpoch(epoch); err != nil {
			return err
		}
	}
	return nil
}

// runEpoch trains one epoch (from r.state.Step when resuming inside it), validates, updates the
// early-stopping state and saves a checkpoint.
func (r *runner) runEpoch(epoch int) error {
	cfg := r.cfg
	start := time.Now()
	nb := r.numBatches()
	order := epochPermutation(cfg.Seed, epoch, r.train.N)
	stop := make(chan struct{})
	defer close(stop)
	var aug func(pix []float32, n, b int)
	if !cfg.Augment.IsZero() {
		aug = func(pix []float32, n, b int) {
			cfg.Augment.apply(pix, n, cfg.Height, cfg.Width, cfg.Channels, cfg.Seed, epoch, b)
		}
	}
	in := batches(r.train, order, cfg.BatchSize, r.state.Step, nb, cfg.Height, cfg.Width, cfg.Channels, aug, stop)
	seenAtStart, firstStep := r.state.Partial.Images, r.state.Step
	r.lastSave = time.Now()
	for step := r.state.Step; step < nb; step++ {
		if err := r.ctx.Err(); err != nil {
			return r.interrupted(err)
		}
		b := <-in
		if b.err != nil {
			return errors.Wrapf(b.err, "train: preparing batch %d of epoch %d", step+1, epoch)
		}
		slow, _ := r.compile(r.trainExec, "train", b.n, false)
		var lossT, correctT *tensors.Tensor
		err := r.guarded(slow, true, func() error {
			if cfg.BeforeStep != nil {
				if err := cfg.BeforeStep(epoch, step); err != nil {
					return err
				}
			}
			out, err := r.trainExec.Call(b.images, b.labels)
			if err != nil {
				return err
			}
			lossT, correctT = out[0], out[1]
			return nil
		})
		if err != nil {
			return errors.Wrapf(err, "train: epoch %d, step %d", epoch, step+1)
		}
		l, c := scalar(lossT), scalar(correctT)
		r.state.Partial.LossSum += l * float64(b.n)
		r.state.Partial.Correct += c
		r.state.Partial.Images += b.n
		r.state.Step = step + 1
		r.progress.step(epoch, cfg.MaxEpochs, step+1, step+1-firstStep, nb, r.state.Partial, r.state.Partial.Images-seenAtStart, time.Since(start))
		if cfg.CheckpointEvery > 0 && cfg.Dir != "" && step+1 < nb && time.Since(r.lastSave) >= cfg.CheckpointEvery {
			if err := r.save(); err != nil {
				return err
			}
		}
	}
	trainSeconds := time.Since(start).Seconds()
	imagesThisRun := r.state.Partial.Images - seenAtStart

	if err := r.recomputeBatchNorm(); err != nil {
		return errors.Wrapf(err, "train: epoch %d", epoch)
	}
	var ev Evaluation
	var err error
	if cfg.Evaluate != nil {
		ev, err = cfg.Evaluate(r.ctx, epoch)
	} else {
		ev, err = r.evaluate(r.val)
	}
	if err != nil {
		return errors.Wrapf(err, "train: validating epoch %d", epoch)
	}

	p := r.state.Partial
	m := EpochMetrics{
		Epoch: epoch, TrainLoss: p.LossSum / float64(max(1, p.Images)), TrainAccuracy: p.Correct / float64(max(1, p.Images)),
		TrainImages: p.Images, ValLoss: ev.Loss, ValAccuracy: ev.Accuracy,
		Seconds: time.Since(start).Seconds(), ImagesPerSecond: float64(imagesThisRun) / max(trainSeconds, 1e-9),
	}
	if r.state.BestEpoch == 0 || ev.Accuracy > r.state.BestValAccuracy {
		m.Improved = true
		r.state.BestEpoch, r.state.BestValAccuracy, r.state.Wait = epoch, ev.Accuracy, 0
		if r.best, err = snapshot(r.store, SetBest, isModelVariable); err != nil {
			return errors.Wrap(err, "train: saving the best weights")
		}
	} else {
		r.state.Wait++
	}
	m.BestEpoch, m.BestValAccuracy, m.Wait = r.state.BestEpoch, r.state.BestValAccuracy, r.state.Wait
	r.state.History = append(r.state.History, m)
	r.state.Epoch, r.state.Step, r.state.Partial = epoch, 0, Accumulator{}
	if cfg.Patience > 0 && r.state.Wait >= cfg.Patience {
		r.state.Done, r.state.StoppedEarly = true, true
	}
	if epoch >= cfg.MaxEpochs {
		r.state.Done = true
	}
	r.progress.epoch(m, cfg.MaxEpochs, r.state.StoppedEarly)
	if cfg.Dir != "" {
		if err := r.save(); err != nil {
			return err
		}
		if err := r.appendMetrics(m); err != nil {
			return err
		}
	}
	r.beat("epoch %d", epoch)
	return nil
}

// interrupted saves the state reached (a consistent step boundary) and returns the cause.
func (r *runner) interrupted(cause error) error {
	r.progress.clear()
	if r.cfg.Dir != "" {
		if err := r.save(); err != nil {
			return errors.Wrapf(cause, "train: interrupted (and saving the checkpoint failed: %v)", err)
		}
	}
	return errors.Wrap(cause, "train: interrupted")
}

// save writes the checkpoint atomically.
func (r *runner) save() error {
	current, err := snapshot(r.store, SetCurrent, func(string) bool { return true })
	if err != nil {
		return errors.Wrap(err, "train: checkpoint")
	}
	r.beat("saving")
	if err := SaveCheckpoint(r.checkpointPath(), &Checkpoint{State: r.state, Current: current, Best: r.best}); err != nil {
		return errors.Wrap(err, "train: checkpoint")
	}
	r.lastSave = time.Now()
	return nil
}
