package represent

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// simulate writes one small simulated experiment and returns its path and ground truth.
func simulate(t testing.TB, opts allen.SimOptions, area, cre string, edit func(e *allen.Experiment)) (string, *allen.GroundTruth) {
	t.Helper()
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	e, truth, err := allen.SimulateExperiment(opts, stim, area, cre)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(e)
	}
	path := filepath.Join(t.TempDir(), allen.FileBase(area, cre)+".nwb")
	if err := allen.WriteNWB(path, e); err != nil {
		t.Fatal(err)
	}
	return path, truth
}

func smallOptions() allen.SimOptions {
	o := allen.DefaultSimOptions()
	o.Cells, o.Height, o.Width, o.Images, o.Trials, o.BlankSweeps = 4, 12, 15, 7, 5, 3
	o.Stimulus = allen.StimulusPink
	return o
}

// overlap is the length of [a0, a1) inside [b0, b1).
func overlap(a0, a1, b0, b1 float64) float64 { return max(0, min(a1, b1)-max(a0, b0)) }

// referenceResize is area averaging written out as its definition: output pixel (y, x) covers
// the input rectangle [y*H/h, (y+1)*H/h) x [x*W/w, (x+1)*W/w); its value is the mean of the
// input over it, each input pixel weighted by the area it shares.
func referenceResize(src []uint8, sh, sw, h, w int) []float64 {
	out := make([]float64, h*w)
	for y := range h {
		y0, y1 := float64(y)*float64(sh)/float64(h), float64(y+1)*float64(sh)/float64(h)
		for x := range w {
			x0, x1 := float64(x)*float64(sw)/float64(w), float64(x+1)*float64(sw)/float64(w)
			var s, area float64
			for sy := range sh {
				for sx := range sw {
					a := overlap(float64(sy), float64(sy+1), y0, y1) * overlap(float64(sx), float64(sx+1), x0, x1)
					s += a * float64(src[sy*sw+sx]) / 255
					area += a
				}
			}
			out[y*w+x] = s / area
		}
	}
	return out
}

// referenceCell computes one cell's representation with plain loops over the spec.
func referenceCell(trace []float64, table []allen.Presentation, tmpl *allen.Images, h, w, tau int) (m []float64, lag int, peak float64) {
	n, p := tmpl.N, h*w
	fs := make([][]float64, n)
	mean := make([]float64, p)
	for i := range n {
		fs[i] = referenceResize(tmpl.Image(i), tmpl.Height, tmpl.Width, h, w)
		for j := range p {
			mean[j] += fs[i][j] / float64(n)
		}
	}
	for i := range n {
		for j := range p {
			fs[i][j] -= mean[j]
		}
	}
	T := make([][]float64, n)
	for i := range n {
		T[i] = make([]float64, tau)
		count := 0
		for _, pr := range table {
			if pr.Image != i {
				continue
			}
			count++
			for l := range tau {
				T[i][l] += trace[pr.Start+l]
			}
		}
		for l := range tau {
			T[i][l] /= float64(count)
		}
	}
	peak = math.Inf(-1)
	best := -1.0
	for l := range tau {
		nl := make([]float64, p)
		for j := range p {
			for i := range n {
				nl[j] += T[i][l] * fs[i][j]
			}
		}
		var s float64
		for j := range p {
			s += nl[j] * nl[j]
		}
		if math.Sqrt(s) > best {
			best, lag, m = math.Sqrt(s), l, nl
		}
		for i := range n {
			peak = max(peak, T[i][l])
		}
	}
	return m, lag, peak
}

