package neurn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// tolerance is the precision requirement: within 1e-5 of a float64 evaluation of the
// specification.
const tolerance = 1e-5

type batch struct {
	name       string
	n, h, w, c int
	values     []float32
}

func randomBatch(rng *rand.Rand, n, h, w, c int) batch {
	v := make([]float32, n*h*w*c)
	for i := range v {
		v[i] = rng.Float32()
	}
	return batch{fmt.Sprintf("random[%d,%d,%d,%d]", n, h, w, c), n, h, w, c, v}
}

// compare runs NeuRN through the graph on b and checks it against Reference.
func compare(t *testing.T, b batch, k int, perChannel bool) {
	t.Helper()
	tr := transformer(t, k, perChannel)
	got, err := tr.ApplyFlat(b.values, b.n, b.h, b.w, b.c)
	if err != nil {
		t.Fatalf("%s k=%d: %v", b.name, k, err)
	}
	in64 := make([]float64, len(b.values))
	for i, v := range b.values {
		in64[i] = float64(v)
	}
	want, err := neurn.Reference(in64, b.n, b.h, b.w, b.c, k, perChannel)
	if err != nil {
		t.Fatal(err)
	}
	worst, at := 0.0, 0
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if !(worst <= tolerance) {
		t.Errorf("%s k=%d perChannel=%v: max |graph - reference| = %.3g at flat index %d (graph %v, reference %v)",
			b.name, k, perChannel, worst, at, got[at], want[at])
	}
}

var transformers = map[string]*neurn.Transformer{}

func transformer(t *testing.T, k int, perChannel bool) *neurn.Transformer {
	t.Helper()
	key := fmt.Sprint(k, perChannel)
	if tr, ok := transformers[key]; ok {
		return tr
	}
	tr, err := neurn.NewTransformer(mvc.MustBackend(), k, perChannel)
	if err != nil {
		t.Fatal(err)
	}
	transformers[key] = tr
	return tr
}

func TestMatchesReferenceRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][4]int{{2, 12, 9, 3}, {1, 32, 32, 1}, {3, 7, 16, 4}}
	for k := 1; k <= 9; k += 2 {
		for _, s := range shapes {
			for _, perChannel := range []bool{false, true} {
				compare(t, randomBatch(rng, s[0], s[1], s[2], s[3]), k, perChannel)
			}
		}
	}
}

func TestSmallImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Images smaller than the window in one or both axes, and single pixels.
	for _, s := range [][4]int{{2, 1, 1, 1}, {1, 1, 1, 3}, {2, 3, 4, 2}, {1, 2, 9, 3}, {1, 5, 1, 1}} {
		for k := 1; k <= 9; k += 2 {
			compare(t, randomBatch(rng, s[0], s[1], s[2], s[3]), k, false)
			compare(t, randomBatch(rng, s[0], s[1], s[2], s[3]), k, true)
		}
	}
	// A single pixel has no contrast: zeros.
	tr := transformer(t, 3, false)
	out, err := tr.ApplyFlat([]float32{0.7, 0.2, 0.9}, 1, 1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out {
		if v != 0 {
			t.Errorf("1x1 image: output[%d] = %v, want 0", i, v)
		}
	}
}

func TestBlankAndConstantImages(t *testing.T) {
	for _, level := range []float32{0, 0.5, 1} {
		v := make([]float32, 2*8*8*3)
		for i := range v {
			v[i] = level
		}
		for _, k := range []int{1, 3, 7} {
			out, err := transformer(t, k, false).ApplyFlat(v, 2, 8, 8, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				if o != 0 {
					t.Fatalf("constant image %v, k=%d: output[%d] = %v, want exactly 0", level, k, i, o)
				}
			}
		}
	}
}

func TestConstantPatchesAndNearlyFlatImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, h, w, c = 3, 16, 20, 3
	// Image 0: left half constant 0.8 (flat windows next to textured ones), right half random.
	// Image 1: a constant 0.5 with noise of 1e-6: the maximum sigma is tiny, so any
	// cancellation in the sums is magnified by the normalization.
	// Image 2: one channel constant, the others random.
	b := batch{"patches", n, h, w, c, make([]float32, n*h*w*c)}
	for i := range h {
		for j := range w {
			for ch := range c {
				base := ((0*h+i)*w + j) * c
				if j < w/2 {
					b.values[base+ch] = 0.8
				} else {
					b.values[base+ch] = rng.Float32()
				}
				b.values[((1*h+i)*w+j)*c+ch] = 0.5 + 1e-6*rng.Float32()
				if ch == 1 {
					b.values[((2*h+i)*w+j)*c+ch] = 0.3
				} else {
					b.values[((2*h+i)*w+j)*c+ch] = rng.Float32()
				}
			}
		}
	}
	for k := 1; k <= 9; k += 2 {
		compare(t, b, k, false)
		compare(t, b, k, true)
	}
}

