package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/nn"
)

// EpochMetrics are one epoch's metrics, one line of [MetricsFile]. All fields except Seconds
// and ImagesPerSecond are deterministic for a given seed.
type EpochMetrics struct {
	// Epoch is 1-based.
	Epoch int `json:"epoch"`
	// TrainLoss and TrainAccuracy are averaged over the epoch's training batches (weights
	// changing as they go, as Keras reports them).
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// TrainImages is the number of training images seen in the epoch.
	TrainImages int `json:"train_images"`
	// ValLoss and ValAccuracy are measured on the validation set after the epoch.
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
	// Improved tells whether ValAccuracy beat the best so far (strictly, as Keras'
	// EarlyStopping with min_delta 0).
	Improved bool `json:"improved"`
	// BestEpoch, BestValAccuracy and Wait are the early-stopping state after this epoch.
	BestEpoch       int     `json:"best_epoch"`
	BestValAccuracy float64 `json:"best_val_accuracy"`
	Wait            int     `json:"wait"`
	// Seconds is the epoch's wall time (training and validation) and ImagesPerSecond the
	// training throughput; both vary from run to run (and are from the last attempt of a
	// resumed epoch).
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

// Evaluation is a model's loss and accuracy on a dataset.
type Evaluation struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	// Images is the number of images evaluated.
	Images int `json:"images"`
}

// Result is what [Run] returns.
type Result struct {
	// Epochs holds every epoch's metrics (including those done before a resume).
	Epochs []EpochMetrics
	// BestEpoch (1-based) and BestValAccuracy identify the weights in Store.
	BestEpoch       int
	BestValAccuracy float64
	// StoppedEarly tells whether early stopping ended the run (else MaxEpochs did).
	StoppedEarly bool
	// Resumed tells whether the run continued a checkpoint, and ResumedEpochs how many completed
	// epochs (the first ResumedEpochs of Epochs) that checkpoint held: their Seconds were spent
	// by earlier processes.
	Resumed       bool
	ResumedEpochs int
	// Store holds the model with the best weights restored (variables under [ModelScope]).
	Store *model.Store
}

