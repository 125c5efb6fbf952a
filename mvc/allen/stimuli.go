package allen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // BSDS500 photographs are JPEGs
	_ "image/png"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// Size of the real natural scenes templates (Allen Brain Observatory, Visual Coding: 118 images
// of 918 x 1174 pixels).
const (
	RealTemplateHeight = 918
	RealTemplateWidth  = 1174
	RealImages         = 118
)

// Sources of the simulated stimulus images ([SimOptions.Stimulus]).
const (
	// StimulusAuto uses BSDS500 photographs when $MVC_DATA/bsds500 (or SimOptions.BSDS500Dir)
	// holds enough of them, 1/f noise images otherwise.
	StimulusAuto = "auto"
	// StimulusBSDS500 uses BSDS500 photographs (Arbelaez et al. 2011), converted to grey and
	// letterboxed to the 918:1174 aspect of the real templates; an error when they are missing.
	StimulusBSDS500 = "bsds500"
	// StimulusPink uses greyscale noise images with a 1/f amplitude spectrum, the average
	// spectrum of natural images (Field 1987), generated offline.
	StimulusPink = "pink"
	// StimulusWhite uses binary white noise (each pixel 0 or 255, independently): the stimulus
	// under which a cell's spike-triggered average recovers its linear receptive field.
	StimulusWhite = "white"
)

// greyLevel is the mean-luminance grey of the letterbox bands and blank sweeps.
const greyLevel = 127

// StimulusSet is the set of images shown in a simulated session.
type StimulusSet struct {
	// Kind is the source actually used: [StimulusBSDS500], [StimulusPink] or [StimulusWhite]
	// ([StimulusAuto] resolves to one of the first two).
	Kind string
	// Images are the templates, at the simulation's template size.
	Images *Images
	// Sources says where each image came from ("bsds500/train/12003.jpg", "1/f noise #3 ...").
	Sources []string
	// Provenance describes the whole set in one sentence, for files and captions. Folders
	// under $MVC_DATA are written "$MVC_DATA/...", so that it reads the same on every machine.
	Provenance string
}

// Digest returns a SHA-256 of the set's pixels and size (hex): two sets with the same digest
// show the same images, wherever their files were read from.
func (s *StimulusSet) Digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "%dx%dx%d\n", s.Images.N, s.Images.Height, s.Images.Width)
	h.Write(s.Images.Pixels)
	return hex.EncodeToString(h.Sum(nil))
}

// MakeStimuli builds the opts.Images stimulus images at opts.Height x opts.Width from
// opts.Stimulus, deterministically from opts.Seed.
func MakeStimuli(opts SimOptions) (*StimulusSet, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	switch opts.Stimulus {
	case StimulusWhite:
		return whiteNoise(opts), nil
	case StimulusPink:
		return pinkNoise(opts, ""), nil
	case StimulusBSDS500, StimulusAuto:
		dir, photos, err := findPhotos(opts)
		if err != nil {
			if opts.Stimulus == StimulusBSDS500 {
				return nil, errors.Wrap(err, "BSDS500 stimulus images")
			}
			why := "no BSDS500 photographs"
			if dir != "" {
				why += " (" + err.Error() + ")"
			} else {
				why += " ($" + mvc.DataEnvVar + " is unset)"
			}
			return pinkNoise(opts, why), nil
		}
		return bsdsStimuli(opts, dir, photos)
	}
	return nil, errors.Errorf("unknown stimulus source %q", opts.Stimulus)
}

// findPhotos lists the BSDS500 photographs of opts.BSDS500Dir or $MVC_DATA/bsds500, checking
// that there are enough.
func findPhotos(opts SimOptions) (dir string, photos []string, err error) {
	dir = opts.BSDS500Dir
	if dir == "" {
		if d, ok := mvc.DataDir(); ok {
			dir = filepath.Join(d, "bsds500")
		}
	}
	photos, err = listPhotos(dir)
	if err == nil && len(photos) < opts.Images {
		err = errors.Errorf("%s holds %d photographs, %d are needed", dir, len(photos), opts.Images)
	}
	return dir, photos, err
}

