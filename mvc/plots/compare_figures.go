package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// compareColors are the colours of the comparison figures' series (Okabe-Ito, colour-blind safe).
var compareColors = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255}, color.RGBA{120, 120, 120, 255},
	color.RGBA{153, 79, 0, 255}, color.RGBA{0, 73, 114, 255}, color.RGBA{128, 0, 128, 255},
	color.RGBA{0, 100, 0, 255},
}

func smallFonts(p *plot.Plot) {
	p.Title.TextStyle.Font.Size = 9
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 8
		a.Tick.Label.Font.Size = 7
	}
	p.Legend.TextStyle.Font.Size = 6.5
}

// RMSENeuRNVsBase builds Figure 2A of the paper from a results table ([similarity.Aggregate]): one
// point per architecture present with and without NeuRN and per Cre line (genotype), x = the
// mean RMSE (Eq. 1) of the model without NeuRN, y = with NeuRN, each with its bootstrap
// confidence interval as error bars, and the diagonal y = x (points below it favour NeuRN). The
// legend gives each Cre line's class and the Holm-adjusted paired permutation p-value of the
// NeuRN - base difference pooled over architectures (the table's comparisons).
func RMSENeuRNVsBase(t *similarity.Table, caption string) (*Figure, error) {
	if t == nil {
		return nil, errors.New("fig2a: no results table")
	}
	p := plot.New()
	p.Title.Text = "Fig. 2A: mean RMSE, NeuRN vs base, per genotype"
	p.X.Label.Text = "mean RMSE without NeuRN"
	p.Y.Label.Text = "mean RMSE with NeuRN"
	smallFonts(p)
	lo, hi := math.Inf(1), math.Inf(-1)
	var cres []similarity.Group
	for _, r := range t.Rows {
		if r.Level == similarity.LevelCre && !r.NeuRN && !slices.Contains(cres, r.Group) {
			cres = append(cres, r.Group)
		}
	}
	points := 0
	for i, g := range cres {
		var xy plotter.XYs
		var xe plotter.XErrors
		var ye plotter.YErrors
		for _, base := range t.Rows {
			if base.NeuRN || base.Group != g {
				continue
			}
			with, ok := t.Row(base.Model, true, g)
			if !ok {
				continue
			}
			xy = append(xy, plotter.XY{X: base.MeanRMSE, Y: with.MeanRMSE})
			xe = append(xe, struct{ Low, High float64 }{base.MeanRMSE - base.CILow, base.CIHigh - base.MeanRMSE})
			ye = append(ye, struct{ Low, High float64 }{with.MeanRMSE - with.CILow, with.CIHigh - with.MeanRMSE})
			lo = min(lo, base.CILow, with.CILow)
			hi = max(hi, base.CIHigh, with.CIHigh)
		}
		if len(xy) == 0 {
			continue
		}
		points += len(xy)
		col := compareColors[i%len(compareColors)]
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, errors.Wrap(err, "fig2a")
		}
		s.GlyphStyle.Color = col
		s.GlyphStyle.Radius = 2.5
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		xb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{xy, xe})
		if err != nil {
			return nil, errors.Wrap(err, "fig2a")
		}
		yb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xy, ye})
		if err != nil {
			return nil, errors.Wrap(err, "fig2a")
		}
		xb.Color, yb.Color = col, col
		p.Add(xb, yb, s)
		label := fmt.Sprintf("%s (%s)", g.Cre, g.Class)
		if c, ok := t.Comparison(similarity.All, g); ok {
			label += fmt.Sprintf(", p_Holm=%.3g", c.PHolm)
		}
		p.Legend.Add(label, s)
	}
	if points == 0 {
		return nil, errors.New("fig2a: the table has no Cre-line rows of a model with and without NeuRN")
	}
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 0.01
	}
	lo, hi = lo-pad, hi+pad
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, errors.Wrap(err, "fig2a")
	}
	diag.Color = color.Gray{Y: 140}
	diag.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
	p.Add(diag)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	p.Legend.Top, p.Legend.Left = true, true
	fig := &Figure{Content: p, Width: 6 * vg.Inch, Height: 6 * vg.Inch, DPI: 128, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "fig2a")
	}
	return fig, nil
}

// heatGrid is a models x groups matrix for plotter.HeatMap (row 0 at the bottom).
type heatGrid struct{ z [][]float64 }

func (g heatGrid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g heatGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }

// nameTicks labels integer positions with names.
type nameTicks []string

func (n nameTicks) Ticks(lo, hi float64) []plot.Tick {
	out := make([]plot.Tick, len(n))
	for i, s := range n {
		out[i] = plot.Tick{Value: float64(i), Label: s}
	}
	return out
}