// TestSpec checks FromFile against a plain-loop computation of the package's specification,
// at the templates' size, shrunk, enlarged, and for a window of 0.5 s.
func TestSpec(t *testing.T) {
	path, _ := simulate(t, smallOptions(), "VISl", "Rbp4", nil)
	f, err := allen.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	table, _ := f.NaturalScenes()
	tmpl, _ := f.Templates()
	for _, c := range []struct {
		h, w int
		tau  float64
	}{{0, 0, 0}, {5, 7, 0}, {20, 31, 0}, {4, 4, 0.5}} {
		res, err := FromFile(f, Options{Height: c.h, Width: c.w, TauSeconds: c.tau})
		if err != nil {
			t.Fatal(err)
		}
		h, w := c.h, c.w
		if h == 0 {
			h, w = tmpl.Height, tmpl.Width
		}
		wantTau := 30
		if c.tau == 0.5 {
			wantTau = 15
		}
		if res.Height != h || res.Width != w || res.Tau != wantTau || len(res.Cells) != 4 {
			t.Fatalf("result %dx%d, tau %d, %d cells; want %dx%d, %d, 4", res.Height, res.Width, res.Tau, len(res.Cells), h, w, wantTau)
		}
		for _, cell := range res.Cells {
			trace, _ := f.Trace(cell.Index)
			m, lag, peak := referenceCell(trace, table, tmpl, h, w, res.Tau)
			if cell.PeakLag != lag {
				t.Errorf("%dx%d cell %d: peak lag %d, reference %d", h, w, cell.Index, cell.PeakLag, lag)
				continue
			}
			scale := norm(m)
			for j := range m {
				if math.Abs(cell.Map[j]-m[j]) > 1e-12*scale {
					t.Fatalf("%dx%d cell %d pixel %d: %v, reference %v", h, w, cell.Index, j, cell.Map[j], m[j])
				}
			}
			if math.Abs(cell.PeakDFF-peak) > 1e-12 || math.Abs(cell.TimeToPeak-float64(lag)/30) > 1e-9 {
				t.Errorf("cell %d: peak dF/F %v time to peak %v; reference %v, %v", cell.Index, cell.PeakDFF, cell.TimeToPeak, peak, float64(lag)/30)
			}
		}
	}
}

// The Gram shortcut for the norms picks the same lag and map as the direct computation.
func TestGramPath(t *testing.T) {
	opts := smallOptions()
	opts.Images, opts.Height, opts.Width = 5, 20, 24
	path, _ := simulate(t, opts, "VISp", "Sst", nil)
	f, _ := allen.Open(path)
	defer func() { _ = f.Close() }()
	table, _ := f.NaturalScenes()
	tmpl, _ := f.Templates()
	fs, err := FlattenStimuli(tmpl, 20, 24)
	if err != nil {
		t.Fatal(err)
	}
	gram := Gram(fs)
	for c := range opts.Cells {
		trace, _ := f.Trace(c)
		T, err := TrialAverages(trace, table, opts.Images, 30)
		if err != nil {
			t.Fatal(err)
		}
		a, b := Representation(T, fs, 30, nil, 30), Representation(T, fs, 30, gram, 30)
		if a.PeakLag != b.PeakLag || !slices.Equal(a.Map, b.Map) {
			t.Errorf("cell %d: direct lag %d, Gram lag %d", c, a.PeakLag, b.PeakLag)
		}
		for l := range a.Norms {
			if math.Abs(a.Norms[l]-b.Norms[l]) > 1e-9*a.Norms[a.PeakLag] {
				t.Errorf("cell %d lag %d: norm %v direct, %v via Gram", c, l, a.Norms[l], b.Norms[l])
			}
		}
	}
}

