package allen

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/h5"
	"github.com/pkg/errors"
)

// ErrMissingDataset is wrapped by the [DatasetError] of a dataset the file lacks.
var ErrMissingDataset = h5.ErrMissingDataset

// DatasetError is an error about one dataset of one file: it is missing, has the wrong shape or
// type, or holds bad values. Its message names both.
type DatasetError = h5.DatasetError

// integer converts a float read from a dataset to an int, checking that it is a whole number.
func integer(v float64) (int, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, false
	}
	return int(v), true
}

// Paths of the datasets read, in the NWB 1 layout of the Brain Observatory's experiment files as
// AllenSDK's BrainObservatoryNwbDataSet reads them (allensdk/core/brain_observatory_nwb_data_set.py;
// the package documentation lists the layout). Paths have no leading '/'.
const (
	// DFFPath holds dF/F, cells x frames (float).
	DFFPath = "processing/brain_observatory_pipeline/DfOverF/imaging_plane_1/data"
	// TimestampsPath holds the time of each frame in seconds.
	TimestampsPath = "processing/brain_observatory_pipeline/DfOverF/imaging_plane_1/timestamps"
	// CellSpecimenIDsPath holds the cell specimen id of each row of dF/F.
	CellSpecimenIDsPath = "processing/brain_observatory_pipeline/ImageSegmentation/cell_specimen_ids"
	// NaturalScenesGroup is the natural scenes stimulus's presentation group; only session B
	// (three_session_B) has it.
	NaturalScenesGroup = "stimulus/presentation/natural_scenes_stimulus"
	// NaturalScenesPath holds the image index of each presentation (-1: blank sweep), as floats.
	NaturalScenesPath = NaturalScenesGroup + "/data"
	// NaturalScenesFramesPath holds each presentation's start and end frame (n x 2), as floats.
	NaturalScenesFramesPath = NaturalScenesGroup + "/frame_duration"
	// TemplatesPath holds the natural scenes, images x height x width uint8 (118 x 918 x 1174 in
	// real files).
	TemplatesPath = "stimulus/templates/natural_scenes_image_stack/data"
	// TemplateSourcesPath holds, in simulated files only, where each template image came from.
	TemplateSourcesPath = "stimulus/templates/natural_scenes_image_stack/sources"
	// GenotypePath holds the genotype ("Cux2-CreERT2/wt;Camk2a-tTA/wt;...").
	GenotypePath = "general/subject/genotype"
	// LocationPath holds the imaged area ("VISp").
	LocationPath = "general/optophysiology/imaging_plane_1/location"
	// DepthPath holds the imaging depth ("175 microns").
	DepthPath = "general/optophysiology/imaging_plane_1/imaging depth"
	// IndicatorPath holds the calcium indicator ("GCaMP6f"); optional.
	IndicatorPath = "general/optophysiology/imaging_plane_1/indicator"
	// SessionTypePath holds the session type ("three_session_B").
	SessionTypePath = "general/session_type"
	// SessionIDPath holds the ophys experiment id (AllenSDK reads ophys_experiment_id there);
	// optional.
	SessionIDPath = "general/session_id"
	// NotesPath holds free text; the simulated cortex writes its provenance there. Optional.
	NotesPath = "general/notes"
)

// NaturalScenesSession is the session type whose files hold the natural scenes stimulus.
const NaturalScenesSession = "three_session_B"

// ErrNoNaturalScenes is wrapped by the error of a file without the natural scenes stimulus
// (sessions A and C); the message names the file and its session type.
var ErrNoNaturalScenes = errors.New("no natural scenes stimulus")

// Metadata describes an experiment: who was imaged where, and which cells.
type Metadata struct {
	// ExperimentID is the ophys experiment id ([SessionIDPath]); 0 when the file lacks it.
	ExperimentID int64 `json:"experiment_id"`
	// SessionType is "three_session_A", "three_session_B", "three_session_C" or
	// "three_session_C2"; only B has natural scenes.
	SessionType string `json:"session_type"`
	// Genotype is the full genotype string.
	Genotype string `json:"genotype"`
	// CreLine is the Cre line's gene name, e.g. "Cux2" ([CreLineOfGenotype]).
	CreLine string `json:"cre_line"`
	// Class is [Excitatory], [Inhibitory] or [UnknownClass] ([ClassOf]).
	Class CellClass `json:"class"`
	// Area is the imaged visual area, e.g. "VISp".
	Area string `json:"area"`
	// ImagingDepthUM is the imaging depth in micrometres.
	ImagingDepthUM int `json:"imaging_depth_um"`
	// Indicator is the calcium indicator, "" when the file does not say.
	Indicator string `json:"indicator,omitempty"`
	// CellSpecimenIDs has one id per row of dF/F.
	CellSpecimenIDs []int64 `json:"cell_specimen_ids"`
	// Notes is the file's general/notes ("" when absent): the simulated cortex's provenance.
	Notes string `json:"notes,omitempty"`
}

