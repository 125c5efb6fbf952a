package train

import (
	"context"
	"encoding/json"
	"io"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"
)

// ModelFn builds a classifier's graph: images [batch, height, width, channels], float32 in
// [0, 1], to logits [batch, classes]. It is called with the scope [ModelScope], so
// every model variable lives under "/model/".
type ModelFn func(scope *model.Scope, images *Node) *Node

// ModelScope is the Store scope the model's variables are created in; the optimizer's state and
// counters live elsewhere, so best-weights snapshots, --init and evaluation take only this scope.
const ModelScope = "model"

// The paper's training settings ("Mice to Machines", section "Training"): Adam with learning
// rate 0.001, batch size 256, early stopping on validation accuracy with patience 5.
const (
	DefaultBatchSize    = 256
	DefaultLearningRate = 1e-3
	DefaultPatience     = 5
	// DefaultMaxEpochs bounds a run when Config.MaxEpochs is 0; early stopping usually ends it
	// sooner.
	DefaultMaxEpochs = 100
	// DefaultValidationFraction is the share of the training set held out for validation when no
	// validation set is given (Keras' validation_split of the paper's scripts: 0.1).
	DefaultValidationFraction = 0.1
	// DefaultCheckpointEvery is how often a checkpoint is also written inside an epoch, so a
	// stalled or killed long epoch loses at most this much work.
	DefaultCheckpointEvery = 10 * time.Minute
	// DefaultBNStatsBatches is Config.BNStatsBatches' default.
	DefaultBNStatsBatches = 10
)

// Config configures [Run]. Zero values take the defaults named in each field.
type Config struct {
	// Model builds the classifier (required).
	Model ModelFn
	// ModelSpec describes the model for checkpoints (any JSON-encodable value, e.g. the zoo name
	// and configuration); a resumed run must have the same spec, and `mvc eval` rebuilds the
	// model from it.
	ModelSpec any
	// Height, Width and Channels are the input size images are resized to (area averaging,
	// data.Dataset.Float32). Default 32 x 32 x 3, the paper's size for the digit domains and
	// CIFAR.
	Height, Width, Channels int
	// Classes is the number of logits; default: the training set's number of class names.
	Classes int
	// BatchSize is the mini-batch size (default 256); the last batch of an epoch may be smaller.
	BatchSize int
	// LearningRate is Adam's learning rate (default 0.001).
	LearningRate float64
	// MaxEpochs bounds the number of epochs (default 100).
	MaxEpochs int
	// Patience is early stopping's patience in epochs on validation accuracy (default 5); a
	// negative value disables early stopping.
	Patience int
	// Seed fixes the weights' initialisation, the validation split and the per-epoch shuffling:
	// the same seed gives the same run, bit for bit, on the same backend.
	Seed uint64
	// ValidationFraction is held out of the training set for validation when Run gets no
	// validation set (default 0.1).
	ValidationFraction float64
	// StepsPerEpoch limits the batches per epoch (0: the whole training set), for smoke runs.
	StepsPerEpoch int
	// Dir is the run directory for checkpoints and logs ([CheckpointFile], [MetricsFile],
	// [ResultFile]); empty for a run that saves nothing.
	Dir string
	// Resume continues the run saved in Dir (a fresh run starts if Dir holds no checkpoint).
	// Without Resume, a Dir that already holds a checkpoint is an error.
	Resume bool
	// WaitLock makes Run wait while another process trains into Dir; without it Run returns a
	// [*BusyError] at once. Dir is locked for the whole run (see [LockDir]).
	WaitLock bool
	// Init is a checkpoint (file or run directory) whose model weights initialise this run;
	// variables whose shape differs (the classifier head when the class counts differ) or that
	// the checkpoint lacks keep their fresh initialisation.
	Init string
	// CheckpointEvery is how often a checkpoint is written inside an epoch (default 10 min;
	// negative: only at epoch ends).
	CheckpointEvery time.Duration
	// BNStatsBatches is how many training batches recompute the batch normalization statistics
	// before every validation (precise BN: Wu and Johnson, "Rethinking 'Batch' in BatchNorm",
	// 2021; GoMLX's norm.UpdateBatchNormAverages): the layers' update counts
	// (nn.BatchNormCountName) are reset and the batches, the first of a seeded permutation of the
	// training set, run forward in training mode, so that the moving averages are the mean of
	// their statistics under the current weights. Default 10 (where every family's debiased
	// momentum, 0.9 to 0.999, still averages exactly); negative: off (the averages of training,
	// Keras'). Models without batch normalization skip it.
	BNStatsBatches int
	// Augment changes each training image at random (shifts, flips; see [Augment]), the same way
	// in a resumed run; the zero value trains on the images as they are.
	Augment Augment
	// Progress receives a progress bar (throughput, ETA) and one line per epoch; nil for quiet.
	Progress io.Writer
	// Watchdog, when set, stops the run with [ErrStalled] when a step stalls.
	Watchdog *Watchdog
	// Heartbeat, when set, receives one line per step start and end (see
	// [StepClock.ReadHeartbeat]), for a process that supervises this one (package supervise).
	Heartbeat io.Writer

	// Evaluate, when set, replaces the validation pass (a test hook: it lets tests script the
	// validation accuracy of each epoch).
	Evaluate func(ctx context.Context, epoch int) (Evaluation, error)
	// BeforeStep, when set, is called inside each training step's watched section, before the
	// step runs (a test hook: it can block to simulate a stall, or fail).
	BeforeStep func(epoch, step int) error
}

