package plots

import (
	"fmt"
	"image"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// DomainsName is the file name (without extension) of the digit-domains figure.
const DomainsName = "domains"

// domainsSeed seeds the generated rows (SYN, the MNIST-M recipe) of the figure.
const domainsSeed = 1

// domainsPool is how many test images of each domain the figure picks its samples from (the
// first image of each digit among them).
const domainsPool = 300

// domainRow is one row of the figure: a domain's test samples and what they are.
type domainRow struct {
	label string
	d     *data.Dataset
}

// Domains builds the digit-domains figure (figures/domains): one row per digit domain available here (Table 1's order:
// MNIST, USPS, SVHN, then SYN (the SVHN stand-in), MNIST-M), ten columns, the first test image of
// each digit 0-9, shown as the experiments see them: 32x32 RGB (area-averaging resize, grey
// replicated).
func Domains() (*Figure, error) {
	var rows []domainRow
	var omitted []string
	add := func(label, name string, opts data.DomainOptions) error {
		opts.N = domainsPool
		d, err := data.LoadDomain(name, "test", opts)
		if err != nil {
			return errors.Wrapf(err, "domains figure: %s", label)
		}
		rows = append(rows, domainRow{label, d})
		return nil
	}
	if err := add("MNIST", data.DomainMNIST, data.DomainOptions{}); err != nil {
		return nil, err
	}
	for _, dom := range []struct{ label, name string }{{"USPS", data.DomainUSPS}, {"SVHN", data.DomainSVHN}} {
		if _, _, ok := data.DomainFile(dom.name, "test"); !ok {
			omitted = append(omitted, dom.label)
			continue
		}
		if err := add(dom.label, dom.name, data.DomainOptions{}); err != nil {
			return nil, err
		}
	}
	if err := add("SYN\n(SVHN stand-in)", data.DomainSYN, data.DomainOptions{Seed: domainsSeed}); err != nil {
		return nil, err
	}
	if err := add("MNIST-M", data.DomainMNISTM, data.DomainOptions{Seed: domainsSeed}); err != nil {
		return nil, err
	}
	mm := rows[len(rows)-1].d
	switch {
	case strings.Contains(mm.Provenance, "official archive"):
		rows[len(rows)-1].label = "MNIST-M\n(official)"
	case strings.Contains(mm.Provenance, "procedural colour textures"):
		rows[len(rows)-1].label = "MNIST-M\n(recipe, procedural)"
	case strings.Contains(mm.Provenance, "BSDS500"):
		rows[len(rows)-1].label = "MNIST-M\n(recipe, BSDS500)"
	default:
		rows[len(rows)-1].label = "MNIST-M\n(recipe, photos)"
	}

	grid := &ImageGrid{
		Title:        "Digit domains at 32x32 (first test image of each digit)",
		ColumnTitles: data.DigitClassNames,
		RowLabels:    make([]string, len(rows)),
		Cells:        make([][]image.Image, len(rows)),
	}
	for i, row := range rows {
		grid.RowLabels[i] = row.label
		cells, err := domainSamples(row.d)
		if err != nil {
			return nil, errors.Wrapf(err, "domains figure: %s", row.label)
		}
		grid.Cells[i] = cells
	}
	width, height := grid.Size(0.75 * vg.Inch)
	return &Figure{Content: grid, Width: width, Height: height, Caption: domainsCaption(rows, omitted)}, nil
}

// domainSamples returns the first image of each digit 0-9 of d at 32x32 RGB (nil where a digit
// is absent from the first images).
func domainSamples(d *data.Dataset) ([]image.Image, error) {
	first := make([]int, len(data.DigitClassNames))
	for i := range first {
		first[i] = -1
	}
	var idx []int
	for i, l := range d.Labels {
		if first[l] < 0 {
			first[l] = i
			idx = append(idx, i)
		}
	}
	sub, err := d.Subset(idx, "")
	if err != nil {
		return nil, err
	}
	pix, err := sub.Float32(32, 32, 3)
	if err != nil {
		return nil, err
	}
	cells := make([]image.Image, len(first))
	for j, i := range idx {
		img, err := ImageFromFloats(pix[j*32*32*3:(j+1)*32*32*3], 32, 32, 3)
		if err != nil {
			return nil, err
		}
		cells[d.Labels[i]] = img
	}
	return cells, nil
}

func domainsCaption(rows []domainRow, omitted []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Samples of each digit domain as the domain-generalization experiments see them: 32x32 RGB "+
		"(area-averaging resize; grey images replicated to three channels). Column k shows the first image "+
		"labelled k among the first %d test images of each domain. Rows:", domainsPool)
	for _, row := range rows {
		fmt.Fprintf(&b, "\n- %s: %s.", strings.ReplaceAll(row.label, "\n", " "), row.d.Provenance)
	}
	for _, name := range omitted {
		how := map[string]string{
			"USPS": "usps/usps.h5 or usps/usps.t.bz2",
			"SVHN": "svhn/test_32x32.mat (SYN stands in for it)",
		}[name]
		fmt.Fprintf(&b, "\n- %s row omitted: %s not found under $%s or the fetch folder.", name, how, mvc.DataEnvVar)
	}
	return b.String()
}
