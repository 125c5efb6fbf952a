package train

import (
	"fmt"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/support/exceptions"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

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
	in := batches(d, order, batchSize, 0, nb, h, w, c, nil, stop)
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