// Summary is written to [ResultFile] when a run finishes.
type Summary struct {
	Setup           Setup          `json:"setup"`
	Epochs          int            `json:"epochs"`
	BestEpoch       int            `json:"best_epoch"`
	BestValAccuracy float64        `json:"best_val_accuracy"`
	StoppedEarly    bool           `json:"stopped_early"`
	Parameters      int            `json:"parameters"`
	History         []EpochMetrics `json:"history"`
}

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
	if err := trainSet.Validate(); err != nil {
		return nil, errors.Wrap(err, "train: training set")
	}
	cfg, err := cfg.withDefaults(len(trainSet.ClassNames))
	if err != nil {
		return nil, err
	}
	if validation == nil {
		if trainSet, validation, err = trainSet.SplitValidation(cfg.ValidationFraction, cfg.Seed); err != nil {
			return nil, errors.Wrap(err, "train: holding out a validation set")
		}
	} else if err := validation.Validate(); err != nil {
		return nil, errors.Wrap(err, "train: validation set")
	}
	if trainSet.N == 0 || validation.N == 0 {
		return nil, errors.Errorf("train: empty training (%d images) or validation (%d images) set", trainSet.N, validation.N)
	}
	if len(validation.ClassNames) > cfg.Classes {
		return nil, errors.Errorf("train: the validation set has %d classes, the model %d", len(validation.ClassNames), cfg.Classes)
	}
	spec, err := specJSON(cfg.ModelSpec)
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
	r.state.Setup = Setup{
		ModelSpec: spec, Height: cfg.Height, Width: cfg.Width, Channels: cfg.Channels, Classes: cfg.Classes,
		BatchSize: cfg.BatchSize, LearningRate: cfg.LearningRate, Patience: cfg.Patience, Seed: cfg.Seed,
		ValidationFraction: cfg.ValidationFraction, StepsPerEpoch: cfg.StepsPerEpoch, Init: cfg.Init,
		TrainData: fingerprint(trainSet), ValidationData: fingerprint(validation), ClassNames: trainSet.ClassNames,
	}
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
	if err := compareSetup(ckpt.State.Setup, r.state.Setup); err != nil {
		return errors.Wrapf(err, "train: cannot resume %s", r.cfg.Dir)
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

// compareSetup explains the first difference between a checkpoint's setup and the requested one.
func compareSetup(saved, want Setup) error {
	if bytes.Equal(saved.ModelSpec, want.ModelSpec) {
		saved.ModelSpec, want.ModelSpec = nil, nil
	} else {
		return errors.Errorf("the checkpoint's model is %s, this run's %s", saved.ModelSpec, want.ModelSpec)
	}
	// Report the first differing field, in declaration order (settings before data).
	a, b := reflect.ValueOf(saved), reflect.ValueOf(want)
	for i := range a.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("json"), ",")
			return errors.Errorf("the checkpoint's %s is %v, this run's %v (resuming needs the same settings and data)",
				name, a.Field(i).Interface(), b.Field(i).Interface())
		}
	}
	return nil
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
	for b := range batches(r.train, order, r.cfg.BatchSize, 0, nb, r.cfg.Height, r.cfg.Width, r.cfg.Channels, stop) {
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

// compile builds (and caches) an executor's graph for a batch size; it reports whether the graph
// was new (its first call will compile).
func (r *runner) compile(e *model.Exec, kind string, batch int, now bool) (bool, error) {
	key := fmt.Sprintf("%s/%d", kind, batch)
	if r.compiled[key] {
		return false, nil
	}
	r.compiled[key] = true
	if !now {
		return true, nil
	}
	img := shapes.Make(dtypes.Float32, batch, r.cfg.Height, r.cfg.Width, r.cfg.Channels)
	lab := shapes.Make(dtypes.Int32, batch, 1)
	err := exceptions.TryCatch[error](func() {
		if _, err := e.Compile(img, lab); err != nil {
			panic(err)
		}
	})
	if err != nil {
		return true, errors.Wrap(err, "train: building the model graph")
	}
	return true, nil
}

// callModel calls the model function under ModelScope and checks its output.
func callModel(fn ModelFn, scope *model.Scope, images *Node, classes int) *Node {
	logits := fn(scope.At(ModelScope), images)
	if logits == nil {
		exceptions.Panicf("the model returned no logits")
	}
	want := []int{images.Shape().Dimensions[0], classes}
	if logits.Rank() != 2 || logits.Shape().Dimensions[0] != want[0] || logits.Shape().Dimensions[1] != want[1] {
		exceptions.Panicf("the model returned logits of shape %s, want [batch, classes] = %v", logits.Shape(), want)
	}
	if logits.DType() != dtypes.Float32 {
		logits = ConvertDType(logits, dtypes.Float32)
	}
	return logits
}

// countCorrect counts the images whose arg-max logit is the label.
func countCorrect(logits, labels *Node) *Node {
	pred := ArgMax(logits, -1, dtypes.Int32)
	hit := Equal(pred, Reshape(labels, labels.Shape().Dimensions[0]))
	return ReduceAllSum(ConvertDType(hit, dtypes.Float32))
}

// newEvalExec builds the evaluation step: sum of the per-image losses and number correct.
func newEvalExec(backend compute.Backend, store *model.Store, fn ModelFn, classes int) (*model.Exec, error) {
	e, err := model.NewExec(backend, store, func(scope *model.Scope, images, labels *Node) (*Node, *Node) {
		variablesAsParameters(store, images.Graph())
		store.SetTraining(images.Graph(), false)
		logits := callModel(fn, scope, images, classes)
		// The loss function returns the batch mean: times the batch size gives the sum.
		meanLoss := ReduceAllMean(loss.SparseCategoricalCrossEntropyLogits([]*Node{labels}, []*Node{logits}))
		lossSum := MulScalar(meanLoss, float64(images.Shape().Dimensions[0]))
		return lossSum, countCorrect(logits, labels)
	})
	if err != nil {
		return nil, errors.Wrap(err, "train: creating the evaluation step")
	}
	return e.WithName("eval_step"), nil
}

// variablesAsParameters makes every variable of store a parameter of graph g, read at each call.
// Backends that prefer constants (GoMLX's pure-Go backend) otherwise embed the values that
// variables have at compile time into graphs that are not training: an evaluation step compiled
// once and called after every epoch would keep evaluating the first epoch's weights. GoMLX
// decides this when a graph first reads a variable, so reading each one while g is marked as
// training makes it a parameter; call it before the model reads any variable.
func variablesAsParameters(store *model.Store, g *Graph) {
	store.SetTraining(g, true)
	for v := range store.IterVariables() {
		v.NodeValue(g)
	}
	store.SetTraining(g, false)
}

// epochPermutation is the training order of an epoch: a permutation seeded by (seed, epoch), so
// a resumed run replays it without saving any generator state.
func epochPermutation(seed uint64, epoch, n int) []int {
	return rand.New(rand.NewPCG(seed, 0x7368756666<<8|uint64(epoch))).Perm(n)
}

// batch is one mini-batch ready for the graph.
type batch struct {
	images, labels *tensors.Tensor
	n              int
	err            error
}

// makeBatch converts the images at indices to float32 [n, H, W, C] and int32 labels [n, 1].
func makeBatch(d *data.Dataset, indices []int, h, w, c int) batch {
	sub, err := d.Subset(indices, "")
	if err != nil {
		return batch{err: err}
	}
	pix, err := sub.Float32(h, w, c)
	if err != nil {
		return batch{err: err}
	}
	labels := make([]int32, len(indices))
	for i, l := range sub.Labels {
		labels[i] = int32(l)
	}
	return batch{
		images: tensors.FromFlatDataAndDimensions(pix, len(indices), h, w, c),
		labels: tensors.FromFlatDataAndDimensions(labels, len(indices), 1),
		n:      len(indices),
	}
}

// batches prepares the batches of order[from:] (batchSize each, the last one possibly smaller)
// one ahead in a goroutine; closing stop ends it early.
func batches(d *data.Dataset, order []int, batchSize, fromBatch, toBatch, h, w, c int, stop <-chan struct{}) <-chan batch {
	out := make(chan batch, 1)
	go func() {
		defer close(out)
		for b := fromBatch; b < toBatch; b++ {
			lo, hi := b*batchSize, min((b+1)*batchSize, len(order))
			select {
			case out <- makeBatch(d, order[lo:hi], h, w, c):
			case <-stop:
				return
			}
		}
	}()
	return out
}

// numBatches is the number of training batches per epoch.
func (r *runner) numBatches() int {
	n := (r.train.N + r.cfg.BatchSize - 1) / r.cfg.BatchSize
	if r.cfg.StepsPerEpoch > 0 {
		n = min(n, r.cfg.StepsPerEpoch)
	}
	return n
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
	in := batches(r.train, order, cfg.BatchSize, r.state.Step, nb, cfg.Height, cfg.Width, cfg.Channels, stop)
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

// scalar reads a scalar tensor as float64.
func scalar(t *tensors.Tensor) float64 {
	var v float64
	_ = t.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			v = float64(f[0])
		case []float64:
			v = f[0]
		}
	})
	_ = t.FinalizeAll()
	return v
}

