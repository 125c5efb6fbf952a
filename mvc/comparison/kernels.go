package comparison

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/embed"
	"github.com/mice2machines/mice2machines/mvc/represent"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/similarity"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// NeuRNKernel is the NeuRN window of the compared NeuRN models (the paper's k = 3, as the
// CIFAR-27 runs use).
const NeuRNKernel = 3

// CIFAR27Classes and CIFAR27Size configure models built for their initial weights as the
// CIFAR-27 runs build them (27 classes, 32 x 32 x 3 images, seed 1).
const (
	CIFAR27Classes = 27
	CIFAR27Size    = 32
)

// Kernels are one model's first-convolution feature representations.
type Kernels struct {
	Name  string
	NeuRN bool
	// Trained tells whether they come from a CIFAR-27 checkpoint; false means the model's
	// seeded initial weights.
	Trained bool
	// Source says where they came from, for provenance and captions.
	Source string
	// Shape is the first convolution's [kh, kw, in, out].
	Shape [4]int
	// All are the out x in maps (represent.KernelMaps order), Selected those chosen by
	// [Kernels.Select]; Note records the selection.
	All, Selected []similarity.Map
	Note          string
}

// Label is "name" or "name+NeuRN".
func (k *Kernels) Label() string { return similarity.Model{Name: k.Name, NeuRN: k.NeuRN}.Label() }

// LoadKernels returns a model's first-convolution kernel maps: from its CIFAR-27 checkpoint in
// opts.RunsDir when the run there is finished (a run still training is not used), else from the run's committed [KernelsFile] (the same trained
// kernels, [ExportKernels]), else from the model's seeded initial weights (built at the width of
// its CIFAR-27 run in opts.RunProfile, else the profile's, for 27 classes and 32 x 32 x 3 images,
// seed 1, and run once on opts.Backend to initialise them), which Source then says: "untrained
// (initial) kernels".
func LoadKernels(name string, neurn bool, p Profile, opts Options) (*Kernels, error) {
	k := &Kernels{Name: name, NeuRN: neurn}
	var flat []float32
	var err error
	run := ""
	if opts.RunsDir != "" {
		run = filepath.Join(opts.RunsDir, runs.CIFAR27RunName(name, neurnK(neurn), opts.RunProfile))
	}
	switch {
	case run != "" && finishedCheckpoint(run):
		flat, err = k.fromCheckpoint(filepath.Join(run, train.CheckpointFile))
	case run != "" && exists(filepath.Join(run, KernelsFile)):
		flat, err = k.fromExport(filepath.Join(run, KernelsFile))
	default:
		flat, err = k.fromInitial(p, opts)
	}
	if err != nil {
		return nil, err
	}
	kh, kw, in, out := k.Shape[0], k.Shape[1], k.Shape[2], k.Shape[3]
	maps, err := represent.KernelMaps(flat, kh, kw, in, out)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: kernels of %s", k.Label())
	}
	k.All, err = similarity.MapsFromFloat32(maps, in*out, kh, kw)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: kernels of %s", k.Label())
	}
	return k, nil
}

// neurnK is NeuRN's window in the model's variant: [NeuRNKernel] with NeuRN, 0 without.
func neurnK(neurn bool) int {
	if neurn {
		return NeuRNKernel
	}
	return 0
}

// finishedCheckpoint tells whether the run directory holds the checkpoint of a finished run.
func finishedCheckpoint(run string) bool {
	return exists(filepath.Join(run, train.CheckpointFile)) && exists(filepath.Join(run, train.ResultFile))
}

