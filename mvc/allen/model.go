package allen

import (
	"math"
)

// AreaTuning is the receptive-field size and preferred spatial frequency of an area's
// excitatory cells in the simulated cortex.
type AreaTuning struct {
	// SigmaDeg is the median standard deviation of the receptive field's Gaussian envelope, in
	// degrees of visual angle.
	SigmaDeg float64 `json:"sigma_deg"`
	// SFCPD is the median preferred spatial frequency, in cycles per degree.
	SFCPD float64 `json:"sf_cpd"`
}

// AreaTunings are the simulated cortex's per-area receptive fields. They are approximate values
// that follow what was reported for mouse visual cortex, not fitted numbers:
//   - V1 (VISp) cells prefer about 0.04 cycles/degree (Niell & Stryker 2008, J. Neurosci.
//     28:7520), with receptive fields of some ten degrees.
//   - Higher areas differ in spatial frequency preference: anterolateral (VISal) and rostrolateral
//     (VISrl) cells prefer lower spatial (and higher temporal) frequencies, posteromedial (VISpm)
//     cells higher spatial frequencies, lateral (VISl) cells are close to V1 (Marshel et al.
//     2011, Neuron 72:1040; Andermann et al. 2011, Neuron 72:1025); anteromedial (VISam) is set
//     low, between AL and V1.
//   - Receptive fields grow from V1 to the higher areas (Wang & Burkhalter 2007, J. Comp.
//     Neurol. 502:339).
var AreaTunings = map[string]AreaTuning{
	"VISp":  {SigmaDeg: 5, SFCPD: 0.04},
	"VISl":  {SigmaDeg: 6, SFCPD: 0.045},
	"VISal": {SigmaDeg: 7, SFCPD: 0.03},
	"VISpm": {SigmaDeg: 8, SFCPD: 0.06},
	"VISam": {SigmaDeg: 9, SFCPD: 0.035},
	"VISrl": {SigmaDeg: 8, SFCPD: 0.03},
}

// Class-dependent parameters of simulated cells. Inhibitory cells have broader, less
// orientation-selective receptive fields and respond to more images than excitatory ones (broad
// tuning of inhibitory interneurons: Kerlin et al. 2010, Neuron 67:858; Niell & Stryker 2008).
const (
	// inhibitorySizeFactor scales an inhibitory cell's envelope; inhibitorySFFactor its
	// preferred spatial frequency.
	inhibitorySizeFactor = 1.5
	inhibitorySFFactor   = 0.6
	// inhibitoryBlend is the weight of an untuned (Gaussian) component mixed into inhibitory
	// fields, which lowers their orientation selectivity.
	inhibitoryBlend = 0.5
	// Thresholds of the rectifier, in standard deviations of the cell's linear drive over the
	// session's images: excitatory cells respond to a few images (sparse), inhibitory to most.
	excitatoryThreshold = 1.0
	inhibitoryThreshold = -0.5
	// Gains in Hz per standard deviation of drive above threshold, and spontaneous rates in Hz.
	excitatoryGainHz     = 6
	inhibitoryGainHz     = 4
	excitatoryBaselineHz = 0.2
	inhibitoryBaselineHz = 2
	// responseLatency is the delay between image onset and the response, in seconds (the order
	// of visual response latencies in mouse V1, Niell & Stryker 2008).
	responseLatency = 0.05
	// trialGainSD is the log-normal spread of a response's gain from trial to trial (trial-to-
	// trial variability beyond Poisson spiking, e.g. with locomotion and arousal).
	trialGainSD = 0.3
)

// Indicator kernels: a double exponential (rise, decay) and the dF/F of one action potential at
// its peak. GCaMP6f rises in about 50 ms and decays in about half a second, GCaMP6s about twice
// as slowly, with a larger single-spike response (Chen et al. 2013, Nature 499:295, of the order
// of 10-25% dF/F per action potential in vivo).
var indicatorKernels = map[string]struct{ Rise, Decay, SpikeDFF float64 }{
	"GCaMP6f": {0.05, 0.5, 0.15},
	"GCaMP6s": {0.1, 1.0, 0.2},
}

// CellModel is a simulated cell: a linear-nonlinear model with a Gabor-like receptive field, a
// rectifier, Poisson spiking and a calcium indicator kernel.
type CellModel struct {
	// Class is [Excitatory] or [Inhibitory].
	Class CellClass `json:"class"`
	// CentreXDeg and CentreYDeg locate the receptive field relative to the screen centre, in
	// degrees (x to the right, y down).
	CentreXDeg float64 `json:"centre_x_deg"`
	CentreYDeg float64 `json:"centre_y_deg"`
	// SigmaDeg is the envelope's standard deviation along the grating, Aspect the ratio of the
	// envelope's widths across / along the grating's stripes (<= 1 elongates along the stripes).
	SigmaDeg float64 `json:"sigma_deg"`
	Aspect   float64 `json:"aspect"`
	// SFCPD is the spatial frequency (cycles/degree), OrientationRad the direction of the
	// grating's modulation, PhaseRad its phase at the centre.
	SFCPD          float64 `json:"sf_cpd"`
	OrientationRad float64 `json:"orientation_rad"`
	PhaseRad       float64 `json:"phase_rad"`
	// Blend is the weight of an untuned Gaussian component of sign BlendSign (0 for excitatory
	// cells); the field is (1-Blend) Gabor + Blend BlendSign Gaussian, unit norm.
	Blend     float64 `json:"blend"`
	BlendSign float64 `json:"blend_sign"`
	// Threshold (in standard deviations of the linear drive across the session's images) and
	// GainHz (Hz per standard deviation above it) define the rate: GainHz max(0, z - Threshold).
	Threshold float64 `json:"threshold"`
	GainHz    float64 `json:"gain_hz"`
	// BaselineHz is the spontaneous rate.
	BaselineHz float64 `json:"baseline_hz"`
	// SpikeDFF is the peak dF/F of one spike; RiseS and DecayS the indicator's time constants.
	SpikeDFF float64 `json:"spike_dff"`
	RiseS    float64 `json:"rise_s"`
	DecayS   float64 `json:"decay_s"`
	// LatencyS delays the response after onset; the response lasts as long as the image.
	LatencyS float64 `json:"latency_s"`
	// TrialGainSD is the log-normal spread of the response gain across trials.
	TrialGainSD float64 `json:"trial_gain_sd"`
}

