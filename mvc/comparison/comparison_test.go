package comparison

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// tinySurvey simulates 2 areas (VISal, VISpm) x 2 Cre lines (Cux2 E, Sst I), 6 cells each.
func tinySurvey(t testing.TB) *allen.Survey {
	t.Helper()
	o := allen.DefaultSimOptions()
	o.Areas, o.CreLines = []string{"VISal", "VISpm"}, []string{"Cux2", "Sst"}
	o.Cells, o.Images, o.Trials, o.BlankSweeps = 6, 12, 5, 5
	o.Height, o.Width, o.Stimulus = 23, 30, allen.StimulusPink
	s, err := allen.SimulateSurvey(t.TempDir(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPipelineUntrainedDigitNet(t *testing.T) {
	s := tinySurvey(t)
	p, err := LookupProfile("smoke")
	if err != nil {
		t.Fatal(err)
	}
	p.CellsPerFile = 0
	var steps []string
	last, total := 0, 0
	progress := func(done, n int, what string) {
		if done != last+1 || (total != 0 && n != total) {
			t.Errorf("progress %d of %d after %d of %d", done, n, last, total)
		}
		last, total = done, n
		steps = append(steps, what)
	}
	res, err := Run(SurveyFiles(s), SurveyDescription(s), Options{Profile: p, RunsDir: t.TempDir(), RunProfile: "smoke",
		Backend: mvc.MustBackend(), Seed: 7, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if files := len(SurveyFiles(s)); last != total || total != files+2+1 || steps[len(steps)-1] != "results table" {
		t.Errorf("progress ended at %d of %d (%v), want %d of %d ending with the results table", last, total, steps, files+3, files+3)
	}
	if res.AllCells != 24 || len(res.Cells) != 24 {
		t.Errorf("read %d cells and selected %d, want 24 and 24 (4 x 5 per class of 12 selects all)", res.AllCells, len(res.Cells))
	}
	if len(res.Models) != 2 || res.Models[0].Trained || res.Models[1].Trained || !res.AnyUntrained() {
		t.Fatalf("want untrained digitnet and digitnet+NeuRN, got %d models", len(res.Models))
	}
	// DigitNet at width 0.125: 8 filters x 3 channels of 5x5; 20 selected.
	if k := res.Models[0]; len(k.All) != 24 || len(k.Selected) != 20 || k.Shape != [4]int{5, 5, 3, 8} {
		t.Errorf("digitnet kernels: %d maps, %d selected, shape %v", len(k.All), len(k.Selected), k.Shape)
	}
	if !strings.Contains(res.Table.Provenance, allen.SimulatedLabel) || !strings.Contains(res.Table.Provenance, "untrained (initial) kernels") {
		t.Errorf("provenance %q lacks the data or the kernels' source", res.Table.Provenance)
	}
	if c, ok := res.Table.Comparison("digitnet", similarity.Group{Level: similarity.LevelAll, Area: similarity.All, Cre: similarity.All, Class: similarity.All}); !ok || c.NCells != 24 {
		t.Errorf("pooled digitnet comparison %+v, %v", c, ok)
	}
	dir := t.TempDir()
	paths, notes, err := SaveFigures(res, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes %v", notes)
	}
	for _, name := range []string{Fig2A, Fig2B, Fig3, FigS4, FigS5} {
		for _, ext := range []string{".png", ".svg"} {
			st, err := os.Stat(filepath.Join(dir, name+ext))
			if err != nil || st.Size() == 0 {
				t.Errorf("%s%s not written: %v", name, ext, err)
			}
		}
	}
	for _, name := range []string{similarity.DefaultTableName + ".csv", similarity.DefaultTableName + ".json", similarity.DefaultTableName + "_neurn_vs_base.csv",
		similarity.DefaultTableName + "_verdict.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("table %s not written", name)
		}
	}
	if len(paths) != 20 {
		t.Errorf("%d paths written: %v", len(paths), paths)
	}
	for _, name := range FigureNames {
		raw, err := os.ReadFile(filepath.Join(dir, name+CaptionExt))
		if err != nil {
			t.Fatal(err)
		}
		c := string(raw)
		for _, want := range []string{"untrained (initial) kernels", allen.SimulatedLabel, "not trained ones"} {
			if !strings.Contains(c, want) {
				t.Errorf("caption of %s does not say %q", name, want)
			}
		}
		if !strings.Contains(c, "bootstrap") {
			t.Errorf("caption of %s does not name its statistics", name)
		}
		if (name == FigS4 || name == FigS5) && !strings.Contains(c, "moving-block bootstrap interval") {
			t.Errorf("caption of %s does not give its correlations' intervals", name)
		}
		if name == Fig3 && !strings.Contains(c, "percentile bootstrap interval") {
			t.Errorf("caption of %s does not give its IoUs' intervals", name)
		}
	}
	t.Logf("%s", res.KernelSources())
}

func TestWriteFiguresForLooking(t *testing.T) {
	dir := os.Getenv("MVC_COMPARISON_FIGS")
	if dir == "" {
		t.Skip("set MVC_COMPARISON_FIGS to a folder to write the tiny survey's figures there")
	}
	s := tinySurvey(t)
	p, _ := LookupProfile("smoke")
	p.CellsPerFile = 0
	res, err := Run(SurveyFiles(s), SurveyDescription(s), Options{Profile: p, Backend: mvc.MustBackend(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := SaveFigures(res, dir); err != nil {
		t.Fatal(err)
	}
}
