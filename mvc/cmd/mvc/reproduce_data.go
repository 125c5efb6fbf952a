package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

// cifar27FigureName is the file name (without extension) of the CIFAR-27 samples figure, the
// paper's Supplementary Figure S2.
const cifar27FigureName = "s2_cifar27"

// cifar27PerClass is the number of samples of each class the figure shows.
const cifar27PerClass = 10

func init() {
	registerStep(21, cifar27FigureName,
		"Supplementary Figure S2: CIFAR-27 samples, one row per class (needs $MVC_DATA/cifar100; skipped without)", reproduceCIFAR27)
}

func reproduceCIFAR27(c *reproduceContext) error {
	dir, _ := mvc.DataDir()
	if _, err := os.Stat(filepath.Join(dir, "cifar100", "train.bin")); dir == "" || err != nil {
		fmt.Fprintf(c.Stdout, "  skipped: CIFAR-100 does not ship with the code and no copy was found "+
			"($%s/cifar100/train.bin); set $%s to a folder holding the official binary files to draw this figure\n",
			mvc.DataEnvVar, mvc.DataEnvVar)
		return nil
	}
	d, err := data.LoadCIFAR27("train")
	if err != nil {
		return err
	}
	fig, err := cifar27Figure(d, cifar27PerClass)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, cifar27FigureName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}

// cifar27Figure draws the first perClass images of each class of d (in file order), one row per
// class in label order, labelled with the class names: Supplementary Figure S2 of the paper.
func cifar27Figure(d *data.Dataset, perClass int) (*plots.Figure, error) {
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
	grid := &plots.ImageGrid{
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
	return &plots.Figure{Content: grid, Width: w, Height: h, DPI: 150, Caption: caption}, nil
}
