package train

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute-onnx/support/protos"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"google.golang.org/protobuf/proto"

	"github.com/mice2machines/mice2machines/mvc"
)

// tinyONNX is the backbone the test writes: Conv 3x3 (3 -> 4 channels, pad 1) + bias, Relu,
// GlobalAveragePool and Flatten, on NCHW inputs [N, 3, 8, 8] with a dynamic batch ("N"), as a
// PyTorch ImageNet export would be laid out.
type tinyONNX struct {
	w []float32 // [4, 3, 3, 3] (out, in, kh, kw)
	b []float32 // [4]
}

func newTinyONNX(seed uint64) *tinyONNX {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &tinyONNX{w: make([]float32, 4*3*3*3), b: make([]float32, 4)}
	for i := range m.w {
		m.w[i] = float32(rng.NormFloat64() * 0.5)
	}
	for i := range m.b {
		m.b[i] = float32(rng.NormFloat64() * 0.1)
	}
	return m
}

func tensorType(dims ...any) *protos.TypeProto {
	var ds []*protos.TensorShapeProto_Dimension
	for _, d := range dims {
		switch d := d.(type) {
		case int:
			ds = append(ds, &protos.TensorShapeProto_Dimension{Value: &protos.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		case string:
			ds = append(ds, &protos.TensorShapeProto_Dimension{Value: &protos.TensorShapeProto_Dimension_DimParam{DimParam: d}})
		}
	}
	return &protos.TypeProto{Value: &protos.TypeProto_TensorType{TensorType: &protos.TypeProto_Tensor{
		ElemType: int32(protos.TensorProto_FLOAT), Shape: &protos.TensorShapeProto{Dim: ds}}}}
}

func ints(name string, v ...int64) *protos.AttributeProto {
	return &protos.AttributeProto{Name: name, Type: protos.AttributeProto_INTS, Ints: v}
}

// write saves the model as an ONNX protobuf file.
func (m *tinyONNX) write(t *testing.T, path string) {
	t.Helper()
	g := &protos.GraphProto{
		Name: "tiny_backbone",
		Input: []*protos.ValueInfoProto{{Name: "pixel_values", Type: tensorType("N", 3, 8, 8)}},
		Output: []*protos.ValueInfoProto{{Name: "features", Type: tensorType("N", 4)}},
		Initializer: []*protos.TensorProto{
			{Name: "conv/weight", Dims: []int64{4, 3, 3, 3}, DataType: int32(protos.TensorProto_FLOAT), FloatData: m.w},
			{Name: "conv/bias", Dims: []int64{4}, DataType: int32(protos.TensorProto_FLOAT), FloatData: m.b},
		},
		Node: []*protos.NodeProto{
			{Name: "conv", OpType: "Conv", Input: []string{"pixel_values", "conv/weight", "conv/bias"}, Output: []string{"c"},
				Attribute: []*protos.AttributeProto{ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1)}},
			{Name: "relu", OpType: "Relu", Input: []string{"c"}, Output: []string{"r"}},
			{Name: "gap", OpType: "GlobalAveragePool", Input: []string{"r"}, Output: []string{"p"}},
			{Name: "flatten", OpType: "Flatten", Input: []string{"p"}, Output: []string{"features"},
				Attribute: []*protos.AttributeProto{{Name: "axis", Type: protos.AttributeProto_INT, I: 1}}},
		},
	}
	mp := &protos.ModelProto{IrVersion: 8, ProducerName: "mice2machines test",
		OpsetImport: []*protos.OperatorSetIdProto{{Domain: "", Version: 17}}, Graph: g}
	raw, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// features computes the backbone in plain Go on NCHW input x [n, 3, 8, 8].
func (m *tinyONNX) features(x []float32, n int) []float64 {
	out := make([]float64, n*4)
	for i := range n {
		for o := range 4 {
			sum := 0.0
			for y := range 8 {
				for xx := range 8 {
					v := float64(m.b[o])
					for c := range 3 {
						for ky := range 3 {
							for kx := range 3 {
								yy, xc := y+ky-1, xx+kx-1
								if yy < 0 || yy >= 8 || xc < 0 || xc >= 8 {
									continue
								}
								v += float64(m.w[((o*3+c)*3+ky)*3+kx]) * float64(x[((i*3+c)*8+yy)*8+xc])
							}
						}
					}
					sum += max(v, 0)
				}
			}
			out[i*4+o] = sum / 64
		}
	}
	return out
}

func TestONNXBackboneMatchesReferenceAndFineTunes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	ref := newTinyONNX(3)
	ref.write(t, path)
	b, err := ONNXBackbone(path)
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
	opts := BackboneOptions{Mean: []float32{0}, Std: []float32{1}}
	out, err := model.CallOnceN(backend, store, func(scope *model.Scope, x *Node) []*Node {
		return []*Node{b.Features(scope, x, opts)}
	}, tensors.FromFlatDataAndDimensions(nhwc, n, 8, 8, 3))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out[0])
	want := ref.features(nchw, n)
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
	cfg := Config{Model: b.Model(10, BackboneOptions{NeuRN: 3}), ModelSpec: "tiny.onnx",
		Height: 16, Width: 16, Channels: 1, BatchSize: 32, MaxEpochs: 3, Patience: -1, Seed: 1, LearningRate: 1e-2}
	res, err := Run(context.Background(), backend, cfg, ds, nil)
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
		if tuned[i] != ref.w[i] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the backbone's weights were not fine-tuned")
	}
}

func TestONNXBackboneRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ONNXBackbone(bad); err == nil {
		t.Error("garbage file: want an error")
	}
	if _, err := ONNXBackbone(filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("missing file: want an error")
	}
}
