package allen

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// SimulatedLabel labels everything derived from the simulated cortex.
const SimulatedLabel = "simulated cortex"

// SimOptions configures the simulated cortex. [DefaultSimOptions] returns the defaults; the
// stimulus follows the Brain Observatory's natural scenes (118 images, 250 ms each, 50 trials in
// random order with blank sweeps, ~30 Hz two-photon frames), while template size and cell counts
// are kept small so that a whole survey is cheap.
type SimOptions struct {
	// Seed makes the simulation deterministic: the same options give the same files.
	Seed uint64 `json:"seed"`
	// Cells is the number of cells per experiment file (default 10; at most 9999).
	Cells int `json:"cells"`
	// Height and Width are the template size (default 46 x 59, 1/20 of the real 918 x 1174).
	Height int `json:"height"`
	Width  int `json:"width"`
	// Images is the number of stimulus images (default 118).
	Images int `json:"images"`
	// Trials is the number of presentations of each image (default 50).
	Trials int `json:"trials"`
	// BlankSweeps is the number of blank (grey) presentations, spread one per block of Images
	// presentations and placed at random within it (default 50: 5,950 rows as in real files).
	BlankSweeps int `json:"blank_sweeps"`
	// FrameRate is the imaging frame rate in Hz (default 30).
	FrameRate float64 `json:"frame_rate"`
	// PresentationS is how long each image is shown, in seconds (default 0.25).
	PresentationS float64 `json:"presentation_s"`
	// PadS is the grey time before the first and after the last presentation (default 2 s).
	PadS float64 `json:"pad_s"`
	// Stimulus is [StimulusAuto] (default), [StimulusBSDS500], [StimulusPink] or [StimulusWhite].
	Stimulus string `json:"stimulus"`
	// BSDS500Dir is the BSDS500 folder (default $MVC_DATA/bsds500).
	BSDS500Dir string `json:"bsds500_dir,omitempty"`
	// DegreesWide is the visual angle the template spans horizontally (default 120: the Brain
	// Observatory's stimulus monitor covered about 120 x 95 degrees).
	DegreesWide float64 `json:"degrees_wide"`
	// NoiseSD is the standard deviation of the frame-by-frame measurement noise in dF/F
	// (default 0.03).
	NoiseSD float64 `json:"noise_sd"`
	// Areas and CreLines select the experiments (default: all of [Areas] and [CreLines]).
	Areas    []string `json:"areas"`
	CreLines []string `json:"cre_lines"`
	// Workers is the number of files simulated at once (default: GOMAXPROCS, at most 4); it
	// does not change the result.
	Workers int `json:"-"`
}

// DefaultSimOptions returns the default options (seed 1).
func DefaultSimOptions() SimOptions {
	o := SimOptions{
		Seed: 1, Cells: 10, Height: 46, Width: 59, Images: RealImages, Trials: 50, BlankSweeps: 50,
		FrameRate: 30, PresentationS: 0.25, PadS: 2, Stimulus: StimulusAuto, DegreesWide: 120,
		NoiseSD: 0.03, Areas: slices.Clone(Areas),
	}
	for _, c := range CreLines {
		o.CreLines = append(o.CreLines, c.Gene)
	}
	return o
}

