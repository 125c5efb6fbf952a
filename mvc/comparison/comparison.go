// Package comparison runs the paper's comparison of neural and artificial representations end
// to end ("Mice to Machines", Methods "High-level representational analysis" and "Single
// neuron-level analysis"; Figures 2A, 2B, 3 and Supplementary Figures S4, S5): neural
// representations of every cell of a set of Brain Observatory NWB files (mvc/represent; the
// simulated cortex of mvc/allen offline), the first-convolution kernels of the zoo's models with
// and without NeuRN (mvc/zoo; from the CIFAR-27 fine-tuning checkpoints of mvc/train when they
// exist, else the models' seeded initial weights, and said so), the paper's selection of
// representative members (mvc/embed: UMAP + k-means, 50 central members per cluster), the
// results table with bootstrap intervals and permutation tests (mvc/similarity), and the figures
// (mvc/plots). It is the library behind "mvc compare" and the reproduce steps 50-54.
package comparison

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/embed"
	"github.com/mice2machines/mice2machines/mvc/represent"
	"github.com/mice2machines/mice2machines/mvc/similarity"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// Profile sizes a comparison. The paper's numbers (Methods): UMAP + k-means with k = 10 and 50
// central members per cluster, 500 excitatory + 500 inhibitory neural representations and 500
// kernels per model; 13 models with and without NeuRN. Smaller profiles scale the selection
// (K x PerCluster members) and the statistics down, never the definitions.
type Profile struct {
	Name string
	// Models are the zoo architectures compared (nil: every one, [zoo.Names]).
	Models []string
	// Width is the width multiplier of the models whose initial kernels are used when there is
	// no checkpoint (the CIFAR-27 run profile's width: 0.125 smoke, 0.25 quick, 1 paper).
	Width float64
	// CellsPerFile limits the cells read from each file (0: all).
	CellsPerFile int
	// MapHeight x MapWidth is the size of the neural maps (represent.Options).
	MapHeight, MapWidth int
	// K and PerCluster select the neural representations of each class (paper: 10 x 50 = 500);
	// KernelK and KernelPerCluster each model's kernels (paper: 10 x 50 = 500).
	K, PerCluster             int
	KernelK, KernelPerCluster int
	// Resamples and Permutations size the bootstrap and the permutation tests (1,000 and
	// 10,000 beyond the smoke profile).
	Resamples, Permutations int
	// KDECells is the number of cells per class in Figure 3; OverlayCells the number of cells
	// per area in Figures S4/S5, over OverlaySeconds of their recording.
	KDECells, OverlayCells int
	OverlaySeconds         float64
}

// Profiles are the comparison's profiles: smoke (seconds; CI), quick and paper.
var Profiles = map[string]Profile{
	// smoke: DigitNet only, 4 clusters x 5 members per class and per model (20 instead of 500),
	// 200 resamples, 2,000 permutations, maps at half the simulated size (23 x 30).
	"smoke": {Name: "smoke", Models: []string{"digitnet"}, Width: 0.125, MapHeight: 23, MapWidth: 30,
		K: 4, PerCluster: 5, KernelK: 4, KernelPerCluster: 5, Resamples: 200, Permutations: 2000,
		KDECells: 1, OverlayCells: 2, OverlaySeconds: 15},
	// quick: every model at width 0.25, the paper's selection (10 x 50), 1,000 resamples.
	"quick": {Name: "quick", Width: 0.25, MapHeight: 46, MapWidth: 59, K: 10, PerCluster: 50, KernelK: 10, KernelPerCluster: 50,
		Resamples: 1000, Permutations: 10000, KDECells: 2, OverlayCells: 3, OverlaySeconds: 30},
	// paper: every model at full width, the paper's selection, 1,000 resamples.
	"paper": {Name: "paper", Width: 1, MapHeight: 46, MapWidth: 59, K: 10, PerCluster: 50, KernelK: 10, KernelPerCluster: 50,
		Resamples: 1000, Permutations: 10000, KDECells: 2, OverlayCells: 3, OverlaySeconds: 30},
}

// LookupProfile returns the named profile or an error listing the known ones.
func LookupProfile(name string) (Profile, error) {
	p, ok := Profiles[name]
	if !ok {
		return Profile{}, errors.Errorf("comparison: unknown profile %q (want smoke, quick or paper)", name)
	}
	if p.Models == nil {
		p.Models = zoo.Names()
	}
	return p, nil
}

// Options configures [Run].
type Options struct {
	Profile Profile
	// RunsDir holds the CIFAR-27 fine-tuning runs (<RunsDir>/cifar27-<model>[-neurn3]-<RunProfile>,
	// as the reproduce step train_cifar27 writes them); "" or a missing run means initial kernels.
	RunsDir, RunProfile string
	// Backend runs the models once to initialise their seeded weights when there is no
	// checkpoint.
	Backend compute.Backend
	// Seed seeds the selection, the bootstrap and the permutations.
	Seed uint64
	// Log receives progress lines (nil: discarded).
	Log io.Writer
	// Progress, when set, is called after each step of [Run] (each NWB file's cells, each
	// model's kernels, the results table) with the steps done, their total and what was done.
	Progress func(done, total int, what string)
	// CacheDir is where [Cached] keeps results ("": [CacheDir]); [Run] ignores it.
	CacheDir string
}