// exists tells whether path names a file.
func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func (k *Kernels) fromCheckpoint(path string) ([]float32, error) {
	ckpt, err := train.LoadCheckpoint(path)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: %s", k.Label())
	}
	spec, err := runs.SpecOf(ckpt.State.Setup.ModelSpec, path)
	if err != nil {
		return nil, errors.WithMessage(err, "comparison")
	}
	m, err := zoo.New(spec.Model, zoo.Config{Classes: spec.Classes, InputSize: spec.Size, Channels: 3, Width: spec.Width,
		NeuRN: spec.NeuRN > 0, NeuRNKernel: spec.NeuRN, Seed: int64(spec.Seed), Init: spec.Init})
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: rebuilding the model of %s", path)
	}
	k.Shape = m.FirstConv()
	want := model.JoinPath("/", train.ModelScope, m.FirstConvPath())
	for _, t := range ckpt.BestOrCurrent() {
		if t.Info.Path != want {
			continue
		}
		if t.Info.DType != dtypes.Float32.String() || len(t.Data) != 4*k.Shape[0]*k.Shape[1]*k.Shape[2]*k.Shape[3] {
			return nil, errors.Errorf("comparison: %s: variable %s is %s %v, want Float32 %v", path, want, t.Info.DType, t.Info.Shape, k.Shape)
		}
		flat := float32sLE(t.Data)
		k.Trained = true
		k.Source = fmt.Sprintf("kernels fine-tuned on CIFAR-27 (%s, width %g, %d epochs, best validation accuracy %.3f)",
			filepath.Base(filepath.Dir(path)), spec.Width, ckpt.State.Epoch, ckpt.State.BestValAccuracy)
		return flat, nil
	}
	return nil, errors.Errorf("comparison: checkpoint %s has no variable %s (the first convolution)", path, want)
}

func (k *Kernels) fromInitial(p Profile, opts Options) ([]float32, error) {
	if opts.Backend == nil {
		return nil, errors.Errorf("comparison: %s has no checkpoint and no backend was given to initialise its weights", k.Label())
	}
	width, init := p.Width, ""
	if c, err := runs.LookupCIFAR27(opts.RunProfile); err == nil {
		width, init = c.WidthOf(k.Name), c.InitOf(k.Name) // as its CIFAR-27 run would be built
	}
	cfg := zoo.Config{Classes: CIFAR27Classes, InputSize: CIFAR27Size, Channels: 3, Width: width, NeuRN: k.NeuRN,
		NeuRNKernel: NeuRNKernel, Seed: 1, Init: init}
	m, err := zoo.New(k.Name, cfg)
	if err != nil {
		return nil, errors.Wrap(err, "comparison")
	}
	k.Shape = m.FirstConv()
	store, err := m.NewStore()
	if err != nil {
		return nil, errors.Wrap(err, "comparison")
	}
	exec, err := model.NewExec(opts.Backend, store, func(scope *model.Scope, x *Node) *Node {
		return m.Logits(scope.In(train.ModelScope), x)
	})
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: building %s", k.Label())
	}
	defer exec.Finalize()
	if _, err := exec.Call(tensors.FromFlatDataAndDimensions(make([]float32, CIFAR27Size*CIFAR27Size*3), 1, CIFAR27Size, CIFAR27Size, 3)); err != nil {
		return nil, errors.Wrapf(err, "comparison: initialising %s", k.Label())
	}
	v := m.FirstConvVariable(store, "/"+train.ModelScope)
	if v == nil {
		return nil, errors.Errorf("comparison: %s has no variable %s", k.Label(), m.FirstConvPath())
	}
	value, err := v.Value()
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: reading the first kernel of %s", k.Label())
	}
	flat, err := tensors.CopyFlatData[float32](value)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: reading the first kernel of %s", k.Label())
	}
	k.Source = fmt.Sprintf("untrained (initial) kernels: no CIFAR-27 checkpoint, seeded initialisation (seed 1, width %g)", width)
	return flat, nil
}

// Select keeps the model's representative kernels as the paper does ([embed.SelectCentral] on the
// raw kernel values: KernelK clusters x KernelPerCluster central members; all when fewer).
func (k *Kernels) Select(p Profile, seed uint64) error {
	vectors := make([][]float64, len(k.All))
	for i, m := range k.All {
		vectors[i] = m.Values
	}
	sel, err := embed.SelectCentral(vectors, embed.SelectOptions{K: p.KernelK, PerCluster: p.KernelPerCluster, Seed: seed})
	if err != nil {
		return errors.Wrapf(err, "comparison: selecting kernels of %s", k.Label())
	}
	k.Selected = k.Selected[:0]
	for _, i := range sel.Indices {
		k.Selected = append(k.Selected, k.All[i])
	}
	k.Note = sel.Note
	return nil
}
