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
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// lrnParams is one LRN configuration.
type lrnParams struct {
	size              int
	alpha, beta, bias float64
}

// lrnConfigs are AlexNet's values and stronger ones: with alpha = 1e-4 the denominator is
// almost the constant bias^beta, so a wrong window would hardly show.
var lrnConfigs = []lrnParams{
	{5, 1e-4, 0.75, 2},
	{5, 0.5, 0.75, 1},
	{3, 2, 1, 0.5},
	{1, 1, 0.5, 1},
	{7, 0.3, 0.75, 1},
	{9, 1, 0.75, 1e-3},
}

// applyGraph runs fn on the float32 images b through the pure-Go (or configured) backend.
func applyGraph(t *testing.T, fn func(x *Node) *Node, b batch) []float32 {
	t.Helper()
	exec, err := NewExec(mvc.MustBackend(), fn)
	if err != nil {
		t.Fatal(err)
	}
	y, err := exec.Call1(tensors.FromFlatDataAndDimensions(b.values, b.n, b.h, b.w, b.c))
	if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	if !y.Shape().Equal(shapes.Make(dtypes.Float32, b.n, b.h, b.w, b.c)) {
		t.Fatalf("%s: output shape %s, want the input's", b.name, y.Shape())
	}
	return tensors.MustCopyFlatData[float32](y)
}

// checkClose fails the test if got and want differ by more than tolerance anywhere (NaN
// included).
func checkClose(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	worst, at := 0.0, 0
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if !(worst <= tolerance) {
		t.Errorf("%s: max |graph - reference| = %.3g at flat index %d (graph %v, reference %v)",
			what, worst, at, got[at], want[at])
	}
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// scaled returns b with its values mapped to lo + (hi-lo)*v.
func scaled(b batch, lo, hi float32) batch {
	out := b
	out.values = make([]float32, len(b.values))
	for i, v := range b.values {
		out.values[i] = lo + (hi-lo)*v
	}
	out.name = fmt.Sprintf("%s in [%g,%g]", b.name, lo, hi)
	return out
}

func compareLRN(t *testing.T, b batch, p lrnParams) {
	t.Helper()
	got := applyGraph(t, func(x *Node) *Node {
		return neurn.LRN(x, p.size, p.alpha, p.beta, p.bias)
	}, b)
	want, err := neurn.ReferenceLRN(to64(b.values), b.n, b.h, b.w, b.c, p.size, p.alpha, p.beta, p.bias)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, fmt.Sprintf("LRN %s %+v", b.name, p), got, want)
}

func compareLCN(t *testing.T, b batch, size int, sigma float64) {
	t.Helper()
	got := applyGraph(t, func(x *Node) *Node { return neurn.LCN(x, size, sigma) }, b)
	want, err := neurn.ReferenceLCN(to64(b.values), b.n, b.h, b.w, b.c, size, sigma)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, fmt.Sprintf("LCN %s size=%d sigma=%g", b.name, size, sigma), got, want)
}

func TestLRNMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	// C = 1, 3, 7 (fewer channels than most windows) and 16 (more).
	shapeList := [][4]int{{2, 5, 4, 3}, {1, 6, 6, 1}, {3, 4, 5, 7}, {1, 2, 3, 16}, {1, 1, 1, 3}}
	for _, s := range shapeList {
		for _, p := range lrnConfigs {
			b := randomBatch(rng, s[0], s[1], s[2], s[3])
			compareLRN(t, b, p)
			// Signed activations with a larger range (LRN follows convolutions).
			compareLRN(t, scaled(b, -3, 3), p)
		}
	}
}

func TestLRNBlankAndConstantImages(t *testing.T) {
	for _, level := range []float32{0, 0.5, 1} {
		b := batch{fmt.Sprintf("constant %v", level), 2, 4, 3, 7, make([]float32, 2*4*3*7)}
		for i := range b.values {
			b.values[i] = level
		}
		for _, p := range lrnConfigs {
			got := applyGraph(t, func(x *Node) *Node {
				return neurn.LRN(x, p.size, p.alpha, p.beta, p.bias)
			}, b)
			for i, v := range got {
				if level == 0 && v != 0 {
					t.Fatalf("blank image %+v: output[%d] = %v, want exactly 0", p, i, v)
				}
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s %+v: output[%d] = %v, want finite", b.name, p, i, v)
				}
			}
			compareLRN(t, b, p)
		}
	}
}

func TestLCNMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	shapeList := [][4]int{{2, 12, 9, 3}, {1, 16, 16, 1}, {2, 10, 11, 7}}
	for _, size := range []int{1, 3, 5, 9} {
		for _, sigma := range []float64{1, 2, 5} {
			for _, s := range shapeList {
				compareLCN(t, randomBatch(rng, s[0], s[1], s[2], s[3]), size, sigma)
			}
		}
	}
	// Defaults through the builder, and a window wider than the image.
	compareLCN(t, randomBatch(rng, 2, 20, 17, 3), neurn.DefaultLCNKernelSize, neurn.DefaultLCNSigma)
	compareLCN(t, randomBatch(rng, 1, 8, 8, 1), 11, 3)
}

func TestLCNSmallImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	// Images smaller than the window in one or both axes, and single pixels.
	for _, s := range [][4]int{{2, 1, 1, 1}, {1, 1, 1, 3}, {2, 3, 4, 2}, {1, 2, 9, 3}, {1, 5, 1, 7}} {
		for _, size := range []int{1, 3, 5, 9} {
			compareLCN(t, randomBatch(rng, s[0], s[1], s[2], s[3]), size, 2)
		}
	}
}

func TestLCNBlankAndConstantImages(t *testing.T) {
	for _, level := range []float32{0, 0.5, 1} {
		b := batch{fmt.Sprintf("constant %v", level), 2, 8, 7, 3, make([]float32, 2*8*7*3)}
		for i := range b.values {
			b.values[i] = level
		}
		for _, size := range []int{1, 3, 9} {
			got := applyGraph(t, func(x *Node) *Node { return neurn.LCN(x, size, 2) }, b)
			for i, v := range got {
				if level == 0 && v != 0 {
					t.Fatalf("blank image size=%d: output[%d] = %v, want exactly 0", size, i, v)
				}
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s size=%d: output[%d] = %v, want finite", b.name, size, i, v)
				}
			}
			// Non-zero constants leave a residue at the borders (zero padding): compare.
			compareLCN(t, b, size, 2)
		}
	}
	// With size 1 there is no neighbourhood: every v is 0 and so is the output.
	b := randomBatch(rand.New(rand.NewPCG(17, 18)), 1, 4, 4, 1)
	for i, v := range applyGraph(t, func(x *Node) *Node { return neurn.LCN(x, 1, 2) }, b) {
		if v != 0 {
			t.Fatalf("size 1, one channel: output[%d] = %v, want 0", i, v)
		}
	}
}

// TestLCNProperties checks a consequence of the definition that does not depend on the
// reference: the output is invariant to scaling the image by a positive factor (above the
// floor).
func TestLCNProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	b := randomBatch(rng, 1, 12, 12, 3)
	fn := func(x *Node) *Node { return neurn.LCN(x, 5, 1.5) }
	y := applyGraph(t, fn, b)
	y2 := applyGraph(t, fn, scaled(b, 0, 7))
	checkClose(t, "LCN(7x) vs LCN(x)", y2, to64(y))
}