// drawCell draws a cell of an area and Cre line.
func drawCell(r *rng, area string, cre CreLine) CellModel {
	t := AreaTunings[area]
	m := CellModel{
		Class:          cre.Class,
		CentreXDeg:     10 * r.normal(),
		CentreYDeg:     8 * r.normal(),
		SigmaDeg:       t.SigmaDeg * r.lognormal(0.25),
		Aspect:         0.5 + 0.5*r.uniform(),
		SFCPD:          t.SFCPD * r.lognormal(0.35),
		OrientationRad: math.Pi * r.uniform(),
		PhaseRad:       2 * math.Pi * r.uniform(),
		LatencyS:       responseLatency,
		TrialGainSD:    trialGainSD,
	}
	k, ok := indicatorKernels[cre.Indicator]
	if !ok {
		k = indicatorKernels["GCaMP6f"]
	}
	m.RiseS, m.DecayS = k.Rise, k.Decay
	m.SpikeDFF = k.SpikeDFF * r.lognormal(0.3)
	if cre.Class == Inhibitory {
		m.SigmaDeg *= inhibitorySizeFactor
		m.SFCPD *= inhibitorySFFactor
		m.Aspect = 0.8 + 0.2*m.Aspect
		m.Blend = inhibitoryBlend
		m.BlendSign = 1
		if r.uniform() < 0.5 {
			m.BlendSign = -1
		}
		m.Threshold, m.GainHz, m.BaselineHz = inhibitoryThreshold, inhibitoryGainHz, inhibitoryBaselineHz
	} else {
		m.Threshold, m.GainHz, m.BaselineHz = excitatoryThreshold, excitatoryGainHz, excitatoryBaselineHz
	}
	m.GainHz *= r.lognormal(0.3)
	return m
}

// Field returns the cell's receptive field on a height x width template that spans degreesWide
// degrees horizontally (square pixels), row-major, scaled to unit L2 norm.
func (m *CellModel) Field(height, width int, degreesWide float64) []float64 {
	deg := degreesWide / float64(width)
	sin, cos := math.Sincos(m.OrientationRad)
	gabor := make([]float64, height*width)
	blob := make([]float64, height*width)
	for y := range height {
		dy := (float64(y)+0.5-float64(height)/2)*deg - m.CentreYDeg
		for x := range width {
			dx := (float64(x)+0.5-float64(width)/2)*deg - m.CentreXDeg
			u := dx*cos + dy*sin  // along the modulation
			v := -dx*sin + dy*cos // along the stripes
			env := math.Exp(-(u*u + m.Aspect*m.Aspect*v*v) / (2 * m.SigmaDeg * m.SigmaDeg))
			gabor[y*width+x] = env * math.Cos(2*math.Pi*m.SFCPD*u+m.PhaseRad)
			blob[y*width+x] = math.Exp(-(dx*dx + dy*dy) / (2 * m.SigmaDeg * m.SigmaDeg))
		}
	}
	unit(gabor)
	unit(blob)
	for p := range gabor {
		gabor[p] = (1-m.Blend)*gabor[p] + m.Blend*m.BlendSign*blob[p]
	}
	unit(gabor)
	return gabor
}

func unit(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s > 0 {
		s = 1 / math.Sqrt(s)
		for i := range v {
			v[i] *= s
		}
	}
}

// Rates returns the cell's firing rate (Hz, above baseline) for each image: its field's linear
// drive on the mean-subtracted images (pixels scaled to [0, 1]), standardized across the images,
// through the rectifier GainHz max(0, z - Threshold).
func (m *CellModel) Rates(field []float64, images *Images) []float64 {
	// The drive on mean-subtracted images differs from the drive on the images by a constant,
	// which standardization removes.
	drive := make([]float64, images.N)
	for i := range images.N {
		var s float64
		for j, v := range images.Image(i) {
			s += field[j] * float64(v)
		}
		drive[i] = s / 255
	}
	var mu, sd float64
	for _, d := range drive {
		mu += d
	}
	mu /= float64(len(drive))
	for _, d := range drive {
		sd += (d - mu) * (d - mu)
	}
	sd = math.Sqrt(sd / float64(len(drive)))
	rates := make([]float64, images.N)
	for i, d := range drive {
		z := 0.0
		if sd > 0 {
			z = (d - mu) / sd
		}
		rates[i] = m.GainHz * max(0, z-m.Threshold)
	}
	return rates
}

// kernelPeak is the peak of exp(-t/decay) - exp(-t/rise).
func kernelPeak(rise, decay float64) float64 {
	if rise == decay {
		return 1 / math.E
	}
	t := math.Log(decay/rise) * rise * decay / (decay - rise)
	return math.Exp(-t/decay) - math.Exp(-t/rise)
}
