package train

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// File names inside a run directory (Config.Dir).
const (
	// CheckpointFile holds the whole training state (see [Checkpoint]); it is replaced atomically
	// after every epoch (and every Config.CheckpointEvery within long epochs).
	CheckpointFile = "checkpoint.bin"
	// MetricsFile is the JSON-lines log: one [EpochMetrics] object per completed epoch.
	MetricsFile = "metrics.jsonl"
	// ResultFile is written (atomically) when a run has finished: a JSON [Summary].
	ResultFile = "result.json"
)

// checkpointMagic starts every checkpoint file; the digit is the format version.
const checkpointMagic = "MVC-TRAIN-CHECKPOINT-1\n"

// Variable sets stored in a checkpoint.
const (
	// SetCurrent is the full training state: every variable of the Store (model weights,
	// optimizer moments and step counters, the graph random-number state).
	SetCurrent = "current"
	// SetBest is the model's variables (under [ModelScope]) at the epoch with the best validation
	// accuracy: the weights early stopping restores.
	SetBest = "best"
)

// State is the bookkeeping part of a checkpoint (everything except the tensors): where the run
// is, the early-stopping counters and the metrics so far. It is stored as JSON in the
// checkpoint's header.
type State struct {
	// Setup fixes everything that determines the run's trajectory; a resumed run must match it.
	Setup Setup `json:"setup"`
	// Epoch is the number of completed epochs.
	Epoch int `json:"epoch"`
	// Step is the number of batches already done in epoch Epoch+1 (a checkpoint taken inside an
	// epoch); 0 at an epoch boundary.
	Step int `json:"step"`
	// Partial accumulates the in-flight epoch's training loss and accuracy over its first Step
	// batches, so that a run resumed mid-epoch reports the same epoch metrics.
	Partial Accumulator `json:"partial"`
	// BestEpoch is the epoch (1-based) with the best validation accuracy so far, 0 before any.
	BestEpoch int `json:"best_epoch"`
	// BestValAccuracy is that epoch's validation accuracy.
	BestValAccuracy float64 `json:"best_val_accuracy"`
	// Wait counts the epochs since BestEpoch (early stopping's patience counter).
	Wait int `json:"wait"`
	// History holds the metrics of every completed epoch.
	History []EpochMetrics `json:"history"`
	// Done is set when training has finished (early stop or MaxEpochs).
	Done bool `json:"done"`
	// StoppedEarly tells whether early stopping ended the run.
	StoppedEarly bool `json:"stopped_early"`
}

// Setup is what fixes a run's trajectory: resuming a checkpoint with a different Setup is an
// error (it would not reproduce the uninterrupted run).
type Setup struct {
	// ModelSpec describes the model (e.g. the zoo name and its configuration), as given in
	// Config.ModelSpec.
	ModelSpec json.RawMessage `json:"model_spec,omitempty"`
	// Height, Width and Channels are the input size images are resized to.
	Height   int `json:"height"`
	Width    int `json:"width"`
	Channels int `json:"channels"`
	// Classes is the number of classes (logits).
	Classes int `json:"classes"`
	// BatchSize, LearningRate, Patience, Seed, ValidationFraction and StepsPerEpoch are the
	// corresponding Config fields.
	BatchSize          int     `json:"batch_size"`
	LearningRate       float64 `json:"learning_rate"`
	Patience           int     `json:"patience"`
	Seed               uint64  `json:"seed"`
	ValidationFraction float64 `json:"validation_fraction"`
	StepsPerEpoch      int     `json:"steps_per_epoch"`
	// Init is the checkpoint the weights were initialised from (Config.Init), if any.
	Init string `json:"init,omitempty"`
	// TrainData and ValidationData identify the datasets: name, split, size and a hash of the
	// pixels and labels.
	TrainData      string `json:"train_data"`
	ValidationData string `json:"validation_data"`
	// ClassNames are the training set's class names.
	ClassNames []string `json:"class_names,omitempty"`
	// BNStatsBatches is Config.BNStatsBatches for a model with batch normalization, 0 for one
	// without (which is unaffected by it).
	BNStatsBatches int `json:"bn_stats_batches,omitempty"`
	// Augment is Config.Augment when it changes the training images (nil otherwise).
	Augment *Augment `json:"augment,omitempty"`
}

