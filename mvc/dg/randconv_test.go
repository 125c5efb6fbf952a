package dg

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
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// refConvSame is a plain-Go k x k convolution (cross-correlation, as GoMLX's and PyTorch's)
// with zero padding k/2: x [b, h, w, c], kernel [k, k, c, d].
func refConvSame(x []float32, b, h, w, c int, kernel []float32, k, d int) []float32 {
	out := make([]float32, b*h*w*d)
	p := k / 2
	for n := range b {
		for y := range h {
			for xx := range w {
				for o := range d {
					var s float64
					for dy := range k {
						for dx := range k {
							yy, xs := y+dy-p, xx+dx-p
							if yy < 0 || yy >= h || xs < 0 || xs >= w {
								continue
							}
							for i := range c {
								s += float64(x[((n*h+yy)*w+xs)*c+i]) * float64(kernel[((dy*k+dx)*c+i)*d+o])
							}
						}
					}
					out[((n*h+y)*w+xx)*d+o] = float32(s)
				}
			}
		}
	}
	return out
}

func randFloats(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

func TestConvSameMatchesReference(t *testing.T) {
	backend := mvc.MustBackend()
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 3, 5, 7} {
		b, h, w, c, d := 2, 6, 5, 3, 3
		x := randFloats(r, b*h*w*c)
		kernel := randFloats(r, k*k*c*d)
		got := MustExecOnce(backend, func(x, kern *Node) *Node { return convSame(x, kern) },
			tensors.FromFlatDataAndDimensions(x, b, h, w, c), tensors.FromFlatDataAndDimensions(kernel, k, k, c, d))
		want := refConvSame(x, b, h, w, c, kernel, k, d)
		for i, v := range tensors.MustCopyFlatData[float32](got) {
			if math.Abs(float64(v-want[i])) > 1e-4 {
				t.Fatalf("k=%d: element %d = %g, want %g", k, i, v, want[i])
			}
		}
	}
}

func TestRandConvKernelScales(t *testing.T) {
	s := RandConvKernelScales([]int{1, 3, 7}, 3)
	if len(s) != 3 || len(s[0]) != 7 {
		t.Fatalf("shape %d x %d, want 3 x 7", len(s), len(s[0]))
	}
	for i, k := range []int{1, 3, 7} {
		want := float32(1 / math.Sqrt(float64(k*k*3)))
		nonzero := 0
		for y := range 7 {
			for x := range 7 {
				v := s[i][y][x]
				inside := y >= (7-k)/2 && y < (7-k)/2+k && x >= (7-k)/2 && x < (7-k)/2+k
				switch {
				case inside && v != want:
					t.Errorf("k=%d: scale at (%d,%d) = %g, want %g", k, y, x, v, want)
				case !inside && v != 0:
					t.Errorf("k=%d: scale at (%d,%d) = %g outside the window, want 0", k, y, x, v)
				}
				if v != 0 {
					nonzero++
				}
			}
		}
		if nonzero != k*k {
			t.Errorf("k=%d: %d non-zero taps, want %d", k, nonzero, k*k)
		}
	}
}