// ResolvedStimulus returns the stimulus source opts.Stimulus stands for here: [StimulusAuto]
// becomes [StimulusBSDS500] when enough photographs are found, [StimulusPink] otherwise.
func (o SimOptions) ResolvedStimulus() string {
	if o.Stimulus != StimulusAuto {
		return o.Stimulus
	}
	if _, _, err := findPhotos(o); err != nil {
		return StimulusPink
	}
	return StimulusBSDS500
}

// listPhotos lists the JPEG and PNG files of dir/train, dir/val and dir/test (BSDS500's
// splits), or of dir itself, as paths relative to dir, sorted.
func listPhotos(dir string) ([]string, error) {
	if dir == "" {
		return nil, errors.New("no BSDS500 folder given")
	}
	var out []string
	for _, sub := range []string{"train", "val", "test", "."} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png") {
				out = append(out, filepath.ToSlash(filepath.Join(sub, e.Name())))
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.Errorf("%s holds no photographs (*.jpg, *.png in train/, val/, test/ or itself)", dir)
	}
	slices.Sort(out)
	return out, nil
}

// bsdsStimuli picks opts.Images photographs by a seeded permutation, converts each to grey
// (ITU-R BT.601 luma), letterboxes it with mean-luminance grey to the 918:1174 aspect of the
// real templates and resizes it by area averaging.
func bsdsStimuli(opts SimOptions, dir string, photos []string) (*StimulusSet, error) {
	r := newRNG(opts.Seed, "bsds500 choice")
	perm := r.perm(len(photos))[:opts.Images]
	set := &StimulusSet{Kind: StimulusBSDS500, Images: &Images{N: opts.Images, Height: opts.Height, Width: opts.Width}}
	for _, k := range perm {
		name := photos[k]
		grey, h, w, err := readGrey(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		box, bh, bw := letterbox(grey, h, w, float64(RealTemplateHeight)/RealTemplateWidth)
		small, err := data.ResizeArea(box, bh, bw, opts.Height, opts.Width)
		if err != nil {
			return nil, err
		}
		set.Images.Pixels = append(set.Images.Pixels, toBytes(small)...)
		set.Sources = append(set.Sources, "bsds500/"+name)
	}
	set.Provenance = fmt.Sprintf("%d BSDS500 photographs (Arbelaez et al. 2011) from %s, chosen by seed %d, "+
		"converted to grey, letterboxed with grey to the 918:1174 aspect of the Brain Observatory's templates "+
		"and area-resized to %dx%d", opts.Images, mvc.PortablePath(dir), opts.Seed, opts.Height, opts.Width)
	return set, nil
}

// readGrey decodes an image file to grey values in [0, 255] (BT.601 luma).
func readGrey(path string) ([]float64, int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, errors.Wrap(err, "stimulus photograph")
	}
	defer func() { _ = f.Close() }()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, 0, 0, errors.Wrapf(err, "%s: decoding photograph", path)
	}
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	out := make([]float64, h*w)
	switch im := img.(type) {
	case *image.YCbCr:
		// JPEG's Y is the BT.601 luma of its colours.
		for y := range h {
			for x := range w {
				out[y*w+x] = float64(im.Y[im.YOffset(b.Min.X+x, b.Min.Y+y)])
			}
		}
		return out, h, w, nil
	case *image.Gray:
		for y := range h {
			for x := range w {
				out[y*w+x] = float64(im.GrayAt(b.Min.X+x, b.Min.Y+y).Y)
			}
		}
		return out, h, w, nil
	}
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out[y*w+x] = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
		}
	}
	return out, h, w, nil
}

// letterbox centres an image on a grey canvas of aspect (height / width) ratio, as large as
// needed to hold it whole.
func letterbox(src []float64, h, w int, aspect float64) ([]float64, int, int) {
	bh, bw := h, w
	if float64(h)/float64(w) < aspect {
		bh = int(math.Round(float64(w) * aspect))
	} else {
		bw = int(math.Round(float64(h) / aspect))
	}
	out := make([]float64, bh*bw)
	for i := range out {
		out[i] = greyLevel
	}
	top, left := (bh-h)/2, (bw-w)/2
	for y := range h {
		copy(out[(top+y)*bw+left:], src[y*w:(y+1)*w])
	}
	return out, bh, bw
}

func toBytes(v []float64) []uint8 {
	out := make([]uint8, len(v))
	for i, x := range v {
		out[i] = uint8(min(max(math.Round(x), 0), 255))
	}
	return out
}

