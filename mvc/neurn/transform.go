package neurn

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"
)

// Transformer applies NeuRN to batches of images outside a model (the CLI, figures, data
// preprocessing). It compiles the graph once per input shape on the given backend and reuses it,
// and it is safe for concurrent use.
//
// A batch is cut into chunks of a few images whose float64 intermediates fit in the CPU's cache,
// processed by one worker per core (GOMAXPROCS) and reassembled in order. NeuRN is computed per
// image, so the output is bit-for-bit the same as one graph over the whole batch; on the pure-Go
// backend, whose operations are memory-bound single passes, this is about twice as fast.
type Transformer struct {
	k          int
	perChannel bool
	exec       *Exec
	workers    int
}

// chunkElements is the target number of values per chunk: 64Ki float64 = 512 KiB per
// intermediate tensor, a fraction of a core's L2 cache.
const chunkElements = 64 << 10

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
	return &Transformer{
		k: k, perChannel: perChannel,
		exec:    exec.WithName(fmt.Sprintf("%s_k%d", name, k)),
		workers: runtime.GOMAXPROCS(0),
	}, nil
}

// KernelSize returns the window size k.
func (t *Transformer) KernelSize() int { return t.k }

// Apply returns NeuRN of images x, a float32 or float64 tensor shaped [batch, height, width,
// channels]. It returns an error for any other rank or dtype and for NaN or infinite values.
func (t *Transformer) Apply(x *tensors.Tensor) (*tensors.Tensor, error) {
	if x == nil {
		return nil, errors.New("neurn: nil tensor")
	}
	dims := x.Shape().Dimensions
	if err := CheckImages(x.Shape().DType, dims); err != nil {
		return nil, err
	}
	// Read the input and write the output in place, without intermediate copies.
	y := tensors.FromShape(x.Shape())
	var err error
	access := func(in, out any) {
		switch in := in.(type) {
		case []float32:
			err = applyChunked(t, in, out.([]float32), dims[0], dims[1], dims[2], dims[3])
		case []float64:
			err = applyChunked(t, in, out.([]float64), dims[0], dims[1], dims[2], dims[3])
		}
	}
	accessErr := x.ConstFlatData(func(in any) {
		if e := y.MutableFlatData(func(out any) { access(in, out) }); e != nil && err == nil {
			err = e
		}
	})
	if err == nil {
		err = accessErr
	}
	if err != nil {
		y.FinalizeAll()
		return nil, err
	}
	return y, nil
}

// ApplyFlat is Apply on a flat row-major float32 array shaped [n, h, w, c]; images is not
// modified.
func (t *Transformer) ApplyFlat(images []float32, n, h, w, c int) ([]float32, error) {
	if n <= 0 || h <= 0 || w <= 0 || c <= 0 || n*h*w*c != len(images) {
		return nil, errors.Errorf("neurn: %d values do not make shape [%d %d %d %d]", len(images), n, h, w, c)
	}
	out := make([]float32, len(images))
	if err := applyChunked(t, images, out, n, h, w, c); err != nil {
		return nil, err
	}
	return out, nil
}

// applyChunked runs the graph on chunks of images in parallel, writing the output into out.
func applyChunked[T float32 | float64](t *Transformer, images, out []T, n, h, w, c int) error {
	per := h * w * c
	chunk := max(1, min(n, chunkElements/per))
	numChunks := (n + chunk - 1) / chunk
	errs := make([]error, numChunks)
	jobs := make(chan int, numChunks)
	for i := range numChunks {
		jobs <- i
	}
	close(jobs)
	var wg sync.WaitGroup
	for range min(t.workers, numChunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				start, end := i*chunk, min(n, (i+1)*chunk)
				errs[i] = applyChunk(t, images[start*per:end*per], out[start*per:end*per], start, end-start, h, w, c)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// applyChunk computes NeuRN of the m images in src (the first is image number first of the
// batch) into dst.
func applyChunk[T float32 | float64](t *Transformer, src, dst []T, first, m, h, w, c int) error {
	if i, bad := firstNonFinite(src); bad {
		per := h * w * c
		return errors.Errorf("images hold a non-finite value (%v) in image %d, at flat index %d",
			src[i], first+i/per, first*per+i)
	}
	x := tensors.FromFlatDataAndDimensions(src, m, h, w, c) // copies src

	defer x.FinalizeAll()
	y, err := t.exec.Call1(x)
	if err != nil {
		return errors.Wrap(err, "neurn: executing NeuRN")
	}
	defer y.FinalizeAll()
	tensors.ConstFlatData(y, func(flat []T) { copy(dst, flat) })
	return nil
}

// firstNonFinite returns the index of the first NaN or infinite value, if any.
func firstNonFinite[T float32 | float64](flat []T) (int, bool) {
	for i, v := range flat {
		// v - v is 0 for finite v and NaN for NaN and infinities.
		if d := v - v; d != 0 {
			return i, true
		}
	}
	return 0, false
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
