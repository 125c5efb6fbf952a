package zoo

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/mice2machines/mice2machines/mvc"
)

// benchBatch returns the batch size of the training benchmarks: $MVC_BENCH_BATCH or 256 (the
// paper's).
func benchBatch() int {
	if v, err := strconv.Atoi(os.Getenv("MVC_BENCH_BATCH")); err == nil && v > 0 {
		return v
	}
	return 256
}

// benchTrain measures training throughput (forward, backward and an Adam update, GoMLX's
// train.Trainer) of a model on random images and labels, in images per second. The first step
// (graph compilation) is not timed.
func benchTrain(b *testing.B, m *Model, batch int) {
	cfg := m.Config()
	store, err := m.NewStore()
	if err != nil {
		b.Fatal(err)
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
	trainer := train.NewTrainer(mvc.MustBackend(), store, m.Logits,
		loss.SparseCategoricalCrossEntropyLogits, optimizer.Adam().LearningRate(1e-3).Done(), nil, nil)
	step := func() {
		metrics, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(pixels, batch, cfg.InputSize, cfg.InputSize, cfg.Channels)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, batch, 1)},
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range metrics {
			t.FinalizeAll()
		}
	}
	step() // Compiles.
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		step()
	}
	reportThroughput(b, batch, cpuSeconds()-cpu0)
}

// BenchmarkTrainQuick measures the training throughput of every architecture at its quick
// configuration (QuickConfig), batch 256 unless $MVC_BENCH_BATCH says otherwise.
func BenchmarkTrainQuick(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			cfg, err := QuickConfig(name)
			if err != nil {
				b.Fatal(err)
			}
			m, err := New(name, cfg)
			if err != nil {
				b.Fatal(err)
			}
			benchTrain(b, m, benchBatch())
		})
	}
}

// BenchmarkDigitNet measures DigitNet at full width on 32x32x3 images, batch 256: training
// (forward, backward, Adam) and inference, the workloads of the PyTorch 1.13 anchor (about 400
// and 930 images/s on this 2-core machine, DESIGN.md).
func BenchmarkDigitNet(b *testing.B) {
	m, err := New("digitnet", Config{Classes: 10, InputSize: 32, Channels: 3, Width: 1, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("train", func(b *testing.B) { benchTrain(b, m, 256) })
	b.Run("inference", func(b *testing.B) { benchInference(b, m, 256) })
}

// benchInference measures inference throughput (logits of a batch, compiled once) in images per
// second.
func benchInference(b *testing.B, m *Model, batch int) {
	cfg := m.Config()
	store, err := m.NewStore()
	if err != nil {
		b.Fatal(err)
	}
	exec, err := model.NewExec(mvc.MustBackend(), store, m.Logits)
	if err != nil {
		b.Fatal(err)
	}
	defer exec.Finalize()
	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, batch*cfg.InputSize*cfg.InputSize*cfg.Channels)
	for i := range pixels {
		pixels[i] = rng.Float32()
	}
	images := tensors.FromFlatDataAndDimensions(pixels, batch, cfg.InputSize, cfg.InputSize, cfg.Channels)
	run := func() {
		out, err := exec.Call(images)
		if err != nil {
			b.Fatal(err)
		}
		out[0].FinalizeAll()
	}
	run() // Compiles and initializes the weights.
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		run()
	}
	reportThroughput(b, batch, cpuSeconds()-cpu0)
}

// reportThroughput reports images per second of wall time and per second of this process's CPU
// time (user + system, all threads): on a machine shared with other jobs the second one varies
// less; on an idle 2-core machine wall throughput is at most twice it.
func reportThroughput(b *testing.B, batch int, cpu float64) {
	images := float64(batch * b.N)
	b.ReportMetric(images/b.Elapsed().Seconds(), "images/s")
	if cpu > 0 {
		b.ReportMetric(images/cpu, "images/cpu-s")
	}
}

// cpuSeconds returns this process's CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
