// Package onnxfixture writes a tiny ONNX image model for tests and examples of package backbone
// ("Mice to Machines" fine-tunes ImageNet-trained backbones; users bring theirs
// as ONNX files): Conv 3x3 (3 -> 4 channels, padding 1) with bias, Relu, GlobalAveragePool and
// Flatten, on NCHW inputs [N, 3, 8, 8] with a dynamic batch, laid out as a PyTorch export. The
// protobuf is written with the ONNX proto Go types that github.com/gomlx/onnx-gomlx uses.
package onnxfixture

import (
	"math/rand/v2"
	"os"

	"github.com/gomlx/compute-onnx/support/protos"
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"

	"github.com/mice2machines/mice2machines/mvc"
)

// Size is the fixture's input height and width; Features its number of output features.
const (
	Size     = 8
	Features = 4
)

// Model is the fixture's weights.
type Model struct {
	// W is the convolution kernel [Features, 3, 3, 3] (out, in, kh, kw); B its bias.
	W, B []float32
}

// New returns seeded random weights.
func New(seed uint64) *Model {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &Model{W: make([]float32, Features*3*3*3), B: make([]float32, Features)}
	for i := range m.W {
		m.W[i] = float32(rng.NormFloat64() * 0.5)
	}
	for i := range m.B {
		m.B[i] = float32(rng.NormFloat64() * 0.1)
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

// Write saves the model as an ONNX file (opset 17), atomically. Its input is "pixel_values",
// its output "features"; the weights are the initialisers "conv/weight" and "conv/bias".
func (m *Model) Write(path string) error {
	g := &protos.GraphProto{
		Name:   "tiny_backbone",
		Input:  []*protos.ValueInfoProto{{Name: "pixel_values", Type: tensorType("N", 3, Size, Size)}},
		Output: []*protos.ValueInfoProto{{Name: "features", Type: tensorType("N", Features)}},
		Initializer: []*protos.TensorProto{
			{Name: "conv/weight", Dims: []int64{Features, 3, 3, 3}, DataType: int32(protos.TensorProto_FLOAT), FloatData: m.W},
			{Name: "conv/bias", Dims: []int64{Features}, DataType: int32(protos.TensorProto_FLOAT), FloatData: m.B},
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
	mp := &protos.ModelProto{IrVersion: 8, ProducerName: "mice2machines onnxfixture",
		OpsetImport: []*protos.OperatorSetIdProto{{Domain: "", Version: 17}}, Graph: g}
	raw, err := proto.Marshal(mp)
	if err != nil {
		return errors.Wrap(err, "encoding the ONNX fixture")
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.Write(raw)
		return err
	})
}

// Features computes the model in plain Go (float64) on NCHW input x [n, 3, Size, Size]: the
// reference the converted graph is held to.
func (m *Model) Features(x []float32, n int) []float64 {
	out := make([]float64, n*Features)
	for i := range n {
		for o := range Features {
			sum := 0.0
			for y := range Size {
				for xx := range Size {
					v := float64(m.B[o])
					for c := range 3 {
						for ky := range 3 {
							for kx := range 3 {
								yy, xc := y+ky-1, xx+kx-1
								if yy < 0 || yy >= Size || xc < 0 || xc >= Size {
									continue
								}
								v += float64(m.W[((o*3+c)*3+ky)*3+kx]) * float64(x[((i*3+c)*Size+yy)*Size+xc])
							}
						}
					}
					sum += max(v, 0)
				}
			}
			out[i*Features+o] = sum / (Size * Size)
		}
	}
	return out
}
