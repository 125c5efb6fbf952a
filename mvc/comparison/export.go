package comparison

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// KernelsFile is the file, in a CIFAR-27 run's folder, that holds the run's trained
// first-convolution kernels on their own ([ExportKernels]). Checkpoints are hundreds of
// megabytes and stay out of the repository; these files are a few kilobytes and are committed,
// so that a fresh clone's comparison figures (2A, 2B, 3, S4, S5) and notebooks 04-07 use the same
// trained kernels as the committed figures without retraining.
const KernelsFile = "first_conv.json"

// KernelsExport is the content of a [KernelsFile].
type KernelsExport struct {
	// Model is the zoo name and NeuRN whether the model had the NeuRN layer.
	Model string `json:"model"`
	NeuRN bool   `json:"neurn"`
	// Source says where the kernels came from, as [Kernels].Source (the run, width, epochs and
	// best validation accuracy).
	Source string `json:"source"`
	// Shape is the first convolution's [kh, kw, in, out] and Data its values in that (row-major)
	// order, as stored in the checkpoint (the best epoch's weights). In the file Data is
	// little-endian float32, base64-encoded ("float32le_base64"): exact, and a third of the size
	// of decimal text (ViT's 147,456 values are 0.8 MB).
	Shape [4]int    `json:"shape"`
	Data  []float32 `json:"-"`
}

// kernelsFileJSON is a [KernelsExport] as stored: Data as base64 little-endian float32.
type kernelsFileJSON struct {
	kernelsExportFields
	Encoding string `json:"encoding"`
	Values   string `json:"float32le_base64"`
}

// kernelsExportFields is KernelsExport without its JSON methods.
type kernelsExportFields KernelsExport

const kernelsEncoding = "float32le_base64"

// MarshalJSON stores Data as base64 little-endian float32.
func (e KernelsExport) MarshalJSON() ([]byte, error) {
	raw := make([]byte, 4*len(e.Data))
	for i, v := range e.Data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return json.Marshal(kernelsFileJSON{kernelsExportFields(e), kernelsEncoding, base64.StdEncoding.EncodeToString(raw)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *KernelsExport) UnmarshalJSON(b []byte) error {
	var s kernelsFileJSON
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s.Encoding != kernelsEncoding {
		return errors.Errorf("encoding %q, want %q", s.Encoding, kernelsEncoding)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Values)
	if err != nil {
		return errors.Wrap(err, "the float32le_base64 values")
	}
	if len(raw)%4 != 0 {
		return errors.Errorf("%d bytes of float32 values (not a multiple of 4)", len(raw))
	}
	*e = KernelsExport(s.kernelsExportFields)
	e.Data = float32sLE(raw)
	return nil
}

// float32sLE decodes little-endian float32 values (len(raw) a multiple of 4), as checkpoints
// and kernel exports store them.
func float32sLE(raw []byte) []float32 {
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// ExportKernels writes the trained first-convolution kernels of the CIFAR-27 run in runDir
// (its [train.CheckpointFile]) into runDir/[KernelsFile], atomically. model and neurn name the
// run's model, as [LoadKernels] would ask for it.
func ExportKernels(runDir, model string, neurn bool) error {
	k := &Kernels{Name: model, NeuRN: neurn}
	flat, err := k.fromCheckpoint(filepath.Join(runDir, train.CheckpointFile))
	if err != nil {
		return err
	}
	e := KernelsExport{Model: model, NeuRN: neurn, Source: k.Source, Shape: k.Shape, Data: flat}
	if err := e.validate(); err != nil {
		return errors.Wrapf(err, "comparison: exporting the kernels of %s", runDir)
	}
	js, err := json.Marshal(e)
	if err != nil {
		return errors.Wrapf(err, "comparison: encoding the kernels of %s", runDir)
	}
	return mvc.WriteFileAtomic(filepath.Join(runDir, KernelsFile), func(f *os.File) error {
		_, err := f.Write(append(js, '\n'))
		return err
	})
}

// validate checks an export's shape, length and values.
func (e *KernelsExport) validate() error {
	n := 1
	for _, d := range e.Shape {
		if d <= 0 {
			return errors.Errorf("shape %v has a non-positive dimension", e.Shape)
		}
		n *= d
	}
	if len(e.Data) != n {
		return errors.Errorf("%d values for shape %v (want %d)", len(e.Data), e.Shape, n)
	}
	for i, v := range e.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errors.Errorf("value %d is %v", i, v)
		}
	}
	return nil
}

// fromExport reads kernels written by [ExportKernels]; the file must be of this model.
func (k *Kernels) fromExport(path string) ([]float32, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: %s", k.Label())
	}
	var e KernelsExport
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, errors.Wrapf(err, "comparison: %s is not a kernels export (%s)", path, KernelsFile)
	}
	if e.Model != k.Name || e.NeuRN != k.NeuRN {
		return nil, errors.Errorf("comparison: %s holds the kernels of %s, not %s", path, (&Kernels{Name: e.Model, NeuRN: e.NeuRN}).Label(), k.Label())
	}
	if err := e.validate(); err != nil {
		return nil, errors.Wrapf(err, "comparison: %s", path)
	}
	k.Shape, k.Source, k.Trained = e.Shape, e.Source, true
	return e.Data, nil
}
