package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Dataset is a labelled set of images in memory, as its authors distribute it: uint8 pixels,
// [N, Height, Width, Channels] row-major (channels last, GoMLX's layout), one integer label per
// image.
type Dataset struct {
	// Name is the dataset's name as the paper writes it: "MNIST", "USPS", "SVHN", "MNIST-M",
	// "SYN", "CIFAR-27", ...
	Name string
	// Domain is the short domain code of Table 1: "M", "U", "S", "MM"; "SYN" for the SVHN
	// stand-in; "" for non-digit sets.
	Domain string
	// Split is "train" or "test" (or "validation" after [Dataset.SplitValidation]).
	Split string
	// N, Height, Width and Channels give the shape of Pixels.
	N, Height, Width, Channels int
	// Pixels holds N*Height*Width*Channels bytes, row-major [N, H, W, C].
	Pixels []uint8
	// Labels holds N labels in [0, len(ClassNames)).
	Labels []int
	// ClassNames names the classes, indexed by label ("0".."9" for digits).
	ClassNames []string
	// Provenance says where the data came from: which file (or generator, with its seed and
	// parameters), for captions and results files.
	Provenance string
}

// DigitClassNames are the class names of the digit datasets: "0" to "9".
var DigitClassNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// Validate checks that the sizes, pixels and labels are consistent.
func (d *Dataset) Validate() error {
	if d == nil {
		return errors.New("nil dataset")
	}
	if d.N < 0 || d.Height <= 0 || d.Width <= 0 || d.Channels <= 0 {
		return errors.Errorf("dataset %s: bad shape [%d %d %d %d]", d.Name, d.N, d.Height, d.Width, d.Channels)
	}
	if want := d.N * d.Height * d.Width * d.Channels; len(d.Pixels) != want {
		return errors.Errorf("dataset %s: %d pixel bytes, shape [%d %d %d %d] needs %d",
			d.Name, len(d.Pixels), d.N, d.Height, d.Width, d.Channels, want)
	}
	if len(d.Labels) != d.N {
		return errors.Errorf("dataset %s: %d labels for %d images", d.Name, len(d.Labels), d.N)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= len(d.ClassNames) {
			return errors.Errorf("dataset %s: label %d of image %d is outside [0, %d)", d.Name, l, i, len(d.ClassNames))
		}
	}
	return nil
}

// ImageSize is the number of bytes of one image.
func (d *Dataset) ImageSize() int { return d.Height * d.Width * d.Channels }

// Image returns the pixels of image i (a view, not a copy).
func (d *Dataset) Image(i int) []uint8 {
	s := d.ImageSize()
	return d.Pixels[i*s : (i+1)*s]
}

// Subset returns a new dataset with the images at indices, in that order (pixels copied).
func (d *Dataset) Subset(indices []int, what string) (*Dataset, error) {
	out := *d
	out.N = len(indices)
	s := d.ImageSize()
	out.Pixels = make([]uint8, len(indices)*s)
	out.Labels = make([]int, len(indices))
	for j, i := range indices {
		if i < 0 || i >= d.N {
			return nil, errors.Errorf("dataset %s: index %d outside [0, %d)", d.Name, i, d.N)
		}
		copy(out.Pixels[j*s:], d.Image(i))
		out.Labels[j] = d.Labels[i]
	}
	if what != "" {
		out.Provenance = d.Provenance + "; " + what
	}
	return &out, nil
}

// First returns the first n images (all when n >= N): e.g. the domain-generalization
// literature's "MNIST-10K", the first 10,000 MNIST training images.
func (d *Dataset) First(n int) *Dataset {
	if n >= d.N {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	out, _ := d.Subset(idx, fmt.Sprintf("first %d images", n))
	return out
}

// SplitValidation splits off a validation set: a seeded random fraction of the images (at least
// one each side when N >= 2). The same seed gives the same split.
func (d *Dataset) SplitValidation(fraction float64, seed uint64) (train, validation *Dataset, err error) {
	if fraction <= 0 || fraction >= 1 {
		return nil, nil, errors.Errorf("validation fraction must be in (0, 1), got %g", fraction)
	}
	if d.N < 2 {
		return nil, nil, errors.Errorf("dataset %s: %d images cannot be split", d.Name, d.N)
	}
	perm := rand.New(rand.NewPCG(seed, 0x76616c)).Perm(d.N)
	nVal := min(max(1, int(float64(d.N)*fraction+0.5)), d.N-1)
	what := fmt.Sprintf("seeded split (seed %d, %.0f%% validation)", seed, 100*fraction)
	if validation, err = d.Subset(perm[:nVal], what+": validation part"); err != nil {
		return nil, nil, err
	}
	validation.Split = "validation"
	if train, err = d.Subset(perm[nVal:], what+": training part"); err != nil {
		return nil, nil, err
	}
	return train, validation, nil
}

// Float32 converts the images to float32 in [0, 1] at height x width x channels: area-averaging
// resize (each output pixel is the mean of the input area it covers, with fractional weights at
// its edges), grey replicated to 3 channels when channels is 3, RGB averaged to grey when
// channels is 1. It returns [N, height, width, channels] row-major.
func (d *Dataset) Float32(height, width, channels int) ([]float32, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if height <= 0 || width <= 0 || (channels != 1 && channels != 3) {
		return nil, errors.Errorf("target size %dx%dx%d: want positive sizes and 1 or 3 channels", height, width, channels)
	}
	if d.Channels != 1 && d.Channels != 3 {
		return nil, errors.Errorf("dataset %s: %d channels, want 1 or 3", d.Name, d.Channels)
	}
	rows := areaWeights(d.Height, height)
	cols := areaWeights(d.Width, width)
	out := make([]float32, d.N*height*width*channels)
	plane := make([]float64, d.Height*d.Width)
	resized := make([]float64, height*width)
	tmp := make([]float64, height*d.Width)
	for n := range d.N {
		img := d.Image(n)
		for c := range channels {
			// Source plane for output channel c.
			for p := range plane {
				switch {
				case d.Channels == channels:
					plane[p] = float64(img[p*d.Channels+c])
				case d.Channels == 1: // grey -> RGB
					plane[p] = float64(img[p])
				default: // RGB -> grey
					plane[p] = (float64(img[p*3]) + float64(img[p*3+1]) + float64(img[p*3+2])) / 3
				}
			}
			resizePlane(plane, d.Width, rows, cols, tmp, resized)
			base := n * height * width * channels
			for p, v := range resized {
				out[base+p*channels+c] = float32(v / 255)
			}
		}
	}
	return out, nil
}