func TestLRNAndLCNBuilders(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	b := randomBatch(rng, 2, 11, 10, 6)
	// check compares fn with want, and checks that other (a different configuration) differs,
	// so that the comparison can tell configurations apart.
	check := func(what string, fn, want, other func(x *Node) *Node) {
		t.Helper()
		b := b
		if what[:3] == "LRN" {
			// Activations large enough for AlexNet's alpha = 1e-4 to matter.
			b = scaled(b, 0, 20)
		}
		got := applyGraph(t, fn, b)
		checkClose(t, what, got, to64(applyGraph(t, want, b)))
		differs := false
		for i, v := range applyGraph(t, other, b) {
			differs = differs || math.Abs(float64(v-got[i])) > 10*tolerance
		}
		if !differs {
			t.Errorf("%s: a different configuration gives the same output", what)
		}
	}
	otherLRN := func(x *Node) *Node { return neurn.LRN(x, 3, 1e-4, 0.75, 2) }
	otherLCN := func(x *Node) *Node { return neurn.LCN(x, 7, 2) }
	check("LRN defaults",
		func(x *Node) *Node { return neurn.NewLRN(nil, x).Done() },
		func(x *Node) *Node { return neurn.LRN(x, 5, 1e-4, 0.75, 2) },
		otherLRN)
	check("LRN setters",
		func(x *Node) *Node { return neurn.NewLRN(nil, x).Size(3).Alpha(0.5).Beta(0.6).Bias(1.5).Done() },
		func(x *Node) *Node { return neurn.LRN(x, 3, 0.5, 0.6, 1.5) },
		otherLRN)
	store := model.NewStore()
	scope := store.RootScope()
	scope.SetParams(map[string]any{
		neurn.ParamLRNSize: 7, neurn.ParamLRNAlpha: 0.25, neurn.ParamLRNBeta: 0.5, neurn.ParamLRNBias: 3.0,
		neurn.ParamLCNKernelSize: 5, neurn.ParamLCNSigma: 1.25,
	})
	check("LRN scope parameters",
		func(x *Node) *Node { return neurn.NewLRN(scope, x).Done() },
		func(x *Node) *Node { return neurn.LRN(x, 7, 0.25, 0.5, 3) },
		otherLRN)
	check("LCN defaults",
		func(x *Node) *Node { return neurn.NewLCN(nil, x).Done() },
		func(x *Node) *Node { return neurn.LCN(x, 9, 2) },
		otherLCN)
	check("LCN setters",
		func(x *Node) *Node { return neurn.NewLCN(nil, x).KernelSize(3).Sigma(0.8).Done() },
		func(x *Node) *Node { return neurn.LCN(x, 3, 0.8) },
		otherLCN)
	check("LCN scope parameters",
		func(x *Node) *Node { return neurn.NewLCN(scope, x).Done() },
		func(x *Node) *Node { return neurn.LCN(x, 5, 1.25) },
		otherLCN)
}

func TestLRNAndLCNShapeAndDType(t *testing.T) {
	backend := mvc.MustBackend()
	layers := map[string]func(x *Node) *Node{
		"LRN": func(x *Node) *Node { return neurn.NewLRN(nil, x).Done() },
		"LCN": func(x *Node) *Node { return neurn.NewLCN(nil, x).Done() },
	}
	for name, fn := range layers {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			x := tensors.FromShape(shapes.Make(dt, 2, 6, 5, 3))
			y := MustNewExec(backend, fn).MustCall1(x)
			if !y.Shape().Equal(x.Shape()) {
				t.Errorf("%s dtype %s: output shape %s, want %s", name, dt, y.Shape(), x.Shape())
			}
		}
	}
}

// TestLRNAndLCNFloat64 checks float64 inputs against the references at a tighter tolerance.
func TestLRNAndLCNFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const n, h, w, c = 2, 7, 6, 5
	x := make([]float64, n*h*w*c)
	for i := range x {
		x[i] = rng.Float64()
	}
	backend := mvc.MustBackend()
	run := func(fn func(x *Node) *Node) []float64 {
		return tensors.MustCopyFlatData[float64](MustNewExec(backend, fn).MustCall1(tensors.FromFlatDataAndDimensions(x, n, h, w, c)))
	}
	gotLRN := run(func(x *Node) *Node { return neurn.LRN(x, 3, 0.7, 0.75, 1) })
	wantLRN, _ := neurn.ReferenceLRN(x, n, h, w, c, 3, 0.7, 0.75, 1)
	gotLCN := run(func(x *Node) *Node { return neurn.LCN(x, 5, 2) })
	wantLCN, _ := neurn.ReferenceLCN(x, n, h, w, c, 5, 2)
	for i := range x {
		if d := math.Abs(gotLRN[i] - wantLRN[i]); !(d <= 1e-12) {
			t.Fatalf("LRN float64[%d]: graph %v, reference %v", i, gotLRN[i], wantLRN[i])
		}
		if d := math.Abs(gotLCN[i] - wantLCN[i]); !(d <= 1e-12) {
			t.Fatalf("LCN float64[%d]: graph %v, reference %v", i, gotLCN[i], wantLCN[i])
		}
	}
}