// pinkNoise makes greyscale images with a 1/f amplitude spectrum and random phases (the mean
// spectrum of natural images, Field 1987), each scaled to mean grey 127.5 with a standard
// deviation of 40 grey levels and clipped to [0, 255].
func pinkNoise(opts SimOptions, why string) *StimulusSet {
	// The field is made on a grid whose sides have only the prime factors 2, 3 and 5 (fast
	// FFTs) and cropped to the image: a crop of 1/f noise is 1/f noise.
	oh, ow := opts.Height, opts.Width
	h, w := smoothSize(oh), smoothSize(ow)
	set := &StimulusSet{Kind: StimulusPink, Images: &Images{N: opts.Images, Height: oh, Width: ow}}
	rowFFT, colFFT := fourier.NewCmplxFFT(w), fourier.NewCmplxFFT(h)
	field := make([]complex128, h*w)
	row, col, colOut := make([]complex128, w), make([]complex128, h), make([]complex128, h)
	for i := range opts.Images {
		r := newRNG(opts.Seed, "1/f image", fmt.Sprint(i))
		for y := range h {
			fy := float64(min(y, h-y)) / float64(h)
			for x := range w {
				fx := float64(min(x, w-x)) / float64(w)
				f := math.Hypot(fy, fx)
				amp := 0.0
				if f > 0 {
					amp = 1 / f
				}
				field[y*w+x] = cmplx.Rect(amp, 2*math.Pi*r.uniform())
			}
		}
		// Inverse 2-D FFT: rows, then columns.
		for y := range h {
			rowFFT.Sequence(row, field[y*w:(y+1)*w])
			copy(field[y*w:], row)
		}
		for x := range w {
			for y := range h {
				col[y] = field[y*w+x]
			}
			colFFT.Sequence(colOut, col)
			for y := range h {
				field[y*w+x] = colOut[y]
			}
		}
		v := make([]float64, oh*ow)
		var mean, sq float64
		for p := range v {
			v[p] = real(field[(p/ow)*w+p%ow])
			mean += v[p]
		}
		mean /= float64(len(v))
		for _, x := range v {
			sq += (x - mean) * (x - mean)
		}
		sd := math.Sqrt(sq / float64(len(v)))
		for p, x := range v {
			v[p] = 127.5 + 40*(x-mean)/max(sd, 1e-12)
		}
		set.Images.Pixels = append(set.Images.Pixels, toBytes(v)...)
		set.Sources = append(set.Sources, fmt.Sprintf("1/f noise image %d (seed %d)", i, opts.Seed))
	}
	set.Provenance = fmt.Sprintf("%d greyscale 1/f-spectrum noise images (amplitude 1/|f|, random phases, seed %d; "+
		"the mean spectrum of natural images, Field 1987), %dx%d, standing in for natural photographs",
		opts.Images, opts.Seed, oh, ow)
	if why != "" {
		set.Provenance += " (" + why + ")"
	}
	return set
}

// whiteNoise makes binary white-noise images: each pixel 0 or 255 with probability 1/2.
func whiteNoise(opts SimOptions) *StimulusSet {
	set := &StimulusSet{Kind: StimulusWhite, Images: &Images{N: opts.Images, Height: opts.Height, Width: opts.Width}}
	r := newRNG(opts.Seed, "white noise")
	set.Images.Pixels = make([]uint8, opts.Images*opts.Height*opts.Width)
	for p := range set.Images.Pixels {
		if r.next()>>63 == 1 {
			set.Images.Pixels[p] = 255
		}
	}
	for i := range opts.Images {
		set.Sources = append(set.Sources, fmt.Sprintf("binary white noise image %d (seed %d)", i, opts.Seed))
	}
	set.Provenance = fmt.Sprintf("%d binary white-noise images (each pixel 0 or 255, seed %d), %dx%d",
		opts.Images, opts.Seed, opts.Height, opts.Width)
	return set
}

// smoothSize returns the smallest n' >= n whose only prime factors are 2, 3 and 5.
func smoothSize(n int) int {
	for m := max(n, 1); ; m++ {
		k := m
		for _, p := range []int{2, 3, 5} {
			for k%p == 0 {
				k /= p
			}
		}
		if k == 1 {
			return m
		}
	}
}
