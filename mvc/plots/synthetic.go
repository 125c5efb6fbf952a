package plots

import "math"

// The synthetic images of the figures come from this file's generators. They depend only on
// their arguments (seeds included): a small splitmix64 generator and Box-Muller normals are used
// instead of math/rand, whose streams are not promised to stay the same across Go releases.

// splitmix is the splitmix64 generator (Steele, Lea and Flood 2014).
type splitmix struct{ state uint64 }

func (r *splitmix) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a value in [0, 1).
func (r *splitmix) uniform() float64 { return float64(r.next()>>11) / (1 << 53) }

// normal returns a standard normal value (Box-Muller).
func (r *splitmix) normal() float64 {
	u1, u2 := 1-r.uniform(), r.uniform()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Parameters of [illuminatedGrating], quoted in captions.
const (
	gratingPeriod    = 8.0  // pixels
	gratingAmplitude = 0.1  // half the peak-to-peak intensity
	gratingRampFrom  = 0.05 // illumination at the top-left corner
	gratingRampTo    = 0.75 // illumination at the bottom-right corner
	gratingNoise     = 0.01 // standard deviation of the pixel noise
)

// illuminatedGrating returns a size x size grey image (row-major, values in [0,1]): a sine
// grating with a seeded orientation and phase, on a strong additive illumination ramp along the
// diagonal, plus seeded Gaussian pixel noise.
func illuminatedGrating(size int, seed uint64) []float32 {
	r := &splitmix{state: seed}
	theta, phase := math.Pi*r.uniform(), 2*math.Pi*r.uniform()
	sin, cos := math.Sincos(theta)
	out := make([]float32, size*size)
	for y := range size {
		for x := range size {
			ramp := gratingRampFrom + (gratingRampTo-gratingRampFrom)*float64(x+y)/float64(2*max(size-1, 1))
			u := float64(x)*cos + float64(y)*sin
			v := ramp + gratingAmplitude*(1+math.Sin(2*math.Pi*u/gratingPeriod+phase)) + gratingNoise*r.normal()
			out[y*size+x] = float32(min(max(v, 0), 1))
		}
	}
	return out
}

// pinkNoiseRGB returns a size x size x 3 colour image (row-major, values in [0,1]) of 1/f
// ("pink", natural-image-like) noise: each channel is half a field shared by all channels and
// half its own field, then min-max scaled to [0,1]. A field is a sum of cosines over the spatial
// frequencies of the image with amplitude 1/|f| and seeded random phases.
func pinkNoiseRGB(size int, seed uint64) []float32 {
	r := &splitmix{state: seed}
	maxF := size / 2
	field := func() []float64 {
		v := make([]float64, size*size)
		for fy := 0; fy <= maxF; fy++ {
			for fx := -maxF; fx <= maxF; fx++ {
				if fy == 0 && fx <= 0 {
					continue // the mean and the mirror half of the spectrum
				}
				amp := 1 / math.Hypot(float64(fx), float64(fy))
				phase := 2 * math.Pi * r.uniform()
				for y := range size {
					for x := range size {
						v[y*size+x] += amp * math.Cos(2*math.Pi*float64(fx*x+fy*y)/float64(size)+phase)
					}
				}
			}
		}
		return v
	}
	shared := field()
	out := make([]float32, size*size*3)
	for c := range 3 {
		own := field()
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range own {
			own[i] = (shared[i] + own[i]) / 2
			lo, hi = min(lo, own[i]), max(hi, own[i])
		}
		for i, v := range own {
			out[3*i+c] = float32((v - lo) / max(hi-lo, 1e-12))
		}
	}
	return out
}

// blendMNISTM puts a grey digit (values in [0,1]) on a colour background of the same size the
// way MNIST-M does (Ganin et al. 2015): |background - digit| per channel.
func blendMNISTM(digit, background []float32) []float32 {
	out := make([]float32, len(background))
	for i := range out {
		out[i] = float32(math.Abs(float64(background[i] - digit[i/3])))
	}
	return out
}

// Parameters of [contrastShift], quoted in captions.
const (
	shiftContrast   = 0.15
	shiftBrightness = 0.05
)

// contrastShift returns shiftBrightness + shiftContrast * x: a dark, low-contrast version of x.
// NeuRN is invariant to x -> a*x + b (a > 0), so its output should not change.
func contrastShift(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = shiftBrightness + shiftContrast*v
	}
	return out
}
