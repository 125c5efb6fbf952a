package plots

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

func TestNaturalScenesFigure(t *testing.T) {
	im := &allen.Images{N: 7, Height: 4, Width: 6, Pixels: make([]uint8, 7*24)}
	for i := range im.Pixels {
		im.Pixels[i] = uint8(i)
	}
	fig, err := NaturalScenes(im, 3, "title", "caption")
	if err != nil {
		t.Fatal(err)
	}
	grid := fig.Content.(*ImageGrid)
	if grid.Rows() != 3 || grid.Cols() != 3 || grid.Cells[2][1] != nil || grid.Cells[2][0] == nil {
		t.Errorf("grid %dx%d with cells %v", grid.Rows(), grid.Cols(), grid.Cells[2])
	}
	if b := grid.Cells[1][2].Bounds(); b.Dx() != 6 || b.Dy() != 4 {
		t.Errorf("cell image %v, want 6x4", b)
	}
	for _, format := range Formats {
		if _, err := fig.Render(format); err != nil {
			t.Errorf("render %s: %v", format, err)
		}
	}
	if _, err := NaturalScenes(&allen.Images{N: 2, Height: 2, Width: 2, Pixels: make([]uint8, 7)}, 3, "", ""); err == nil {
		t.Error("no error for a short pixel buffer")
	}
}

func TestDFFTracesFigure(t *testing.T) {
	opts := allen.DefaultSimOptions()
	opts.Cells, opts.Images, opts.Trials, opts.BlankSweeps, opts.Stimulus = 3, 10, 6, 2, allen.StimulusPink
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := allen.SimulateExperiment(opts, stim, "VISl", "Tlx3")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.nwb")
	if err := allen.WriteNWB(path, e); err != nil {
		t.Fatal(err)
	}
	f, err := allen.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	p, err := TracePanelForFile(f, 0.5, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Trials) != opts.Trials || len(p.Times) != 61 || math.Abs(p.Times[0]+0.5) > 1e-12 || p.StimulusS < 0.2 || p.StimulusS > 0.3 {
		t.Errorf("panel: %d trials, %d times from %v, stimulus %v s", len(p.Trials), len(p.Times), p.Times[0], p.StimulusS)
	}
	if !strings.HasPrefix(p.Title, "VISl Tlx3 (excitatory), cell ") {
		t.Errorf("panel title %q", p.Title)
	}
	// The peak marked is the largest value of the mean trace within the first second.
	mean := make([]float64, len(p.Times))
	for _, tr := range p.Trials {
		for k, v := range tr {
			mean[k] += v / float64(len(p.Trials))
		}
	}
	best := math.Inf(-1)
	for k, tm := range p.Times {
		if tm >= 0 && tm < 1 {
			best = max(best, mean[k])
		}
	}
	if math.Abs(best-p.PeakDFF) > 1e-9 {
		t.Errorf("peak dF/F %v, the mean trace's maximum is %v", p.PeakDFF, best)
	}
	fig, err := DFFTraces([]*TracePanel{p, p, p, p}, 3, "traces", "caption")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		if b, err := fig.Render(format); err != nil || len(b) < 1000 {
			t.Errorf("render %s: %d bytes, %v", format, len(b), err)
		}
	}
	if _, err := DFFTraces(nil, 3, "", ""); err == nil {
		t.Error("no error without panels")
	}
	bad := *p
	bad.Trials = [][]float64{{1, 2}}
	if _, err := DFFTraces([]*TracePanel{&bad}, 1, "", ""); err == nil {
		t.Error("no error for a trial of the wrong length")
	}
}
