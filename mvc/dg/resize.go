package dg

import (
	"fmt"
	"math"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// Resize methods of [Input].Resize.
const (
	// ResizeArea is package data's area-averaging resize (data.Dataset.Float32), the default:
	// exact for downsampling, pixel replication when upsampling by an integer factor.
	ResizeArea = ""
	// ResizeBilinear is PIL's bilinear resize to uint8, as torchvision's transforms.Resize does
	// it on PIL images in the literature's digit code (Xu et al.'s train_digits.py): see
	// [ResizeBilinearPIL].
	ResizeBilinear = "bilinear"
)

// ResizeBilinearPIL resizes every image of d to height x width with PIL's bilinear filter
// (Pillow's ImagingResample: a horizontal then a vertical pass, each output pixel the
// triangle-weighted mean of the input pixels within one output-scaled pixel of its centre,
// (i + 0.5) * in / out, weights normalised, windows cut at the borders, each pass rounded to
// uint8). Pillow uses 22-bit fixed-point weights; this uses float64 weights, which can differ
// from Pillow's by one grey level where a value falls within 2^-22 of a rounding boundary.
// Labels, class names and the other fields are kept; Provenance says what was done.
func ResizeBilinearPIL(d *data.Dataset, height, width int) (*data.Dataset, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if height < 1 || width < 1 {
		return nil, errors.Errorf("dg: resize %s to %dx%d: want positive sizes", d.Name, height, width)
	}
	if d.Height == height && d.Width == width {
		return d, nil
	}
	cols := pilWeights(d.Width, width)
	rows := pilWeights(d.Height, height)
	c := d.Channels
	out := *d
	out.Height, out.Width = height, width
	out.Pixels = make([]uint8, d.N*height*width*c)
	out.Provenance = d.Provenance + fmt.Sprintf("; resized to %dx%d with PIL's bilinear filter", height, width)
	mid := make([]uint8, d.Height*width*c)
	for n := range d.N {
		img := d.Image(n)
		for y := range d.Height {
			for x, ws := range cols {
				for k := range c {
					var v float64
					for _, w := range ws {
						v += w.w * float64(img[(y*d.Width+w.src)*c+k])
					}
					mid[(y*width+x)*c+k] = clip8(v)
				}
			}
		}
		dst := out.Pixels[n*height*width*c : (n+1)*height*width*c]
		for y, ws := range rows {
			for x := range width {
				for k := range c {
					var v float64
					for _, w := range ws {
						v += w.w * float64(mid[(w.src*width+x)*c+k])
					}
					dst[(y*width+x)*c+k] = clip8(v)
				}
			}
		}
	}
	return &out, nil
}

// pilWeight is one input pixel's weight in an output pixel.
type pilWeight struct {
	src int
	w   float64
}

// pilWeights computes Pillow's bilinear coefficients (precompute_coeffs with the triangle
// filter, support 1) from in pixels to out pixels.
func pilWeights(in, out int) [][]pilWeight {
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := filterScale // the triangle filter's support is 1
	weights := make([][]pilWeight, out)
	for i := range out {
		center := (float64(i) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), in)
		var total float64
		var ws []pilWeight
		for j := lo; j < hi; j++ {
			w := 1 - math.Abs((float64(j)-center+0.5)/filterScale)
			if w <= 0 {
				continue
			}
			ws = append(ws, pilWeight{j, w})
			total += w
		}
		for k := range ws {
			ws[k].w /= total
		}
		weights[i] = ws
	}
	return weights
}

// clip8 rounds to the nearest integer (halves up, as Pillow's fixed-point rounding) and clips
// to [0, 255].
func clip8(v float64) uint8 {
	return uint8(min(255, max(0, math.Floor(v+0.5))))
}
