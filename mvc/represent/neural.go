package represent

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// DefaultTauSeconds is the default length of the response window that T covers, in seconds.
const DefaultTauSeconds = 1.0

// Stimuli are the flattened stimuli FS of the spec: N images of Height x Width pixels, scaled to
// [0, 1], each pixel centred across the images.
type Stimuli struct {
	N, Height, Width int
	// FS holds N rows of Height*Width values, row-major.
	FS []float64
	// Mean is the mean image that was subtracted (in [0, 1]).
	Mean []float64
}

// Pixels returns Height*Width.
func (s *Stimuli) Pixels() int { return s.Height * s.Width }

// FlattenStimuli builds FS from images: each is resized to height x width by area averaging
// ([data.ResizeArea]), scaled to [0, 1], flattened, and each pixel is centred across the images.
func FlattenStimuli(images *allen.Images, height, width int) (*Stimuli, error) {
	if images == nil || images.N < 1 {
		return nil, errors.New("represent: no stimulus images")
	}
	return flatten(images.N, images.Height, images.Width, height, width, func(i int) ([]uint8, error) {
		return images.Image(i), nil
	})
}

func flatten(n, srcH, srcW, height, width int, image func(i int) ([]uint8, error)) (*Stimuli, error) {
	if height <= 0 || width <= 0 {
		return nil, errors.Errorf("represent: size %dx%d must be positive", height, width)
	}
	s := &Stimuli{N: n, Height: height, Width: width, FS: make([]float64, 0, n*height*width)}
	p := height * width
	src := make([]float64, srcH*srcW)
	for i := range n {
		pix, err := image(i)
		if err != nil {
			return nil, err
		}
		if len(pix) != srcH*srcW {
			return nil, errors.Errorf("represent: image %d has %d pixels, want %dx%d", i, len(pix), srcH, srcW)
		}
		for j, v := range pix {
			src[j] = float64(v) / 255
		}
		r, err := data.ResizeArea(src, srcH, srcW, height, width)
		if err != nil {
			return nil, err
		}
		s.FS = append(s.FS, r...)
	}
	s.Mean = make([]float64, p)
	for i := range n {
		for j, v := range s.FS[i*p : (i+1)*p] {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(n)
	}
	for i := range n {
		row := s.FS[i*p : (i+1)*p]
		for j := range row {
			row[j] -= s.Mean[j]
		}
	}
	return s, nil
}

// TraceError is the error of a trace or stimulus table that T cannot be computed from: a frame
// outside the trace, a NaN or infinite dF/F, an image never shown.
type TraceError struct {
	// Presentation is the row of the stimulus table concerned (-1 when none).
	Presentation int
	// Frame is the frame concerned (-1 when none).
	Frame int
	// Msg says what is wrong.
	Msg string
}

func (e *TraceError) Error() string { return e.Msg }

// TrialAverages computes T for one cell: T[i*tau+l] is the mean of trace[start+l] over the
// presentations of image i (start: the presentation's start frame), for l in [0, tau). Blank
// sweeps are skipped. It is an error when a window runs past the trace, when a value used is NaN
// or infinite, or when an image in [0, nImages) is never shown.
func TrialAverages(trace []float64, table []allen.Presentation, nImages, tau int) ([]float64, error) {
	if tau < 1 {
		return nil, &TraceError{-1, -1, fmt.Sprintf("tau = %d frames, want >= 1", tau)}
	}
	t := make([]float64, nImages*tau)
	counts := make([]int, nImages)
	for p, pr := range table {
		if pr.Image == allen.Blank {
			continue
		}
		if pr.Image < 0 || pr.Image >= nImages {
			return nil, &TraceError{p, -1, fmt.Sprintf("presentation %d shows image %d, want -1 or [0, %d)", p, pr.Image, nImages)}
		}
		if pr.Start < 0 || pr.Start+tau > len(trace) {
			return nil, &TraceError{p, pr.Start, fmt.Sprintf("presentation %d (image %d) starts at frame %d: its %d-frame window %d..%d is outside the trace's %d frames",
				p, pr.Image, pr.Start, tau, pr.Start, pr.Start+tau-1, len(trace))}
		}
		row := t[pr.Image*tau : (pr.Image+1)*tau]
		for l, v := range trace[pr.Start : pr.Start+tau] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &TraceError{p, pr.Start + l, fmt.Sprintf("dF/F at frame %d (presentation %d, image %d) is %v", pr.Start+l, p, pr.Image, v)}
			}
			row[l] += v
		}
		counts[pr.Image]++
	}
	for i, c := range counts {
		if c == 0 {
			return nil, &TraceError{-1, -1, fmt.Sprintf("image %d is never shown: T has no trials for it", i)}
		}
		row := t[i*tau : (i+1)*tau]
		for l := range row {
			row[l] /= float64(c)
		}
	}
	return t, nil
}

