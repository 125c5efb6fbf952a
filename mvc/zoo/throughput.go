package zoo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// Throughput is a measured training speed: how many images per second a model trains on, in
// wall time and per second of this process's CPU time (user + system, all threads). On a machine
// shared with other work the second varies less; on an idle n-core machine the first is at most
// n times the second.
type Throughput struct {
	// Model is the architecture's registry name; Width and Batch the configuration measured.
	Model string  `json:"model"`
	Width float64 `json:"width"`
	Batch int     `json:"batch"`
	// NeuRN tells whether the NeuRN layer was in front (with window NeuRNKernel).
	NeuRN       bool `json:"neurn"`
	NeuRNKernel int  `json:"neurn_kernel,omitempty"`
	// Steps is the number of timed training steps; Seconds and CPUSeconds their wall and CPU time.
	Steps      int     `json:"steps"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// CompileSeconds is the wall time of the first, untimed step (graph compilation included).
	CompileSeconds float64 `json:"compile_seconds"`
	// ImagesPerSecond and ImagesPerCPUSecond are the throughputs.
	ImagesPerSecond    float64 `json:"images_per_second"`
	ImagesPerCPUSecond float64 `json:"images_per_cpu_second"`
}

// String formats the throughput on one line.
func (t Throughput) String() string {
	return fmt.Sprintf("%s width %g batch %d: %.1f images/s (%.1f images per CPU-second; %d steps in %.1fs, first step %.1fs)",
		t.Model, t.Width, t.Batch, t.ImagesPerSecond, t.ImagesPerCPUSecond, t.Steps, t.Seconds, t.CompileSeconds)
}

// TrainStep returns one training step of m on a fixed batch of random images and labels
// (seeded): forward pass, softmax cross-entropy, backward pass and an Adam update (learning rate
// 1e-3), the paper's fine-tuning step. The first call compiles the graph. It is the workload of
// [MeasureTraining] and of the package's training benchmarks.
func TrainStep(backend compute.Backend, m *Model, batch int) (step func() error, err error) {
	if batch < 1 {
		return nil, errors.Errorf("zoo: batch must be >= 1, got %d", batch)
	}
	cfg := m.Config()
	store, err := m.NewStore()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, batch*cfg.InputSize*cfg.InputSize*cfg.Channels)
	for i := range pixels {
		pixels[i] = rng.Float32()
	}
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(cfg.Classes))
	}
	images := tensors.FromFlatDataAndDimensions(pixels, batch, cfg.InputSize, cfg.InputSize, cfg.Channels)
	labelsT := tensors.FromFlatDataAndDimensions(labels, batch, 1)
	trainer := train.NewTrainer(backend, store, m.Logits,
		loss.SparseCategoricalCrossEntropyLogits, optimizer.Adam().LearningRate(1e-3).Done(), nil, nil)
	return func() error {
		metrics, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{images},
			Labels: []*tensors.Tensor{labelsT},
		})
		if err != nil {
			return errors.WithMessagef(err, "zoo: training step of %s", m.Name())
		}
		for _, t := range metrics {
			t.FinalizeAll()
		}
		return nil
	}, nil
}

// MeasureTraining measures how fast m trains with batches of batch random images (see
// [TrainStep]): one untimed step compiles the graph, then steps are timed until at least d has
// passed (at least 2 steps).
func MeasureTraining(backend compute.Backend, m *Model, batch int, d time.Duration) (Throughput, error) {
	cfg := m.Config()
	t := Throughput{Model: m.Name(), Width: cfg.Width, Batch: batch, NeuRN: cfg.NeuRN}
	if cfg.NeuRN {
		t.NeuRNKernel = cfg.NeuRNKernel
	}
	step, err := TrainStep(backend, m, batch)
	if err != nil {
		return t, err
	}
	start := time.Now()
	if err := step(); err != nil {
		return t, err
	}
	t.CompileSeconds = time.Since(start).Seconds()
	timing, err := mvc.TimeCalls(step, 2, d)
	if err != nil {
		return t, err
	}
	t.Steps, t.Seconds, t.CPUSeconds = timing.Calls, timing.Seconds, timing.CPUSeconds
	images := float64(batch * t.Steps)
	t.ImagesPerSecond = images / t.Seconds
	if t.CPUSeconds > 0 {
		t.ImagesPerCPUSecond = images / t.CPUSeconds
	}
	return t, nil
}
