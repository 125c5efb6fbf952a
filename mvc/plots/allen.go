package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/pkg/errors"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/represent"
)

// File names (without extension) of the Allen figures.
const (
	NaturalScenesName = "s1_natural_scenes"
	DFFTracesName     = "s3_traces"
)

// NaturalScenes builds Supplementary Figure S1: the natural scenes stimulus images in a grid of
// cols columns (118 images: 12 rows of 10), each drawn with its own aspect, pixel for pixel.
// title heads the figure; caption is stored as the figure's caption (say where the images came
// from: real templates or the simulated cortex's stand-ins).
func NaturalScenes(images *allen.Images, cols int, title, caption string) (*Figure, error) {
	if images == nil || images.N < 1 || cols < 1 {
		return nil, errors.New("s1 figure: no images or no columns")
	}
	if len(images.Pixels) != images.N*images.Height*images.Width {
		return nil, errors.Errorf("s1 figure: %d bytes for %d images of %dx%d", len(images.Pixels), images.N, images.Height, images.Width)
	}
	rows := (images.N + cols - 1) / cols
	grid := &ImageGrid{Title: title, Cells: make([][]image.Image, rows), FontSize: 9, Padding: 3}
	for r := range rows {
		grid.Cells[r] = make([]image.Image, cols)
		for c := range cols {
			i := r*cols + c
			if i >= images.N {
				continue
			}
			g := image.NewGray(image.Rect(0, 0, images.Width, images.Height))
			copy(g.Pix, images.Image(i))
			grid.Cells[r][c] = g
		}
	}
	width, height := grid.Size(0.75 * vg.Inch)
	fig := &Figure{Content: grid, Width: width, Height: height, DPI: 128, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "s1 figure")
	}
	return fig, nil
}

// TracePanel is one cell's dF/F around the onsets of one image, a panel of [DFFTraces].
type TracePanel struct {
	// Title names the cell ("VISp Cux2 (excitatory), cell 123, image 17").
	Title string
	// Times are seconds from image onset; Trials holds each presentation's dF/F at those times.
	Times  []float64
	Trials [][]float64
	// StimulusS is how long the image was shown (shaded from 0).
	StimulusS float64
	// PeakDFF and TimeToPeak are the cell's peak dF/F and time to peak, marked on the panel
	// (NaN: not marked).
	PeakDFF, TimeToPeak float64
}

// TracePanelForFile picks, in an experiment file, the cell with the largest peak dF/F (the
// maximum of T over images and lags, tau = 1 s) and its preferred image, and returns that cell's
// dF/F around every onset of the image, from before to after seconds.
func TracePanelForFile(f *allen.File, before, after float64) (*TracePanel, error) {
	meta, err := f.Metadata()
	if err != nil {
		return nil, err
	}
	table, err := f.NaturalScenes()
	if err != nil {
		return nil, err
	}
	n, _, _, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	rate, err := f.FrameRate()
	if err != nil {
		return nil, err
	}
	cells, _, err := f.Shape()
	if err != nil {
		return nil, err
	}
	tau := int(math.Round(represent.DefaultTauSeconds * rate))
	best, bestCell, bestImage, bestLag := math.Inf(-1), -1, 0, 0
	for c := range cells {
		trace, err := f.Trace(c)
		if err != nil {
			return nil, err
		}
		t, err := represent.TrialAverages(trace, table, n, tau)
		if err != nil {
			return nil, &allen.DatasetError{File: f.Path(), Dataset: allen.DFFPath, Err: errors.Errorf("cell %d: %v", c, err)}
		}
		img := represent.PreferredImage(t, n, tau)
		for l, v := range t[img*tau : (img+1)*tau] {
			if v > best {
				best, bestCell, bestImage, bestLag = v, c, img, l
			}
		}
	}
	if bestCell < 0 {
		return nil, errors.Errorf("%s: no cells", f.Path())
	}
	trace, err := f.Trace(bestCell)
	if err != nil {
		return nil, err
	}
	times, trials, err := represent.OnsetTraces(trace, table, bestImage, rate, before, after)
	if err != nil {
		return nil, &allen.DatasetError{File: f.Path(), Dataset: allen.DFFPath, Err: errors.Errorf("cell %d: %v", bestCell, err)}
	}
	stim := 0.0
	for _, p := range table {
		if p.Image == bestImage {
			stim = float64(p.End-p.Start) / rate
			break
		}
	}
	return &TracePanel{
		Title: fmt.Sprintf("%s %s (%s), cell %d, image %d", meta.Area, meta.CreLine, meta.Class,
			meta.CellSpecimenIDs[bestCell], bestImage),
		Times: times, Trials: trials, StimulusS: stim, PeakDFF: best, TimeToPeak: float64(bestLag) / rate,
	}, nil
}

