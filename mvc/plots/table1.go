package plots

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/dg"
)

// Table1DiffName is the file name of [Table1Differences]' figure.
const Table1DiffName = "table1_neurn_minus_bare"

// panelGrid draws plots in a grid of rows x columns tiles, aligned.
type panelGrid struct {
	plots [][]*plot.Plot
}

func (g panelGrid) Draw(c draw.Canvas) {
	rows, cols := len(g.plots), len(g.plots[0])
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(6), PadY: vg.Points(6),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}
	canvases := plot.Align(g.plots, tiles, c)
	for i := range g.plots {
		for j, p := range g.plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// Table1Differences draws Table 1 as differences: one panel per architecture that has a bare
// and a +NeuRN row in ours (a [dg.BuildTable1] table), the +NeuRN minus bare mean accuracy
// (points) for each of the 12 transfers, with its 95% Welch interval over seeds; the paper's
// own difference (from paper, [dg.PaperTable1]) as a diamond, filled where the paper bolds the
// +NeuRN cell. Points above zero favour NeuRN. paper may be nil.
func Table1Differences(ours, paper *dg.Table, caption string) (*Figure, error) {
	if ours == nil {
		return nil, errors.New("table1 figure: no table")
	}
	type pair struct {
		label      string
		base, with int
	}
	var pairs []pair
	for i, r := range ours.Rows {
		if r.Variant == "+NeuRN" && r.Base >= 0 && r.Base < len(ours.Rows) {
			pairs = append(pairs, pair{ours.Rows[r.Base].Label, r.Base, i})
		}
	}
	if len(pairs) == 0 {
		return nil, errors.New("table1 figure: the table has no model with a bare and a +NeuRN row")
	}
	paperRow := func(model, variant string) int {
		if paper == nil {
			return -1
		}
		for i, r := range paper.Rows {
			if r.Model == model && r.Variant == variant {
				return i
			}
		}
		return -1
	}
	const cols = 2
	rows := (len(pairs) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	ours0 := color.RGBA{R: 31, G: 119, B: 180, A: 255}
	paperCol := color.RGBA{R: 214, G: 39, B: 40, A: 255}
	for k, pr := range pairs {
		p := plot.New()
		p.Title.Text = pr.label + ": +NeuRN - bare"
		p.Y.Label.Text = "accuracy points"
		smallFonts(p)
		p.X.Tick.Marker = nameTicks(ours.Columns)
		p.X.Tick.Label.Rotation = math.Pi / 2.5
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		var xy plotter.XYs
		var ye plotter.YErrors
		var xyBar plotter.XYs
		lo, hi := 0.0, 0.0
		for j := range ours.Columns {
			d := dg.WelchDiff(ours.Rows[pr.with].Cells[j], ours.Rows[pr.base].Cells[j])
			if ours.Rows[pr.with].Cells[j].N == 0 || ours.Rows[pr.base].Cells[j].N == 0 {
				continue
			}
			xy = append(xy, plotter.XY{X: float64(j), Y: d.Mean})
			lo, hi = min(lo, d.Mean), max(hi, d.Mean)
			if !math.IsNaN(d.Low) {
				xyBar = append(xyBar, plotter.XY{X: float64(j), Y: d.Mean})
				ye = append(ye, struct{ Low, High float64 }{d.Mean - d.Low, d.High - d.Mean})
				lo, hi = min(lo, d.Low), max(hi, d.High)
			}
		}
		zero, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 0}, {X: float64(len(ours.Columns)) - 0.5, Y: 0}})
		if err != nil {
			return nil, errors.Wrap(err, "table1 figure")
		}
		zero.Color = color.Gray{Y: 140}
		zero.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		p.Add(zero)
		if len(xyBar) > 0 {
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{xyBar, ye})
			if err != nil {
				return nil, errors.Wrap(err, "table1 figure")
			}
			bars.Color = ours0
			p.Add(bars)
		}
		if len(xy) > 0 {
			s, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, errors.Wrap(err, "table1 figure")
			}
			s.GlyphStyle = draw.GlyphStyle{Color: ours0, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
			p.Add(s)
			if k == 0 {
				p.Legend.Add("ours (mean, 95% interval)", s)
			}
		}
		bp, wp := paperRow(ours.Rows[pr.base].Model, ""), paperRow(ours.Rows[pr.base].Model, "+NeuRN")
		if bp >= 0 && wp >= 0 {
			var bold, plain plotter.XYs
			for j := range ours.Columns {
				if j >= len(paper.Rows[wp].Cells) || j >= len(paper.Rows[bp].Cells) {
					break
				}
				d := paper.Rows[wp].Cells[j].Mean - paper.Rows[bp].Cells[j].Mean
				lo, hi = min(lo, d), max(hi, d)
				if paper.Bolded(wp, j) {
					bold = append(bold, plotter.XY{X: float64(j), Y: d})
				} else {
					plain = append(plain, plotter.XY{X: float64(j), Y: d})
				}
			}
			for i, pts := range []plotter.XYs{bold, plain} {
				if len(pts) == 0 {
					continue
				}
				s, err := plotter.NewScatter(pts)
				if err != nil {
					return nil, errors.Wrap(err, "table1 figure")
				}
				s.GlyphStyle = draw.GlyphStyle{Color: paperCol, Radius: vg.Points(3), Shape: draw.PyramidGlyph{}}
				name := "paper, bold there"
				if i == 1 {
					s.GlyphStyle.Shape = draw.RingGlyph{}
					name = "paper, not bold"
				}
				p.Add(s)
				if k == 0 {
					p.Legend.Add(name, s)
				}
			}
		}
		pad := 0.08 * (hi - lo)
		if pad == 0 {
			pad = 1
		}
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		p.X.Min, p.X.Max = -0.5, float64(len(ours.Columns))-0.5
		p.Legend.Top = true
		grid[k/cols][k%cols] = p
	}
	if len(pairs)%cols != 0 {
		// An empty panel keeps the last row aligned.
		grid[rows-1][cols-1] = plot.New()
		grid[rows-1][cols-1].HideAxes()
	}
	fig := &Figure{Content: panelGrid{plots: grid}, Width: 9 * vg.Inch, Height: vg.Length(rows) * 2.3 * vg.Inch,
		DPI: 100, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "table1 figure")
	}
	return fig, nil
}