// guarded runs one step under the watchdog: the step runs in its own goroutine, and when the
// watchdog finds it stalled guarded returns ErrStalled without waiting for it (the goroutine
// cannot be stopped; the process should exit). Panics in the step become errors.
func (r *runner) guarded(slow, record bool, fn func() error) error {
	r.beat("begin %d", boolInt(slow))
	r.clock.begin(time.Now(), slow)
	done := make(chan error, 1)
	run := func() {
		done <- exceptions.TryCatch[error](func() {
			if err := fn(); err != nil {
				panic(err)
			}
		})
	}
	if r.cfg.Watchdog == nil {
		run()
	} else {
		go run()
	}
	ticker := time.NewTicker(r.clock.PollingPeriod())
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			d := r.clock.end(time.Now(), record)
			r.beat("end %d %d", d.Nanoseconds(), boolInt(record && !slow))
			return err
		case <-ticker.C:
			if stalled, elapsed, limit := r.clock.Overdue(time.Now()); stalled {
				r.beat("stalled")
				return errors.Wrapf(ErrStalled, "step running for %s, limit %s (watchdog)", elapsed.Round(time.Millisecond), limit)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// beat writes one heartbeat line to Config.Heartbeat (see [StepClock.ReadHeartbeat]).
func (r *runner) beat(format string, args ...any) {
	if r.cfg.Heartbeat != nil {
		_, _ = fmt.Fprintf(r.cfg.Heartbeat, format+"\n", args...)
	}
}

// evaluate computes the mean loss and accuracy on d.
func (r *runner) evaluate(d *data.Dataset) (Evaluation, error) {
	return evaluateWith(r, r.evalExec, d, r.cfg.BatchSize)
}

// evaluateWith runs an evaluation executor over d in order; r may be nil (no watchdog).
func evaluateWith(r *runner, e *model.Exec, d *data.Dataset, batchSize int) (Evaluation, error) {
	h, w, c := r.cfg.Height, r.cfg.Width, r.cfg.Channels
	order := make([]int, d.N)
	for i := range order {
		order[i] = i
	}
	nb := (d.N + batchSize - 1) / batchSize
	stop := make(chan struct{})
	defer close(stop)
	in := batches(d, order, batchSize, 0, nb, h, w, c, stop)
	var lossSum, correct float64
	for b := range in {
		if b.err != nil {
			return Evaluation{}, b.err
		}
		slow, _ := r.compile(e, "eval", b.n, false)
		var out []*tensors.Tensor
		err := r.guarded(slow, false, func() error {
			var err error
			out, err = e.Call(b.images, b.labels)
			return err
		})
		if err != nil {
			return Evaluation{}, err
		}
		lossSum += scalar(out[0])
		correct += scalar(out[1])
	}
	return Evaluation{Loss: lossSum / float64(d.N), Accuracy: correct / float64(d.N), Images: d.N}, nil
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

// appendMetrics appends one JSON line to the metrics log.
func (r *runner) appendMetrics(m EpochMetrics) error {
	path := filepath.Join(r.cfg.Dir, MetricsFile)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.Wrap(err, "train: opening the metrics log")
	}
	js, _ := json.Marshal(m)
	if _, err := f.Write(append(js, '\n')); err != nil {
		_ = f.Close()
		return errors.Wrapf(err, "train: writing %s", path)
	}
	return errors.Wrapf(f.Close(), "train: closing %s", path)
}

// rewriteMetrics replaces the metrics log with the checkpoint's history.
func (r *runner) rewriteMetrics() error {
	return mvc.WriteFileAtomic(filepath.Join(r.cfg.Dir, MetricsFile), func(f *os.File) error {
		for _, m := range r.state.History {
			js, _ := json.Marshal(m)
			if _, err := f.Write(append(js, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeSummary writes ResultFile.
func (r *runner) writeSummary() error {
	params := 0
	for v := range r.store.IterVariables() {
		if isModelVariable(v.Path()) && v.Trainable {
			params += v.Shape().Size()
		}
	}
	s := Summary{
		Setup: r.state.Setup, Epochs: r.state.Epoch, BestEpoch: r.state.BestEpoch,
		BestValAccuracy: r.state.BestValAccuracy, StoppedEarly: r.state.StoppedEarly,
		Parameters: params, History: r.state.History,
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return mvc.WriteFileAtomic(filepath.Join(r.cfg.Dir, ResultFile), func(f *os.File) error {
		_, err := f.Write(append(js, '\n'))
		return err
	})
}
