package represent

import (
	"fmt"
	"math"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// OnsetTraces cuts a cell's dF/F around every presentation of one image (Supplementary Figure S3:
// traces "pre- and post- stimulus presentation"): for each presentation, the frames from
// round(before x frameRate) frames before its start frame to round(after x frameRate) frames
// after it. times are in seconds relative to onset (frame offset / frameRate). Presentations
// whose window leaves the trace are an error, as are NaN or infinite values.
func OnsetTraces(trace []float64, table []allen.Presentation, image int, frameRate, before, after float64) (times []float64, trials [][]float64, err error) {
	if !(frameRate > 0) || before < 0 || after < 0 {
		return nil, nil, &TraceError{-1, -1, fmt.Sprintf("frame rate %g, window -%g..%g s: want a positive rate and a window around onset", frameRate, before, after)}
	}
	b, a := int(math.Round(before*frameRate)), int(math.Round(after*frameRate))
	for k := -b; k <= a; k++ {
		times = append(times, float64(k)/frameRate)
	}
	for p, pr := range table {
		if pr.Image != image {
			continue
		}
		if pr.Start-b < 0 || pr.Start+a >= len(trace) {
			return nil, nil, &TraceError{p, pr.Start, fmt.Sprintf("presentation %d (image %d, frame %d): window of %d frames before and %d after leaves the trace's %d frames",
				p, image, pr.Start, b, a, len(trace))}
		}
		w := trace[pr.Start-b : pr.Start+a+1]
		for k, v := range w {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, &TraceError{p, pr.Start - b + k, fmt.Sprintf("dF/F at frame %d (presentation %d, image %d) is %v", pr.Start-b+k, p, image, v)}
			}
		}
		trials = append(trials, append([]float64(nil), w...))
	}
	if len(trials) == 0 {
		return nil, nil, &TraceError{-1, -1, fmt.Sprintf("image %d is never shown", image)}
	}
	return times, trials, nil
}

// PreferredImage returns the image whose trial-averaged response T peaks highest (the argmax
// over images of the maximum over lags), from T as [TrialAverages] returns it.
func PreferredImage(t []float64, nImages, tau int) int {
	best, at := math.Inf(-1), 0
	for i := range nImages {
		for _, v := range t[i*tau : (i+1)*tau] {
			if v > best {
				best, at = v, i
			}
		}
	}
	return at
}
