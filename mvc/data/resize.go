package data

import "github.com/pkg/errors"

// ResizeArea resizes a greyscale image (height x width, row-major) to outHeight x outWidth by
// area averaging: each output pixel is the mean of the input area it covers, input pixels cut
// by its edges weighted by the part inside. It is the one resize of the project: the digit
// domains' 32x32 inputs ([Dataset.Float32]), the stimuli FS of the neural representations and
// the neural maps that the RMSE resizes to a kernel's size. It works in float64
// and handles both shrinking and enlarging; same-size input is copied.
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
	dst := make([]float64, outHeight*outWidth)
	resizePlane(src, width, areaWeights(height, outHeight), areaWeights(width, outWidth), make([]float64, outHeight*width), dst)
	return dst, nil
}

// resizePlane resizes src (rows of the given width) with precomputed weights into dst,
// separably: first along the height into tmp (len(rows) x width, overwritten), then the width.
func resizePlane(src []float64, width int, rows, cols [][]areaWeight, tmp, dst []float64) {
	outWidth := len(cols)
	clear(tmp)
	for i, rw := range rows {
		out := tmp[i*width : (i+1)*width]
		for _, r := range rw {
			in := src[r.src*width : (r.src+1)*width]
			for x, v := range in {
				out[x] += r.w * v
			}
		}
	}
	for i := range len(rows) {
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