// RMSEHeatmap builds Figure 2B of the paper from a results table: rows are the models (with and
// without NeuRN), columns the visual areas then the Cre lines (the table's "area" and "cre"
// levels), colour the mean RMSE (Eq. 1; darker = more similar), and each cell is annotated with
// the mean and its bootstrap confidence interval. Missing groups are left grey.
func RMSEHeatmap(t *similarity.Table, caption string) (*Figure, error) {
	if t == nil {
		return nil, errors.New("fig2b: no results table")
	}
	var models []string
	var neurn []bool
	var cols []similarity.Group
	for _, r := range t.Rows {
		label := similarity.Model{Name: r.Model, NeuRN: r.NeuRN}.Label()
		if !slices.Contains(models, label) {
			models = append(models, label)
			neurn = append(neurn, r.NeuRN)
		}
		if (r.Level == similarity.LevelArea || r.Level == similarity.LevelCre) && !slices.Contains(cols, r.Group) {
			cols = append(cols, r.Group)
		}
	}
	if len(models) == 0 || len(cols) == 0 {
		return nil, errors.New("fig2b: the table has no area or Cre-line rows")
	}
	z := make([][]float64, len(models))
	var labels plotter.XYLabels
	for m, label := range models {
		z[m] = make([]float64, len(cols))
		name := label
		if neurn[m] {
			name = label[:len(label)-len("+NeuRN")]
		}
		for c, g := range cols {
			z[m][c] = math.NaN()
			if r, ok := t.Row(name, neurn[m], g); ok {
				z[m][c] = r.MeanRMSE
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(m)})
				labels.Labels = append(labels.Labels, fmt.Sprintf("%.3f\n[%.3f,\n%.3f]", r.MeanRMSE, r.CILow, r.CIHigh))
			}
		}
	}
	p := plot.New()
	p.Title.Text = "Fig. 2B: mean RMSE by model x area and Cre line (bootstrap CI)"
	smallFonts(p)
	hm := plotter.NewHeatMap(heatGrid{z}, palette.Heat(32, 1))
	hm.NaN = color.Gray{Y: 220}
	p.Add(hm)
	if len(labels.Labels) > 0 {
		lb, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, errors.Wrap(err, "fig2b")
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font.Size = 4.5
			lb.TextStyle[i].XAlign = draw.XCenter
			lb.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(lb)
	}
	var colNames []string
	for _, g := range cols {
		if g.Level == similarity.LevelArea {
			colNames = append(colNames, g.Area)
		} else {
			colNames = append(colNames, g.Cre+" ("+g.Class+")")
		}
	}
	p.X.Tick.Marker = nameTicks(colNames)
	p.Y.Tick.Marker = nameTicks(models)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop
	p.X.Label.Text = "visual area | Cre line (class)"
	p.X.Min, p.X.Max = -0.5, float64(len(cols))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(models))-0.5
	w := max(6, 0.55*float64(len(cols))+1.8)
	h := max(3, 0.45*float64(len(models))+1.8)
	fig := &Figure{Content: p, Width: vg.Length(w) * vg.Inch, Height: vg.Length(h) * vg.Inch, DPI: 160, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "fig2b")
	}
	return fig, nil
}

// KDESeries is one set of values of a [KDEPanel].
type KDESeries struct {
	Label  string
	Values []float64
}

// KDEPanel is one panel of Figure 3: a cell's values against those of feature representations.
type KDEPanel struct {
	Title string
	// Cell are the cell's values; Features one series per model (e.g. base and NeuRN).
	Cell     KDESeries
	Features []KDESeries
	// IoUIntervals, when set, hold one estimate per feature series (e.g.
	// [similarity.BootstrapKDEIoU]); the legend then gives each IoU with its interval.
	IoUIntervals []similarity.Estimate
}

// KDEFigure builds Figure 3 of the paper: in each panel, Gaussian KDEs ([similarity.NewKDE],
// Scott's bandwidth as scipy.stats.gaussian_kde) of a cell's values (black) and of each feature
// series, all on one grid spanning every sample +- 3 bandwidths; each feature's legend entry
// gives its KDE-IoU with the cell ([similarity.KDEOverlap], Eq. 5, on [similarity.GridPoints] points).
func KDEFigure(panels []KDEPanel, cols int, title, caption string) (*Figure, error) {
	return panelFigure("fig3", title, caption, len(panels), cols, 3.4*vg.Inch, 2.6*vg.Inch, func(i int) (*plot.Plot, error) {
		p, err := kdePlot(panels[i])
		return p, errors.Wrap(err, panels[i].Title)
	})
}