// withDefaults fills in defaults and checks the configuration.
func (c Config) withDefaults(trainClasses int) (Config, error) {
	if c.Model == nil {
		return c, errors.New("train: Config.Model is nil: a model function is required")
	}
	if c.Height == 0 && c.Width == 0 && c.Channels == 0 {
		c.Height, c.Width, c.Channels = 32, 32, 3
	}
	if c.Height <= 0 || c.Width <= 0 || (c.Channels != 1 && c.Channels != 3) {
		return c, errors.Errorf("train: input size %dx%dx%d: want positive height and width and 1 or 3 channels",
			c.Height, c.Width, c.Channels)
	}
	if err := c.Augment.validate(); err != nil {
		return c, errors.WithMessage(err, "train")
	}
	if c.Classes == 0 {
		c.Classes = trainClasses
	}
	if c.Classes < 2 {
		return c, errors.Errorf("train: %d classes: a classifier needs at least 2", c.Classes)
	}
	if c.Classes < trainClasses {
		return c, errors.Errorf("train: the model has %d classes but the training set has %d", c.Classes, trainClasses)
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchSize < 1 {
		return c, errors.Errorf("train: batch size %d: want >= 1", c.BatchSize)
	}
	if c.LearningRate == 0 {
		c.LearningRate = DefaultLearningRate
	}
	if !(c.LearningRate > 0) {
		return c, errors.Errorf("train: learning rate %g: want > 0", c.LearningRate)
	}
	if c.MaxEpochs == 0 {
		c.MaxEpochs = DefaultMaxEpochs
	}
	if c.MaxEpochs < 1 {
		return c, errors.Errorf("train: max epochs %d: want >= 1", c.MaxEpochs)
	}
	if c.Patience == 0 {
		c.Patience = DefaultPatience
	}
	if c.ValidationFraction == 0 {
		c.ValidationFraction = DefaultValidationFraction
	}
	if !(c.ValidationFraction > 0 && c.ValidationFraction < 1) {
		return c, errors.Errorf("train: validation fraction %g: want in (0, 1)", c.ValidationFraction)
	}
	if c.StepsPerEpoch < 0 {
		return c, errors.Errorf("train: steps per epoch %d: want >= 0 (0 = whole training set)", c.StepsPerEpoch)
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.BNStatsBatches == 0 {
		c.BNStatsBatches = DefaultBNStatsBatches
	}
	if c.Resume && c.Dir == "" {
		return c, errors.New("train: Resume needs a run directory (Config.Dir)")
	}
	return c, nil
}

// specJSON encodes the model spec for checkpoints.
func specJSON(spec any) (json.RawMessage, error) {
	if spec == nil {
		return nil, nil
	}
	if raw, ok := spec.(json.RawMessage); ok {
		return raw, nil
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, errors.Wrap(err, "train: encoding Config.ModelSpec as JSON")
	}
	return js, nil
}
