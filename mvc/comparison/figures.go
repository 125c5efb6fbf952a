package comparison

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/data"
	neurnlayer "github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/plots"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// Figure names (files in figures/, PNG and SVG).
const (
	Fig2A = "fig2a_rmse_neurn_vs_base"
	Fig2B = "fig2b_rmse_heatmap"
	Fig3  = "fig3_kde"
	FigS4 = "s4_overlay_visal"
	FigS5 = "s5_overlay_vispm"
)

// kernelWords says in a caption what the kernels are.
func (r *Result) kernelWords() string {
	trained, untrained := 0, 0
	for _, k := range r.Models {
		if k.Trained {
			trained++
		} else {
			untrained++
		}
	}
	switch {
	case trained == 0:
		w := "untrained (initial) kernels: no CIFAR-27 checkpoint was found, so every model's first-convolution kernels are its seeded initial weights, not trained ones"
		if r.identicalPairs() {
			w += "; NeuRN has no weights and both variants are seeded alike, so each model's initial kernels are identical with and without NeuRN and the NeuRN - base differences are 0 by construction"
		}
		return w
	case untrained == 0:
		// Each run's epochs and accuracy, so that a reader can tell a well-trained kernel set
		// from a short or early-stopped one.
		return "first-convolution kernels fine-tuned on CIFAR-27, per model: " + r.KernelSources()
	default:
		return fmt.Sprintf("%d models with kernels fine-tuned on CIFAR-27 and %d with untrained (initial) kernels (no checkpoint): %s", trained, untrained, r.KernelSources())
	}
}

func (r *Result) statsWords() string {
	t := r.Table
	return fmt.Sprintf("Statistics: percentile bootstrap %.0f%% confidence intervals (%d resamples of cells and kernels, seed %d); NeuRN vs base: paired sign-flip permutation test over cells (%d permutations, seed %d), Holm-adjusted per architecture and level.",
		100*t.Level, t.Resamples, t.BootstrapSeed, t.Permutations, t.PermutationSeed)
}

func (r *Result) dataWords() string {
	return fmt.Sprintf("Data: %s; %d cells read, %d selected (%s).", r.Data, r.AllCells, len(r.Cells), joinNotes(r.NeuralNotes))
}

