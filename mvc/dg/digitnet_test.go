package dg

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// TestConvValidAndPool checks the DigitNet's convolution (no padding, with bias) and 2x2 max
// pooling against plain-Go loops.
func TestConvValidAndPool(t *testing.T) {
	backend := mvc.MustBackend()
	store := model.NewStore()
	_ = store.SetRNGStateFromSeed(2)
	r := rand.New(rand.NewPCG(4, 4))
	b, h, w, c, k, d := 2, 9, 8, 3, 5, 4
	x := randFloats(r, b*h*w*c)
	outs := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) []*Node {
		y := convValid(scope.In("conv"), x, k, d)
		return []*Node{y, maxPool2(y)}
	}).MustCall(tensors.FromFlatDataAndDimensions(x, b, h, w, c))
	kernel := tensors.MustCopyFlatData[float32](store.GetVariable("/conv/weights").MustValue())
	bias := tensors.MustCopyFlatData[float32](store.GetVariable("/conv/biases").MustValue())
	bound := 1 / math.Sqrt(float64(k*k*c))
	for _, v := range append(kernel, bias...) {
		if math.Abs(float64(v)) > bound {
			t.Fatalf("initial weight %g outside PyTorch's U(-%g, %g)", v, bound, bound)
		}
	}
	// Valid convolution = same-padded convolution cropped by k/2 on each side.
	same := refConvSame(x, b, h, w, c, kernel, k, d)
	oh, ow, p := h-k+1, w-k+1, k/2
	got := tensors.MustCopyFlatData[float32](outs[0])
	want := make([]float32, b*oh*ow*d)
	for n := range b {
		for y := range oh {
			for xx := range ow {
				for o := range d {
					want[((n*oh+y)*ow+xx)*d+o] = same[((n*h+y+p)*w+xx+p)*d+o] + bias[o]
				}
			}
		}
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-4 {
			t.Fatalf("conv element %d = %g, want %g", i, got[i], want[i])
		}
	}
	// 2x2 max pooling, the odd trailing row dropped (oh = 5 -> 2).
	ph, pw := oh/2, ow/2
	pooled := tensors.MustCopyFlatData[float32](outs[1])
	if len(pooled) != b*ph*pw*d {
		t.Fatalf("pooled size %d, want %d", len(pooled), b*ph*pw*d)
	}
	for n := range b {
		for y := range ph {
			for xx := range pw {
				for o := range d {
					m := float32(math.Inf(-1))
					for dy := range 2 {
						for dx := range 2 {
							m = max(m, want[((n*oh+2*y+dy)*ow+2*xx+dx)*d+o])
						}
					}
					if v := pooled[((n*ph+y)*pw+xx)*d+o]; math.Abs(float64(v-m)) > 1e-4 {
						t.Fatalf("pool (%d,%d,%d,%d) = %g, want %g", n, y, xx, o, v, m)
					}
				}
			}
		}
	}
}

// TestDigitNetParameters counts DigitNet's parameters at width 1 on 32x32x3: conv 5x5x3x64 +
// 64, conv 5x5x64x128 + 128, fc 3200x1024 + 1024, fc 1024x1024 + 1024, fc 1024x10 + 10 =
// 4,547,466 (as Xu et al.'s digit_net.py); NeuRN adds none.
func TestDigitNetParameters(t *testing.T) {
	for _, k := range []int{0, 3} {
		fn, err := DigitNet(10, 1, k)
		if err != nil {
			t.Fatal(err)
		}
		store := model.NewStore()
		_ = store.SetRNGStateFromSeed(1)
		e := model.MustNewExec(mvc.MustBackend(), store, func(scope *model.Scope, x *Node) *Node { return fn(scope, x) })
		if _, err := e.Compile(shapes.Make(dtypes.Float32, 1, 32, 32, 3)); err != nil {
			t.Fatal(err)
		}
		n := 0
		for v := range store.IterVariables() {
			if v.Trainable {
				n += v.Shape().Size()
			}
		}
		if n != 4547466 {
			t.Errorf("NeuRN %d: %d parameters, want 4,547,466", k, n)
		}
	}
	for _, bad := range []struct {
		classes int
		width   float64
		k       int
	}{{1, 1, 0}, {10, 0, 0}, {10, 1, 2}, {10, math.Inf(1), 0}} {
		if _, err := DigitNet(bad.classes, bad.width, bad.k); err == nil {
			t.Errorf("DigitNet(%d, %g, %d): no error", bad.classes, bad.width, bad.k)
		}
	}
	if _, err := DigitNetFactory.Build(ModelSpec{Name: "vgg19", Width: 1, Classes: 10, Size: 32}); err == nil {
		t.Error("DigitNetFactory built vgg19")
	}
}

// TestDigitNetLearns trains DigitNet (width 0.125, NeuRN k = 3) for 3 epochs of 256 images on real MNIST images and
// checks that the loss falls.
func TestDigitNetLearns(t *testing.T) {
	mnist, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	fn, err := DigitNet(10, 0.125, 3)
	if err != nil {
		t.Fatal(err)
	}
	val, err := mnist.Subset([]int{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015,
		1016, 1017, 1018, 1019, 1020, 1021, 1022, 1023, 1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031}, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{Model: fn, BatchSize: 32, MaxEpochs: 3, Patience: -1, Seed: 1, LearningRate: 3e-3}
	res, err := train.Run(context.Background(), mvc.MustBackend(), cfg, mnist.First(256), val)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Epochs[0], res.Epochs[len(res.Epochs)-1]
	t.Logf("loss %.3f -> %.3f, validation accuracy %.3f", first.TrainLoss, last.TrainLoss, last.ValAccuracy)
	if !(last.TrainLoss < first.TrainLoss) || last.ValAccuracy < 0.4 {
		t.Fatalf("loss %.3f -> %.3f, validation accuracy %.3f: DigitNet does not learn", first.TrainLoss, last.TrainLoss, last.ValAccuracy)
	}
}

// BenchmarkDigitNetTrainStep measures DigitNet's training throughput at full width, batch 256
// and batch 32, 32x32x3 (the protocol's batch is 32); reported as images/s.
func BenchmarkDigitNetTrain(b *testing.B) {
	mnist, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		b.Skipf("real MNIST not available: %v", err)
	}
	for _, batch := range []int{32, 256} {
		b.Run("batch"+itoa(batch), func(b *testing.B) {
			fn, _ := DigitNet(10, 1, 0)
			n := batch * 8
			cfg := train.Config{Model: fn, BatchSize: batch, MaxEpochs: 1, Patience: -1, Seed: 1}
			b.ResetTimer()
			var ips float64
			for range b.N {
				res, err := train.Run(context.Background(), mvc.MustBackend(), cfg, mnist.First(n), mnist.First(batch))
				if err != nil {
					b.Fatal(err)
				}
				ips = res.Epochs[0].ImagesPerSecond
			}
			b.ReportMetric(ips, "img/s")
		})
	}
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}
