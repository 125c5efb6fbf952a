package plots

import (
	"fmt"
	"image"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// CIFAR27Name is the file name (without extension) of the CIFAR-27 samples figure, the paper's
// Supplementary Figure S2.
const CIFAR27Name = "s2_cifar27"

// CIFAR27Samples draws the first perClass images of each class of d (in file order), one row per
// class in label order, labelled with the class names: Supplementary Figure S2 of the paper.
func CIFAR27Samples(d *data.Dataset, perClass int) (*Figure, error) {
	cells := make([][]image.Image, len(d.ClassNames))
	for i := range d.N {
		l := d.Labels[i]
		if len(cells[l]) >= perClass {
			continue
		}
		img := image.NewNRGBA(image.Rect(0, 0, d.Width, d.Height))
		px := d.Image(i)
		for p := range d.Width * d.Height {
			copy(img.Pix[4*p:4*p+3], px[3*p:3*p+3])
			img.Pix[4*p+3] = 255
		}
		cells[l] = append(cells[l], img)
	}
	var missing []string
	for l := range cells {
		if len(cells[l]) < perClass {
			missing = append(missing, fmt.Sprintf("%s (%d)", d.ClassNames[l], len(cells[l])))
			cells[l] = append(cells[l], make([]image.Image, perClass-len(cells[l]))...) // empty cells
		}
	}
	grid := &ImageGrid{
		Title:     fmt.Sprintf("CIFAR-27 (CIFAR-100 subset): the first %d training images of each class", perClass),
		RowLabels: d.ClassNames,
		Cells:     cells,
		FontSize:  7,
		Padding:   2,
	}
	if err := grid.Check(); err != nil {
		return nil, err
	}
	w, h := grid.Size(0.42 * vg.Inch)
	caption := fmt.Sprintf("Supplementary Figure S2: the first %d images of each CIFAR-27 class (rows, the paper's class order, "+
		"labels 0-26) in file order. Source: %s.", min(perClass, d.N), d.Provenance)
	if len(missing) > 0 {
		caption += " Classes with fewer images (empty cells): " + strings.Join(missing, ", ") + "."
	}
	return &Figure{Content: grid, Width: w, Height: h, DPI: 150, Caption: caption}, nil
}