// Maps computes N = T^T . FS: tau maps of fs.Pixels() values, row-major [tau, pixels].
func Maps(t []float64, fs *Stimuli, tau int) []float64 {
	p := fs.Pixels()
	out := make([]float64, tau*p)
	for i := range fs.N {
		row := fs.FS[i*p : (i+1)*p]
		for l := range tau {
			w := t[i*tau+l]
			if w == 0 {
				continue
			}
			m := out[l*p : (l+1)*p]
			for j, v := range row {
				m[j] += w * v
			}
		}
	}
	return out
}

// Cell is the neural representation of one cell.
type Cell struct {
	// Index is the cell's row in dF/F; SpecimenID its cell specimen id.
	Index      int   `json:"index"`
	SpecimenID int64 `json:"cell_specimen_id"`
	// Map is the representation: N at the peak lag, Height x Width row-major.
	Map []float64 `json:"-"`
	// PeakLag is the lag (frames after onset) whose map has the largest L2 norm, and
	// TimeToPeak the same in seconds (PeakLag / frame rate).
	PeakLag    int     `json:"peak_lag"`
	TimeToPeak float64 `json:"time_to_peak_s"`
	// PeakDFF is the largest trial-averaged dF/F (the maximum of T).
	PeakDFF float64 `json:"peak_dff"`
	// Norms is the L2 norm of the map at each lag.
	Norms []float64 `json:"-"`
}