func joinNotes(n []string) string {
	out := ""
	for i, s := range n {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

// identicalPairs tells whether every architecture with both variants has identical kernels in both.
func (r *Result) identicalPairs() bool {
	found := false
	for _, b := range r.Models {
		for _, n := range r.Models {
			if b.NeuRN || !n.NeuRN || n.Name != b.Name {
				continue
			}
			found = true
			if len(b.All) != len(n.All) {
				return false
			}
			for i := range b.All {
				if !slices.Equal(b.All[i].Values, n.All[i].Values) {
					return false
				}
			}
		}
	}
	return found
}

// pair returns the base and NeuRN kernels of the first architecture that has both.
func (r *Result) pair() (base, neurn *Kernels) {
	for _, b := range r.Models {
		if b.NeuRN {
			continue
		}
		for _, n := range r.Models {
			if n.NeuRN && n.Name == b.Name {
				return b, n
			}
		}
	}
	return nil, nil
}

// NearestKernel returns the kernel of ks nearest the cell's map by Eq. 1 (lowest RMSE), with that
// RMSE: the kernel that Figures 3, S4 and S5 set beside a cell.
func NearestKernel(cell similarity.Map, ks []similarity.Map) (similarity.Map, float64, error) {
	k, r, err := bestKernel(cell, ks)
	return k, r, errors.WithMessage(err, "comparison: nearest kernel")
}

// bestKernel returns the kernel of ks nearest the cell's map by Eq. 1 (lowest RMSE).
func bestKernel(cell similarity.Map, ks []similarity.Map) (similarity.Map, float64, error) {
	best, bestR := -1, math.Inf(1)
	for i, k := range ks {
		v, err := similarity.RMSE(k, cell)
		if err != nil {
			return similarity.Map{}, 0, err
		}
		if v < bestR {
			best, bestR = i, v
		}
	}
	if best < 0 {
		return similarity.Map{}, 0, errors.New("no kernels")
	}
	return ks[best], bestR, nil
}

// FigureNames are the comparison's figures, in order.
var FigureNames = []string{Fig2A, Fig2B, Fig3, FigS4, FigS5}

// CaptionExt is the extension of the caption file written beside each figure (name + CaptionExt).
const CaptionExt = ".caption.txt"

// Figure builds the named figure (one of [FigureNames]). It returns nil and a note saying why when
// the figure cannot be made from this result (no architecture with both variants for Figures 3,
// S4 and S5; no selected cell of the area for S4 and S5).
func (r *Result) Figure(name string) (fig *plots.Figure, note string, err error) {
	common := r.dataWords() + " Kernels: " + r.kernelWords() + ". " + r.statsWords()
	switch name {
	case Fig2A:
		fig, err = plots.RMSENeuRNVsBase(r.Table, "Figure 2A: for each architecture compared with and without NeuRN and each Cre line (genotype), "+
			"the mean RMSE (Eq. 1) between the line's selected cells and the model's selected kernels, without NeuRN (x) and with NeuRN (y); "+
			"error bars are the bootstrap CIs of each mean, the dashed line is y = x (below it NeuRN is more similar); the legend gives the "+
			"Holm-adjusted permutation p of the NeuRN - base difference pooled over architectures. "+common)
		return fig, "", err
	case Fig2B:
		fig, err = plots.RMSEHeatmap(r.Table, "Figure 2B: mean RMSE (Eq. 1) of every model (rows, with and without NeuRN) against the selected cells of each visual area and each Cre line (columns); "+
			"each cell shows the mean and its bootstrap CI [low, high]. "+common)
		return fig, "", err
	}
	base, neurn := r.pair()
	switch name {
	case Fig3, FigS4, FigS5:
		if base == nil {
			return nil, fmt.Sprintf("%s skipped: no architecture with and without NeuRN", name), nil
		}
	default:
		return nil, "", errors.Errorf("comparison: unknown figure %q (want one of %v)", name, FigureNames)
	}
	if name == Fig3 {
		fig, err = r.kdeFigure(base, neurn, common)
		return fig, "", err
	}
	area, label := "VISal", "S4"
	if name == FigS5 {
		area, label = "VISpm", "S5"
	}
	fig, err = r.overlayFigure(area, label, base, neurn)
	if err == nil && fig == nil {
		return nil, fmt.Sprintf("%s skipped: no selected cell in %s", name, area), nil
	}
	return fig, "", err
}

// SaveFigure builds the named figure ([Result.Figure]) and saves it in dir as PNG and SVG, with
// its caption in name + [CaptionExt] (atomically), returning the paths written, or a note when
// the figure was skipped.
func (r *Result) SaveFigure(dir, name string) (paths []string, note string, err error) {
	fig, note, err := r.Figure(name)
	if err != nil || fig == nil {
		return nil, note, err
	}
	paths, err = fig.Save(dir, name)
	if err != nil {
		return paths, "", err
	}
	path := filepath.Join(dir, name+CaptionExt)
	err = mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.WriteString(fig.Caption + "\n")
		return err
	})
	if err != nil {
		return paths, "", errors.Wrapf(err, "comparison: writing the caption of %s", name)
	}
	return append(paths, path), "", nil
}

