package neurn

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"
)

// Transformer applies NeuRN to batches of images outside a model: it compiles the graph once per
// input shape on the given backend and reuses it. It is safe for concurrent use.
type Transformer struct {
	k          int
	perChannel bool
	exec       *Exec
}

// NewTransformer returns a Transformer for window size k (odd, >= 1), normalizing per image or,
// with perChannel, per image and channel.
func NewTransformer(backend compute.Backend, k int, perChannel bool) (*Transformer, error) {
	return newTransformer(backend, k, perChannel, NeuRN, "NeuRN")
}

// NewNaiveTransformer is like [NewTransformer] but computes with [NaiveNeuRN], the O(k^2)
// per-pixel baseline of the benchmarks.
func NewNaiveTransformer(backend compute.Backend, k int, perChannel bool) (*Transformer, error) {
	return newTransformer(backend, k, perChannel, NaiveNeuRN, "NaiveNeuRN")
}

func newTransformer(backend compute.Backend, k int, perChannel bool, fn func(*Node, int, bool) *Node, name string) (*Transformer, error) {
	if k < 1 || k%2 == 0 {
		return nil, errors.Errorf("neurn: kernel size must be odd and >= 1, got %d", k)
	}
	if backend == nil {
		return nil, errors.New("neurn: nil backend")
	}
	exec, err := NewExec(backend, func(x *Node) *Node { return fn(x, k, perChannel) })
	if err != nil {
		return nil, errors.Wrap(err, "neurn: compiling the NeuRN graph")
	}
	return &Transformer{k: k, perChannel: perChannel, exec: exec.WithName(fmt.Sprintf("%s_k%d", name, k))}, nil
}

// KernelSize returns the window size k.
func (t *Transformer) KernelSize() int { return t.k }

// Apply returns NeuRN of images x, a float32 or float64 tensor shaped [batch, height, width,
// channels]. It returns an error for any other rank or dtype and for NaN or infinite values.
func (t *Transformer) Apply(x *tensors.Tensor) (*tensors.Tensor, error) {
	if x == nil {
		return nil, errors.New("neurn: nil tensor")
	}
	if err := CheckImages(x.Shape().DType, x.Shape().Dimensions); err != nil {
		return nil, err
	}
	var err error
	switch x.Shape().DType {
	case dtypes.Float32:
		tensors.ConstFlatData(x, func(flat []float32) { err = checkFinite(flat) })
	case dtypes.Float64:
		tensors.ConstFlatData(x, func(flat []float64) { err = checkFinite(flat) })
	}
	if err != nil {
		return nil, err
	}
	out, err := t.exec.Call1(x)
	if err != nil {
		return nil, errors.Wrap(err, "neurn: executing NeuRN")
	}
	return out, nil
}

// ApplyFlat is Apply on a flat row-major float32 array shaped [n, h, w, c].
func (t *Transformer) ApplyFlat(images []float32, n, h, w, c int) ([]float32, error) {
	if n <= 0 || h <= 0 || w <= 0 || c <= 0 || n*h*w*c != len(images) {
		return nil, errors.Errorf("neurn: %d values do not make shape [%d %d %d %d]", len(images), n, h, w, c)
	}
	out, err := t.Apply(tensors.FromFlatDataAndDimensions(images, n, h, w, c))
	if err != nil {
		return nil, err
	}
	defer out.FinalizeAll()
	return tensors.CopyFlatData[float32](out)
}

// CheckImages returns an error unless dtype and dimensions describe a batch of images NeuRN
// accepts: float32 or float64, [batch, height, width, channels] with every dimension >= 1.
func CheckImages(dtype dtypes.DType, dims []int) error {
	if len(dims) != 4 {
		return errors.Errorf("images must be [batch, height, width, channels] (rank 4), got %d axes %v", len(dims), dims)
	}
	for _, d := range dims {
		if d < 1 {
			return errors.Errorf("images must have every dimension >= 1, got %v", dims)
		}
	}
	if dtype != dtypes.Float32 && dtype != dtypes.Float64 {
		return errors.Errorf("images must be float32 (or float64), got %s", dtype)
	}
	return nil
}

func checkFinite[T float32 | float64](flat []T) error {
	for i, v := range flat {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.Errorf("images hold a non-finite value (%v) at flat index %d", v, i)
		}
	}
	return nil
}
