package similarity

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
)

// Cell is one cell's neural representation with the metadata the results table groups by.
type Cell struct {
	// ID identifies the cell (the Allen cell_specimen_id, or the simulated cortex's id).
	ID string
	// Area is the visual area (one of [allen.Areas] for Brain Observatory data).
	Area string
	// Cre is the Cre line's gene name (one of [allen.CreLines]: "Cux2", "Sst", ...).
	Cre string
	// Class is the cell class's code, "E" or "I" ([allen.CellClass.Code]); "excitatory" and
	// "inhibitory" are accepted too ([allen.ParseCellClass]). Left empty, it follows from Cre
	// ([allen.ClassOf]). Results tables write the code.
	Class string
	// Map is the cell's neural representation (mvc/represent: the peak-lag map of N = T^T . FS).
	Map Map
}

// Model is one DNN's selected feature representations (the paper: 500 kernel channels per model,
// chosen by UMAP and k-means).
type Model struct {
	// Name is the architecture ("resnet18"); a model with NeuRN and one without share it.
	Name string
	// NeuRN tells whether the model has the NeuRN layer.
	NeuRN bool
	// Kernels are its feature representations, one kernel channel each (m x n).
	Kernels []Map
}

// Label is "Name" or "Name+NeuRN".
func (m Model) Label() string {
	if m.NeuRN {
		return m.Name + "+NeuRN"
	}
	return m.Name
}

// Input is what [Aggregate] compares: every cell against every kernel of every model.
type Input struct {
	Cells  []Cell
	Models []Model
	// Provenance names the data, e.g. "simulated cortex, seed 7" or the NWB files; it is
	// written into every table file.
	Provenance string
}

// Options configures [Aggregate].
type Options struct {
	// Bootstrap sets the confidence intervals (resampling cells and kernels).
	Bootstrap BootstrapOptions
	// Permutation sets the NeuRN vs non-NeuRN tests; its seed is independent of Bootstrap's.
	Permutation PermutationOptions
	// Progress, when set, is called as work advances: stage is "rmse" (models done),
	// "bootstrap" (resamples done) or "permutation" (tests done).
	Progress func(stage string, done, total int)
}

// DefaultOptions returns [DefaultBootstrapOptions] and [DefaultPermutationOptions].
func DefaultOptions() Options {
	return Options{Bootstrap: DefaultBootstrapOptions(), Permutation: DefaultPermutationOptions()}
}

// Levels of a results row: which of area, Cre line and class it pools over ([All]).
const (
	// LevelAll pools every cell.
	LevelAll = "all"
	// LevelClass groups by class (E/I) only.
	LevelClass = "class"
	// LevelArea groups by area only.
	LevelArea = "area"
	// LevelCre groups by Cre line (and so class) only.
	LevelCre = "cre"
	// LevelAreaCre groups by area x Cre line (x class, which the Cre line fixes).
	LevelAreaCre = "area_cre"
)

var levels = []string{LevelAll, LevelClass, LevelArea, LevelCre, LevelAreaCre}

// Group is a set of cells sharing a key; fields it pools over are [All].
type Group struct {
	Level string `json:"level"`
	Area  string `json:"area"`
	Cre   string `json:"cre"`
	Class string `json:"class"`
}