// TestLRNAndLCNGradients checks autodiff against central finite differences in float64 on
// textured images, and that gradients are finite on blank and constant images.
func TestLRNAndLCNGradients(t *testing.T) {
	backend := mvc.MustBackend()
	rng := rand.New(rand.NewPCG(25, 26))
	const n, h, w, c = 2, 5, 6, 4
	size := n * h * w * c
	x := make([]float64, size)
	weights := make([]float64, size)
	for i := range x {
		x[i] = rng.Float64()*2 - 0.5
		weights[i] = rng.Float64() - 0.5
	}
	layers := map[string]func(x *Node) *Node{
		"LRN":             func(x *Node) *Node { return neurn.LRN(x, 3, 0.8, 0.75, 1) },
		"LRN AlexNet":     func(x *Node) *Node { return neurn.NewLRN(nil, x).Done() },
		"LCN":             func(x *Node) *Node { return neurn.LCN(x, 5, 1.5) },
		"LCN default 9x9": func(x *Node) *Node { return neurn.NewLCN(nil, x).Done() },
	}
	for name, layer := range layers {
		loss := func(xn *Node) *Node {
			wn := Const(xn.Graph(), tensors.FromFlatDataAndDimensions(weights, n, h, w, c))
			return ReduceAllSum(Mul(layer(xn), wn))
		}
		lossExec := MustNewExec(backend, loss)
		gradExec := MustNewExec(backend, func(xn *Node) *Node { return Gradient(loss(xn), xn)[0] })
		evalLoss := func(v []float64) float64 {
			return tensors.ToScalar[float64](lossExec.MustCall1(tensors.FromFlatDataAndDimensions(v, n, h, w, c)))
		}
		grad := tensors.MustCopyFlatData[float64](gradExec.MustCall1(tensors.FromFlatDataAndDimensions(x, n, h, w, c)))
		const eps = 1e-6
		maxErr, maxGrad := 0.0, 0.0
		for i := range x {
			if math.IsNaN(grad[i]) || math.IsInf(grad[i], 0) {
				t.Fatalf("%s: gradient[%d] = %v, want finite", name, i, grad[i])
			}
			xp := append([]float64(nil), x...)
			xm := append([]float64(nil), x...)
			xp[i] += eps
			xm[i] -= eps
			numeric := (evalLoss(xp) - evalLoss(xm)) / (2 * eps)
			maxErr = max(maxErr, math.Abs(numeric-grad[i]))
			maxGrad = max(maxGrad, math.Abs(grad[i]))
		}
		if maxErr > 1e-5 {
			t.Errorf("%s: max |autodiff - finite differences| = %.3g, want <= 1e-5", name, maxErr)
		}
		if maxGrad == 0 {
			t.Errorf("%s: all gradients are 0", name)
		}
	}

	// Blank and constant images, float32 and float64: gradients must be finite everywhere.
	for name, layer := range layers {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			for _, level := range []float64{0, 0.5} {
				gradExec := MustNewExec(backend, func(xn *Node) *Node {
					return Gradient(ReduceAllSum(layer(xn)), xn)[0]
				})
				in := tensors.FromShape(shapes.Make(dt, 1, 6, 5, 3))
				if level != 0 {
					in = MustNewExec(backend, func(z *Node) *Node { return AddScalar(z, level) }).MustCall1(in)
				}
				g := tensors.MustCopyFlatData[float64](MustNewExec(backend, func(z *Node) *Node {
					return ConvertDType(z, dtypes.Float64) // Read float32 and float64 alike.
				}).MustCall1(gradExec.MustCall1(in)))
				for i, v := range g {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%s %s constant %v: gradient[%d] = %v, want finite", name, dt, level, i, v)
					}
				}
			}
		}
	}
}