// Presentation is one row of the natural scenes stimulus table.
type Presentation struct {
	// Image is the template index shown, or -1 for a blank sweep (grey screen).
	Image int
	// Start and End are the frames (indices into dF/F and timestamps) at which the image
	// appeared and disappeared.
	Start, End int
}

// Blank is the image index of a blank sweep.
const Blank = -1

// Images is a stack of greyscale images, row-major [N, Height, Width] uint8.
type Images struct {
	N, Height, Width int
	Pixels           []uint8
}

// Image returns image i (a view).
func (im *Images) Image(i int) []uint8 {
	s := im.Height * im.Width
	return im.Pixels[i*s : (i+1)*s]
}

// File is an open experiment file. Its methods read only the datasets they need, and may be
// called from several goroutines (reads are serialized).
type File struct {
	h *h5.File
}

// Open opens an NWB 1 experiment file for reading; only its structure is read. Close it after use.
func Open(path string) (*File, error) {
	h, err := h5.Open(path, "NWB")
	if err != nil {
		return nil, err
	}
	return &File{h: h}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.h.Close() }

// Path returns the file's path.
func (f *File) Path() string { return f.h.Path() }

// Has reports whether the file holds a dataset at path (without the leading '/').
func (f *File) Has(path string) bool { return f.h.Has(path) }

// Metadata reads the experiment's metadata (a few small datasets).
func (f *File) Metadata() (*Metadata, error) {
	m := &Metadata{}
	var err error
	if m.SessionType, err = f.h.Text(SessionTypePath); err != nil {
		return nil, err
	}
	if m.Genotype, err = f.h.Text(GenotypePath); err != nil {
		return nil, err
	}
	m.CreLine = CreLineOfGenotype(m.Genotype)
	if m.CreLine == "" {
		return nil, f.h.Errorf(GenotypePath, "genotype %q names no Cre line", m.Genotype)
	}
	m.Class = ClassOf(m.CreLine)
	if m.Area, err = f.h.Text(LocationPath); err != nil {
		return nil, err
	}
	m.Area = strings.TrimSpace(m.Area)
	if m.ImagingDepthUM, err = f.depth(); err != nil {
		return nil, err
	}
	if f.h.Has(IndicatorPath) {
		if m.Indicator, err = f.h.Text(IndicatorPath); err != nil {
			return nil, err
		}
	}
	if f.h.Has(SessionIDPath) {
		if m.ExperimentID, err = f.experimentID(); err != nil {
			return nil, err
		}
	}
	if f.h.Has(NotesPath) {
		if m.Notes, err = f.h.Text(NotesPath); err != nil {
			return nil, err
		}
	}
	if m.CellSpecimenIDs, err = f.CellSpecimenIDs(); err != nil {
		return nil, err
	}
	return m, nil
}

// depth reads the imaging depth, stored as text ("175 microns") or as a number.
func (f *File) depth() (int, error) {
	d, err := f.h.Dataset(DepthPath)
	if err != nil {
		return 0, err
	}
	if d.Class() == "float" || d.Class() == "integer" {
		v, err := f.h.Float64s(DepthPath)
		if err != nil {
			return 0, err
		}
		if len(v) != 1 {
			return 0, f.h.Errorf(DepthPath, "holds %d values, want 1", len(v))
		}
		return int(math.Round(v[0])), nil
	}
	s, err := f.h.Text(DepthPath)
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return 0, f.h.Errorf(DepthPath, "is empty, want a depth such as \"175 microns\"")
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(fields[0], "um"), 64)
	if err != nil || v < 0 {
		return 0, f.h.Errorf(DepthPath, "%q is not a depth such as \"175 microns\"", s)
	}
	return int(math.Round(v)), nil
}

// experimentID reads general/session_id, stored as text or as a number.
func (f *File) experimentID() (int64, error) {
	d, err := f.h.Dataset(SessionIDPath)
	if err != nil {
		return 0, err
	}
	if d.Class() == "float" || d.Class() == "integer" {
		v, err := f.h.Float64s(SessionIDPath)
		if err != nil {
			return 0, err
		}
		if len(v) != 1 {
			return 0, f.h.Errorf(SessionIDPath, "holds %d values, want 1", len(v))
		}
		id, ok := integer(v[0])
		if !ok {
			return 0, f.h.Errorf(SessionIDPath, "%v is not an id", v[0])
		}
		return int64(id), nil
	}
	s, err := f.h.Text(SessionIDPath)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, f.h.Errorf(SessionIDPath, "%q is not a numeric experiment id", s)
	}
	return id, nil
}