func TestMatchesReferenceOnMNIST(t *testing.T) {
	images, err := data.LoadMNISTImages(data.MNISTTest)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	const n = 16
	b := batch{"MNIST test[0:16]", n, images.Height, images.Width, 1, make([]float32, n*images.Height*images.Width)}
	for i := range b.values {
		b.values[i] = float32(images.Pixels[i]) / 255
	}
	for k := 1; k <= 9; k += 2 {
		compare(t, b, k, false)
	}
}

func TestInvalidInputs(t *testing.T) {
	backend := mvc.MustBackend()
	if _, err := neurn.NewTransformer(backend, 4, false); err == nil {
		t.Error("even kernel size: want an error")
	}
	if _, err := neurn.NewTransformer(backend, 0, false); err == nil {
		t.Error("kernel size 0: want an error")
	}
	tr := transformer(t, 3, false)
	cases := map[string]*tensors.Tensor{
		"rank 3":  tensors.FromFlatDataAndDimensions(make([]float32, 12), 2, 3, 2),
		"rank 5":  tensors.FromFlatDataAndDimensions(make([]float32, 16), 1, 2, 2, 2, 2),
		"int32":   tensors.FromFlatDataAndDimensions(make([]int32, 8), 1, 2, 2, 2),
		"uint8":   tensors.FromFlatDataAndDimensions(make([]uint8, 8), 1, 2, 2, 2),
		"NaN":     tensors.FromFlatDataAndDimensions([]float32{0, float32(math.NaN()), 0, 0}, 1, 2, 2, 1),
		"+Inf":    tensors.FromFlatDataAndDimensions([]float32{0, 0, float32(math.Inf(1)), 0}, 1, 2, 2, 1),
		"0 width": tensors.FromFlatDataAndDimensions([]float32{}, 1, 2, 0, 1),
	}
	for name, x := range cases {
		if _, err := tr.Apply(x); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := tr.ApplyFlat(make([]float32, 10), 1, 2, 2, 2); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("wrong length: want a shape error, got %v", err)
	}
	// In a graph, invalid inputs are exceptions that the executor returns as errors.
	exec, err := NewExec(backend, func(x *Node) *Node { return neurn.NeuRN(x, 3, false) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Call1(tensors.FromFlatDataAndDimensions(make([]int64, 4), 1, 2, 2, 1)); err == nil {
		t.Error("graph on int64 images: want an error")
	}
	exec2, _ := NewExec(backend, func(x *Node) *Node { return neurn.NeuRN(x, 2, false) })
	if _, err := exec2.Call1(tensors.FromFlatDataAndDimensions(make([]float32, 4), 1, 2, 2, 1)); err == nil {
		t.Error("graph with k=2: want an error")
	}
}

func TestShapeAndDTypePreserved(t *testing.T) {
	backend := mvc.MustBackend()
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		exec := MustNewExec(backend, func(x *Node) *Node { return neurn.New(nil, x).KernelSize(5).Done() })
		x := tensors.FromShape(shapes.Make(dt, 2, 6, 5, 3))
		y := exec.MustCall1(x)
		if !y.Shape().Equal(x.Shape()) {
			t.Errorf("dtype %s: output shape %s, want %s", dt, y.Shape(), x.Shape())
		}
	}
}

// TestGradients checks autodiff against central finite differences in float64, on a textured
// image, and checks that gradients are finite (zero) on flat patches and blank images.
func TestGradients(t *testing.T) {
	backend := mvc.MustBackend()
	rng := rand.New(rand.NewPCG(7, 8))
	const n, h, w, c = 2, 6, 7, 2
	size := n * h * w * c
	x := make([]float64, size)
	weights := make([]float64, size)
	for i := range x {
		x[i] = rng.Float64()
		weights[i] = rng.Float64() - 0.5
	}
	// A flat 3x3 patch in image 1, channel 0, so its gradient path is exercised too.
	for i := 1; i < 4; i++ {
		for j := 1; j < 4; j++ {
			x[((1*h+i)*w+j)*c] = 0.25
		}
	}
	for _, perChannel := range []bool{false, true} {
		loss := func(xn *Node) *Node {
			wn := Const(xn.Graph(), tensors.FromFlatDataAndDimensions(weights, n, h, w, c))
			return ReduceAllSum(Mul(neurn.NeuRN(xn, 3, perChannel), wn))
		}
		lossExec := MustNewExec(backend, loss)
		gradExec := MustNewExec(backend, func(xn *Node) *Node { return Gradient(loss(xn), xn)[0] })
		evalLoss := func(v []float64) float64 {
			return tensors.ToScalar[float64](lossExec.MustCall1(tensors.FromFlatDataAndDimensions(v, n, h, w, c)))
		}
		grad := tensors.MustCopyFlatData[float64](gradExec.MustCall1(tensors.FromFlatDataAndDimensions(x, n, h, w, c)))
		const eps = 1e-6
		maxErr := 0.0
		for i := range x {
			if math.IsNaN(grad[i]) || math.IsInf(grad[i], 0) {
				t.Fatalf("perChannel=%v: gradient[%d] = %v, want finite", perChannel, i, grad[i])
			}
			xp := append([]float64(nil), x...)
			xm := append([]float64(nil), x...)
			xp[i] += eps
			xm[i] -= eps
			numeric := (evalLoss(xp) - evalLoss(xm)) / (2 * eps)
			if flatInterior(i, h, w, c) {
				// The standard deviation is not differentiable at a flat window; one-sided
				// slopes differ. Only finiteness is required there.
				continue
			}
			maxErr = max(maxErr, math.Abs(numeric-grad[i]))
		}
		if maxErr > 1e-5 {
			t.Errorf("perChannel=%v: max |autodiff - finite differences| = %.3g, want <= 1e-5", perChannel, maxErr)
		}
	}

	// Blank images: gradients must be finite everywhere.
	blank := make([]float32, 1*5*5*3)
	gradExec := MustNewExec(backend, func(xn *Node) *Node {
		return Gradient(ReduceAllSum(neurn.NeuRN(xn, 3, false)), xn)[0]
	})
	for i, g := range tensors.MustCopyFlatData[float32](gradExec.MustCall1(tensors.FromFlatDataAndDimensions(blank, 1, 5, 5, 3))) {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			t.Fatalf("blank image: gradient[%d] = %v, want finite", i, g)
		}
	}
}