func TestLRNAndLCNInvalidInputs(t *testing.T) {
	backend := mvc.MustBackend()
	good := tensors.FromFlatDataAndDimensions(make([]float32, 8), 1, 2, 2, 2)
	// Each invalid input or argument, and a fragment of the error it must give (so that an
	// unrelated failure, such as an index out of range, does not pass).
	inputs := map[string]struct {
		x    *tensors.Tensor
		want string
	}{
		"rank 3": {tensors.FromFlatDataAndDimensions(make([]float32, 12), 2, 3, 2), "rank 4"},
		"rank 5": {tensors.FromFlatDataAndDimensions(make([]float32, 16), 1, 2, 2, 2, 2), "rank 4"},
		"int32":  {tensors.FromFlatDataAndDimensions(make([]int32, 8), 1, 2, 2, 2), "float32 or float64"},
		"int64":  {tensors.FromFlatDataAndDimensions(make([]int64, 8), 1, 2, 2, 2), "float32 or float64"},
		"uint8":  {tensors.FromFlatDataAndDimensions(make([]uint8, 8), 1, 2, 2, 2), "float32 or float64"},
	}
	layers := map[string]func(x *Node) *Node{
		"LRN": func(x *Node) *Node { return neurn.NewLRN(nil, x).Done() },
		"LCN": func(x *Node) *Node { return neurn.NewLCN(nil, x).Done() },
	}
	for layerName, fn := range layers {
		exec, err := NewExec(backend, fn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.Call1(good); err != nil {
			t.Fatalf("%s on a valid input: %v", layerName, err)
		}
		for name, in := range inputs {
			if _, err := exec.Call1(in.x); err == nil || !strings.Contains(err.Error(), in.want) {
				t.Errorf("%s on %s: want an error mentioning %q, got %v", layerName, name, in.want, err)
			}
		}
	}
	nan, inf := math.NaN(), math.Inf(1)
	configs := map[string]struct {
		fn   func(x *Node) *Node
		want string
	}{
		"LRN size 4":     {func(x *Node) *Node { return neurn.LRN(x, 4, 1e-4, 0.75, 2) }, "size must be odd"},
		"LRN size 0":     {func(x *Node) *Node { return neurn.NewLRN(nil, x).Size(0).Done() }, "size must be odd"},
		"LRN size -1":    {func(x *Node) *Node { return neurn.NewLRN(nil, x).Size(-1).Done() }, "size must be odd"},
		"LRN alpha < 0":  {func(x *Node) *Node { return neurn.NewLRN(nil, x).Alpha(-1).Done() }, "alpha"},
		"LRN alpha NaN":  {func(x *Node) *Node { return neurn.NewLRN(nil, x).Alpha(nan).Done() }, "alpha"},
		"LRN beta < 0":   {func(x *Node) *Node { return neurn.NewLRN(nil, x).Beta(-0.5).Done() }, "beta"},
		"LRN beta Inf":   {func(x *Node) *Node { return neurn.NewLRN(nil, x).Beta(inf).Done() }, "beta"},
		"LRN bias 0":     {func(x *Node) *Node { return neurn.NewLRN(nil, x).Bias(0).Done() }, "bias"},
		"LRN bias Inf":   {func(x *Node) *Node { return neurn.NewLRN(nil, x).Bias(inf).Done() }, "bias"},
		"LCN size 2":     {func(x *Node) *Node { return neurn.LCN(x, 2, 2) }, "size must be odd"},
		"LCN size 0":     {func(x *Node) *Node { return neurn.NewLCN(nil, x).KernelSize(0).Done() }, "size must be odd"},
		"LCN sigma 0":    {func(x *Node) *Node { return neurn.NewLCN(nil, x).Sigma(0).Done() }, "sigma"},
		"LCN sigma < 0":  {func(x *Node) *Node { return neurn.NewLCN(nil, x).Sigma(-1).Done() }, "sigma"},
		"LCN sigma NaN":  {func(x *Node) *Node { return neurn.NewLCN(nil, x).Sigma(nan).Done() }, "sigma"},
		"LCN sigma +Inf": {func(x *Node) *Node { return neurn.NewLCN(nil, x).Sigma(inf).Done() }, "sigma"},
	}
	for name, cfg := range configs {
		exec, err := NewExec(backend, cfg.fn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.Call1(good); err == nil || !strings.Contains(err.Error(), cfg.want) {
			t.Errorf("%s: want an error mentioning %q, got %v", name, cfg.want, err)
		}
	}
	// The references reject the same arguments.
	if _, err := neurn.ReferenceLRN(make([]float64, 8), 1, 2, 2, 2, 4, 1e-4, 0.75, 2); err == nil {
		t.Error("ReferenceLRN size 4: want an error")
	}
	if _, err := neurn.ReferenceLRN(make([]float64, 8), 1, 2, 2, 2, 5, 1e-4, 0.75, 0); err == nil {
		t.Error("ReferenceLRN bias 0: want an error")
	}
	if _, err := neurn.ReferenceLCN(make([]float64, 7), 1, 2, 2, 2, 3, 2); err == nil {
		t.Error("ReferenceLCN wrong length: want an error")
	}
	if _, err := neurn.ReferenceLCN(make([]float64, 8), 1, 2, 2, 2, 3, 0); err == nil {
		t.Error("ReferenceLCN sigma 0: want an error")
	}
}