// Row is one results-table row: a model against one group of cells.
type Row struct {
	Model string `json:"model"`
	NeuRN bool   `json:"neurn"`
	Group
	// NCells and NKernels are the numbers of cells and of the model's kernels compared.
	NCells   int `json:"n_cells"`
	NKernels int `json:"n_kernels"`
	// MeanRMSE is the mean of Eq. 1 over all cell x kernel pairs; CILow and CIHigh its
	// two-way bootstrap interval ([BootstrapGridMean]).
	MeanRMSE float64 `json:"mean_rmse"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	// CKA and RSA compare the group's cells and the model's kernels as two populations over
	// the m x n map positions (items = positions, features = cells or kernels; neural maps
	// resized and scaled as for Eq. 1): [LinearCKA] and [RSA] point estimates, without
	// intervals. Nil where undefined (fewer than 2 cells, kernels of different sizes, fewer
	// than 3 positions, a constant population).
	CKA *float64 `json:"cka"`
	RSA *float64 `json:"rsa"`
}

// Comparison is the NeuRN vs non-NeuRN test of one architecture (or all, [All]) on one group of
// cells, paired by cell: d_c = (cell c's mean RMSE over the NeuRN model's kernels) - (over the
// plain model's kernels). Negative differences favour NeuRN (lower RMSE, paper Fig. 2A).
type Comparison struct {
	// Architecture is the model name, or [All] for the mean over every architecture that has
	// both variants.
	Architecture string `json:"architecture"`
	Group
	NCells int `json:"n_cells"`
	// MeanBase and MeanNeuRN are the two mean RMSEs.
	MeanBase  float64 `json:"mean_rmse_base"`
	MeanNeuRN float64 `json:"mean_rmse_neurn"`
	// MeanDiff = MeanNeuRN - MeanBase with its bootstrap interval (cells resampled together for
	// both variants, each model's kernels resampled independently).
	MeanDiff float64 `json:"mean_diff"`
	CILow    float64 `json:"diff_ci_low"`
	CIHigh   float64 `json:"diff_ci_high"`
	// P is the two-sided paired sign-flip permutation p-value over cells
	// ([PairedPermutationTest]; kernels held fixed); PHolm is Holm-adjusted within the family of
	// one architecture and one level (e.g. the 13 Cre lines of Fig. 2A).
	P     float64 `json:"p"`
	PHolm float64 `json:"p_holm"`
	// Permutations is the number of sign patterns behind P; Exact tells whether all were
	// enumerated.
	Permutations int  `json:"permutations"`
	Exact        bool `json:"exact"`
}

// Table is the result of [Aggregate]: rows per model x group and NeuRN vs
// non-NeuRN comparisons, with the settings that produced them.
type Table struct {
	Provenance      string       `json:"provenance"`
	BootstrapSeed   uint64       `json:"bootstrap_seed"`
	Resamples       int          `json:"resamples"`
	Level           float64      `json:"ci_level"`
	PermutationSeed uint64       `json:"permutation_seed"`
	Permutations    int          `json:"permutations"`
	Rows            []Row        `json:"rows"`
	Comparisons     []Comparison `json:"comparisons"`
}

// Row returns the row of a model label's variant and group, if present.
func (t *Table) Row(model string, neurn bool, g Group) (Row, bool) {
	for _, r := range t.Rows {
		if r.Model == model && r.NeuRN == neurn && r.Group == g {
			return r, true
		}
	}
	return Row{}, false
}

// Comparison returns the comparison of an architecture (or [All]) on a group, if present.
func (t *Table) Comparison(architecture string, g Group) (Comparison, bool) {
	for _, c := range t.Comparisons {
		if c.Architecture == architecture && c.Group == g {
			return c, true
		}
	}
	return Comparison{}, false
}

// groupSet is a group and the indices of its cells.
type groupSet struct {
	Group
	cells []int
}

// validate checks the input and returns the cells' normalized classes.
func (in *Input) validate() ([]string, error) {
	if len(in.Cells) == 0 {
		return nil, errors.New("aggregate: no cells")
	}
	if len(in.Models) == 0 {
		return nil, errors.New("aggregate: no models")
	}
	classes := make([]string, len(in.Cells))
	seen := map[string]bool{}
	for i, c := range in.Cells {
		name := fmt.Sprintf("cell %d (id %q)", i, c.ID)
		if c.Area == "" || c.Cre == "" {
			return nil, errors.Errorf("aggregate: %s has no area or Cre line", name)
		}
		if c.Area == All || c.Cre == All {
			return nil, errors.Errorf("aggregate: %s: %q is reserved for pooled rows", name, All)
		}
		if seen[c.ID] {
			return nil, errors.Errorf("aggregate: %s: id used twice", name)
		}
		seen[c.ID] = true
		class, fromCre := classCode(c.Class), creClassCode(c.Cre)
		switch {
		case c.Class == "" && fromCre == "":
			return nil, errors.Errorf("aggregate: %s: Cre line %q is not one of the 13, give its class", name, c.Cre)
		case c.Class == "":
			class = fromCre
		case class == "":
			return nil, errors.Errorf("aggregate: %s: class %q is not E, I, excitatory or inhibitory", name, c.Class)
		case fromCre != "" && class != fromCre:
			return nil, errors.Errorf("aggregate: %s: class %s contradicts Cre line %s (%s)", name, class, c.Cre, fromCre)
		}
		classes[i] = class
		if err := c.Map.Validate(); err != nil {
			return nil, errors.Wrapf(err, "aggregate: %s", name)
		}
	}
	labels := map[string]bool{}
	for i, m := range in.Models {
		if m.Name == "" || m.Name == All {
			return nil, errors.Errorf("aggregate: model %d has the name %q", i, m.Name)
		}
		if labels[m.Label()] {
			return nil, errors.Errorf("aggregate: model %s appears twice", m.Label())
		}
		labels[m.Label()] = true
		if len(m.Kernels) == 0 {
			return nil, errors.Errorf("aggregate: model %s has no kernels", m.Label())
		}
		for k, km := range m.Kernels {
			if err := km.Validate(); err != nil {
				return nil, errors.Wrapf(err, "aggregate: model %s kernel %d", m.Label(), k)
			}
		}
	}
	return classes, nil
}

// groups builds every group of every level, in table order.
func groups(cells []Cell, classes []string) []groupSet {
	byKey := map[Group][]int{}
	for i, c := range cells {
		keys := []Group{
			{LevelAll, All, All, All},
			{LevelClass, All, All, classes[i]},
			{LevelArea, c.Area, All, All},
			{LevelCre, All, c.Cre, classes[i]},
			{LevelAreaCre, c.Area, c.Cre, classes[i]},
		}
		for _, k := range keys {
			byKey[k] = append(byKey[k], i)
		}
	}
	out := make([]groupSet, 0, len(byKey))
	for k, v := range byKey {
		out = append(out, groupSet{k, v})
	}
	creGenes := allen.CreLineGenes()
	slices.SortFunc(out, func(a, b groupSet) int {
		return cmp.Or(
			cmp.Compare(slices.Index(levels, a.Level), slices.Index(levels, b.Level)),
			cmp.Compare(a.Class, b.Class),
			cmp.Compare(orderIndex(allen.Areas, a.Area), orderIndex(allen.Areas, b.Area)),
			strings.Compare(a.Area, b.Area),
			cmp.Compare(orderIndex(creGenes, a.Cre), orderIndex(creGenes, b.Cre)),
			strings.Compare(a.Cre, b.Cre),
		)
	})
	return out
}

// pair is an architecture with both variants.
type pair struct {
	name        string
	base, neurn int // model indices
}

// Aggregate compares every cell with every kernel of every model by [RMSE] (Eq. 1) and returns
// the results table (paper Fig. 2A and 2B): for each model (with and without
// NeuRN) and each group of cells - all cells, each class (E/I), each area, each Cre line, each
// area x Cre line - the mean RMSE over cell x kernel pairs with a two-way bootstrap confidence
// interval (cells and kernels resampled), [LinearCKA] and [RSA] point estimates, and for each
// architecture present with and without NeuRN (and pooled over them) the paired comparison of
// the two variants with a bootstrap interval and a permutation p-value (Holm-adjusted per
// architecture and level).
//
// Each bootstrap resample draws one resample of every group's cells (shared by all models, so
// differences are paired) and one resample of every model's kernels (shared by all groups); each
// draws from its own random stream, so the table is the same whatever GOMAXPROCS is.
func Aggregate(in Input, opts Options) (*Table, error) {
	if err := opts.Bootstrap.validate(); err != nil {
		return nil, errors.Wrap(err, "aggregate")
	}
	if opts.Permutation.Permutations < 1 {
		return nil, errors.Errorf("aggregate: %d permutations, need at least 1", opts.Permutation.Permutations)
	}
	classes, err := in.validate()
	if err != nil {
		return nil, err
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	nCells, nModels := len(in.Cells), len(in.Models)
	gs := groups(in.Cells, classes)

	// Cell maps prepared (resized, scaled) at each kernel size, shared by models.
	type size struct{ h, w int }
	prepared := map[size][][]float64{}
	cellsAt := func(s size) [][]float64 {
		if p, ok := prepared[s]; ok {
			return p
		}
		p := make([][]float64, nCells)
		mvc.ParallelFor(nCells, func(c int) { p[c] = prepare(in.Cells[c].Map, s.h, s.w) })
		prepared[s] = p
		return p
	}

	// RMSE matrices [cell][kernel] per model, and per-cell means.
	rmse := make([][]float64, nModels)
	rowMean := make([][]float64, nModels)
	for m, model := range in.Models {
		nK := len(model.Kernels)
		kernels := make([][]float64, nK)
		cellMaps := make([][][]float64, nK)
		for k, km := range model.Kernels {
			kernels[k] = prepare(km, km.Height, km.Width)
			cellMaps[k] = cellsAt(size{km.Height, km.Width})
		}
		mat := make([]float64, nCells*nK)
		means := make([]float64, nCells)
		mvc.ParallelFor(nCells, func(c int) {
			row := mat[c*nK : (c+1)*nK]
			var s float64
			for k := range kernels {
				row[k] = rmseScaled(kernels[k], cellMaps[k][c])
				s += row[k]
			}
			means[c] = s / float64(nK)
		})
		rmse[m], rowMean[m] = mat, means
		progress("rmse", m+1, nModels)
	}

	// Architectures with both variants.
	var pairs []pair
	for b, mb := range in.Models {
		if mb.NeuRN {
			continue
		}
		for n, mn := range in.Models {
			if mn.NeuRN && mn.Name == mb.Name {
				pairs = append(pairs, pair{mb.Name, b, n})
			}
		}
	}
	nPairs := len(pairs)
	nComp := 0 // comparisons per group: each pair, and the pooled one when there are pairs
	if nPairs > 0 {
		nComp = nPairs + 1
	}

	// Bootstrap: boot[m][g][b] and diffBoot[p][g][b].
	B, nG := opts.Bootstrap.Resamples, len(gs)
	boot := make([]float64, nModels*nG*B)
	diffBoot := make([]float64, nComp*nG*B)
	nw := mvc.Workers(B)
	scratch := make([][][]float64, nw)
	for w := range scratch {
		scratch[w] = make([][]float64, nModels)
		for m := range scratch[w] {
			scratch[w][m] = make([]float64, nCells)
		}
	}
	var doneMu sync.Mutex
	done := 0
	mvc.ParallelForWorkers(B, nw, func(w, b int) {
		v := scratch[w]
		// v[m][c]: cell c's mean RMSE over model m's resampled kernels.
		for m, model := range in.Models {
			nK := len(model.Kernels)
			counts := drawCounts(stream(opts.Bootstrap.Seed, tagKernels, uint64(b)<<20|uint64(m)), nK)
			weights := countWeights(counts)
			mat := rmse[m]
			for c := range nCells {
				v[m][c] = mvc.Dot(weights, mat[c*nK:(c+1)*nK]) / float64(nK)
			}
		}
		for g, gset := range gs {
			r := len(gset.cells)
			counts := drawCounts(stream(opts.Bootstrap.Seed, tagCells, uint64(b)<<20|uint64(g)), r)
			for m := range nModels {
				var s float64
				for i, n := range counts {
					if n != 0 {
						s += float64(n) * v[m][gset.cells[i]]
					}
				}
				boot[(m*nG+g)*B+b] = s / float64(r)
			}
			var pooled float64
			for p, pr := range pairs {
				var s float64
				for i, n := range counts {
					if n != 0 {
						c := gset.cells[i]
						s += float64(n) * (v[pr.neurn][c] - v[pr.base][c])
					}
				}
				diffBoot[(p*nG+g)*B+b] = s / float64(r)
				pooled += s / float64(r)
			}
			if nPairs > 0 {
				diffBoot[(nPairs*nG+g)*B+b] = pooled / float64(nPairs)
			}
		}
		doneMu.Lock()
		done++
		progress("bootstrap", done, B)
		doneMu.Unlock()
	})

	t := &Table{
		Provenance:      in.Provenance,
		BootstrapSeed:   opts.Bootstrap.Seed,
		Resamples:       B,
		Level:           opts.Bootstrap.Level,
		PermutationSeed: opts.Permutation.Seed,
		Permutations:    opts.Permutation.Permutations,
	}
	popCache := map[string]*population{}
	for m, model := range in.Models {
		nK := len(model.Kernels)
		kh, kw, uniform := model.Kernels[0].Height, model.Kernels[0].Width, true
		for _, km := range model.Kernels {
			uniform = uniform && km.Height == kh && km.Width == kw
		}
		var kernelPop *population
		if uniform {
			maps := make([][]float64, nK)
			for k, km := range model.Kernels {
				maps[k] = prepare(km, kh, kw)
			}
			kernelPop = newPopulation(maps)
		}
		for g, gset := range gs {
			var s float64
			for _, c := range gset.cells {
				s += rowMean[m][c]
			}
			lo, hi := interval(boot[(m*nG+g)*B:(m*nG+g+1)*B], opts.Bootstrap.Level)
			row := Row{Model: model.Name, NeuRN: model.NeuRN, Group: gset.Group,
				NCells: len(gset.cells), NKernels: nK,
				MeanRMSE: s / float64(len(gset.cells)), CILow: lo, CIHigh: hi}
			if kernelPop != nil && len(gset.cells) >= 2 {
				key := fmt.Sprintf("%dx%d/%d", kh, kw, g)
				cellPop, ok := popCache[key]
				if !ok {
					all := cellsAt(size{kh, kw})
					maps := make([][]float64, len(gset.cells))
					for i, c := range gset.cells {
						maps[i] = all[c]
					}
					cellPop = newPopulation(maps)
					popCache[key] = cellPop
				}
				row.CKA, row.RSA = cellPop.compare(kernelPop)
			}
			t.Rows = append(t.Rows, row)
		}
	}

	// Comparisons with permutation tests, in parallel, each from its own stream.
	if nPairs > 0 {
		t.Comparisons = make([]Comparison, nComp*nG)
		mvc.ParallelFor(nComp*nG, func(i int) {
			p, g := i/nG, i%nG
			gset := gs[g]
			d := make([]float64, len(gset.cells))
			var base, neurn float64
			for j, c := range gset.cells {
				if p < nPairs {
					base += rowMean[pairs[p].base][c]
					neurn += rowMean[pairs[p].neurn][c]
					d[j] = rowMean[pairs[p].neurn][c] - rowMean[pairs[p].base][c]
					continue
				}
				var bs, ns float64
				for _, pr := range pairs {
					bs += rowMean[pr.base][c]
					ns += rowMean[pr.neurn][c]
				}
				base += bs / float64(nPairs)
				neurn += ns / float64(nPairs)
				d[j] = (ns - bs) / float64(nPairs)
			}
			r := float64(len(gset.cells))
			test := signFlipTest(d, opts.Permutation, stream(opts.Permutation.Seed, tagPermutation, uint64(i)))
			lo, hi := interval(diffBoot[i*B:(i+1)*B], opts.Bootstrap.Level)
			arch := All
			if p < nPairs {
				arch = pairs[p].name
			}
			t.Comparisons[i] = Comparison{Architecture: arch, Group: gset.Group, NCells: len(gset.cells),
				MeanBase: base / r, MeanNeuRN: neurn / r, MeanDiff: test.MeanDiff, CILow: lo, CIHigh: hi,
				P: test.P, Permutations: test.Permutations, Exact: test.Exact}
		})
		progress("permutation", nComp*nG, nComp*nG)
		// Holm within each architecture x level family.
		family := map[string][]int{}
		for i, c := range t.Comparisons {
			k := c.Architecture + "\x00" + c.Level
			family[k] = append(family[k], i)
		}
		for _, idx := range family {
			ps := make([]float64, len(idx))
			for j, i := range idx {
				ps[j] = t.Comparisons[i].P
			}
			for j, adj := range Holm(ps) {
				t.Comparisons[idx[j]].PHolm = adj
			}
		}
	}
	return t, nil
}

// population is a set of prepared maps seen as items = map positions, features = maps, ready
// for CKA (centred Gram matrix over positions) and RSA (correlation RDM over positions).
type population struct {
	gram     [][]float64
	gramNorm float64
	rdm      []float64 // nil when undefined
}

func newPopulation(maps [][]float64) *population {
	items := make([][]float64, len(maps[0]))
	for pos := range items {
		items[pos] = make([]float64, len(maps))
		for f, m := range maps {
			items[pos][f] = m[pos]
		}
	}
	p := &population{}
	if xc, err := centreColumns(items); err == nil {
		p.gram = gram(xc)
		p.gramNorm = math.Sqrt(frobSq(p.gram))
	}
	if len(items) >= 3 && len(maps) >= 2 {
		if rdm, err := RDM(items); err == nil {
			p.rdm = rdm
		}
	}
	return p
}

// compare returns linear CKA and RSA between two populations over the same positions.
func (p *population) compare(q *population) (cka, rsa *float64) {
	if p.gram != nil && q.gram != nil && len(p.gram) == len(q.gram) && p.gramNorm > 0 && q.gramNorm > 0 {
		v := frobDot(p.gram, q.gram) / (p.gramNorm * q.gramNorm)
		cka = &v
	}
	if p.rdm != nil && q.rdm != nil && len(p.rdm) == len(q.rdm) {
		if v, err := Spearman(p.rdm, q.rdm); err == nil {
			rsa = &v
		}
	}
	return cka, rsa
}
