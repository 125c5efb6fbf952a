package allen

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/scigolib/hdf5"
)

// The h5py fixtures (testdata/make_h5py_fixtures.py) store data as h5py does and real files may:
// gzip-chunked datasets, superblock version 0, scalar and one-element datasets, variable-length
// and fixed-length strings.
func TestReadH5pyFixture(t *testing.T) {
	f, err := Open(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	m, err := f.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{ExperimentID: 501498760, SessionType: "three_session_B",
		Genotype: "Sst-IRES-Cre/wt;Ai148(TIT2L-GC6f-ICL-tTA2)/wt", CreLine: "Sst", Class: Inhibitory, Area: "VISal",
		ImagingDepthUM: 375, CellSpecimenIDs: []int64{517000001, 517000002, 517000003}}
	if !metadataEqual(*m, want) {
		t.Errorf("metadata:\n got %+v\nwant %+v", *m, want)
	}
	cells, frames, err := f.Shape()
	if err != nil || cells != 3 || frames != 120 {
		t.Fatalf("Shape = %d, %d, %v; want 3, 120", cells, frames, err)
	}
	block, err := f.TraceBlock(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for c := range 2 {
		for k := range frames {
			if want := float64(float32(float64(c+1) + float64(k)/1000)); block[c*frames+k] != want {
				t.Fatalf("dF/F of cell %d frame %d = %v, want %v", c+1, k, block[c*frames+k], want)
			}
		}
	}
	tr, err := f.Trace(2)
	if err != nil || !slices.Equal(tr, block[frames:]) {
		t.Errorf("Trace(2) differs from TraceBlock(1, 2)'s second row (err %v)", err)
	}
	ts, err := f.Timestamps()
	if err != nil || len(ts) != frames || ts[3] != 10+3.0/30 {
		t.Errorf("timestamps: %d values, ts[3] = %v, err %v; want 120, %v", len(ts), ts[3], err, 10+3.0/30)
	}
	if rate, err := f.FrameRate(); err != nil || math.Abs(rate-30) > 1e-9 {
		t.Errorf("FrameRate = %v, %v; want 30", rate, err)
	}
	table, err := f.NaturalScenes()
	if err != nil {
		t.Fatal(err)
	}
	images := []int{0, 1, -1, 2, 3, 0, 1, 2, -1, 3, 0, 1}
	if len(table) != len(images) {
		t.Fatalf("%d presentations, want %d", len(table), len(images))
	}
	for i, p := range table {
		if p != (Presentation{Image: images[i], Start: 10 + 7*i, End: 17 + 7*i}) {
			t.Errorf("presentation %d = %+v", i, p)
		}
	}
	n, h, w, err := f.TemplateShape()
	if err != nil || n != 4 || h != 6 || w != 8 {
		t.Fatalf("TemplateShape = %d, %d, %d, %v; want 4, 6, 8", n, h, w, err)
	}
	all, err := f.Templates()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for y := range h {
			for x := range w {
				if got, want := all.Image(i)[y*w+x], uint8((i*50+y*w+x)%256); got != want {
					t.Fatalf("template %d pixel (%d, %d) = %d, want %d", i, y, x, got, want)
				}
			}
		}
	}
	if src, err := f.TemplateSources(); err != nil || src != nil {
		t.Errorf("TemplateSources of a file without them = %v, %v; want nil, nil", src, err)
	}
}

func metadataEqual(a, b Metadata) bool {
	return slices.Equal(a.CellSpecimenIDs, b.CellSpecimenIDs) && a.ExperimentID == b.ExperimentID &&
		a.SessionType == b.SessionType && a.Genotype == b.Genotype && a.CreLine == b.CreLine &&
		a.Class == b.Class && a.Area == b.Area && a.ImagingDepthUM == b.ImagingDepthUM &&
		a.Indicator == b.Indicator && a.Notes == b.Notes
}

func TestSessionWithoutNaturalScenes(t *testing.T) {
	path := filepath.Join("testdata", "h5py_session_a.nwb")
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Metadata(); err != nil {
		t.Fatalf("metadata of a session A file: %v", err)
	}
	for what, call := range map[string]func() error{
		"NaturalScenes": func() error { _, err := f.NaturalScenes(); return err },
		"Templates":     func() error { _, err := f.Templates(); return err },
	} {
		err := call()
		if !errors.Is(err, ErrNoNaturalScenes) {
			t.Fatalf("%s: error %v, want ErrNoNaturalScenes", what, err)
		}
		for _, s := range []string{path, "three_session_A", "three_session_B"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not name %q", what, err, s)
			}
		}
	}
}