func (o *SimOptions) check() error {
	switch {
	case o.Cells < 1 || o.Cells > 9999:
		return errors.Errorf("simulated cortex: %d cells per file, want 1 to 9999", o.Cells)
	case o.Height < 1 || o.Width < 1 || o.Height*o.Width > RealTemplateHeight*RealTemplateWidth:
		return errors.Errorf("simulated cortex: template size %dx%d, want positive and at most %dx%d pixels",
			o.Height, o.Width, RealTemplateHeight, RealTemplateWidth)
	case o.Images < 2:
		return errors.Errorf("simulated cortex: %d images, want at least 2", o.Images)
	case o.Trials < 1:
		return errors.Errorf("simulated cortex: %d trials, want at least 1", o.Trials)
	case o.BlankSweeps < 0:
		return errors.Errorf("simulated cortex: %d blank sweeps, want >= 0", o.BlankSweeps)
	case !(o.FrameRate > 0) || !(o.PresentationS > 0) || !(o.PadS >= 1):
		return errors.Errorf("simulated cortex: frame rate %g Hz, presentation %g s and padding %g s: want positive rates and durations, padding >= 1 s",
			o.FrameRate, o.PresentationS, o.PadS)
	case o.PresentationS*o.FrameRate < 1:
		return errors.Errorf("simulated cortex: a presentation of %g s lasts less than one frame at %g Hz", o.PresentationS, o.FrameRate)
	case !(o.DegreesWide > 0) || !(o.NoiseSD >= 0):
		return errors.Errorf("simulated cortex: %g degrees wide and noise %g: want positive and non-negative", o.DegreesWide, o.NoiseSD)
	}
	if !slices.Contains([]string{StimulusAuto, StimulusBSDS500, StimulusPink, StimulusWhite}, o.Stimulus) {
		return errors.Errorf("simulated cortex: unknown stimulus %q (want auto, bsds500, pink or white)", o.Stimulus)
	}
	if len(o.Areas) == 0 || len(o.CreLines) == 0 {
		return errors.New("simulated cortex: no areas or no Cre lines selected")
	}
	for _, a := range o.Areas {
		if _, ok := AreaTunings[a]; !ok {
			return errors.Errorf("simulated cortex: unknown area %q (want one of %v)", a, Areas)
		}
	}
	for _, c := range o.CreLines {
		if _, ok := LookupCreLine(c); !ok {
			return errors.Errorf("simulated cortex: unknown Cre line %q", c)
		}
	}
	return nil
}

// GroundTruth is what the simulator knows about an experiment's cells, saved beside its file.
type GroundTruth struct {
	Area    string    `json:"area"`
	CreLine string    `json:"cre_line"`
	Class   CellClass `json:"class"`
	// Height and Width are the template size of the fields; DegreesWide the angle it spans.
	Height      int         `json:"height"`
	Width       int         `json:"width"`
	DegreesWide float64     `json:"degrees_wide"`
	Cells       []CellTruth `json:"cells"`
}

// CellTruth is one simulated cell: its id, model and firing rate for each image.
type CellTruth struct {
	SpecimenID int64     `json:"cell_specimen_id"`
	Model      CellModel `json:"model"`
	// RatesHz is the rate above baseline evoked by each image (before trial gains).
	RatesHz []float64 `json:"rates_hz"`
	// Field is the receptive field (unit norm, Height x Width row-major); it is saved in the
	// _rf.npy file, not in JSON.
	Field []float64 `json:"-"`
}

// SurveyFile is one experiment of a simulated survey.
type SurveyFile struct {
	Area    string `json:"area"`
	CreLine string `json:"cre_line"`
	// NWB is the experiment file; Fields the ground-truth receptive fields, float32 .npy
	// [cells, height, width]; Truth the JSON [GroundTruth].
	NWB    string `json:"nwb"`
	Fields string `json:"fields"`
	Truth  string `json:"truth"`
}

// Survey is a simulated survey on disk.
type Survey struct {
	Dir     string       `json:"-"`
	Options SimOptions   `json:"options"`
	Files   []SurveyFile `json:"files"`
	// StimulusProvenance describes the images shown.
	StimulusProvenance string `json:"stimulus"`
	// StimulusDigest is [StimulusSet.Digest] of the images shown: it, not the provenance
	// sentence, decides whether a folder holds this survey.
	StimulusDigest string `json:"stimulus_sha256"`
	// Resumed counts the files found complete on disk and kept.
	Resumed int `json:"-"`
}

// surveyManifest is the name of the file describing a survey in its folder.
const surveyManifest = "survey.json"

