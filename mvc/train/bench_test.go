package train

import (
	"context"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// BenchmarkBatchPreparation measures the loop's input pipeline: 256 MNIST digits gathered and
// converted to float32 32x32x3 (area resize, grey to RGB), as every training batch is.
func BenchmarkBatchPreparation(b *testing.B) {
	ds := smallMNIST(b, 2560)
	idx := epochPermutation(1, 1, ds.N)[:256]
	b.ResetTimer()
	for range b.N {
		if bt := makeBatch(ds, idx, 32, 32, 3, nil); bt.err != nil {
			b.Fatal(bt.err)
		}
	}
	b.ReportMetric(256*float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkTrainingLoopOverhead runs whole epochs (batch 256, 32x32x3, validation included) of
// the tiny test model, whose step costs little: the throughput bounds what the loop itself
// (batching, conversion, checkpoint-free bookkeeping, evaluation) allows.
func BenchmarkTrainingLoopOverhead(b *testing.B) {
	ds := smallMNIST(b, 2816) // 2560 training images, 256 for validation
	cfg := tinyConfig("")
	cfg.Height, cfg.Width, cfg.Channels, cfg.BatchSize, cfg.Patience = 32, 32, 3, 256, -1
	cfg.MaxEpochs = b.N + 1
	b.ResetTimer()
	res, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil)
	if err != nil {
		b.Fatal(err)
	}
	imgs, secs := 0, 0.0
	for _, m := range res.Epochs[1:] { // the first epoch compiles
		imgs += m.TrainImages
		secs += m.Seconds
	}
	b.ReportMetric(float64(imgs)/secs, "img/s")
}