func TestCreLineOfGenotype(t *testing.T) {
	for genotype, want := range map[string]string{
		"Cux2-CreERT2/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt": "Cux2",
		"Scnn1a-Tg3-Cre/wt;Camk2a-tTA/wt":                     "Scnn1a",
		" Pvalb-IRES-Cre/wt":                                  "Pvalb",
		"Emx1":                                                "Emx1",
	} {
		if got := CreLineOfGenotype(genotype); got != want {
			t.Errorf("CreLineOfGenotype(%q) = %q, want %q", genotype, got, want)
		}
	}
	for _, c := range CreLines {
		if CreLineOfGenotype(c.Genotype) != c.Gene {
			t.Errorf("genotype %q does not parse to its line %s", c.Genotype, c.Gene)
		}
	}
	if ClassOf("Vip") != Inhibitory || ClassOf("Rbp4") != Excitatory || ClassOf("Gad2") != UnknownClass {
		t.Error("ClassOf: wrong classes")
	}
}

// smallOptions are simulation options for tests: a few cells, small templates, few trials.
func smallOptions() SimOptions {
	o := DefaultSimOptions()
	o.Cells, o.Height, o.Width, o.Images, o.Trials, o.BlankSweeps = 3, 12, 15, 6, 4, 3
	o.Stimulus = StimulusPink
	o.Areas, o.CreLines = []string{"VISpm"}, []string{"Vip"}
	return o
}

// TestSimulateWriteRead simulates an experiment, writes it and reads everything back.
func TestSimulateWriteRead(t *testing.T) {
	opts := smallOptions()
	stim, err := MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	e, truth, err := SimulateExperiment(opts, stim, "VISpm", "Vip")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Presentations) != opts.Images*opts.Trials+opts.BlankSweeps {
		t.Errorf("%d presentations, want %d", len(e.Presentations), opts.Images*opts.Trials+opts.BlankSweeps)
	}
	if len(truth.Cells) != opts.Cells || truth.Class != Inhibitory {
		t.Errorf("truth: %d cells of class %s", len(truth.Cells), truth.Class)
	}
	path := filepath.Join(t.TempDir(), "x.nwb")
	if err := WriteNWB(path, e); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	m, err := f.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	want := e.Metadata
	want.CreLine, want.Class = "Vip", Inhibitory
	if !metadataEqual(*m, want) {
		t.Errorf("metadata read back:\n got %+v\nwant %+v", *m, want)
	}
	if !strings.Contains(m.Notes, SimulatedLabel) {
		t.Errorf("notes %q do not say %q", m.Notes, SimulatedLabel)
	}
	cells, frames, err := f.Shape()
	if err != nil || cells != e.Cells || frames != e.Frames {
		t.Fatalf("Shape = %d, %d, %v; want %d, %d", cells, frames, err, e.Cells, e.Frames)
	}
	for c := range cells {
		tr, err := f.Trace(c)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tr {
			if v != float64(e.DFF[c*frames+k]) {
				t.Fatalf("cell %d frame %d: read %v, wrote %v", c, k, v, e.DFF[c*frames+k])
			}
		}
	}
	ts, err := f.Timestamps()
	if err != nil || !slices.Equal(ts, e.Timestamps) {
		t.Errorf("timestamps differ (err %v)", err)
	}
	table, err := f.NaturalScenes()
	if err != nil || !slices.Equal(table, e.Presentations) {
		t.Errorf("stimulus table differs (err %v)", err)
	}
	im, err := f.Templates()
	if err != nil || im.N != opts.Images || im.Height != opts.Height || im.Width != opts.Width || !slices.Equal(im.Pixels, stim.Images.Pixels) {
		t.Errorf("templates differ (err %v)", err)
	}
	src, err := f.TemplateSources()
	if err != nil || !slices.Equal(src, stim.Sources) {
		t.Errorf("template sources %v, %v; want %v", src, err, stim.Sources)
	}
	// Blank sweeps are spread over the blocks; each image is shown opts.Trials times.
	counts := map[int]int{}
	for _, p := range table {
		counts[p.Image]++
		if p.End-p.Start < 7 || p.End-p.Start > 8 {
			t.Errorf("presentation %+v lasts %d frames, want 7 or 8 (250 ms at 30 Hz)", p, p.End-p.Start)
		}
	}
	for i := range opts.Images {
		if counts[i] != opts.Trials {
			t.Errorf("image %d shown %d times, want %d", i, counts[i], opts.Trials)
		}
	}
	if counts[Blank] != opts.BlankSweeps {
		t.Errorf("%d blank sweeps, want %d", counts[Blank], opts.BlankSweeps)
	}
}