// FileBase returns the base name (without extension) of an experiment of the simulated survey.
func FileBase(area, creLine string) string { return area + "_" + creLine }

// ExperimentID returns the experiment id the simulated survey gives an (area, Cre line) pair:
// 900,000,000 + 100 x (index of the area in [Areas]) + index of the line in [CreLines]. Real
// Brain Observatory ids are below 900,000,000 (about 5 x 10^8), so simulated ids cannot be taken
// for real ones.
func ExperimentID(area, creLine string) int64 {
	a := slices.Index(Areas, area)
	c := slices.IndexFunc(CreLines, func(l CreLine) bool { return l.Gene == creLine })
	return 900_000_000 + 100*int64(a) + int64(c)
}

// SimulateSurvey writes a simulated survey into dir: for each selected (area, Cre line) pair an
// experiment file dir/<area>_<line>.nwb, its ground-truth fields dir/<area>_<line>_rf.npy and
// truth dir/<area>_<line>_truth.json, and dir/survey.json describing the survey. Each file is
// written atomically. It resumes: when dir already holds a survey made with the same options,
// files found complete are kept (the simulation is deterministic, so they are what would be
// written); a survey made with other options is an error. progress, when not nil, is called
// after each file with the count done so far.
func SimulateSurvey(dir string, opts SimOptions, progress func(done, total int, file string)) (*Survey, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	stim, err := MakeStimuli(opts)
	if err != nil {
		return nil, err
	}
	digest := stim.Digest()
	manifest := filepath.Join(dir, surveyManifest)
	if b, err := os.ReadFile(manifest); err == nil {
		var old Survey
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, errors.Wrapf(err, "%s: not a survey description", manifest)
		}
		if !reflect.DeepEqual(old.Options, opts) {
			return nil, errors.Errorf("%s holds a simulated survey made with other options (%s); choose another folder or remove it",
				dir, optionsDiff(old.Options, opts))
		}
		if old.StimulusDigest != digest {
			return nil, errors.Errorf("%s holds a simulated survey made with other stimulus images (there: %s, SHA-256 %.12s; now: %s, SHA-256 %.12s); choose another folder or remove it",
				dir, old.StimulusProvenance, old.StimulusDigest, stim.Provenance, digest)
		}
	}
	s := &Survey{Dir: dir, Options: opts, StimulusProvenance: stim.Provenance, StimulusDigest: digest}
	for _, a := range opts.Areas {
		for _, c := range opts.CreLines {
			base := filepath.Join(dir, FileBase(a, c))
			s.Files = append(s.Files, SurveyFile{Area: a, CreLine: c, NWB: base + ".nwb", Fields: base + "_rf.npy", Truth: base + "_truth.json"})
		}
	}
	if err := writeJSON(manifest, s); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sf := s.Files[i]
				resumed := complete(sf)
				var err error
				if !resumed {
					err = simulateFile(opts, stim, sf)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if resumed {
					s.Resumed++
				}
				done++
				if progress != nil && err == nil {
					progress(done, len(s.Files), sf.NWB)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range s.Files {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return s, nil
}

// complete reports whether all three files of an experiment exist (each is written atomically,
// so existing means complete).
func complete(sf SurveyFile) bool {
	for _, p := range []string{sf.NWB, sf.Fields, sf.Truth} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			return false
		}
	}
	return true
}

func optionsDiff(a, b SimOptions) string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return fmt.Sprintf("there: %s; asked: %s", ja, jb)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}

