package similarity

import (
	"math"

	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/pkg/errors"
)

// Map is a 2-D map, stored row-major: a neural representation of one cell (mvc/represent, h x w) or one channel of one DNN kernel (the paper's "feature
// representation", m x n).
type Map struct {
	Height, Width int
	// Values holds Height*Width finite values, row by row.
	Values []float64
}

// Validate checks that the map has a positive size, Height*Width values, and only finite ones.
func (m Map) Validate() error {
	if m.Height <= 0 || m.Width <= 0 {
		return errors.Errorf("map size %dx%d: height and width must be positive", m.Height, m.Width)
	}
	if len(m.Values) != m.Height*m.Width {
		return errors.Errorf("map %dx%d has %d values, want %d", m.Height, m.Width, len(m.Values),
			m.Height*m.Width)
	}
	for i, v := range m.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.Errorf("map %dx%d: value %d (row %d, column %d) is %v", m.Height, m.Width,
				i, i/m.Width, i%m.Width, v)
		}
	}
	return nil
}

// Resize resizes a map to height x width by area averaging: output pixel (i, j) is the mean of
// the source over the rectangle it covers, source pixels cut at its edges weighted by the area
// inside ([data.ResizeArea], the project's one resize). Enlarging repeats source
// values (each output pixel lies inside one source pixel, or averages the two or four it
// straddles). Resizing to the same size returns a copy.
func Resize(m Map, height, width int) (Map, error) {
	if err := m.Validate(); err != nil {
		return Map{}, errors.Wrap(err, "resizing map")
	}
	if height <= 0 || width <= 0 {
		return Map{}, errors.Errorf("resizing map to %dx%d: size must be positive", height, width)
	}
	values, err := data.ResizeArea(m.Values, m.Height, m.Width, height, width)
	if err != nil {
		return Map{}, errors.Wrap(err, "resizing map")
	}
	return Map{Height: height, Width: width, Values: values}, nil
}

// MinMaxScale returns values scaled linearly to [0,1]: (v - min) / (max - min). A constant
// input (max == min, to 12 significant digits) becomes all 0.5. The input is not changed.
func MinMaxScale(values []float64) []float64 {
	out := make([]float64, len(values))
	minMaxScaleInto(values, out)
	return out
}

func minMaxScaleInto(values, dst []float64) {
	if len(values) == 0 {
		return
	}
	lo, hi := values[0], values[0]
	for _, v := range values[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	// A constant map stays constant up to rounding when resized (area weights sum to 1 only
	// within a few ulps): spreading that rounding over [0, 1] would turn it into noise.
	if hi-lo <= 1e-12*max(math.Abs(hi), math.Abs(lo)) {
		for i := range dst {
			dst[i] = 0.5
		}
		return
	}
	span := hi - lo
	for i, v := range values {
		dst[i] = (v - lo) / span
	}
}

// prepare returns m resized to height x width by area averaging ([data.ResizeArea], the
// project's one resize), then min-max scaled: the form in which Eq. 1 compares maps. Callers
// validate m and the size first ([Map.Validate]), so the resize cannot fail; a failure would be
// a bug here, not bad input, and panics.
func prepare(m Map, height, width int) []float64 {
	buf, err := data.ResizeArea(m.Values, m.Height, m.Width, height, width)
	if err != nil {
		panic("similarity: resizing a validated map failed: " + err.Error())
	}
	minMaxScaleInto(buf, buf)
	return buf
}

// RMSE is the paper's Eq. 1 between a DNN kernel map (m x n) and a neural representation: the neural map is resized to m x n by area averaging ([Resize]), each map
// is min-max scaled to [0,1] ([MinMaxScale], a constant map becomes 0.5), and
// RMSE = sqrt(1/(mn) * sum_i (k2_i - k1_i)^2). The result lies in [0,1]; 0 means the scaled maps
// are equal.
func RMSE(kernel, neural Map) (float64, error) {
	if err := kernel.Validate(); err != nil {
		return 0, errors.Wrap(err, "RMSE: kernel map")
	}
	if err := neural.Validate(); err != nil {
		return 0, errors.Wrap(err, "RMSE: neural map")
	}
	k := prepare(kernel, kernel.Height, kernel.Width)
	n := prepare(neural, kernel.Height, kernel.Width)
	return rmseScaled(k, n), nil
}

// rmseScaled is sqrt(mean((a-b)^2)) of two equally long prepared maps.
func rmseScaled(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)))
}