// CellRef locates a selected cell in its file, for the overlays.
type CellRef struct {
	File string
	Row  int
	similarity.Cell
}

// Result is what [Run] produced.
type Result struct {
	Profile Profile
	// Data names the neural data (e.g. "simulated cortex (offline), 18 files in DIR").
	Data string
	// Cells are the selected cells, excitatory then inhibitory; AllCells counts the cells read.
	Cells    []CellRef
	AllCells int
	// NeuralNotes record the selection of each class (cluster sizes, shortfalls).
	NeuralNotes []string
	// Models are the models' selected kernels with their sources.
	Models []*Kernels
	Table  *similarity.Table
	// Computed is when [Cached] computed the result (UTC; zero for [Run]'s own results).
	Computed time.Time
}

// AnyUntrained tells whether some model's kernels are its initial weights.
func (r *Result) AnyUntrained() bool {
	return slices.ContainsFunc(r.Models, func(k *Kernels) bool { return !k.Trained })
}

// KernelSources describes where the kernels came from, for captions and provenance: models
// sharing a source are listed together ("digitnet, digitnet+NeuRN: untrained (initial) ...").
func (r *Result) KernelSources() string {
	var sources []string
	models := map[string][]string{}
	for _, k := range r.Models {
		if _, ok := models[k.Source]; !ok {
			sources = append(sources, k.Source)
		}
		models[k.Source] = append(models[k.Source], k.Label())
	}
	var parts []string
	for _, s := range sources {
		names := strings.Join(models[s], ", ")
		if len(models[s]) == len(r.Models) && len(r.Models) > 2 {
			names = fmt.Sprintf("all %d models", len(r.Models))
		}
		parts = append(parts, names+": "+s)
	}
	return strings.Join(parts, "; ")
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// NeuralCells computes the neural representations (represent.FromFile, maps of the profile's
// size) of the cells of each NWB file, with their area, Cre line and class.
func NeuralCells(files []string, p Profile, log io.Writer) ([]CellRef, error) {
	return neuralCells(files, p, log, nil)
}

// neuralCells is [NeuralCells], calling step (when set) after each file.
func neuralCells(files []string, p Profile, log io.Writer, step func(what string)) ([]CellRef, error) {
	var out []CellRef
	start := time.Now()
	for i, path := range files {
		refs, err := fileCells(path, p)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
		if step != nil {
			step("cells of " + filepath.Base(path))
		}
		elapsed := time.Since(start)
		eta, _ := mvc.ETA(elapsed, i+1, len(files))
		logf(log, "\r  neural representations: %d/%d files, %d cells, %s, ETA %s   ", i+1, len(files), len(out),
			mvc.FormatDuration(elapsed), mvc.FormatDuration(eta))
	}
	logf(log, "\n")
	if len(out) == 0 {
		return nil, errors.New("comparison: no cells in the NWB files")
	}
	return out, nil
}

func fileCells(path string, p Profile) ([]CellRef, error) {
	f, err := allen.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: opening %s", path)
	}
	defer f.Close()
	opts := represent.Options{Height: p.MapHeight, Width: p.MapWidth}
	if p.CellsPerFile > 0 {
		n, _, err := f.Shape()
		if err != nil {
			return nil, errors.Wrapf(err, "comparison: %s", path)
		}
		for c := range min(n, p.CellsPerFile) {
			opts.Cells = append(opts.Cells, c)
		}
	}
	res, err := represent.FromFile(f, opts)
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: neural representations of %s", path)
	}
	cells, err := similarity.CellsFromResult(res)
	if err != nil {
		return nil, err
	}
	refs := make([]CellRef, len(cells))
	for i, c := range cells {
		refs[i] = CellRef{File: path, Row: res.Cells[i].Index, Cell: c}
	}
	return refs, nil
}

// SelectCells selects each class's representative cells as the paper does ([embed.SelectByClass]
// on the maps: K clusters x PerCluster central members per class, all when fewer), and returns
// them (excitatory first) with a note per class.
func SelectCells(cells []CellRef, p Profile, seed uint64) ([]CellRef, []string, error) {
	vectors := make([][]float64, len(cells))
	classes := make([]string, len(cells))
	for i, c := range cells {
		vectors[i] = c.Map.Values
		classes[i] = allen.ParseCellClass(c.Class).Code()
	}
	sels, err := embed.SelectByClass(vectors, classes, embed.SelectOptions{K: p.K, PerCluster: p.PerCluster, Seed: seed})
	if err != nil {
		return nil, nil, errors.Wrap(err, "comparison: selecting neural representations")
	}
	var out []CellRef
	var notes []string
	for _, s := range sels {
		for _, i := range s.Indices {
			out = append(out, cells[i])
		}
		note := fmt.Sprintf("class %s: %d of %d cells selected, cluster sizes %v", s.Class, len(s.Indices), len(s.Members), s.ClusterSizes)
		if s.Note != "" {
			note += " (" + s.Note + ")"
		}
		notes = append(notes, note)
	}
	return out, notes, nil
}

