package allen

import (
	"fmt"
	"os"
	pathpkg "path"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"
	"github.com/scigolib/hdf5"
)

// Experiment is an experiment held in memory, as [WriteNWB] writes it.
type Experiment struct {
	// Metadata is written to general/...; its CreLine and Class are derived from Genotype
	// when read back and are not written.
	Metadata
	// Cells and Frames give the shape of DFF.
	Cells, Frames int
	// DFF holds dF/F, row-major [Cells, Frames].
	DFF []float32
	// Timestamps holds the time of each frame in seconds.
	Timestamps []float64
	// Presentations is the natural scenes stimulus table; nil writes a file without the
	// stimulus (like sessions A and C).
	Presentations []Presentation
	// Templates are the natural scenes images; nil writes none.
	Templates *Images
	// TemplateSources says where each template came from (written beside the templates).
	TemplateSources []string
	// Description is written to session_description.
	Description string
}

// nwbVersion is the NWB version string written to /nwb_version (the Brain Observatory's files
// are NWB 1.0.x).
const nwbVersion = "NWB-1.0.5"

// check validates an experiment before writing it.
func (e *Experiment) check() error {
	if e.Cells < 0 || e.Frames < 0 || len(e.DFF) != e.Cells*e.Frames {
		return errors.Errorf("dF/F holds %d values for %d cells x %d frames", len(e.DFF), e.Cells, e.Frames)
	}
	if len(e.Timestamps) != e.Frames {
		return errors.Errorf("%d timestamps for %d frames", len(e.Timestamps), e.Frames)
	}
	if len(e.CellSpecimenIDs) != e.Cells {
		return errors.Errorf("%d cell specimen ids for %d cells", len(e.CellSpecimenIDs), e.Cells)
	}
	if e.Templates != nil && len(e.Templates.Pixels) != e.Templates.N*e.Templates.Height*e.Templates.Width {
		return errors.Errorf("templates hold %d bytes for %d x %d x %d", len(e.Templates.Pixels), e.Templates.N, e.Templates.Height, e.Templates.Width)
	}
	if e.TemplateSources != nil && (e.Templates == nil || len(e.TemplateSources) != e.Templates.N) {
		return errors.Errorf("%d template sources for the templates", len(e.TemplateSources))
	}
	return nil
}

// WriteNWB writes an experiment as an NWB 1 file in the Brain Observatory's layout (the paths
// [DFFPath] and following), atomically: the file appears complete or not at all. Datasets are
// contiguous and uncompressed (github.com/scigolib/hdf5 v0.14.0 writes broken gzip); text is
// written as variable-length strings, as h5py does; the stimulus table is stored as floats, as
// in real files. Files written here open in h5py and AllenSDK's readers as well as in [Open].
func WriteNWB(path string, e *Experiment) (err error) {
	if err := e.check(); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating directory for %s", path)
	}
	tmpFile, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrapf(err, "creating temporary file for %s", path)
	}
	tmp := tmpFile.Name()
	_ = tmpFile.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("writing %s: HDF5 writer failed: %v", path, r)
		}
	}()
	fw, err := hdf5.CreateForWrite(tmp, hdf5.CreateTruncate)
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	w := &nwbWriter{fw: fw, groups: map[string]bool{"": true}}
	w.experiment(e)
	if cerr := fw.Close(); w.err == nil && cerr != nil {
		w.err = errors.Wrap(cerr, "closing")
	}
	if w.err != nil {
		return errors.Wrapf(w.err, "writing %s", path)
	}
	if f, err := os.Open(tmp); err == nil {
		serr := f.Sync()
		_ = f.Close()
		if serr != nil {
			return errors.Wrapf(serr, "syncing %s", path)
		}
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return errors.Wrapf(err, "setting permissions of %s", path)
	}
	if err = os.Rename(tmp, path); err != nil {
		return errors.Wrapf(err, "renaming temporary file to %s", path)
	}
	return nil
}

// nwbWriter writes datasets, creating their parent groups, and keeps the first error.
type nwbWriter struct {
	fw     *hdf5.FileWriter
	groups map[string]bool
	err    error
}

func (w *nwbWriter) group(path string) {
	if w.err != nil || w.groups[path] {
		return
	}
	w.group(parentOf(path))
	if w.err != nil {
		return
	}
	if _, err := w.fw.CreateGroup("/" + path); err != nil {
		w.err = errors.Wrapf(err, "creating group %s", path)
		return
	}
	w.groups[path] = true
}

func (w *nwbWriter) dataset(path string, dtype hdf5.Datatype, dims []int, data any) {
	if w.err != nil {
		return
	}
	w.group(parentOf(path))
	if w.err != nil {
		return
	}
	d := make([]uint64, len(dims))
	for i, v := range dims {
		d[i] = uint64(v)
	}
	ds, err := w.fw.CreateDataset("/"+path, dtype, d)
	if err != nil {
		w.err = errors.Wrapf(err, "creating dataset %s", path)
		return
	}
	if err := ds.Write(data); err != nil {
		w.err = errors.Wrapf(err, "writing dataset %s", path)
		return
	}
	if err := ds.Close(); err != nil {
		w.err = errors.Wrapf(err, "closing dataset %s", path)
	}
}

func (w *nwbWriter) text(path string, s ...string) {
	w.dataset(path, hdf5.VLenString, []int{len(s)}, s)
}

func (w *nwbWriter) experiment(e *Experiment) {
	w.text("nwb_version", nwbVersion)
	w.text("identifier", fmt.Sprintf("%d", e.ExperimentID))
	w.text("session_description", e.Description)
	w.text(SessionTypePath, e.SessionType)
	w.text(SessionIDPath, strconv.FormatInt(e.ExperimentID, 10))
	w.text(GenotypePath, e.Genotype)
	w.text(LocationPath, e.Area)
	w.text(DepthPath, fmt.Sprintf("%d microns", e.ImagingDepthUM))
	if e.Indicator != "" {
		w.text(IndicatorPath, e.Indicator)
	}
	if e.Notes != "" {
		w.text(NotesPath, e.Notes)
	}
	ids := e.CellSpecimenIDs
	if ids == nil {
		ids = []int64{}
	}
	w.dataset(CellSpecimenIDsPath, hdf5.Int64, []int{len(ids)}, ids)
	w.dataset(DFFPath, hdf5.Float32, []int{e.Cells, e.Frames}, e.DFF)
	w.dataset(TimestampsPath, hdf5.Float64, []int{e.Frames}, e.Timestamps)
	if e.Templates != nil {
		t := e.Templates
		w.dataset(TemplatesPath, hdf5.Uint8, []int{t.N, t.Height, t.Width}, t.Pixels)
		if e.TemplateSources != nil {
			w.text(TemplateSourcesPath, e.TemplateSources...)
		}
	}
	if e.Presentations != nil {
		n := len(e.Presentations)
		images := make([]float64, n)
		frames := make([]float64, 2*n)
		for i, p := range e.Presentations {
			images[i] = float64(p.Image)
			frames[2*i], frames[2*i+1] = float64(p.Start), float64(p.End)
		}
		w.dataset(NaturalScenesPath, hdf5.Float64, []int{n}, images)
		w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{n, 2}, frames)
	}
}

// parentOf returns the parent group of an HDF5 path without leading '/' ("" for the root).
func parentOf(name string) string {
	if p := pathpkg.Dir(name); p != "." {
		return p
	}
	return ""
}