func TestSimulateSurveyResumeAndDeterminism(t *testing.T) {
	opts := smallOptions()
	opts.Areas, opts.CreLines = []string{"VISp", "VISam"}, []string{"Cux2", "Pvalb"}
	dir1, dir2 := t.TempDir(), t.TempDir()
	var calls int
	s, err := SimulateSurvey(dir1, opts, func(done, total int, file string) {
		calls++
		if total != 4 || done < 1 || done > 4 {
			t.Errorf("progress %d/%d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Files) != 4 || calls != 4 || s.Resumed != 0 {
		t.Fatalf("%d files, %d progress calls, %d resumed; want 4, 4, 0", len(s.Files), calls, s.Resumed)
	}
	for _, sf := range s.Files {
		if !complete(sf) {
			t.Errorf("%s incomplete", sf.NWB)
		}
	}
	st1, _ := os.Stat(s.Files[0].NWB)
	again, err := SimulateSurvey(dir1, opts, nil)
	if err != nil || again.Resumed != 4 {
		t.Fatalf("resume: %v, %d resumed; want 4", err, again.Resumed)
	}
	if st2, _ := os.Stat(s.Files[0].NWB); !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("resume rewrote a complete file")
	}
	other := opts
	other.Seed = 2
	if _, err := SimulateSurvey(dir1, other, nil); err == nil || !strings.Contains(err.Error(), "other options") {
		t.Errorf("a survey with other options in the same folder: error %v", err)
	}
	// Same seed, another folder and another number of workers: the same bytes.
	opts.Workers = 1
	s2, err := SimulateSurvey(dir2, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Files {
		for _, pair := range [][2]string{{s.Files[i].NWB, s2.Files[i].NWB}, {s.Files[i].Fields, s2.Files[i].Fields}} {
			a, _ := os.ReadFile(pair[0])
			b, _ := os.ReadFile(pair[1])
			if len(a) == 0 || !slices.Equal(a, b) {
				t.Errorf("%s and %s differ: the simulation is not deterministic", pair[0], pair[1])
			}
		}
	}
}

// writeRaw writes an HDF5 file with the datasets fill writes, for malformed-file tests.
func writeRaw(t *testing.T, fill func(w *nwbWriter)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.nwb")
	fw, err := hdf5.CreateForWrite(path, hdf5.CreateTruncate)
	if err != nil {
		t.Fatal(err)
	}
	w := &nwbWriter{fw: fw, groups: map[string]bool{"": true}}
	fill(w)
	if err := fw.Close(); err != nil || w.err != nil {
		t.Fatal(err, w.err)
	}
	return path
}

// goodParts writes a valid small session B experiment; skip names datasets to leave out and
// replace gives datasets written instead.
func goodParts(w *nwbWriter, skip string, replace map[string]func()) {
	parts := []struct {
		name  string
		write func()
	}{
		{SessionTypePath, func() { w.text(SessionTypePath, "three_session_B") }},
		{GenotypePath, func() { w.text(GenotypePath, CreLines[2].Genotype) }},
		{LocationPath, func() { w.text(LocationPath, "VISp") }},
		{DepthPath, func() { w.text(DepthPath, "175 microns") }},
		{CellSpecimenIDsPath, func() { w.dataset(CellSpecimenIDsPath, hdf5.Int64, []int{2}, []int64{1, 2}) }},
		{DFFPath, func() { w.dataset(DFFPath, hdf5.Float32, []int{2, 40}, make([]float32, 80)) }},
		{TimestampsPath, func() {
			ts := make([]float64, 40)
			for i := range ts {
				ts[i] = float64(i) / 30
			}
			w.dataset(TimestampsPath, hdf5.Float64, []int{40}, ts)
		}},
		{TemplatesPath, func() { w.dataset(TemplatesPath, hdf5.Uint8, []int{2, 3, 4}, make([]uint8, 24)) }},
		{NaturalScenesPath, func() { w.dataset(NaturalScenesPath, hdf5.Float64, []int{3}, []float64{0, -1, 1}) }},
		{NaturalScenesFramesPath, func() {
			w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{3, 2}, []float64{5, 12, 12, 20, 20, 27})
		}},
	}
	for _, p := range parts {
		if p.name == skip {
			continue
		}
		if r, ok := replace[p.name]; ok {
			r()
			continue
		}
		p.write()
	}
}

func TestMalformedFiles(t *testing.T) {
	good := writeRaw(t, func(w *nwbWriter) { goodParts(w, "", nil) })
	f, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Metadata(); err != nil {
		t.Fatalf("the valid file: %v", err)
	}
	if _, err := f.NaturalScenes(); err != nil {
		t.Fatalf("the valid file: %v", err)
	}
	_ = f.Close()

	metadata := func(f *File) error { _, err := f.Metadata(); return err }
	table := func(f *File) error { _, err := f.NaturalScenes(); return err }
	traces := func(f *File) error { _, err := f.TraceBlock(0, 2); return err }
	times := func(f *File) error { _, err := f.Timestamps(); return err }
	cases := []struct {
		name    string
		skip    string
		replace map[string]func(w *nwbWriter)
		read    func(*File) error
		dataset string
		says    string
	}{
		{"missing dF/F", DFFPath, nil, traces, DFFPath, "missing"},
		{"missing genotype", GenotypePath, nil, metadata, GenotypePath, "missing"},
		{"missing frame table", NaturalScenesFramesPath, nil, table, NaturalScenesFramesPath, "missing"},
		{"missing templates", TemplatesPath, nil, table, TemplatesPath, "missing"},
		{"missing timestamps", TimestampsPath, nil, times, TimestampsPath, "missing"},
		{"dF/F of rank 1", "", map[string]func(*nwbWriter){DFFPath: func(w *nwbWriter) {
			w.dataset(DFFPath, hdf5.Float32, []int{80}, make([]float32, 80))
		}}, traces, DFFPath, "want 2 dimensions"},
		{"frame table of 3 columns", "", map[string]func(*nwbWriter){NaturalScenesFramesPath: func(w *nwbWriter) {
			w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{3, 3}, make([]float64, 9))
		}}, table, NaturalScenesFramesPath, "want [3 2]"},
		{"frame beyond the recording", "", map[string]func(*nwbWriter){NaturalScenesFramesPath: func(w *nwbWriter) {
			w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{3, 2}, []float64{5, 12, 12, 20, 20, 40})
		}}, table, NaturalScenesFramesPath, "outside the recording"},
		{"negative frame", "", map[string]func(*nwbWriter){NaturalScenesFramesPath: func(w *nwbWriter) {
			w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{3, 2}, []float64{-5, 12, 12, 20, 20, 27})
		}}, table, NaturalScenesFramesPath, "outside the recording"},
		{"fractional frame", "", map[string]func(*nwbWriter){NaturalScenesFramesPath: func(w *nwbWriter) {
			w.dataset(NaturalScenesFramesPath, hdf5.Float64, []int{3, 2}, []float64{5.5, 12, 12, 20, 20, 27})
		}}, table, NaturalScenesFramesPath, "not whole numbers"},
		{"image index past the templates", "", map[string]func(*nwbWriter){NaturalScenesPath: func(w *nwbWriter) {
			w.dataset(NaturalScenesPath, hdf5.Float64, []int{3}, []float64{0, -1, 2})
		}}, table, NaturalScenesPath, "want -1 (blank) or an index in [0, 2)"},
		{"timestamps of another length", "", map[string]func(*nwbWriter){TimestampsPath: func(w *nwbWriter) {
			w.dataset(TimestampsPath, hdf5.Float64, []int{39}, make([]float64, 39))
		}}, times, TimestampsPath, "39 timestamps for the 40 frames"},
		{"cell ids of another length", "", map[string]func(*nwbWriter){CellSpecimenIDsPath: func(w *nwbWriter) {
			w.dataset(CellSpecimenIDsPath, hdf5.Int64, []int{3}, []int64{1, 2, 3})
		}}, metadata, CellSpecimenIDsPath, "3 ids for the 2 cells"},
		{"numeric genotype", "", map[string]func(*nwbWriter){GenotypePath: func(w *nwbWriter) {
			w.dataset(GenotypePath, hdf5.Float64, []int{1}, []float64{1})
		}}, metadata, GenotypePath, "want text"},
		{"bad depth", "", map[string]func(*nwbWriter){DepthPath: func(w *nwbWriter) {
			w.text(DepthPath, "deep")
		}}, metadata, DepthPath, "not a depth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeRaw(t, func(w *nwbWriter) {
				replace := map[string]func(){}
				for k, r := range c.replace {
					replace[k] = func() { r(w) }
				}
				goodParts(w, c.skip, replace)
			})
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			err = c.read(f)
			if err == nil {
				t.Fatal("no error")
			}
			var de *DatasetError
			if !errors.As(err, &de) || de.Dataset != c.dataset || de.File != path {
				t.Errorf("error %q is not a DatasetError for %s in %s", err, c.dataset, path)
			}
			for _, s := range []string{path, c.dataset, c.says} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if c.says == "missing" && !errors.Is(err, ErrMissingDataset) {
				t.Errorf("error %q does not wrap ErrMissingDataset", err)
			}
		})
	}
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	notH5 := filepath.Join(dir, "text.nwb")
	if err := os.WriteFile(notH5, []byte("not an HDF5 file at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{notH5, filepath.Join(dir, "absent.nwb"), dir} {
		if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s): error %v, want one naming the file", path, err)
		}
	}
}

// TestSimulateSurveyFullDisk: when an experiment file cannot be written (a full disk, injected),
// the survey fails with that error and leaves no field or truth file without its NWB file, and
// no temporary file.
func TestSimulateSurveyFullDisk(t *testing.T) {
	opts := smallOptions()
	opts.Areas, opts.CreLines = []string{"VISp"}, []string{"Cux2"}
	defer func(w func(string, *Experiment) error) { writeNWB = w }(writeNWB)
	writeNWB = func(path string, _ *Experiment) error {
		return &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
	}
	dir := t.TempDir()
	if _, err := SimulateSurvey(dir, opts, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("survey on a full disk: %v, want ENOSPC", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != surveyManifest {
			t.Errorf("a failed survey left %s", e.Name())
		}
	}
}