// simulateFile simulates one experiment and writes its three files.
func simulateFile(opts SimOptions, stim *StimulusSet, sf SurveyFile) (err error) {
	e, truth, err := SimulateExperiment(opts, stim, sf.Area, sf.CreLine)
	if err != nil {
		return err
	}
	p := opts.Height * opts.Width
	fields := make([]float32, 0, len(truth.Cells)*p)
	for _, c := range truth.Cells {
		for _, v := range c.Field {
			fields = append(fields, float32(v))
		}
	}
	// The three files are written under temporary names and renamed into place together at
	// the end (the NWB file last: its presence with the others marks the experiment
	// complete), so that a failure (a full disk) or a kill leaves no field or truth file
	// without its experiment file.
	part := func(path string) string { return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".part") }
	paths := []string{sf.Fields, sf.Truth, sf.NWB}
	defer func() {
		for _, path := range paths {
			_ = os.Remove(part(path))
			if err != nil {
				_ = os.Remove(path)
			}
		}
	}()
	if err := data.WriteNPYFloat32(part(sf.Fields), fields, []int{len(truth.Cells), opts.Height, opts.Width}); err != nil {
		return err
	}
	if err := writeJSON(part(sf.Truth), truth); err != nil {
		return err
	}
	if err := writeNWB(part(sf.NWB), e); err != nil {
		return err
	}
	for _, path := range paths {
		if err := os.Rename(part(path), path); err != nil {
			return errors.Wrapf(err, "moving %s into place", path)
		}
	}
	return nil
}

// writeNWB writes an experiment file (a variable, so that tests can make it fail).
var writeNWB = WriteNWB

// schedule returns the order of presentations of a simulated session: opts.Trials blocks, each
// a random permutation of the opts.Images images with the block's share of blank sweeps ([Blank])
// inserted at random places.
func schedule(opts SimOptions, r *rng) []int {
	var order []int
	for b := range opts.Trials {
		block := r.perm(opts.Images)
		blanks := (b+1)*opts.BlankSweeps/opts.Trials - b*opts.BlankSweeps/opts.Trials
		for range blanks {
			at := r.intn(len(block) + 1)
			block = slices.Insert(block, at, Blank)
		}
		order = append(order, block...)
	}
	return order
}