// Accumulator sums a training epoch's per-batch loss and accuracy.
type Accumulator struct {
	// LossSum is the sum over batches of the batch's mean loss times its size.
	LossSum float64 `json:"loss_sum"`
	// Correct counts the correctly classified training images.
	Correct float64 `json:"correct"`
	// Images counts the training images seen.
	Images int `json:"images"`
}

// VariableInfo describes one tensor stored in a checkpoint.
type VariableInfo struct {
	// Set is SetCurrent or SetBest.
	Set string `json:"set"`
	// Path is the variable's absolute path in the model.Store (e.g. "/model/conv1/weights").
	Path string `json:"path"`
	// DType and Shape describe the tensor; Trainable is the variable's flag.
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Trainable bool   `json:"trainable"`
	// Bytes is the size of the raw little-endian data; CRC32 its IEEE checksum.
	Bytes int    `json:"bytes"`
	CRC32 uint32 `json:"crc32"`
}

// Tensor is a variable's value held in host memory: its raw bytes (the backend's native,
// little-endian layout, row-major).
type Tensor struct {
	Info VariableInfo
	Data []byte
}

// Shape returns the tensor's shape.
func (t *Tensor) Shape() (shapes.Shape, error) {
	dt, err := dtypes.DTypeString(t.Info.DType)
	if err != nil {
		return shapes.Shape{}, errors.Errorf("variable %s: unknown dtype %q", t.Info.Path, t.Info.DType)
	}
	return shapes.Make(dt, t.Info.Shape...), nil
}

// ToTensor copies the value into a new GoMLX tensor.
func (t *Tensor) ToTensor() (*tensors.Tensor, error) {
	shape, err := t.Shape()
	if err != nil {
		return nil, err
	}
	if int(shape.ByteSize()) != len(t.Data) {
		return nil, errors.Errorf("variable %s: %d bytes for shape %s (%d bytes)", t.Info.Path, len(t.Data), shape, shape.ByteSize())
	}
	out := tensors.FromShape(shape)
	if err := out.MutableBytes(func(data []byte) { copy(data, t.Data) }); err != nil {
		return nil, errors.Wrapf(err, "variable %s", t.Info.Path)
	}
	return out, nil
}

// Checkpoint is a training run's saved state: [State] plus the tensors of the SetCurrent and
// SetBest variable sets.
type Checkpoint struct {
	State State
	// Current and Best hold the variables of each set, in the Store's creation order.
	Current, Best []*Tensor
}

// BestOrCurrent returns the best weights when a best epoch exists, else the model variables of
// the current state (a run killed during its first epoch).
func (c *Checkpoint) BestOrCurrent() []*Tensor {
	if len(c.Best) > 0 {
		return c.Best
	}
	var out []*Tensor
	for _, t := range c.Current {
		if isModelVariable(t.Info.Path) {
			out = append(out, t)
		}
	}
	return out
}

// isModelVariable tells whether a Store path belongs to the model (under ModelScope), as opposed
// to the optimizer's or the trainer's bookkeeping.
func isModelVariable(path string) bool {
	return strings.HasPrefix(path, "/"+ModelScope+"/")
}

// snapshot copies the values of the Store's variables selected by keep into host memory.
func snapshot(store *model.Store, set string, keep func(path string) bool) ([]*Tensor, error) {
	var out []*Tensor
	for v := range store.IterVariables() {
		if !keep(v.Path()) {
			continue
		}
		if !v.HasValue() {
			return nil, errors.Errorf("variable %s has no value to save", v.Path())
		}
		value, err := v.Value()
		if err != nil {
			return nil, errors.Wrapf(err, "reading variable %s", v.Path())
		}
		t := &Tensor{Info: VariableInfo{
			Set: set, Path: v.Path(), DType: value.Shape().DType.String(),
			Shape: slices.Clone(value.Shape().Dimensions), Trainable: v.Trainable,
		}}
		if err := value.ConstBytes(func(data []byte) { t.Data = slices.Clone(data) }); err != nil {
			return nil, errors.Wrapf(err, "reading bytes of variable %s", v.Path())
		}
		t.Info.Bytes = len(t.Data)
		t.Info.CRC32 = crc32.ChecksumIEEE(t.Data)
		out = append(out, t)
	}
	return out, nil
}

