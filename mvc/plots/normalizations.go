package plots

import (
	"fmt"
	"image"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// NormalizationsName is the file name (without extension) of the figure built by
// [Normalizations].
const NormalizationsName = "normalizations"

// Normalizations builds the figure that sets NeuRN beside the two normalizations the paper
// contrasts it with (section "Neural Response Normalization"): for the rows of
// [NeuRNExamples] (real MNIST digits and seeded synthetic domain shifts), the input, NeuRN
// (k = opts.KernelSizes[0]), Local Response Normalization with AlexNet's constants
// ([neurn.LRN]: size 5, alpha 1e-4, beta 0.75, bias 2) and Local Contrast
// Normalization as Jarrett et al. 2009 ([neurn.LCN]: 9 x 9 Gaussian window,
// sigma 2). LRN and LCN outputs are not in [0, 1]: each of their panels is min-max scaled for
// display, which the caption says. Greyscale rows are replicated to 3 channels so that LRN, a
// normalization across channels, has channels to work on.
func Normalizations(opts NeuRNExamplesOptions) (*Figure, error) {
	if err := opts.check(); err != nil {
		return nil, errors.Wrap(err, "normalizations figure: bad options")
	}
	rows, backend, source, err := neurnExampleRows(opts)
	if err != nil {
		return nil, errors.Wrap(err, "normalizations figure")
	}
	k := opts.KernelSizes[0]
	methods := []struct {
		title string
		scale bool
		fn    func(x *Node) *Node
	}{
		{fmt.Sprintf("NeuRN k=%d", k), false, func(x *Node) *Node { return neurn.NeuRN(x, k, opts.PerChannel) }},
		{"LRN (AlexNet)", true, func(x *Node) *Node {
			return neurn.LRN(x, neurn.DefaultLRNSize, neurn.DefaultLRNAlpha, neurn.DefaultLRNBeta, neurn.DefaultLRNBias)
		}},
		{"LCN (Jarrett 2009)", true, func(x *Node) *Node {
			return neurn.LCN(x, neurn.DefaultLCNKernelSize, neurn.DefaultLCNSigma)
		}},
	}
	grid := &ImageGrid{
		Title:        "NeuRN beside LRN and LCN",
		ColumnTitles: []string{"input"},
		RowLabels:    make([]string, len(rows)),
		Cells:        make([][]image.Image, len(rows)),
	}
	for _, m := range methods {
		grid.ColumnTitles = append(grid.ColumnTitles, m.title)
	}
	for i, row := range rows {
		grid.RowLabels[i] = row.label
		rgb := row.pixels
		if row.channels == 1 {
			rgb = make([]float32, 3*len(row.pixels))
			for p, v := range row.pixels {
				rgb[3*p], rgb[3*p+1], rgb[3*p+2] = v, v, v
			}
		}
		img, err := ImageFromFloats(row.pixels, row.height, row.width, row.channels)
		if err != nil {
			return nil, errors.Wrapf(err, "normalizations figure: row %d input", i)
		}
		grid.Cells[i] = append(grid.Cells[i], img)
		x := tensors.FromFlatDataAndDimensions(rgb, 1, row.height, row.width, 3)
		for _, m := range methods {
			exec, err := NewExec(backend, m.fn)
			if err != nil {
				return nil, errors.Wrapf(err, "normalizations figure: %s", m.title)
			}
			y, err := exec.Call1(x)
			if err != nil {
				return nil, errors.Wrapf(err, "normalizations figure: %s of row %d", m.title, i)
			}
			out := tensors.MustCopyFlatData[float32](y)
			if m.scale {
				minMaxScale(out)
			}
			if row.channels == 1 {
				// Show greyscale rows in grey: the three channels are equal for NeuRN and LCN;
				// for LRN they differ only by the channel window at the edges, so take the mean.
				grey := make([]float32, len(out)/3)
				for p := range grey {
					grey[p] = (out[3*p] + out[3*p+1] + out[3*p+2]) / 3
				}
				out = grey
			}
			img, err := ImageFromFloats(out, row.height, row.width, row.channels)
			if err != nil {
				return nil, errors.Wrapf(err, "normalizations figure: %s of row %d", m.title, i)
			}
			grid.Cells[i] = append(grid.Cells[i], img)
		}
	}
	cell := opts.CellSize
	if cell == 0 {
		cell = 1.3 * vg.Inch
	}
	width, height := grid.Size(cell)
	caption := fmt.Sprintf("NeuRN (k = %d, divided by the image's maximum; values shown as they are) beside "+
		"Local Response Normalization (Krizhevsky et al. 2012: across 5 channels, alpha 1e-4, beta 0.75, bias 2) "+
		"and Local Contrast Normalization (Jarrett et al. 2009: 9x9 Gaussian window, sigma 2, subtractive then "+
		"divisive); LRN and LCN panels are min-max scaled per panel for display. Rows: real MNIST test digits from "+
		"the official IDX files (%s) and seeded synthetic domain shifts as in neurn_examples (seed %d). "+
		"Greyscale rows were replicated to 3 channels before normalizing and are shown as the channel mean.",
		k, source, opts.Seed)
	fig := &Figure{Content: grid, Width: width, Height: height, DPI: opts.DPI, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "normalizations figure")
	}
	return fig, nil
}

// minMaxScale maps values linearly onto [0, 1] (a constant panel becomes 0.5).
func minMaxScale(v []float32) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	for i, x := range v {
		if hi > lo {
			v[i] = float32((float64(x) - lo) / (hi - lo))
		} else {
			v[i] = 0.5
		}
	}
}
