package plots

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/embed"
)

func TestSelectionFigure(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var vectors [][]float64
	for i := range 120 {
		c := float64(i % 3 * 10)
		vectors = append(vectors, []float64{c + r.NormFloat64(), r.NormFloat64(), c - r.NormFloat64()})
	}
	sel, err := embed.SelectCentral(vectors, embed.SelectOptions{K: 3, PerCluster: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fig, err := SelectionFigure([]SelectionPanel{{Title: "blobs", Selection: sel}}, 2, "selection", "caption")
	if err != nil {
		t.Fatal(err)
	}
	png, err := fig.Render("png")
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("render: %v", err)
	}
	if _, err := SelectionFigure([]SelectionPanel{{Title: "empty", Selection: &embed.Selection{}}}, 1, "", ""); err == nil ||
		!strings.Contains(err.Error(), "empty") {
		t.Errorf("a selection without embedding: error %v", err)
	}
	bad := *sel
	bad.Indices = []int{len(vectors)}
	bad.Cluster = []int{0}
	if _, err := SelectionFigure([]SelectionPanel{{Title: "bad", Selection: &bad}}, 1, "", ""); err == nil {
		t.Error("an out-of-range selected index was accepted")
	}
}

func TestSelectionFigureByClass(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var vectors [][]float64
	var classes []string
	for i := range 160 {
		vectors = append(vectors, []float64{float64(i%4) * 8, r.NormFloat64(), r.NormFloat64()})
		classes = append(classes, []string{"E", "I"}[i%2])
	}
	sels, err := embed.SelectByClass(vectors, classes, embed.SelectOptions{K: 2, PerCluster: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var panels []SelectionPanel
	for _, s := range sels {
		panels = append(panels, SelectionPanel{Title: s.Class, Selection: s.Selection, Members: s.Members})
	}
	if _, err := SelectionFigure(panels, 2, "by class", ""); err != nil {
		t.Fatal(err)
	}
	panels[1].Members = nil // indices into all 160 vectors, but 80 embedded rows
	if _, err := SelectionFigure(panels, 2, "by class", ""); err == nil {
		t.Error("class selection drawn without its members")
	}
}