// Representation computes one cell's representation from its trial averages T (as
// [TrialAverages] returns) and FS. gram, when not nil, is FS . FS^T ([Gram]); it makes the norms
// of the tau maps cheap (||N_l||^2 = T_l^T G T_l) so that only the peak map is computed pixel by
// pixel. The norms of the best lags are then recomputed from their maps, so the choice of the
// peak is that of the plain definition.
func Representation(t []float64, fs *Stimuli, tau int, gram []float64, frameRate float64) Cell {
	n, p := fs.N, fs.Pixels()
	c := Cell{Norms: make([]float64, tau)}
	c.PeakDFF = maxOf(t)
	mapAt := func(l int) []float64 {
		m := make([]float64, p)
		for i := range n {
			w := t[i*tau+l]
			if w == 0 {
				continue
			}
			for j, v := range fs.FS[i*p : (i+1)*p] {
				m[j] += w * v
			}
		}
		return m
	}
	if gram == nil {
		maps := Maps(t, fs, tau)
		for l := range tau {
			c.Norms[l] = norm(maps[l*p : (l+1)*p])
			if c.Norms[l] > c.Norms[c.PeakLag] {
				c.PeakLag = l
			}
		}
		c.Map = maps[c.PeakLag*p : (c.PeakLag+1)*p]
	} else {
		tl := make([]float64, n)
		best := 0.0
		for l := range tau {
			for i := range n {
				tl[i] = t[i*tau+l]
			}
			var q float64
			for i := range n {
				var s float64
				for j, v := range gram[i*n : (i+1)*n] {
					s += v * tl[j]
				}
				q += tl[i] * s
			}
			c.Norms[l] = math.Sqrt(max(q, 0))
			best = max(best, c.Norms[l])
		}
		// Lags within rounding of the best: decide with norms of the maps themselves.
		c.PeakLag = -1
		for l := range tau {
			if c.Norms[l] < best*(1-1e-9) {
				continue
			}
			m := mapAt(l)
			c.Norms[l] = norm(m)
			if c.PeakLag < 0 || c.Norms[l] > c.Norms[c.PeakLag] {
				c.PeakLag, c.Map = l, m
			}
		}
	}
	if frameRate > 0 {
		c.TimeToPeak = float64(c.PeakLag) / frameRate
	}
	return c
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Gram returns FS . FS^T, n x n.
func Gram(fs *Stimuli) []float64 {
	n, p := fs.N, fs.Pixels()
	g := make([]float64, n*n)
	for i := range n {
		a := fs.FS[i*p : (i+1)*p]
		for j := i; j < n; j++ {
			b := fs.FS[j*p : (j+1)*p]
			var s float64
			for k, v := range a {
				s += v * b[k]
			}
			g[i*n+j], g[j*n+i] = s, s
		}
	}
	return g
}

// Options chooses the size and window of neural representations.
type Options struct {
	// Height and Width are the size h x w of the maps; 0 means the templates' own size.
	Height, Width int
	// TauSeconds is the length of the response window; 0 means [DefaultTauSeconds]. tau is
	// round(TauSeconds x frame rate) frames.
	TauSeconds float64
	// Cells selects rows of dF/F (nil: all).
	Cells []int
	// Workers is the number of cells computed at once (0: GOMAXPROCS).
	Workers int
	// Progress, when not nil, is called after each block of cells with the count done.
	Progress func(done, total int)
}

// Result holds the neural representations of the cells of one experiment file.
type Result struct {
	// File is the experiment file and Metadata its metadata.
	File     string          `json:"file"`
	Metadata *allen.Metadata `json:"metadata"`
	// Height and Width are the maps' size; Tau the frames of T; FrameRate in Hz.
	Height    int     `json:"height"`
	Width     int     `json:"width"`
	Tau       int     `json:"tau"`
	FrameRate float64 `json:"frame_rate"`
	// Stimuli is FS.
	Stimuli *Stimuli `json:"-"`
	// Cells has one entry per cell, in the order asked.
	Cells []Cell `json:"cells"`
}

// traceBlock is how many cells are read from the file at once.
const traceBlock = 16

// FromFile computes the neural representations of an experiment file's cells (as the package
// documentation specifies), reading the templates one at a time and the traces a block of
// cells at a time. Errors name the file and the dataset.
func FromFile(f *allen.File, opts Options) (*Result, error) {
	meta, err := f.Metadata()
	if err != nil {
		return nil, err
	}
	table, err := f.NaturalScenes()
	if err != nil {
		return nil, err
	}
	n, th, tw, err := f.TemplateShape()
	if err != nil {
		return nil, err
	}
	h, w := opts.Height, opts.Width
	if h == 0 && w == 0 {
		h, w = th, tw
	}
	if h <= 0 || w <= 0 {
		return nil, errors.Errorf("represent: map size %dx%d must be positive", h, w)
	}
	rate, err := f.FrameRate()
	if err != nil {
		return nil, err
	}
	tauS := opts.TauSeconds
	if tauS == 0 {
		tauS = DefaultTauSeconds
	}
	tau := int(math.Round(tauS * rate))
	if !(tauS > 0) || tau < 1 {
		return nil, errors.Errorf("represent: tau of %g s is less than one frame at %.3g Hz", tauS, rate)
	}
	fs, err := flatten(n, th, tw, h, w, f.Template)
	if err != nil {
		return nil, err
	}
	cells, frames, err := f.Shape()
	if err != nil {
		return nil, err
	}
	// Check the stimulus table's windows once, against the recording.
	for p, pr := range table {
		if pr.Image != allen.Blank && pr.Start+tau > frames {
			return nil, &allen.DatasetError{File: f.Path(), Dataset: allen.NaturalScenesFramesPath,
				Err: errors.Errorf("presentation %d (image %d) starts at frame %d: its %d-frame window (%.3g s) runs past the recording's %d frames",
					p, pr.Image, pr.Start, tau, tauS, frames)}
		}
	}
	which := opts.Cells
	if which == nil {
		which = make([]int, cells)
		for i := range which {
			which[i] = i
		}
	}
	for _, c := range which {
		if c < 0 || c >= cells {
			return nil, &allen.DatasetError{File: f.Path(), Dataset: allen.DFFPath, Err: errors.Errorf("cell %d requested, the file has %d", c, cells)}
		}
	}
	var gram []float64
	if fs.Pixels() > 2*n {
		gram = Gram(fs)
	}
	res := &Result{File: f.Path(), Metadata: meta, Height: h, Width: w, Tau: tau, FrameRate: rate, Stimuli: fs,
		Cells: make([]Cell, len(which))}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for start := 0; start < len(which); start += traceBlock {
		end := min(start+traceBlock, len(which))
		traces, err := readCells(f, which[start:end], frames)
		if err != nil {
			return nil, err
		}
		errs := make([]error, end-start)
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for k := start; k < end; k++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(k int) {
				defer func() { <-sem; wg.Done() }()
				c := which[k]
				t, err := TrialAverages(traces[k-start], table, n, tau)
				if err != nil {
					errs[k-start] = &allen.DatasetError{File: f.Path(), Dataset: allen.DFFPath,
						Err: errors.Errorf("cell %d (specimen %d): %v", c, meta.CellSpecimenIDs[c], err)}
					return
				}
				cell := Representation(t, fs, tau, gram, rate)
				cell.Index, cell.SpecimenID = c, meta.CellSpecimenIDs[c]
				res.Cells[k] = cell
			}(k)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		if opts.Progress != nil {
			opts.Progress(end, len(which))
		}
	}
	return res, nil
}

// readCells reads the traces of the given cells, reading runs of consecutive cells together.
func readCells(f *allen.File, cells []int, frames int) ([][]float64, error) {
	out := make([][]float64, len(cells))
	for i := 0; i < len(cells); {
		j := i + 1
		for j < len(cells) && cells[j] == cells[j-1]+1 {
			j++
		}
		block, err := f.TraceBlock(cells[i], j-i)
		if err != nil {
			return nil, err
		}
		for k := i; k < j; k++ {
			out[k] = block[(k-i)*frames : (k-i+1)*frames]
		}
		i = j
	}
	return out, nil
}

// MapsFloat32 returns the cells' maps as float32 [cells, Height, Width], and their times to
// peak in seconds, for .npy files.
func (r *Result) MapsFloat32() (maps []float32, timesToPeak []float32) {
	for _, c := range r.Cells {
		for _, v := range c.Map {
			maps = append(maps, float32(v))
		}
		timesToPeak = append(timesToPeak, float32(c.TimeToPeak))
	}
	return maps, timesToPeak
}