// CellSpecimenIDs reads the cell specimen id of each row of dF/F.
func (f *File) CellSpecimenIDs() ([]int64, error) {
	d, err := f.h.Numeric(CellSpecimenIDsPath, 1)
	if err != nil {
		return nil, err
	}
	cells, _, err := f.Shape()
	if err != nil {
		return nil, err
	}
	if d.Shape()[0] != cells {
		return nil, f.h.Errorf(CellSpecimenIDsPath, "has %d ids for the %d cells of %s", d.Shape()[0], cells, DFFPath)
	}
	v, err := f.h.Float64s(CellSpecimenIDsPath)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(v))
	for i, x := range v {
		id, ok := integer(x)
		if !ok {
			return nil, f.h.Errorf(CellSpecimenIDsPath, "value %v of cell %d is not an id", x, i)
		}
		ids[i] = int64(id)
	}
	return ids, nil
}

// Shape returns the number of cells and frames of dF/F, from its header (no data is read).
func (f *File) Shape() (cells, frames int, err error) {
	d, err := f.h.Numeric(DFFPath, 2)
	if err != nil {
		return 0, 0, err
	}
	return d.Shape()[0], d.Shape()[1], nil
}

// Timestamps reads the time of each frame, in seconds; there must be one per frame of dF/F.
func (f *File) Timestamps() ([]float64, error) {
	_, frames, err := f.Shape()
	if err != nil {
		return nil, err
	}
	d, err := f.h.Numeric(TimestampsPath, 1)
	if err != nil {
		return nil, err
	}
	if d.Shape()[0] != frames {
		return nil, f.h.Errorf(TimestampsPath, "has %d timestamps for the %d frames of %s", d.Shape()[0], frames, DFFPath)
	}
	t, err := f.h.Float64s(TimestampsPath)
	if err != nil {
		return nil, err
	}
	for i, v := range t {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, f.h.Errorf(TimestampsPath, "timestamp %d is %v", i, v)
		}
	}
	return t, nil
}

// FrameRate returns the imaging frame rate in Hz: 1 / the median interval between timestamps
// (about 30 Hz in the Brain Observatory).
func (f *File) FrameRate() (float64, error) {
	t, err := f.Timestamps()
	if err != nil {
		return 0, err
	}
	return frameRate(f.h, t)
}

