package allen

import "github.com/pkg/errors"

// ResizeArea resizes a greyscale image (height x width, row-major) to outHeight x outWidth by
// area averaging: each output pixel is the mean of the input area it covers, input pixels cut
// by its edges weighted by the part inside (DESIGN.md, "Neural representation": FS images are
// "resized to h x w (area averaging)"). It works in float64 and handles both shrinking and
// enlarging.
func ResizeArea(src []float64, height, width, outHeight, outWidth int) ([]float64, error) {
	if height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0 {
		return nil, errors.Errorf("resize %dx%d to %dx%d: sizes must be positive", height, width, outHeight, outWidth)
	}
	if len(src) != height*width {
		return nil, errors.Errorf("resize: %d values for a %dx%d image", len(src), height, width)
	}
	if height == outHeight && width == outWidth {
		return append([]float64(nil), src...), nil
	}
	rows := areaWeights(height, outHeight)
	cols := areaWeights(width, outWidth)
	// Separable: first along rows of the output (height), then columns.
	tmp := make([]float64, outHeight*width)
	for i, rw := range rows {
		out := tmp[i*width : (i+1)*width]
		for _, r := range rw {
			in := src[r.src*width : (r.src+1)*width]
			for x, v := range in {
				out[x] += r.w * v
			}
		}
	}
	dst := make([]float64, outHeight*outWidth)
	for i := range outHeight {
		in := tmp[i*width : (i+1)*width]
		out := dst[i*outWidth : (i+1)*outWidth]
		for j, cw := range cols {
			var s float64
			for _, c := range cw {
				s += c.w * in[c.src]
			}
			out[j] = s
		}
	}
	return dst, nil
}

// areaWeight is the share of source index src in an output index.
type areaWeight struct {
	src int
	w   float64
}

// areaWeights returns, for each of the m output positions, the source positions it covers and
// their weights (summing to 1): output i covers the source interval [i*n/m, (i+1)*n/m).
func areaWeights(n, m int) [][]areaWeight {
	out := make([][]areaWeight, m)
	scale := float64(n) / float64(m)
	for i := range m {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		for s := int(lo); s < n && float64(s) < hi; s++ {
			overlap := min(hi, float64(s+1)) - max(lo, float64(s))
			if overlap > 1e-12 {
				out[i] = append(out[i], areaWeight{s, overlap / scale})
			}
		}
	}
	return out
}