// SimulateExperiment simulates one experiment of an area and Cre line shown stim: the stimulus
// table, the cells' models, fields and dF/F traces. It is deterministic in (opts.Seed, area,
// Cre line); cell j's model does not depend on the number of cells.
func SimulateExperiment(opts SimOptions, stim *StimulusSet, area, creLine string) (*Experiment, *GroundTruth, error) {
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	cre, ok := LookupCreLine(creLine)
	if !ok {
		return nil, nil, errors.Errorf("simulated cortex: unknown Cre line %q", creLine)
	}
	if _, ok := AreaTunings[area]; !ok {
		return nil, nil, errors.Errorf("simulated cortex: unknown area %q", area)
	}
	im := stim.Images
	if im.N != opts.Images || im.Height != opts.Height || im.Width != opts.Width {
		return nil, nil, errors.Errorf("simulated cortex: stimulus set is %dx%dx%d, options ask for %dx%dx%d",
			im.N, im.Height, im.Width, opts.Images, opts.Height, opts.Width)
	}
	fr := opts.FrameRate
	order := schedule(opts, newRNG(opts.Seed, "schedule", area, creLine))
	frames := int(math.Round((2*opts.PadS + float64(len(order))*opts.PresentationS) * fr))
	onsets := make([]float64, len(order))
	table := make([]Presentation, len(order))
	for p, img := range order {
		t := opts.PadS + float64(p)*opts.PresentationS
		onsets[p] = t
		table[p] = Presentation{Image: img, Start: int(math.Round(t * fr)), End: int(math.Round((t + opts.PresentationS) * fr))}
	}
	id := ExperimentID(area, creLine)
	e := &Experiment{
		Metadata: Metadata{
			ExperimentID: id, SessionType: NaturalScenesSession, Genotype: cre.Genotype, Area: area,
			ImagingDepthUM: cre.DepthUM, Indicator: cre.Indicator,
		},
		Cells: opts.Cells, Frames: frames,
		DFF:             make([]float32, opts.Cells*frames),
		Timestamps:      make([]float64, frames),
		Presentations:   table,
		Templates:       im,
		TemplateSources: stim.Sources,
	}
	for k := range frames {
		e.Timestamps[k] = float64(k) / fr
	}
	truth := &GroundTruth{Area: area, CreLine: creLine, Class: cre.Class, Height: opts.Height, Width: opts.Width, DegreesWide: opts.DegreesWide}
	lambda := make([]float64, frames)
	for j := range opts.Cells {
		r := newRNG(opts.Seed, "cell", area, creLine, fmt.Sprint(j))
		m := drawCell(r, area, cre)
		field := m.Field(opts.Height, opts.Width, opts.DegreesWide)
		rates := m.Rates(field, im)
		cellID := id*10_000 + int64(j)
		e.CellSpecimenIDs = append(e.CellSpecimenIDs, cellID)
		truth.Cells = append(truth.Cells, CellTruth{SpecimenID: cellID, Model: m, RatesHz: rates, Field: field})
		// Expected spikes per frame: baseline, plus each presentation's response (its rate
		// times a log-normal trial gain) over [onset + latency, + presentation).
		for k := range lambda {
			lambda[k] = m.BaselineHz / fr
		}
		for p, img := range order {
			if img == Blank {
				continue
			}
			rate := rates[img] * r.lognormal(m.TrialGainSD)
			if rate == 0 {
				continue
			}
			t0 := onsets[p] + m.LatencyS
			t1 := t0 + opts.PresentationS
			for k := int(t0 * fr); k < frames && float64(k)/fr < t1; k++ {
				overlap := min(t1, float64(k+1)/fr) - max(t0, float64(k)/fr)
				if overlap > 0 {
					lambda[k] += rate * overlap
				}
			}
		}
		// Spikes through the indicator: a double exponential as two first-order filters.
		aDecay, aRise := math.Exp(-1/(fr*m.DecayS)), math.Exp(-1/(fr*m.RiseS))
		scale := m.SpikeDFF / kernelPeak(m.RiseS, m.DecayS)
		var d, u float64
		row := e.DFF[j*frames : (j+1)*frames]
		for k := range frames {
			s := float64(r.poisson(lambda[k]))
			d = aDecay*d + s
			u = aRise*u + s
			row[k] = float32(scale*(d-u) + opts.NoiseSD*r.normal())
		}
		// dF/F relative to the baseline: the Allen pipeline measures it against a running median
		// of the fluorescence; the simulation is stationary, so its median is the trace's.
		med := median(row)
		for k := range row {
			row[k] -= med
		}
	}
	e.Notes = fmt.Sprintf("%s: simulated by mice2machines (mvc/allen, seed %d), not a recording. %d %s cells of %s, Cre line %s (%s), "+
		"linear-nonlinear models with Gabor-like receptive fields on a template spanning %g degrees, Poisson spikes, "+
		"%s-like kernel (rise %g s, decay %g s), frame noise %g dF/F. Stimulus: %s; %d trials, %g s each, %d blank sweeps, %g Hz frames.",
		SimulatedLabel, opts.Seed, opts.Cells, cre.Class, area, creLine, cre.Genotype, opts.DegreesWide,
		cre.Indicator, indicatorKernels[cre.Indicator].Rise, indicatorKernels[cre.Indicator].Decay, opts.NoiseSD,
		stim.Provenance, opts.Trials, opts.PresentationS, opts.BlankSweeps, fr)
	e.Description = fmt.Sprintf("%s: natural scenes session of %s %s (%d cells)", SimulatedLabel, area, creLine, opts.Cells)
	return e, truth, nil
}

// median returns the median of v (the lower middle value for even lengths), by quickselect on
// a copy.
func median(v []float32) float32 {
	if len(v) == 0 {
		return 0
	}
	a := slices.Clone(v)
	k := (len(a) - 1) / 2
	lo, hi := 0, len(a)-1
	for lo < hi {
		pivot := a[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