func frameRate(h *h5.File, t []float64) (float64, error) {
	if len(t) < 2 {
		return 0, h.Errorf(TimestampsPath, "has %d timestamps: a frame rate needs at least 2", len(t))
	}
	d := make([]float64, len(t)-1)
	for i := range d {
		d[i] = t[i+1] - t[i]
	}
	slices.Sort(d)
	med := d[len(d)/2]
	if len(d)%2 == 0 {
		med = (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	if !(med > 0) {
		return 0, h.Errorf(TimestampsPath, "median interval between frames is %v s, want > 0 (timestamps must increase)", med)
	}
	return 1 / med, nil
}

// Trace reads the dF/F trace of one cell (row cell of dF/F), all frames.
func (f *File) Trace(cell int) ([]float64, error) {
	return f.TraceBlock(cell, 1)
}

// TraceBlock reads the dF/F traces of cells first..first+n-1, row-major [n, frames]. Reading
// several cells at once reads each compressed chunk once.
func (f *File) TraceBlock(first, n int) ([]float64, error) {
	cells, frames, err := f.Shape()
	if err != nil {
		return nil, err
	}
	if first < 0 || n < 0 || first+n > cells {
		return nil, f.h.Errorf(DFFPath, "cells %d..%d requested, the file has %d", first, first+n-1, cells)
	}
	return f.h.Float64Block(DFFPath, []int{first, 0}, []int{n, frames})
}

// TemplateShape returns the number, height and width of the natural scenes images from the
// header of their dataset (no data is read).
func (f *File) TemplateShape() (n, height, width int, err error) {
	d, err := f.h.Numeric(TemplatesPath, 3)
	if err != nil {
		if errors.Is(err, ErrMissingDataset) && !f.h.Has(NaturalScenesPath) && !f.h.Has(NaturalScenesFramesPath) {
			return 0, 0, 0, f.noNaturalScenes(err)
		}
		return 0, 0, 0, err
	}
	if d.Shape()[0] == 0 || d.Shape()[1] == 0 || d.Shape()[2] == 0 {
		return 0, 0, 0, f.h.Errorf(TemplatesPath, "has shape %v: no images", d.Shape())
	}
	return d.Shape()[0], d.Shape()[1], d.Shape()[2], nil
}

// Template reads natural scenes image i (height x width, row-major).
func (f *File) Template(i int) ([]uint8, error) {
	n, h, w, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= n {
		return nil, f.h.Errorf(TemplatesPath, "image %d requested, the file has %d", i, n)
	}
	v, err := f.h.Float64Block(TemplatesPath, []int{i, 0, 0}, []int{1, h, w})
	if err != nil {
		return nil, err
	}
	out := make([]uint8, len(v))
	for p, x := range v {
		if !(x >= 0 && x <= 255) || x != math.Trunc(x) {
			return nil, f.h.Errorf(TemplatesPath, "image %d pixel %d is %v, want an integer in [0, 255]", i, p, x)
		}
		out[p] = uint8(x)
	}
	return out, nil
}

// Templates reads all natural scenes images, one at a time (118 x 918 x 1174 bytes, about 127
// MB, for a real file).
func (f *File) Templates() (*Images, error) {
	n, h, w, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	im := &Images{N: n, Height: h, Width: w, Pixels: make([]uint8, 0, n*h*w)}
	for i := range n {
		p, err := f.Template(i)
		if err != nil {
			return nil, err
		}
		im.Pixels = append(im.Pixels, p...)
	}
	return im, nil
}

// TemplateSources reads where each template came from, in simulated files; nil, without error,
// for files that do not say (real ones).
func (f *File) TemplateSources() ([]string, error) {
	if !f.h.Has(TemplateSourcesPath) {
		return nil, nil
	}
	return f.h.Strings(TemplateSourcesPath)
}

// noNaturalScenes is the error of a file whose natural scenes stimulus is missing.
func (f *File) noNaturalScenes(missing error) error {
	session, err := f.h.Text(SessionTypePath)
	if err != nil {
		session = "unknown (" + err.Error() + ")"
	}
	return fmt.Errorf("%s: %w: session type %s (%w; natural scenes are shown in %s)",
		f.h.Path(), ErrNoNaturalScenes, session, missing, NaturalScenesSession)
}

// NaturalScenes reads the natural scenes stimulus table: one [Presentation] per row, in the
// order shown. It checks that image indices are whole numbers in [-1, number of templates) and
// that each presentation's frames lie inside the recording (0 <= start <= end < frames).
// A file without the stimulus (sessions A and C) gives an error wrapping [ErrNoNaturalScenes].
func (f *File) NaturalScenes() ([]Presentation, error) {
	if !f.h.Has(NaturalScenesPath) && !f.h.Has(NaturalScenesFramesPath) {
		_, err := f.h.Dataset(NaturalScenesPath)
		return nil, f.noNaturalScenes(err)
	}
	nImages, _, _, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	_, frames, err := f.Shape()
	if err != nil {
		return nil, err
	}
	idx, err := f.h.Numeric(NaturalScenesPath, -1)
	if err != nil {
		return nil, err
	}
	n := idx.Len()
	if len(idx.Shape()) == 0 || len(idx.Shape()) > 2 || (len(idx.Shape()) == 2 && idx.Shape()[1] != 1) {
		return nil, f.h.Errorf(NaturalScenesPath, "has shape %v, want one image index per presentation", idx.Shape())
	}
	fd, err := f.h.Numeric(NaturalScenesFramesPath, 2)
	if err != nil {
		return nil, err
	}
	if fd.Shape()[0] != n || fd.Shape()[1] != 2 {
		return nil, f.h.Errorf(NaturalScenesFramesPath, "has shape %v, want [%d 2] (start and end frame of each of the %d presentations in %s)",
			fd.Shape(), n, n, NaturalScenesPath)
	}
	images, err := f.h.Float64s(NaturalScenesPath)
	if err != nil {
		return nil, err
	}
	se, err := f.h.Float64s(NaturalScenesFramesPath)
	if err != nil {
		return nil, err
	}
	out := make([]Presentation, n)
	for i := range out {
		im, ok := integer(images[i])
		if !ok || im < Blank || im >= nImages {
			return nil, f.h.Errorf(NaturalScenesPath, "presentation %d shows image %v, want -1 (blank) or an index in [0, %d)", i, images[i], nImages)
		}
		start, ok1 := integer(se[2*i])
		end, ok2 := integer(se[2*i+1])
		if !ok1 || !ok2 {
			return nil, f.h.Errorf(NaturalScenesFramesPath, "presentation %d: frames %v..%v are not whole numbers", i, se[2*i], se[2*i+1])
		}
		if start < 0 || end < start || end >= frames {
			return nil, f.h.Errorf(NaturalScenesFramesPath, "presentation %d: frames %d..%d are outside the recording's %d frames (0..%d)",
				i, start, end, frames, frames-1)
		}
		out[i] = Presentation{Image: im, Start: start, End: end}
	}
	return out, nil
}
