package plots

import (
	"fmt"
	"image/color"
	"slices"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mice2machines/mice2machines/mvc/embed"
)

// SelectionPanel is one panel of [SelectionFigure]: a set of vectors embedded and clustered by
// [embed.SelectCentral] (or one class of [embed.SelectByClass]).
type SelectionPanel struct {
	Title     string
	Selection *embed.Selection
	// Members, for one class of [embed.SelectByClass], are its [embed.ClassSelection.Members]:
	// the selection's Indices point into the full set, and row r of its Embedding is vector
	// Members[r]. Nil for [embed.SelectCentral], whose Indices are embedding rows.
	Members []int
}

// SelectionFigure draws the paper's selection step (Methods, "Comparison framework": UMAP, then
// k-means with k = 10, then the 50 members nearest each centroid) for each panel: every
// embedded vector as a small dot coloured by its k-means cluster, the selected members as
// larger outlined dots of the same colour, and each centroid as a black cross. Panels whose
// selection has no embedding (too few vectors) are an error.
func SelectionFigure(panels []SelectionPanel, cols int, title, caption string) (*Figure, error) {
	return panelFigure("selection figure", title, caption, len(panels), cols, 3.6*vg.Inch, 3.4*vg.Inch, func(i int) (*plot.Plot, error) {
		p, err := selectionPlot(panels[i])
		return p, errors.Wrap(err, panels[i].Title)
	})
}

// selectionColors are the clusters' colours: the comparison colours without black, which marks
// the rings and centroids.
var selectionColors = slices.DeleteFunc(slices.Clone(compareColors), func(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r == 0 && g == 0 && b == 0
})

func selectionPlot(pn SelectionPanel) (*plot.Plot, error) {
	s := pn.Selection
	if s == nil || s.Embedding == nil || s.KMeans == nil {
		return nil, errors.New("no embedding to draw (too few vectors were given to embed)")
	}
	if len(s.KMeans.Labels) != len(s.Embedding) {
		return nil, errors.Errorf("%d cluster labels for %d embedded points", len(s.KMeans.Labels), len(s.Embedding))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s\n%d clusters; %d selected (ringed); x = centroid", pn.Title, len(s.KMeans.Centroids), len(s.Indices))
	p.X.Label.Text = "UMAP 1"
	p.Y.Label.Text = "UMAP 2"
	smallFonts(p)
	k := len(s.KMeans.Centroids)
	all := make([]plotter.XYs, k)
	for i, xy := range s.Embedding {
		c := s.KMeans.Labels[i]
		all[c] = append(all[c], plotter.XY{X: xy[0], Y: xy[1]})
	}
	row := map[int]int{}
	for r, m := range pn.Members {
		row[m] = r
	}
	chosen := make([]plotter.XYs, k)
	for i, idx := range s.Indices {
		if pn.Members != nil {
			r, ok := row[idx]
			if !ok {
				return nil, errors.Errorf("selected vector %d is not among the panel's members", idx)
			}
			idx = r
		}
		if idx < 0 || idx >= len(s.Embedding) {
			return nil, errors.Errorf("selected index %d outside the %d embedded points", idx, len(s.Embedding))
		}
		c := s.Cluster[i]
		chosen[c] = append(chosen[c], plotter.XY{X: s.Embedding[idx][0], Y: s.Embedding[idx][1]})
	}
	for c := range k {
		col := selectionColors[c%len(selectionColors)]
		if len(all[c]) > 0 {
			sc, err := plotter.NewScatter(all[c])
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: 1, Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		if len(chosen[c]) > 0 {
			sc, err := plotter.NewScatter(chosen[c])
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: 2.4, Shape: draw.CircleGlyph{}}
			ring, err := plotter.NewScatter(chosen[c])
			if err != nil {
				return nil, err
			}
			ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: 2.4, Shape: draw.RingGlyph{}}
			p.Add(sc, ring)
		}
	}
	var cents plotter.XYs
	for _, ctr := range s.KMeans.Centroids {
		cents = append(cents, plotter.XY{X: ctr[0], Y: ctr[1]})
	}
	cs, err := plotter.NewScatter(cents)
	if err != nil {
		return nil, err
	}
	cs.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: 4, Shape: draw.CrossGlyph{}}
	p.Add(cs)
	return p, nil
}