// flatInterior tells whether flat index i (image 1, channel 0) lies in the constant patch or
// next to it, where windows are flat or the finite differences straddle a kink.
func flatInterior(i, h, w, c int) bool {
	ch := i % c
	j := (i / c) % w
	row := (i / c / w) % h
	img := i / c / w / h
	return img == 1 && ch == 0 && row >= 0 && row <= 4 && j >= 0 && j <= 4
}

// TestTransformerChunkingIsExact checks that cutting a batch into chunks run in parallel gives
// bit-for-bit the output of one graph over the whole batch, for float32 and float64.
func TestTransformerChunkingIsExact(t *testing.T) {
	backend := mvc.MustBackend()
	rng := rand.New(rand.NewPCG(11, 12))
	const n, h, w, c = 45, 32, 32, 3 // 3 chunks of up to 21 images, the last one short
	v32 := make([]float32, n*h*w*c)
	v64 := make([]float64, n*h*w*c)
	for i := range v32 {
		v32[i] = rng.Float32()
		v64[i] = float64(v32[i])
	}
	whole := MustNewExec(backend, func(x *Node) *Node { return neurn.NeuRN(x, 5, false) })
	tr := transformer(t, 5, false)
	for _, x := range []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(v32, n, h, w, c),
		tensors.FromFlatDataAndDimensions(v64, n, h, w, c),
	} {
		want := whole.MustCall1(x)
		got, err := tr.Apply(x)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Shape().Equal(want.Shape()) {
			t.Fatalf("shape %s, want %s", got.Shape(), want.Shape())
		}
		if !got.Equal(want) {
			t.Errorf("%s: chunked Transformer output differs from the whole-batch graph", x.Shape().DType)
		}
	}
	// A NaN in a later chunk is reported with its image.
	bad := append([]float32(nil), v32...)
	bad[40*h*w*c+7] = float32(math.NaN())
	if _, err := tr.ApplyFlat(bad, n, h, w, c); err == nil || !strings.Contains(err.Error(), "image 40") {
		t.Errorf("NaN in image 40: got error %v", err)
	}
}