// Table1Caption is the caption of [Table1Differences]' figure for a table of n runs.
func Table1Caption(n int) string {
	return fmt.Sprintf("Table 1 as differences: for each architecture and transfer (source->target), the +NeuRN minus bare "+
		"target test accuracy in points, mean over seeds with its 95%% Welch t interval (blue; %d committed runs), and the "+
		"paper's difference (red: filled triangle where the paper bolds the +NeuRN cell, ring where it does not). "+
		"Above the dashed zero line NeuRN helps. S = SYN where the SVHN files are absent; see the table's notes.", n)
}

// Table1CaptionExt ends the name of the caption file [SaveTable1Differences] writes beside the
// figure, the same suffix the comparison's figures use.
const Table1CaptionExt = ".caption.txt"

// SaveTable1Differences draws [Table1Differences] for results (the runs Table 1 shows, e.g.
// [dg.Job.Finished]) against the paper's Table 1 and writes dir/table1_neurn_minus_bare.png,
// .svg and .caption.txt atomically. It returns the paths written, none when results have no
// model with both a bare and a +NeuRN run (nothing to draw).
func SaveTable1Differences(dir string, results []*dg.RunResult) ([]string, error) {
	ours := dg.BuildTable1(results)
	if !slices.ContainsFunc(ours.Rows, func(r dg.Row) bool { return r.Variant == "+NeuRN" && r.Base >= 0 }) {
		return nil, nil
	}
	paper, err := dg.PaperTable1()
	if err != nil {
		return nil, err
	}
	fig, err := Table1Differences(ours, paper, Table1Caption(len(results)))
	if err != nil {
		return nil, err
	}
	paths, err := fig.Save(dir, Table1DiffName)
	if err != nil {
		return paths, err
	}
	path := filepath.Join(dir, Table1DiffName+Table1CaptionExt)
	err = mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.WriteString(fig.Caption + "\n")
		return err
	})
	if err != nil {
		return paths, errors.Wrapf(err, "table1 figure: writing its caption %s", path)
	}
	return append(paths, path), nil
}
