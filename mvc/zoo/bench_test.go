package zoo

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

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

// benchTrain measures training throughput of a model (zoo.TrainStep: forward, backward and an
// Adam update) on random images and labels, in images per second. The first step (graph
// compilation) is not timed.
func benchTrain(b *testing.B, m *Model, batch int) {
	step, err := TrainStep(mvc.MustBackend(), m, batch)
	if err != nil {
		b.Fatal(err)
	}
	if err := step(); err != nil { // Compiles.
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := mvc.CPUSeconds()
	for b.Loop() {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	reportThroughput(b, batch, mvc.CPUSeconds()-cpu0)
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
// (forward, backward, Adam) and inference; mvc/zoo/torchbench runs the same workloads in PyTorch
// (the README's "Speed" gives both, measured side by side).
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
	cpu0 := mvc.CPUSeconds()
	for b.Loop() {
		run()
	}
	reportThroughput(b, batch, mvc.CPUSeconds()-cpu0)
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
