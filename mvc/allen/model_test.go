package allen

import (
	"math"
	"slices"
	"testing"
)

func TestAreaAndClassTuning(t *testing.T) {
	meanOf := func(area string, cre CreLine, get func(CellModel) float64) float64 {
		r := newRNG(7, "tuning test", area, cre.Gene)
		var s float64
		for range 400 {
			s += get(drawCell(r, area, cre))
		}
		return s / 400
	}
	cux2, _ := LookupCreLine("Cux2")
	sst, _ := LookupCreLine("Sst")
	sf := func(m CellModel) float64 { return m.SFCPD }
	size := func(m CellModel) float64 { return m.SigmaDeg }
	// Spatial frequency: PM above V1 above AL (Marshel et al. 2011; Andermann et al. 2011).
	if pm, v1, al := meanOf("VISpm", cux2, sf), meanOf("VISp", cux2, sf), meanOf("VISal", cux2, sf); !(pm > v1 && v1 > al) {
		t.Errorf("mean preferred SF: PM %.3f, V1 %.3f, AL %.3f; want PM > V1 > AL", pm, v1, al)
	}
	// Receptive fields: higher areas larger than V1, inhibitory broader than excitatory.
	if v1, am := meanOf("VISp", cux2, size), meanOf("VISam", cux2, size); !(am > v1) {
		t.Errorf("mean field size: V1 %.2f, AM %.2f degrees; want AM > V1", v1, am)
	}
	if exc, inh := meanOf("VISp", cux2, size), meanOf("VISp", sst, size); !(inh > 1.3*exc) {
		t.Errorf("mean field size: excitatory %.2f, inhibitory %.2f degrees; want inhibitory broader", exc, inh)
	}
}

// Inhibitory cells respond to more of the images than excitatory cells (less selective).
func TestSelectivity(t *testing.T) {
	opts := DefaultSimOptions()
	opts.Stimulus = StimulusPink
	stim, err := MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	responding := func(gene string) float64 {
		cre, _ := LookupCreLine(gene)
		r := newRNG(3, "selectivity", gene)
		var n, total int
		for range 50 {
			m := drawCell(r, "VISp", cre)
			for _, rate := range m.Rates(m.Field(opts.Height, opts.Width, opts.DegreesWide), stim.Images) {
				if rate > 0 {
					n++
				}
				total++
			}
		}
		return float64(n) / float64(total)
	}
	exc, inh := responding("Rorb"), responding("Pvalb")
	// Thresholds of 1 and -0.5 standard deviations: about 16% and 69% of images for Gaussian drives.
	if !(exc > 0.08 && exc < 0.25 && inh > 0.55 && inh < 0.8) {
		t.Errorf("fraction of images evoking a response: excitatory %.2f, inhibitory %.2f; want about 0.16 and 0.69", exc, inh)
	}
}

func TestFieldAndKernel(t *testing.T) {
	cre, _ := LookupCreLine("Cux2")
	m := drawCell(newRNG(1, "field"), "VISp", cre)
	m.CentreXDeg, m.CentreYDeg = 0, 0
	f := m.Field(46, 59, 120)
	var ss float64
	best, at := 0.0, 0
	for p, v := range f {
		ss += v * v
		if math.Abs(v) > best {
			best, at = math.Abs(v), p
		}
	}
	if math.Abs(ss-1) > 1e-12 {
		t.Errorf("field norm^2 = %v, want 1", ss)
	}
	// The largest weight lies within a wavelength of the centre.
	y, x := at/59, at%59
	deg := 120.0 / 59
	if d := math.Hypot((float64(x)+0.5-29.5)*deg, (float64(y)+0.5-23)*deg); d > 1/m.SFCPD {
		t.Errorf("field peak %.1f degrees from its centre, more than a wavelength (%.1f)", d, 1/m.SFCPD)
	}
	for _, k := range indicatorKernels {
		var peak float64
		for t := 0.0; t < 5; t += 1e-4 {
			peak = max(peak, math.Exp(-t/k.Decay)-math.Exp(-t/k.Rise))
		}
		if math.Abs(peak-kernelPeak(k.Rise, k.Decay)) > 1e-6 {
			t.Errorf("kernel peak %v, kernelPeak %v", peak, kernelPeak(k.Rise, k.Decay))
		}
	}
}

func TestRNG(t *testing.T) {
	r := newRNG(5, "rng test")
	const n = 200000
	var sn, sn2, sp float64
	for range n {
		v := r.normal()
		sn += v
		sn2 += v * v
		sp += float64(r.poisson(0.7))
	}
	if math.Abs(sn/n) > 0.01 || math.Abs(sn2/n-1) > 0.02 || math.Abs(sp/n-0.7) > 0.01 {
		t.Errorf("normal mean %.4f var %.4f, poisson(0.7) mean %.4f", sn/n, sn2/n, sp/n)
	}
	a, b := newRNG(9, "x").next(), newRNG(9, "x").next()
	if a != b || newRNG(9, "y").next() == a {
		t.Error("streams are not determined by seed and labels")
	}
}

func TestMedian(t *testing.T) {
	r := newRNG(4, "median")
	for _, n := range []int{1, 2, 3, 10, 101, 1000} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.intn(20)) // many ties
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		if got, want := median(v), sorted[(n-1)/2]; got != want {
			t.Errorf("median of %d values = %v, want %v", n, got, want)
		}
	}
}