func kdePlot(pn KDEPanel) (*plot.Plot, error) {
	all := append([]KDESeries{pn.Cell}, pn.Features...)
	kdes := make([]*similarity.KDE, len(all))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range all {
		k, err := similarity.NewKDE(s.Values)
		if err != nil {
			return nil, errors.Wrapf(err, "series %q", s.Label)
		}
		kdes[i] = k
		for _, v := range s.Values {
			lo = min(lo, v-similarity.GridBandwidths*k.Bandwidth)
			hi = max(hi, v+similarity.GridBandwidths*k.Bandwidth)
		}
	}
	grid := make([]float64, similarity.GridPoints)
	for i := range grid {
		grid[i] = lo + (hi-lo)*float64(i)/float64(len(grid)-1)
	}
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = "value (min-max scaled map)"
	p.Y.Label.Text = "density"
	smallFonts(p)
	for i, s := range all {
		l, err := plotter.NewLine(xys(grid, kdes[i].Evaluate(grid)))
		if err != nil {
			return nil, err
		}
		label := s.Label
		if i == 0 {
			l.Color = color.Black
			l.Width = 1.5
		} else {
			l.Color = compareColors[(i-1)%len(compareColors)]
			l.Width = 1.2
			ov, err := similarity.KDEOverlap(pn.Cell.Values, s.Values, similarity.GridPoints)
			if err != nil {
				return nil, errors.Wrapf(err, "series %q", s.Label)
			}
			label = fmt.Sprintf("%s: IoU %.3f", s.Label, ov.IoU)
			if i-1 < len(pn.IoUIntervals) {
				e := pn.IoUIntervals[i-1]
				label += fmt.Sprintf(" [%.3f, %.3f]", e.Low, e.High)
			}
		}
		p.Add(l)
		p.Legend.Add(label, l)
	}
	p.Legend.Top = true
	p.X.Min, p.X.Max = lo, hi
	return p, nil
}

// OverlayPanel is one panel of Figures S4 and S5: a cell's dF/F over time with feature signals.
type OverlayPanel struct {
	Title string
	// Times are the frame times in seconds; DFF the cell's trace at those times.
	Times, DFF []float64
	// Signals are 1-D feature-representation signals at the same times (e.g. base and NeuRN).
	Signals []KDESeries
	// Correlations, when set, are the Pearson correlations of each signal with the dF/F, shown
	// in the legend; CorrelationIntervals, when set, their intervals (e.g.
	// [similarity.BlockBootstrapPearson]).
	Correlations         []float64
	CorrelationIntervals []similarity.Estimate
}

// zscore returns (v - mean) / sd (sd 0: v - mean).
func zscore(v []float64) []float64 {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(len(v)))
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x - m
		if sd > 0 {
			out[i] /= sd
		}
	}
	return out
}

// Overlay builds Supplementary Figures S4 and S5: in each panel a cell's dF/F (black) overlaid
// with feature-representation signals (colours), every curve z-scored over the window shown;
// x is time in seconds.
func Overlay(panels []OverlayPanel, title, caption string) (*Figure, error) {
	if len(panels) == 0 {
		return nil, errors.New("overlay figure: no panels")
	}
	grid := &plotGrid{title: title, plots: make([][]*plot.Plot, len(panels))}
	for i, pn := range panels {
		if len(pn.Times) < 2 || len(pn.DFF) != len(pn.Times) {
			return nil, errors.Errorf("overlay figure: panel %d (%s): %d times, %d dF/F values", i, pn.Title, len(pn.Times), len(pn.DFF))
		}
		p := plot.New()
		p.Title.Text = pn.Title
		p.X.Label.Text = "time (s)"
		p.Y.Label.Text = "z-score"
		smallFonts(p)
		l, err := plotter.NewLine(xys(pn.Times, zscore(pn.DFF)))
		if err != nil {
			return nil, errors.Wrapf(err, "overlay figure: panel %d", i)
		}
		l.Color, l.Width = color.Black, 1
		p.Add(l)
		p.Legend.Add("dF/F", l)
		for k, s := range pn.Signals {
			if len(s.Values) != len(pn.Times) {
				return nil, errors.Errorf("overlay figure: panel %d signal %q: %d values for %d times", i, s.Label, len(s.Values), len(pn.Times))
			}
			sl, err := plotter.NewLine(xys(pn.Times, zscore(s.Values)))
			if err != nil {
				return nil, errors.Wrapf(err, "overlay figure: panel %d", i)
			}
			sl.Color, sl.Width = compareColors[k%len(compareColors)], 0.9
			p.Add(sl)
			label := s.Label
			if k < len(pn.Correlations) {
				label += fmt.Sprintf(" (r=%.2f", pn.Correlations[k])
				if k < len(pn.CorrelationIntervals) {
					e := pn.CorrelationIntervals[k]
					label += fmt.Sprintf(" [%.2f, %.2f]", e.Low, e.High)
				}
				label += ")"
			}
			p.Legend.Add(label, sl)
		}
		p.Legend.Top = true
		p.X.Min, p.X.Max = pn.Times[0], pn.Times[len(pn.Times)-1]
		grid.plots[i] = []*plot.Plot{p}
	}
	fig := &Figure{Content: grid, Width: 8 * vg.Inch, Height: vg.Length(len(panels))*2.2*vg.Inch + 0.4*vg.Inch, DPI: 128, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "overlay figure")
	}
	return fig, nil
}