// FS agrees with the project's dataset resize (data.Dataset.Float32, float32 output).
func TestFlattenMatchesDataResize(t *testing.T) {
	opts := smallOptions()
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	im := stim.Images
	fs, err := FlattenStimuli(im, 5, 6)
	if err != nil {
		t.Fatal(err)
	}
	ds := &data.Dataset{Name: "stimuli", N: im.N, Height: im.Height, Width: im.Width, Channels: 1,
		Pixels: im.Pixels, Labels: make([]int, im.N), ClassNames: []string{"image"}}
	ref, err := ds.Float32(5, 6, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.N {
		for j := range 30 {
			if d := fs.FS[i*30+j] + fs.Mean[j] - float64(ref[i*30+j]); math.Abs(d) > 1e-6 {
				t.Fatalf("image %d pixel %d: FS + mean = %v, data resize %v", i, j, fs.FS[i*30+j]+fs.Mean[j], ref[i*30+j])
			}
		}
	}
}

// pearson returns the correlation of two equal-length vectors.
func pearson(a []float64, b []float32) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(a))
	var sab, saa, sbb float64
	for i := range a {
		x, y := a[i]-ma, float64(b[i])-mb
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestRecoversFieldsWithWhiteNoise: with white-noise stimuli, N at the peak lag is the
// spike-triggered average of the cell's response, which recovers its linear receptive field.
//
// Threshold. Let the n images have P independent pixels of variance v, and let the
// trial-averaged response T_i at the peak lag vary across images with variance s^2, of which a
// fraction R^2 is linear in the image (the rest: the rectifier's nonlinearity, Poisson and trial
// noise, frame noise, calcium left over from earlier presentations). The map is
// sum_i T_i (x_i - mean) (the mean response drops out: the centred pixels sum to zero). Its
// expected value is n v beta k (k the field, beta the slope; Bussgang 1952), of squared norm
// n^2 v R^2 s^2, and each of its P pixels has noise variance about n v s^2. So the expected
// correlation between map and field is
//
//	rho = (1 + P / (n R^2))^(-1/2).
//
// Here P = 16 x 20 = 320 and n = 3000; R^2 is measured per cell from the ground truth (the
// squared correlation of T at the peak lag with the field's drive k . x_i). The test requires
// R^2 >= 0.1 (the simulator's cells do respond to their field); a correlation of each cell at
// least the expected one minus 0.12, and on average over the cells at least the expected one
// minus 0.05 (the representation is as good as the data allow; the formula is approximate, the
// single-cell deviations measured were up to 0.1). At R^2 = 0.15 the expected correlation is 0.76.
// With 12,000 images the measured correlations rise to 0.92-0.96, as the formula says.
func TestRecoversFieldsWithWhiteNoise(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 3000 white-noise images")
	}
	opts := allen.DefaultSimOptions()
	opts.Stimulus = allen.StimulusWhite
	opts.Cells, opts.Height, opts.Width, opts.Images, opts.Trials, opts.BlankSweeps = 6, 16, 20, 3000, 2, 0
	opts.DegreesWide = 40 // 2 degrees per pixel: V1 fields (sigma ~5 degrees) span several pixels
	for _, cre := range []string{"Cux2", "Sst"} {
		path, truth := simulate(t, opts, "VISp", cre, nil)
		f, err := allen.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := FromFile(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		table, _ := f.NaturalScenes()
		tmpl, _ := f.Templates()
		P, n := float64(opts.Height*opts.Width), float64(opts.Images)
		deviation := 0.0
		for j, cell := range res.Cells {
			field := make([]float32, len(truth.Cells[j].Field))
			drive := make([]float64, tmpl.N)
			for p, v := range truth.Cells[j].Field {
				field[p] = float32(v)
			}
			for i := range tmpl.N {
				for p, v := range tmpl.Image(i) {
					drive[i] += truth.Cells[j].Field[p] * float64(v)
				}
			}
			trace, _ := f.Trace(j)
			T, _ := TrialAverages(trace, table, tmpl.N, res.Tau)
			atPeak := make([]float32, tmpl.N)
			for i := range tmpl.N {
				atPeak[i] = float32(T[i*res.Tau+cell.PeakLag])
			}
			r2 := math.Pow(pearson(drive, atPeak), 2)
			rho := pearson(cell.Map, field)
			expected := 1 / math.Sqrt(1+P/(n*max(r2, 1e-9)))
			bound := expected - 0.12
			deviation += (rho - expected) / float64(len(res.Cells))
			t.Logf("%s cell %d: R^2 %.3f, correlation %.3f (expected %.3f), time to peak %.3f s", cre, j, r2, rho, expected, cell.TimeToPeak)
			if r2 < 0.1 {
				t.Errorf("%s cell %d: only %.3f of the response variance is linear in the image", cre, j, r2)
			}
			if rho < bound {
				t.Errorf("%s cell %d: representation correlates %.3f with the true field, want >= %.3f", cre, j, rho, bound)
			}
		}
		if deviation < -0.05 {
			t.Errorf("%s: correlations are on average %.3f below the expected ones", cre, -deviation)
		}
		_ = f.Close()
	}
}

func TestTraceErrors(t *testing.T) {
	opts := smallOptions()
	nanPath, _ := simulate(t, opts, "VISp", "Vip", func(e *allen.Experiment) {
		// A NaN inside the response window of the first presentation of cell 2.
		e.DFF[2*e.Frames+e.Presentations[0].Start+3] = float32(math.NaN())
	})
	f, _ := allen.Open(nanPath)
	_, err := FromFile(f, Options{})
	_ = f.Close()
	var de *allen.DatasetError
	if !errors.As(err, &de) || de.File != nanPath || de.Dataset != allen.DFFPath {
		t.Fatalf("NaN trace: error %v, want a DatasetError for %s in %s", err, allen.DFFPath, nanPath)
	}
	for _, s := range []string{nanPath, allen.DFFPath, "cell 2", "NaN", "presentation 0"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("NaN trace: error %q does not say %q", err, s)
		}
	}

	good, _ := simulate(t, opts, "VISp", "Vip", nil)
	f, _ = allen.Open(good)
	defer func() { _ = f.Close() }()
	// A 3 s window runs past the end of the recording (2 s of grey after the last image).
	_, err = FromFile(f, Options{TauSeconds: 3})
	if !errors.As(err, &de) || de.Dataset != allen.NaturalScenesFramesPath || !strings.Contains(err.Error(), "runs past the recording") {
		t.Errorf("window past the recording: error %v", err)
	}
	if _, err = FromFile(f, Options{Cells: []int{0, 9}}); err == nil || !strings.Contains(err.Error(), "cell 9 requested") {
		t.Errorf("cell out of range: error %v", err)
	}
	if _, err = FromFile(f, Options{Height: -1, Width: 3}); err == nil {
		t.Error("negative size: no error")
	}
	// Plain TrialAverages errors.
	table := []allen.Presentation{{Image: 0, Start: 0, End: 2}, {Image: 1, Start: 5, End: 7}}
	if _, err := TrialAverages(make([]float64, 6), table, 2, 3); err == nil || !strings.Contains(err.Error(), "outside the trace") {
		t.Errorf("window outside the trace: error %v", err)
	}
	if _, err := TrialAverages(make([]float64, 10), table, 3, 3); err == nil || !strings.Contains(err.Error(), "image 2 is never shown") {
		t.Errorf("image never shown: error %v", err)
	}
}

