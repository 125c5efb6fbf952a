package plots

import (
	"image"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc/similarity"
)

// MapPairName is the file name of [MapPair]'s figure.
const MapPairName = "cell_and_kernel"

// MapPair draws two maps side by side, each min-max scaled to grey ([similarity.MinMaxScale],
// as Eq. 1 compares them): a cell's neural representation beside a network's kernel, say.
// The titles name the columns.
func MapPair(a, b similarity.Map, titleA, titleB, title, caption string) (*Figure, error) {
	var row []image.Image
	for _, m := range []similarity.Map{a, b} {
		if err := m.Validate(); err != nil {
			return nil, errors.Wrap(err, "plots: map pair")
		}
		scaled := similarity.MinMaxScale(m.Values)
		v := make([]float32, len(scaled))
		for i, x := range scaled {
			v[i] = float32(x)
		}
		img, err := ImageFromFloats(v, m.Height, m.Width, 1)
		if err != nil {
			return nil, err
		}
		row = append(row, img)
	}
	grid := &ImageGrid{Title: title, ColumnTitles: []string{titleA, titleB}, Cells: [][]image.Image{row}}
	w, h := grid.Size(2.2 * vg.Inch)
	fig := &Figure{Content: grid, Width: w, Height: h, Caption: caption}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "plots: map pair")
	}
	return fig, nil
}