// TestRandConvDraws feeds an impulse through many draws of RandConv (without mixing): each
// output is the drawn kernel itself, so its support shows the drawn size and its entries the
// weights' distribution. Every size must be drawn, every support must be a centred k x k
// square, and the weights' variance must be 1/(k^2 C): with n weights the sample variance has
// relative standard error sqrt(2/n); the test allows 5 of them.
func TestRandConvDraws(t *testing.T) {
	backend := mvc.MustBackend()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	rc := RandConv{KernelSizes: []int{1, 3, 5, 7}}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node { return randConv(scope, x, rc) })
	if err != nil {
		t.Fatal(err)
	}
	const h, c = 9, 3
	impulse := make([]float32, h*h*c)
	impulse[((h/2)*h+h/2)*c+0] = 1 // input channel 0 at the centre
	sumSq := map[int]float64{}
	count := map[int]int{}
	const draws = 400
	for range draws {
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(impulse, 1, h, h, c))
		if err != nil {
			t.Fatal(err)
		}
		v := tensors.MustCopyFlatData[float32](out[0])
		// Support: the extent of non-zero outputs around the centre.
		maxR := -1
		for y := range h {
			for x := range h {
				for d := range c {
					if v[(y*h+x)*c+d] != 0 {
						maxR = max(maxR, abs(y-h/2), abs(x-h/2))
					}
				}
			}
		}
		if maxR < 0 {
			t.Fatal("RandConv output of an impulse is all zeros")
		}
		k := 2*maxR + 1
		if k != 1 && k != 3 && k != 5 && k != 7 {
			t.Fatalf("support of size %d, want one of 1, 3, 5, 7", k)
		}
		for y := h/2 - maxR; y <= h/2+maxR; y++ {
			for x := h/2 - maxR; x <= h/2+maxR; x++ {
				for d := range c {
					w := float64(v[(y*h+x)*c+d])
					sumSq[k] += w * w
					count[k]++
				}
			}
		}
	}
	for _, k := range []int{1, 3, 5, 7} {
		if count[k] == 0 {
			t.Fatalf("kernel size %d never drawn in %d draws", k, draws)
		}
		variance := sumSq[k] / float64(count[k])
		want := 1 / float64(k*k*c)
		tol := 5 * math.Sqrt(2/float64(count[k]))
		if math.Abs(variance/want-1) > tol {
			t.Errorf("k=%d: weight variance %.4g over %d weights, want %.4g (relative tolerance %.2f)", k, variance, count[k], want, tol)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestRandConvMixAndIdentity checks RC_mix and RC_img with a single 1 x 1 size on a constant
// image: RC_mix output = alpha W x + (1 - alpha) x lies between x and W x channel-wise for some
// alpha in [0, 1] shared by all pixels and channels; with identity probability close to 1 the
// output is the input.
func TestRandConvMixAndIdentity(t *testing.T) {
	backend := mvc.MustBackend()
	store := model.NewStore()
	_ = store.SetRNGStateFromSeed(5)
	x := make([]float32, 2*4*4*3)
	r := rand.New(rand.NewPCG(9, 9))
	for i := range x {
		x[i] = float32(r.Float64()*2 - 1)
	}
	input := tensors.FromFlatDataAndDimensions(x, 2, 4, 4, 3)
	ident := RandConv{KernelSizes: []int{3}, IdentityProb: 0.999999}
	got := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node { return randConv(scope, x, ident) }).MustCall(input)[0]
	for i, v := range tensors.MustCopyFlatData[float32](got) {
		if v != x[i] {
			t.Fatalf("identity draw changed element %d: %g -> %g", i, x[i], v)
		}
	}
	// Mixing is linear in the input: mix(2x) = 2 mix(x) for the same draw (same seed).
	mix := RandConv{KernelSizes: []int{1, 3}, Mix: true}
	run := func(scale float32) []float32 {
		s := model.NewStore()
		_ = s.SetRNGStateFromSeed(11)
		xs := make([]float32, len(x))
		for i := range x {
			xs[i] = scale * x[i]
		}
		out := model.MustNewExec(backend, s, func(scope *model.Scope, x *Node) *Node { return randConv(scope, x, mix) }).
			MustCall(tensors.FromFlatDataAndDimensions(xs, 2, 4, 4, 3))[0]
		return tensors.MustCopyFlatData[float32](out)
	}
	a, b := run(1), run(2)
	same := true
	for i := range a {
		if math.Abs(float64(2*a[i]-b[i])) > 1e-5 {
			t.Fatalf("mix is not linear in x at %d: 2 x %g != %g", i, a[i], b[i])
		}
		same = same && a[i] == x[i]
	}
	if same {
		t.Fatal("RC_mix left the input unchanged")
	}
}

// TestWrapModelEvaluationUnchanged checks that evaluation graphs see the images unchanged (no
// RandConv, no rescaling) and that Whiten feeds (x - 0.5) / 0.5.
func TestWrapModelEvaluationUnchanged(t *testing.T) {
	backend := mvc.MustBackend()
	var seen []float32
	probe := func(scope *model.Scope, x *Node) *Node {
		return Reshape(ReduceSum(x, 1, 2, 3), x.Shape().Dimensions[0], 1)
	}
	for _, tc := range []struct {
		in   Input
		want func(v float32) float32
	}{
		{Input{RandConv: RCMix(10)}, func(v float32) float32 { return v }},
		{Input{Whiten: true}, func(v float32) float32 { return (v - 0.5) / 0.5 }},
	} {
		fn, err := WrapModel(probe, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		store := model.NewStore()
		_ = store.SetRNGStateFromSeed(1)
		img := []float32{0.1, 0.2, 0.9, 0.4, 0.5, 0.6, 0.7, 0.8, 0.3, 0.0, 1.0, 0.25}
		out := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			store.SetTraining(x.Graph(), false)
			return fn(scope, x)
		}).MustCall(tensors.FromFlatDataAndDimensions(img, 1, 2, 2, 3))[0]
		seen = tensors.MustCopyFlatData[float32](out)
		var want float64
		for _, v := range img {
			want += float64(tc.want(v))
		}
		if math.Abs(float64(seen[0])-want) > 1e-5 {
			t.Errorf("%+v: the model saw a sum of %g, want %g", tc.in, seen[0], want)
		}
	}
}