// SaveFigures saves the results table (similarity.DefaultTableName: CSV + JSON) and every figure of
// [FigureNames] with its caption into dir, returning the paths written and the notes of skipped
// figures.
func SaveFigures(r *Result, dir string) (paths, notes []string, err error) {
	paths, err = r.Table.Save(dir, similarity.DefaultTableName)
	if err != nil {
		return paths, notes, err
	}
	for _, name := range FigureNames {
		p, note, err := r.SaveFigure(dir, name)
		paths = append(paths, p...)
		if err != nil {
			return paths, notes, err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return paths, notes, nil
}

// kdeFigure: for KDECells cells of each class (the most central selected ones), the values of
// the cell's map resized to the kernel size and min-max scaled (as Eq. 1 prepares it) against the
// min-max scaled values of the base and the NeuRN model's kernel nearest that cell by Eq. 1.
func (r *Result) kdeFigure(base, neurn *Kernels, common string) (*plots.Figure, error) {
	var panels []plots.KDEPanel
	for _, class := range []string{allen.Excitatory.Code(), allen.Inhibitory.Code()} {
		n := 0
		for _, c := range r.Cells {
			if n == r.Profile.KDECells || allen.ParseCellClass(c.Class).Code() != class {
				continue
			}
			kh, kw := base.Shape[0], base.Shape[1]
			small, err := similarity.Resize(c.Map, kh, kw)
			if err != nil {
				return nil, errors.Wrapf(err, "fig3: cell %s", c.ID)
			}
			pn := plots.KDEPanel{Title: fmt.Sprintf("%s cell %s (%s, %s)", class, c.ID, c.Area, c.Cre),
				Cell: plots.KDESeries{Label: "cell (map at kernel size)", Values: similarity.MinMaxScale(small.Values)}}
			for _, k := range []*Kernels{base, neurn} {
				km, _, err := bestKernel(c.Map, k.Selected)
				if err != nil {
					return nil, errors.Wrapf(err, "fig3: %s", k.Label())
				}
				values := similarity.MinMaxScale(km.Values)
				est, err := similarity.BootstrapKDEIoU(pn.Cell.Values, values, r.bootstrap())
				if err != nil {
					return nil, errors.Wrapf(err, "fig3: cell %s, %s", c.ID, k.Label())
				}
				pn.Features = append(pn.Features, plots.KDESeries{Label: k.Label(), Values: values})
				pn.IoUIntervals = append(pn.IoUIntervals, est)
			}
			panels = append(panels, pn)
			n++
		}
	}
	if len(panels) == 0 {
		return nil, errors.New("fig3: no selected cells")
	}
	caption := fmt.Sprintf("Figure 3: single-cell KDE overlap. For the %d most central selected cell(s) of each class, Gaussian KDEs (Scott's bandwidth) of "+
		"the values of the cell's neural representation resized to the kernel size (%dx%d) and min-max scaled to [0, 1], as Eq. 1 prepares it (black), and of the "+
		"min-max scaled values of the kernel of %s and of %s nearest that cell by Eq. 1; the legend gives each kernel's KDE-IoU with the cell (Eq. 5, "+
		"%d grid points) with a %.0f%% percentile bootstrap interval (%d resamples of the cell's and the kernel's values, drawn independently with "+
		"replacement, KDEs refitted; seeded). %s", r.Profile.KDECells, base.Shape[0], base.Shape[1],
		base.Label(), neurn.Label(), similarity.GridPoints, 100*r.bootstrap().Level, r.bootstrap().Resamples, common)
	return plots.KDEFigure(panels, 2, "Fig. 3: KDE of cell vs feature representation values (IoU in legend)", caption)
}

// overlayFigure: dF/F of selected cells of an area over OverlaySeconds from the first natural
// scene, with the responses of the base and NeuRN models' kernels nearest each cell to the same
// stimulus sequence. nil when the area has no selected cell.
func (r *Result) overlayFigure(area, label string, base, neurn *Kernels) (*plots.Figure, error) {
	var cells []CellRef
	for _, class := range []string{allen.Excitatory.Code(), allen.Inhibitory.Code()} {
		for _, c := range r.Cells {
			if c.Area == area && allen.ParseCellClass(c.Class).Code() == class && !slices.ContainsFunc(cells, func(x CellRef) bool { return x.ID == c.ID }) {
				cells = append(cells, c)
				break
			}
		}
	}
	for _, c := range r.Cells {
		if len(cells) >= r.Profile.OverlayCells {
			break
		}
		if c.Area == area && !slices.ContainsFunc(cells, func(x CellRef) bool { return x.ID == c.ID }) {
			cells = append(cells, c)
		}
	}
	if len(cells) > r.Profile.OverlayCells {
		cells = cells[:r.Profile.OverlayCells]
	}
	if len(cells) == 0 {
		return nil, nil
	}
	var panels []plots.OverlayPanel
	for _, c := range cells {
		pn, err := overlayPanel(c, r.Profile.OverlaySeconds, base, neurn, r.bootstrap())
		if err != nil {
			return nil, errors.Wrapf(err, "figure %s: cell %s", label, c.ID)
		}
		panels = append(panels, *pn)
	}
	caption := fmt.Sprintf("Supplementary Figure %s: dF/F of %d selected %s cell(s) over %.0f s from the first natural scene (black), overlaid with a 1-D "+
		"feature-representation signal of %s and of %s: for each model, the selected kernel nearest the cell's neural representation by Eq. 1 is applied "+
		"to the same stimulus sequence - each natural scene resized to the models' %dx%d input by area averaging and scaled to [0, 1], valid "+
		"cross-correlation with the kernel map, absolute value averaged over positions (the response energy of that first-layer channel), held for the frames "+
		"the scene is shown and the response to uniform grey for blank sweeps; every curve is z-scored over the window, with no calcium-response delay "+
		"modelled. For the NeuRN model each scene first goes through NeuRN (k = 3, as in the model; uniform grey gives 0). The legend gives each signal's Pearson r with the dF/F and its %.0f%% moving-block bootstrap interval (blocks of %.0f s of frames, %d resamples, seeded; "+
		"blocks keep the traces' autocorrelation, which makes pair-wise or Fisher-z intervals far too narrow). Data: %s. Kernels: %s.",
		label, len(cells), area, r.Profile.OverlaySeconds, base.Label(), neurn.Label(), CIFAR27Size, CIFAR27Size,
		100*r.bootstrap().Level, overlayBlockSeconds, r.bootstrap().Resamples, r.Data, r.kernelWords())
	return plots.Overlay(panels, fmt.Sprintf("Fig. %s: %s dF/F and kernel responses to the same scenes", label, area), caption)
}

// overlayBlockSeconds is the block length of the S4/S5 correlations' block bootstrap: longer than
// a GCaMP6 transient's decay and than a scene (250 ms), so blocks keep the traces' dependence.
const overlayBlockSeconds = 1.0

// overlayBlock returns the number of frames in overlayBlockSeconds (at least 1, at most all).
func overlayBlock(times []float64) int {
	if len(times) < 2 {
		return 1
	}
	dt := (times[len(times)-1] - times[0]) / float64(len(times)-1)
	if dt <= 0 {
		return 1
	}
	return max(1, min(len(times), int(math.Round(overlayBlockSeconds/dt))))
}

// KernelResponse returns the mean absolute response of a kernel map to an image of h x w values
// in [0, 1]: the valid cross-correlation, its absolute value averaged over positions (the
// channel's response energy; a ReLU would silence kernels of negative sum on such images).
func KernelResponse(img []float64, h, w int, k similarity.Map) float64 {
	var sum float64
	n := 0
	for y := 0; y+k.Height <= h; y++ {
		for x := 0; x+k.Width <= w; x++ {
			var s float64
			for i := range k.Height {
				for j := range k.Width {
					s += img[(y+i)*w+x+j] * k.Values[i*k.Width+j]
				}
			}
			sum += math.Abs(s)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func overlayPanel(c CellRef, seconds float64, base, neurn *Kernels, boot similarity.BootstrapOptions) (*plots.OverlayPanel, error) {
	f, err := allen.Open(c.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	trace, err := f.Trace(c.Row)
	if err != nil {
		return nil, err
	}
	times, err := f.Timestamps()
	if err != nil {
		return nil, err
	}
	table, err := f.NaturalScenes()
	if err != nil {
		return nil, err
	}
	images, err := f.Templates()
	if err != nil {
		return nil, err
	}
	if len(table) == 0 {
		return nil, errors.Errorf("%s has no natural scene presentations", c.File)
	}
	first := table[0].Start
	last := first
	for last < len(times) && times[last]-times[first] < seconds {
		last++
	}
	if last-first < 2 || last > len(trace) {
		return nil, errors.Errorf("%s: too few frames after the first scene", c.File)
	}
	shown := make([]int, last-first)
	for i := range shown {
		shown[i] = allen.Blank
	}
	for _, pr := range table {
		for t := max(pr.Start, first); t < min(pr.End, last); t++ {
			shown[t-first] = pr.Image
		}
	}
	pn := &plots.OverlayPanel{Title: fmt.Sprintf("%s cell %s (%s, %s)", allen.ParseCellClass(c.Class).Code(), c.ID, c.Area, c.Cre)}
	for t := first; t < last; t++ {
		pn.Times = append(pn.Times, times[t]-times[first])
		pn.DFF = append(pn.DFF, trace[t])
	}
	grey := make([]float64, CIFAR27Size*CIFAR27Size)
	for i := range grey {
		grey[i] = 127.0 / 255
	}
	src := make([]float64, images.Height*images.Width)
	for _, k := range []*Kernels{base, neurn} {
		km, _, err := bestKernel(c.Map, k.Selected)
		if err != nil {
			return nil, err
		}
		input := func(img []float64) ([]float64, error) { return img, nil }
		if k.NeuRN {
			// As in the model: the scene goes through NeuRN (k = 3) before the first convolution.
			input = func(img []float64) ([]float64, error) {
				return neurnlayer.Reference(img, 1, CIFAR27Size, CIFAR27Size, 1, NeuRNKernel, false)
			}
		}
		g, err := input(grey)
		if err != nil {
			return nil, err
		}
		resp := map[int]float64{allen.Blank: KernelResponse(g, CIFAR27Size, CIFAR27Size, km)}
		signal := make([]float64, len(shown))
		for i, img := range shown {
			v, ok := resp[img]
			if !ok {
				if img < 0 || img >= images.N {
					return nil, errors.Errorf("%s: presentation of image %d, the file has %d", c.File, img, images.N)
				}
				for j, p := range images.Image(img) {
					src[j] = float64(p) / 255
				}
				small, err := data.ResizeArea(src, images.Height, images.Width, CIFAR27Size, CIFAR27Size)
				if err != nil {
					return nil, err
				}
				if small, err = input(small); err != nil {
					return nil, err
				}
				v = KernelResponse(small, CIFAR27Size, CIFAR27Size, km)
				resp[img] = v
			}
			signal[i] = v
		}
		pn.Signals = append(pn.Signals, plots.KDESeries{Label: k.Label() + " kernel response", Values: signal})
		r, err := similarity.Pearson(signal, pn.DFF)
		if err != nil {
			r = math.NaN()
		}
		pn.Correlations = append(pn.Correlations, r)
		est, err := similarity.BlockBootstrapPearson(signal, pn.DFF, overlayBlock(pn.Times), boot)
		if err != nil {
			est = similarity.Estimate{Mean: r, Low: math.NaN(), High: math.NaN()}
		}
		pn.CorrelationIntervals = append(pn.CorrelationIntervals, est)
	}
	return pn, nil
}

// bootstrap returns the bootstrap options of the figures' intervals: the results table's
// resamples, level and seed.
func (r *Result) bootstrap() similarity.BootstrapOptions {
	o := similarity.DefaultBootstrapOptions()
	if r.Table != nil {
		o.Resamples, o.Level, o.Seed = r.Table.Resamples, r.Table.Level, r.Table.BootstrapSeed
	}
	if r.Profile.Resamples > 0 && (r.Table == nil || r.Table.Resamples == 0) {
		o.Resamples = r.Profile.Resamples
	}
	return o
}