// header is the JSON part of the file.
type header struct {
	State     State          `json:"state"`
	Variables []VariableInfo `json:"variables"`
}

// SaveCheckpoint writes c to path atomically (a crash leaves the previous file intact).
// Layout: the magic line, the JSON header's length (uint64 little-endian), the JSON header
// (state and the list of variables), then each variable's raw bytes in list order.
func SaveCheckpoint(path string, c *Checkpoint) error {
	h := header{State: c.State}
	all := append(slices.Clone(c.Current), c.Best...)
	for _, t := range all {
		h.Variables = append(h.Variables, t.Info)
	}
	js, err := json.Marshal(h)
	if err != nil {
		return errors.Wrapf(err, "encoding checkpoint header for %s", path)
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if _, err := w.WriteString(checkpointMagic); err != nil {
			return err
		}
		if err := binary.Write(w, binary.LittleEndian, uint64(len(js))); err != nil {
			return err
		}
		if _, err := w.Write(js); err != nil {
			return err
		}
		for _, t := range all {
			if _, err := w.Write(t.Data); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}

// LoadCheckpoint reads a checkpoint written by [SaveCheckpoint]; path is the file or the run
// directory holding [CheckpointFile]. Every tensor's size and checksum are verified.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, CheckpointFile)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading checkpoint")
	}
	if !bytes.HasPrefix(raw, []byte(checkpointMagic)) {
		return nil, errors.Errorf("%s is not a training checkpoint of this program (bad magic line)", path)
	}
	r := bytes.NewReader(raw[len(checkpointMagic):])
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil || n > uint64(r.Len()) {
		return nil, errors.Errorf("%s: truncated checkpoint header", path)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, errors.Errorf("%s: truncated checkpoint header", path)
	}
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		return nil, errors.Wrapf(err, "%s: decoding checkpoint header", path)
	}
	c := &Checkpoint{State: h.State}
	for _, info := range h.Variables {
		if info.Bytes < 0 || info.Bytes > r.Len() {
			return nil, errors.Errorf("%s: truncated checkpoint (variable %s needs %d bytes, %d left)", path, info.Path, info.Bytes, r.Len())
		}
		t := &Tensor{Info: info, Data: make([]byte, info.Bytes)}
		_, _ = io.ReadFull(r, t.Data)
		if crc32.ChecksumIEEE(t.Data) != info.CRC32 {
			return nil, errors.Errorf("%s: variable %s is corrupted (checksum mismatch)", path, info.Path)
		}
		if _, err := t.Shape(); err != nil {
			return nil, errors.Wrap(err, path)
		}
		switch info.Set {
		case SetCurrent:
			c.Current = append(c.Current, t)
		case SetBest:
			c.Best = append(c.Best, t)
		default:
			return nil, errors.Errorf("%s: variable %s in unknown set %q", path, info.Path, info.Set)
		}
	}
	if r.Len() != 0 {
		return nil, errors.Errorf("%s: %d unexpected trailing bytes", path, r.Len())
	}
	return c, nil
}

// setVariables stores the tensors' values into the Store's variables, creating them when they
// do not exist yet (with the saved trainable flag).
func setVariables(store *model.Store, ts []*Tensor) error {
	for _, t := range ts {
		value, err := t.ToTensor()
		if err != nil {
			return err
		}
		if v := store.GetVariable(t.Info.Path); v != nil {
			if !v.Shape().Equal(value.Shape()) {
				return errors.Errorf("variable %s: the model has shape %s, the checkpoint %s", t.Info.Path, v.Shape(), value.Shape())
			}
			if err := v.SetValue(value); err != nil {
				return errors.Wrapf(err, "setting variable %s", t.Info.Path)
			}
			continue
		}
		v, err := store.CreateVariable(t.Info.Path, value)
		if err != nil {
			return errors.Wrapf(err, "creating variable %s", t.Info.Path)
		}
		v.SetTrainable(t.Info.Trainable)
	}
	return nil
}
