package backbone

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/backbone/onnxfixture"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// smallMNIST returns the first n real MNIST training images, or skips the test without them.
func smallMNIST(t testing.TB, n int) *data.Dataset {
	t.Helper()
	ds, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	return ds.First(n)
}

func TestLoadMatchesReferenceAndFineTunes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	ref := onnxfixture.New(3)
	if err := ref.Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	backend := mvc.MustBackend()

	// Forward pass: random NHWC images, no normalisation, against the plain-Go reference.
	const n = 2
	rng := rand.New(rand.NewPCG(5, 5))
	nhwc := make([]float32, n*8*8*3)
	for i := range nhwc {
		nhwc[i] = rng.Float32()
	}
	nchw := make([]float32, len(nhwc))
	for i := range n {
		for y := range 8 {
			for x := range 8 {
				for c := range 3 {
					nchw[((i*3+c)*8+y)*8+x] = nhwc[((i*8+y)*8+x)*3+c]
				}
			}
		}
	}
	store := model.NewStore()
	opts := Options{Mean: []float32{0}, Std: []float32{1}}
	out, err := model.CallOnceN(backend, store, func(scope *model.Scope, x *Node) []*Node {
		return []*Node{b.Features(scope, x, opts)}
	}, tensors.FromFlatDataAndDimensions(nhwc, n, 8, 8, 3))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out[0])
	want := ref.Features(nchw, n)
	if len(got) != len(want) {
		t.Fatalf("features %v, want %d values", got, len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-4 {
			t.Fatalf("feature %d = %v, reference %v", i, got[i], want[i])
		}
	}

	// Fine-tuning: NeuRN in front, a new 10-class head, real MNIST resized to 16x16 (the
	// backbone's 8x8 input is reached by resizing inside the model).
	ds := smallMNIST(t, 320)
	cfg := train.Config{Model: b.Model(10, Options{NeuRN: 3}), ModelSpec: "tiny.onnx",
		Height: 16, Width: 16, Channels: 1, BatchSize: 32, MaxEpochs: 3, Patience: -1, Seed: 1, LearningRate: 1e-2}
	res, err := train.Run(context.Background(), backend, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first, last := res.Epochs[0].TrainLoss, res.Epochs[2].TrainLoss; !(last < first) {
		t.Errorf("training loss did not go down: %v -> %v", first, last)
	}
	// The backbone's weights were loaded from the file and fine-tuned.
	v := res.Store.GetVariable("/model/backbone/ONNX/conv|weight")
	if v == nil {
		var names []string
		for v := range res.Store.IterVariables() {
			names = append(names, v.Path())
		}
		t.Fatalf("no backbone weight variable; variables: %v", names)
	}
	tuned := tensors.MustCopyFlatData[float32](v.MustValue())
	changed := 0
	for i := range tuned {
		if tuned[i] != ref.W[i] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the backbone's weights were not fine-tuned")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil {
		t.Error("garbage file: want an error")
	}
	if _, err := Load(filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("missing file: want an error")
	}
}
