package plots

import (
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// compareTable builds a two-model table by hand: one Cre line, one area.
func compareTable() *similarity.Table {
	cre := similarity.Group{Level: similarity.LevelCre, Area: similarity.All, Cre: "Cux2", Class: allen.Excitatory.Code()}
	area := similarity.Group{Level: similarity.LevelArea, Area: "VISal", Cre: similarity.All, Class: similarity.All}
	t := &similarity.Table{Level: 0.95, Resamples: 10, Permutations: 10}
	for _, neurn := range []bool{false, true} {
		for _, g := range []similarity.Group{cre, area} {
			t.Rows = append(t.Rows, similarity.Row{Model: "digitnet", NeuRN: neurn, Group: g, NCells: 3, NKernels: 4,
				MeanRMSE: 0.4, CILow: 0.35, CIHigh: 0.45})
		}
	}
	t.Comparisons = append(t.Comparisons, similarity.Comparison{Architecture: similarity.All, Group: cre, P: 0.5, PHolm: 0.5})
	return t
}

func TestCompareFigures(t *testing.T) {
	tab := compareTable()
	if fig, err := RMSENeuRNVsBase(tab, "caption"); err != nil || fig.Caption != "caption" {
		t.Errorf("fig2a: %v", err)
	} else if _, err := fig.Render("png"); err != nil {
		t.Errorf("fig2a render: %v", err)
	}
	if fig, err := RMSEHeatmap(tab, "caption"); err != nil {
		t.Errorf("fig2b: %v", err)
	} else if _, err := fig.Render("svg"); err != nil {
		t.Errorf("fig2b render: %v", err)
	}
	// A table without NeuRN variants has nothing for Fig. 2A.
	base := &similarity.Table{Rows: tab.Rows[:2]}
	if _, err := RMSENeuRNVsBase(base, "c"); err == nil || !strings.Contains(err.Error(), "with and without NeuRN") {
		t.Errorf("fig2a without NeuRN rows: %v", err)
	}
	if _, err := RMSENeuRNVsBase(nil, "c"); err == nil {
		t.Error("fig2a accepted a nil table")
	}
	panel := KDEPanel{Title: "cell", Cell: KDESeries{"cell", []float64{0, 0.2, 0.5, 1}},
		Features: []KDESeries{{"k", []float64{0, 0.3, 0.6, 1}}}}
	if fig, err := KDEFigure([]KDEPanel{panel}, 2, "t", "c"); err != nil {
		t.Errorf("fig3: %v", err)
	} else if _, err := fig.Render("png"); err != nil {
		t.Errorf("fig3 render: %v", err)
	}
	panel.Features[0].Values = []float64{1, 1, 1}
	if _, err := KDEFigure([]KDEPanel{panel}, 2, "t", "c"); err == nil {
		t.Error("fig3 accepted constant values (no KDE bandwidth)")
	}
	ov := OverlayPanel{Title: "cell", Times: []float64{0, 1, 2}, DFF: []float64{0, 1, 0},
		Signals: []KDESeries{{"k", []float64{1, 2, 3}}}, Correlations: []float64{0}}
	if _, err := Overlay([]OverlayPanel{ov}, "t", "c"); err != nil {
		t.Errorf("overlay: %v", err)
	}
	ov.Signals[0].Values = []float64{1}
	if _, err := Overlay([]OverlayPanel{ov}, "t", "c"); err == nil {
		t.Error("overlay accepted a signal of the wrong length")
	}
}

func TestZScore(t *testing.T) {
	z := zscore([]float64{1, 2, 3})
	// mean 2, population SD sqrt(2/3).
	want := []float64{-1.224744871391589, 0, 1.224744871391589}
	for i := range z {
		if d := z[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Errorf("zscore[%d] = %v, want %v", i, z[i], want[i])
		}
	}
	if z := zscore([]float64{5, 5}); z[0] != 0 || z[1] != 0 {
		t.Errorf("zscore of a constant = %v, want zeros", z)
	}
}