// DFFTraces builds Supplementary Figure S3: for each panel, a cell's dF/F around the onsets of
// an image, every trial in thin grey and their mean in black, the stimulus period shaded and the
// peak dF/F (the maximum of the mean within 1 s) marked with a red dot; x is time from onset in
// seconds, y dF/F. Panels are laid out in cols columns.
func DFFTraces(panels []*TracePanel, cols int, title, caption string) (*Figure, error) {
	return panelFigure("s3 figure", title, caption, len(panels), cols, 3.6*vg.Inch, 2.6*vg.Inch, func(i int) (*plot.Plot, error) {
		p, err := tracePlot(panels[i])
		return p, errors.Wrap(err, panels[i].Title)
	})
}

func tracePlot(pn *TracePanel) (*plot.Plot, error) {
	if len(pn.Trials) == 0 || len(pn.Times) < 2 {
		return nil, errors.New("no trials")
	}
	p := plot.New()
	p.Title.Text = pn.Title
	p.Title.TextStyle.Font.Size = 8
	p.X.Label.Text = "time from image onset (s)"
	p.Y.Label.Text = "dF/F"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 8
		a.Tick.Label.Font.Size = 7
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	mean := make([]float64, len(pn.Times))
	for _, tr := range pn.Trials {
		if len(tr) != len(pn.Times) {
			return nil, errors.Errorf("a trial has %d values for %d times", len(tr), len(pn.Times))
		}
		for k, v := range tr {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.Errorf("non-finite dF/F %v", v)
			}
			mean[k] += v / float64(len(pn.Trials))
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if pn.StimulusS > 0 {
		shade, err := plotter.NewPolygon(plotter.XYs{{X: 0, Y: lo}, {X: pn.StimulusS, Y: lo}, {X: pn.StimulusS, Y: hi}, {X: 0, Y: hi}})
		if err != nil {
			return nil, err
		}
		shade.Color = color.RGBA{R: 255, G: 230, B: 160, A: 255}
		shade.LineStyle.Width = 0
		p.Add(shade)
	}
	for _, tr := range pn.Trials {
		l, err := plotter.NewLine(xys(pn.Times, tr))
		if err != nil {
			return nil, err
		}
		l.Color = color.Gray{Y: 175}
		l.Width = 0.4
		p.Add(l)
	}
	m, err := plotter.NewLine(xys(pn.Times, mean))
	if err != nil {
		return nil, err
	}
	m.Width = 1.5
	p.Add(m)
	if !math.IsNaN(pn.PeakDFF) && !math.IsNaN(pn.TimeToPeak) {
		s, err := plotter.NewScatter(plotter.XYs{{X: pn.TimeToPeak, Y: pn.PeakDFF}})
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color = color.RGBA{R: 220, A: 255}
		s.GlyphStyle.Radius = 2.5
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
	}
	p.X.Min, p.X.Max = pn.Times[0], pn.Times[len(pn.Times)-1]
	return p, nil
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return out
}

// plotGrid draws gonum plots in aligned tiles under a title; nil plots leave tiles empty.
// panelFigure lays n panels out in cols columns (plot(i) draws panel i; what names the figure
// in errors) on a figure of cellW x cellH per panel, with a title strip.
func panelFigure(what, title, caption string, n, cols int, cellW, cellH vg.Length, plot1 func(i int) (*plot.Plot, error)) (*Figure, error) {
	if n == 0 || cols < 1 {
		return nil, errors.Errorf("%s: no panels or no columns", what)
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	grid := &plotGrid{title: title, plots: make([][]*plot.Plot, rows)}
	for r := range rows {
		grid.plots[r] = make([]*plot.Plot, cols)
	}
	for i := range n {
		p, err := plot1(i)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: panel %d", what, i)
		}
		grid.plots[i/cols][i%cols] = p
	}
	fig := &Figure{Content: grid, Width: vg.Length(cols) * cellW, Height: vg.Length(rows)*cellH + 0.4*vg.Inch, DPI: 128, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, what)
	}
	return fig, nil
}

type plotGrid struct {
	title string
	plots [][]*plot.Plot
}

func (g *plotGrid) Draw(c draw.Canvas) {
	if g.title != "" {
		bold := font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
		sty := draw.TextStyle{Color: color.Black, Font: font.From(bold, 11), Handler: plot.DefaultTextHandler,
			XAlign: draw.XCenter, YAlign: draw.YTop}
		c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 4}, g.title)
		c.Max.Y -= 0.35 * vg.Inch
	}
	tiles := draw.Tiles{Rows: len(g.plots), Cols: len(g.plots[0]), PadX: 0.15 * vg.Inch, PadY: 0.15 * vg.Inch,
		PadTop: 0.05 * vg.Inch, PadBottom: 0.05 * vg.Inch, PadLeft: 0.05 * vg.Inch, PadRight: 0.1 * vg.Inch}
	// Align needs a plot in every tile: empty tiles get an invisible one.
	full := make([][]*plot.Plot, len(g.plots))
	for r, row := range g.plots {
		full[r] = make([]*plot.Plot, len(row))
		for k, p := range row {
			if p == nil {
				p = plot.New()
				p.HideAxes()
			}
			full[r][k] = p
		}
	}
	canvases := plot.Align(full, tiles, c)
	for r, row := range g.plots {
		for k, p := range row {
			if p != nil {
				p.Draw(canvases[r][k])
			}
		}
	}
}