func TestSessionA(t *testing.T) {
	path := filepath.Join("..", "allen", "testdata", "h5py_session_a.nwb")
	f, err := allen.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	_, err = FromFile(f, Options{})
	if !errors.Is(err, allen.ErrNoNaturalScenes) || !strings.Contains(err.Error(), "three_session_A") {
		t.Errorf("session A: error %v, want ErrNoNaturalScenes naming three_session_A", err)
	}
}

// The h5py fixture (gzip-chunked) goes through the same path: 12 presentations of 4 images,
// cell c's dF/F at frame k is c + k/1000, so T is known exactly.
func TestH5pyFixture(t *testing.T) {
	f, err := allen.Open(filepath.Join("..", "allen", "testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	res, err := FromFile(f, Options{TauSeconds: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tau != 3 || len(res.Cells) != 3 || res.Height != 6 || res.Width != 8 {
		t.Fatalf("tau %d, %d cells, %dx%d", res.Tau, len(res.Cells), res.Height, res.Width)
	}
	// Image 1 is shown at presentations 1, 6 and 11 (starts 17, 52, 87); the largest mean is
	// image 1's or 3's (presentations 4 and 9, starts 38, 73: mean start 55.5) at lag 2:
	// cell 2's peak is 2 + (mean start + 2)/1000.
	want := float32(2 + (55.5+2)/1000)
	if got := float32(res.Cells[2].PeakDFF); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("peak dF/F of cell 2 = %v, want %v", got, want)
	}
}

func TestOnsetTracesAndPreferredImage(t *testing.T) {
	trace := make([]float64, 40)
	for k := range trace {
		trace[k] = float64(k)
	}
	table := []allen.Presentation{{Image: 1, Start: 5, End: 8}, {Image: 0, Start: 10, End: 13}, {Image: 1, Start: 20, End: 23}}
	times, trials, err := OnsetTraces(trace, table, 1, 10, 0.2, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(times, []float64{-0.2, -0.1, 0, 0.1, 0.2, 0.3}) || len(trials) != 2 ||
		!slices.Equal(trials[0], []float64{3, 4, 5, 6, 7, 8}) || !slices.Equal(trials[1], []float64{18, 19, 20, 21, 22, 23}) {
		t.Errorf("OnsetTraces = %v, %v", times, trials)
	}
	if _, _, err := OnsetTraces(trace, table, 1, 10, 0.6, 0); err == nil {
		t.Error("a window before the first frame: no error")
	}
	if _, _, err := OnsetTraces(trace, table, 2, 10, 0, 0); err == nil {
		t.Error("an image never shown: no error")
	}
	if got := PreferredImage([]float64{0, 1, 0.5, 0, 3, 2, 2.9, 0}, 4, 2); got != 2 {
		t.Errorf("PreferredImage = %d, want 2", got)
	}
}