// TestConsistencyLoss compares the consistency loss with a plain-Go computation.
func TestConsistencyLoss(t *testing.T) {
	backend := mvc.MustBackend()
	logits := [][]float32{{1, 2, 0.5, 1, -1, 0}, {0, 0, 3, 2, 2, 2}, {-1, 4, 0, 0, 1, 1}}
	var args []any
	for _, l := range logits {
		args = append(args, tensors.FromFlatDataAndDimensions(l, 2, 3))
	}
	got := MustExecOnce(backend, func(a, b, c *Node) *Node { return consistencyLoss([]*Node{a, b, c}) }, args...)
	softmax := func(v []float32) []float64 {
		var s float64
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Exp(float64(x))
			s += out[i]
		}
		for i := range out {
			out[i] /= s
		}
		return out
	}
	var want float64
	for b := range 2 {
		var ps [][]float64
		mix := make([]float64, 3)
		for _, l := range logits {
			p := softmax(l[b*3 : b*3+3])
			ps = append(ps, p)
			for j := range p {
				mix[j] += p[j] / 3
			}
		}
		for _, p := range ps {
			for j := range p {
				want += p[j] * math.Log(p[j]/mix[j]) / 3 / 2
			}
		}
	}
	if g := float64(tensors.MustCopyFlatData[float32](got)[0]); math.Abs(g-want) > 1e-5 {
		t.Fatalf("consistency loss %g, want %g", g, want)
	}
}

func TestRandConvValidate(t *testing.T) {
	for _, rc := range []RandConv{{}, {KernelSizes: []int{2}}, {KernelSizes: []int{3}, IdentityProb: 1}, {KernelSizes: []int{3}, Consistency: -1}} {
		if err := rc.Validate(); err == nil {
			t.Errorf("%+v: no error", rc)
		}
	}
	if err := RCMix(10).Validate(); err != nil {
		t.Error(err)
	}
	_ = shapes.Make(dtypes.Float32)
}

// TestResizeBilinearPIL checks Pillow's bilinear resize on hand-computed cases: [0, 255] to 4
// pixels is [0, 64, 191, 255] (centres 0.25, 0.75, 1.25, 1.75 in input pixels, windows cut at
// the borders), back to 2 pixels the first is (0 x 0.75 + 64 x 0.75 + 191 x 0.25) / 1.75 = 54.7
// -> 55; a constant image stays constant; rows are resized like columns.
func TestResizeBilinearPIL(t *testing.T) {
	row := &data.Dataset{Name: "row", N: 1, Height: 1, Width: 2, Channels: 1, Pixels: []uint8{0, 255}, Labels: []int{0}, ClassNames: []string{"a"}}
	up, err := ResizeBilinearPIL(row, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(up.Pixels); got != "[0 64 191 255]" {
		t.Fatalf("[0 255] -> 4 pixels: %s, want [0 64 191 255]", got)
	}
	down, _ := ResizeBilinearPIL(up, 1, 2)
	if down.Pixels[0] != 55 || down.Pixels[1] != 200 {
		t.Fatalf("[0 64 191 255] -> 2 pixels: %v, want [55 200]", down.Pixels)
	}
	col := &data.Dataset{Name: "col", N: 1, Height: 2, Width: 1, Channels: 1, Pixels: []uint8{0, 255}, Labels: []int{0}, ClassNames: []string{"a"}}
	if c, _ := ResizeBilinearPIL(col, 4, 1); fmt.Sprint(c.Pixels) != "[0 64 191 255]" {
		t.Fatalf("column: %v", c.Pixels)
	}
	flat := &data.Dataset{Name: "flat", N: 2, Height: 5, Width: 3, Channels: 3, Pixels: make([]uint8, 2*5*3*3), Labels: []int{0, 0}, ClassNames: []string{"a"}}
	for i := range flat.Pixels {
		flat.Pixels[i] = 77
	}
	f, _ := ResizeBilinearPIL(flat, 32, 32)
	for _, v := range f.Pixels {
		if v != 77 {
			t.Fatalf("a constant image changed: %d", v)
		}
	}
	if f.N != 2 || f.Height != 32 || len(f.Pixels) != 2*32*32*3 || !strings.Contains(f.Provenance, "bilinear") {
		t.Fatalf("resized dataset %+v", f)
	}
	if _, err := ResizeBilinearPIL(flat, 0, 3); err == nil {
		t.Fatal("size 0 accepted")
	}
}