// Run runs the whole comparison on the NWB files: neural representations, kernels of each model
// of the profile with and without NeuRN, selection, and [similarity.Aggregate]. data names the
// neural data for the provenance (e.g. "simulated cortex (offline) ...").
func Run(files []string, data string, opts Options) (*Result, error) {
	p := opts.Profile
	if len(files) == 0 {
		return nil, errors.New("comparison: no NWB files")
	}
	start := time.Now()
	done, total := 0, len(files)+2*len(p.Models)+1
	step := func(what string) {
		done++
		if opts.Progress != nil {
			opts.Progress(done, total, what)
		}
	}
	all, err := neuralCells(files, p, opts.Log, step)
	if err != nil {
		return nil, err
	}
	sel, notes, err := SelectCells(all, p, opts.Seed)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		logf(opts.Log, "  %s\n", n)
	}
	res := &Result{Profile: p, Data: data, Cells: sel, AllCells: len(all), NeuralNotes: notes}
	for _, name := range p.Models {
		for _, neurn := range []bool{false, true} {
			k, err := LoadKernels(name, neurn, p, opts)
			if err != nil {
				return nil, err
			}
			if err := k.Select(p, opts.Seed); err != nil {
				return nil, err
			}
			logf(opts.Log, "  %s: %d of %d kernel maps %dx%d selected; %s\n", k.Label(), len(k.Selected), len(k.All), k.Shape[0], k.Shape[1], k.Source)
			res.Models = append(res.Models, k)
			step("kernels of " + k.Label())
		}
	}
	in := similarity.Input{Provenance: res.provenance()}
	for _, c := range sel {
		in.Cells = append(in.Cells, c.Cell)
	}
	for _, k := range res.Models {
		in.Models = append(in.Models, similarity.Model{Name: k.Name, NeuRN: k.NeuRN, Kernels: k.Selected})
	}
	aopts := similarity.DefaultOptions()
	aopts.Bootstrap.Resamples, aopts.Bootstrap.Seed = p.Resamples, opts.Seed
	aopts.Permutation.Permutations, aopts.Permutation.Seed = p.Permutations, opts.Seed+1
	res.Table, err = similarity.Aggregate(in, aopts)
	if err != nil {
		return nil, errors.Wrap(err, "comparison")
	}
	step("results table")
	logf(opts.Log, "  results table: %d rows, %d comparisons (%s)\n", len(res.Table.Rows), len(res.Table.Comparisons), mvc.FormatDuration(time.Since(start)))
	return res, nil
}

func (r *Result) provenance() string {
	nE, nI := 0, 0
	for _, c := range r.Cells {
		if allen.ParseCellClass(c.Class) == allen.Excitatory {
			nE++
		} else {
			nI++
		}
	}
	var names []string
	for _, k := range r.Models {
		if !k.NeuRN {
			names = append(names, k.Name)
		}
	}
	return fmt.Sprintf("neural: %s; %d cells, %d E + %d I selected (UMAP + k-means, %d x %d per class), maps %dx%d; models (with and without NeuRN): %s; kernels: %s; profile %s",
		r.Data, r.AllCells, nE, nI, r.Profile.K, r.Profile.PerCluster, r.Profile.MapHeight, r.Profile.MapWidth, strings.Join(names, ", "), r.KernelSources(), r.Profile.Name)
}

// SurveyFiles returns the NWB files of a simulated survey, in its order:
// s.Dir/allen.FileBase(area, Cre line).nwb.
func SurveyFiles(s *allen.Survey) []string {
	out := make([]string, len(s.Files))
	for i, f := range s.Files {
		out[i] = filepath.Join(s.Dir, allen.FileBase(f.Area, f.CreLine)+".nwb")
	}
	return out
}

// LoadSurvey reads the manifest (survey.json) of a simulated survey written by
// allen.SimulateSurvey in dir, without simulating anything.
func LoadSurvey(dir string) (*allen.Survey, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "survey.json"))
	if err != nil {
		return nil, errors.Wrapf(err, "comparison: %s is not a simulated survey", dir)
	}
	s := &allen.Survey{}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, errors.Wrapf(err, "comparison: reading %s", filepath.Join(dir, "survey.json"))
	}
	if len(s.Files) == 0 {
		return nil, errors.Errorf("comparison: the survey in %s lists no files", dir)
	}
	s.Dir = dir
	return s, nil
}

// SurveyDescription describes a simulated survey in one line (its label, seed, files, areas x
// Cre lines, cells per file and stimuli), for provenance records and captions.
func SurveyDescription(s *allen.Survey) string {
	return fmt.Sprintf("%s (offline simulation, seed %d, %d files: %d areas x %d Cre lines, %d cells each, %s)",
		allen.SimulatedLabel, s.Options.Seed, len(s.Files), len(s.Options.Areas), len(s.Options.CreLines), s.Options.Cells, s.StimulusProvenance)
}
