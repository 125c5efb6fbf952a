package data

// The MNIST-M recipe of Ganin & Lempitsky (2015, "Unsupervised Domain Adaptation by
// Backpropagation", ICML, section 4.1) and Ganin et al. (2016, "Domain-Adversarial Training of
// Neural Networks", JMLR 17(59), section 5.1.1): "blending digits from the original set over
// patches randomly extracted from color photos from BSDS500 (Arbelaez et al., 2011)". As in the
// widely used script that recreates it (pumpikano/tf-dann, create_mnistm.py), each MNIST digit
// is binarized (pixel > 0 -> 255, replicated to RGB), a random BSDS500 training photo is chosen,
// a random 28x28 patch of it is cropped (top-left corner uniform in [0, H-28) x [0, W-28)), and
// the output is |patch - digit| per channel.

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // BSDS500 photos are JPEGs
	_ "image/png"  // user-named folders may hold PNGs
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// MNISTMBinarizeThreshold is the level above which an MNIST pixel counts as ink in the MNIST-M
// recipe: pixel > 0 becomes 255 (create_mnistm.py: x = (x > 0)).
const MNISTMBinarizeThreshold = 0

// Procedural backgrounds used by the MNIST-M recipe when no photographs are available.
const (
	ProceduralBackgroundCount = 64
	ProceduralBackgroundSize  = 96
)

// rgbImage is a packed RGB image, row-major.
type rgbImage struct {
	h, w int
	pix  []uint8
}

// Backgrounds are the colour images the MNIST-M recipe crops its patches from: real photographs
// (BSDS500 in the original recipe), decoded lazily (the first time one is chosen, so that a
// few samples need not decode all 200), or procedural textures.
type Backgrounds struct {
	// Source says what the images are and where they come from, for provenance strings.
	Source string
	// Photos is true for photographs read from files, false for procedural textures.
	Photos bool

	paths []string
	once  []sync.Once
	imgs  []*rgbImage
	errs  []error
}

// Len returns the number of background images.
func (b *Backgrounds) Len() int { return len(b.imgs) }

// image returns background i, decoding it on first use.
func (b *Backgrounds) image(i int) (*rgbImage, error) {
	if b.paths != nil {
		b.once[i].Do(func() { b.imgs[i], b.errs[i] = decodeBackground(b.paths[i]) })
		return b.imgs[i], b.errs[i]
	}
	return b.imgs[i], nil
}

// decodeBackground reads a JPEG or PNG photograph as packed RGB.
func decodeBackground(p string) (*rgbImage, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, errors.Wrap(err, "opening background photo")
	}
	defer func() { _ = f.Close() }()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: decoding image header", p)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > 64<<20 {
		return nil, errors.Errorf("%s: %dx%d pixels is not a usable photo size", p, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, errors.Wrapf(err, "%s", p)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: decoding image", p)
	}
	b := img.Bounds()
	return &rgbImage{h: b.Dy(), w: b.Dx(), pix: imageToRGBFast(img)}, nil
}

// imageToRGBFast is [imageToRGB] with a fast path for JPEG's YCbCr images.
func imageToRGBFast(img image.Image) []uint8 {
	m, ok := img.(*image.YCbCr)
	if !ok {
		return imageToRGB(img)
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, w*h*3)
	for y := range h {
		for x := range w {
			yi, ci := m.YOffset(b.Min.X+x, b.Min.Y+y), m.COffset(b.Min.X+x, b.Min.Y+y)
			r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			o := 3 * (y*w + x)
			out[o], out[o+1], out[o+2] = r, g, bb
		}
	}
	return out
}

// LoadBackgrounds lists the photographs (*.jpg, *.jpeg, *.png) in dir, sorted by name, for the
// MNIST-M recipe; they are decoded when first used. It fails when dir holds none.
func LoadBackgrounds(dir string) (*Backgrounds, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrap(err, "listing background photos")
	}
	var paths []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, errors.Errorf("%s holds no photographs (*.jpg, *.jpeg, *.png) for the MNIST-M recipe", dir)
	}
	sort.Strings(paths)
	what := "photographs"
	if isBSDS500Dir(dir) {
		what = "BSDS500 training photographs (Arbelaez et al. 2011; real photos)"
	}
	return &Backgrounds{
		Source: fmt.Sprintf("%d %s in %s", len(paths), what, mvc.PortablePath(dir)),
		Photos: true,
		paths:  paths,
		once:   make([]sync.Once, len(paths)),
		imgs:   make([]*rgbImage, len(paths)),
		errs:   make([]error, len(paths)),
	}, nil
}

func isBSDS500Dir(dir string) bool {
	return filepath.Base(dir) == "train" && strings.EqualFold(filepath.Base(filepath.Dir(dir)), "bsds500")
}

// BSDS500TrainDir returns the folder of BSDS500 training photos the recipe uses by default:
// bsds500/train under $MVC_DATA, or under the folder "mvc data fetch" writes to, whichever
// holds JPEGs first. ok is false when neither does.
func BSDS500TrainDir() (dir string, ok bool) {
	for _, root := range DataSearchDirs() {
		d := filepath.Join(root, "bsds500", "train")
		if m, _ := filepath.Glob(filepath.Join(d, "*.jpg")); len(m) > 0 {
			return d, true
		}
	}
	return "", false
}

// DefaultBackgrounds chooses the recipe's backgrounds: the photographs in dir when dir is not
// ""; otherwise the BSDS500 training photos of [BSDS500TrainDir]; otherwise
// [ProceduralBackgrounds] with seed, whose Source says that no photos were found.
func DefaultBackgrounds(dir string, seed uint64) (*Backgrounds, error) {
	if dir != "" {
		return LoadBackgrounds(dir)
	}
	if d, ok := BSDS500TrainDir(); ok {
		return LoadBackgrounds(d)
	}
	b := ProceduralBackgrounds(ProceduralBackgroundCount, ProceduralBackgroundSize, seed)
	where := "$" + mvc.DataEnvVar + " is unset"
	if d, _ := mvc.DataDir(); d != "" {
		where = "no JPEGs in " + filepath.Join(d, "bsds500", "train")
	}
	b.Source += " (no BSDS500 photos: " + where + "; run `mvc data fetch bsds500` for the real recipe)"
	return b, nil
}

// ProceduralBackgrounds makes n colour textures of size x size pixels (seeded), a stand-in for
// BSDS500 photos when none are available: each mixes a two-colour palette driven by fractal
// value noise (four octaves, amplitude halving), oriented stripes warped by the noise, a third
// colour's soft blobs and fine per-channel grain, so patches vary in hue, contrast and texture
// as photo crops do. They are not photographs: provenance strings built on them say so.
func ProceduralBackgrounds(n, size int, seed uint64) *Backgrounds {
	imgs := make([]*rgbImage, n)
	mvc.ParallelFor(n, func(i int) {
		rng := rand.New(rand.NewPCG(seed, 0x6267+uint64(i)<<16))
		imgs[i] = proceduralTexture(rng, size)
	})
	return &Backgrounds{
		Source: fmt.Sprintf("%d procedural colour textures of %dx%d pixels (seed %d; not photographs)", n, size, size, seed),
		imgs:   imgs,
	}
}

// valueNoise returns a size x size field in [0,1]: random values on a (cells+1)^2 grid,
// interpolated with a smoothstep.
func valueNoise(rng *rand.Rand, size, cells int) []float64 {
	grid := make([]float64, (cells+1)*(cells+1))
	for i := range grid {
		grid[i] = rng.Float64()
	}
	out := make([]float64, size*size)
	scale := float64(cells) / float64(size)
	for y := range size {
		gy := float64(y) * scale
		iy := min(int(gy), cells-1)
		ty := gy - float64(iy)
		ty = ty * ty * (3 - 2*ty)
		for x := range size {
			gx := float64(x) * scale
			ix := min(int(gx), cells-1)
			tx := gx - float64(ix)
			tx = tx * tx * (3 - 2*tx)
			a := grid[iy*(cells+1)+ix]*(1-tx) + grid[iy*(cells+1)+ix+1]*tx
			b := grid[(iy+1)*(cells+1)+ix]*(1-tx) + grid[(iy+1)*(cells+1)+ix+1]*tx
			out[y*size+x] = a*(1-ty) + b*ty
		}
	}
	return out
}

func fractalNoise(rng *rand.Rand, size, cells, octaves int) []float64 {
	out := make([]float64, size*size)
	amp, total := 1.0, 0.0
	for o := range octaves {
		layer := valueNoise(rng, size, cells<<o)
		for i, v := range layer {
			out[i] += amp * v
		}
		total += amp
		amp /= 2
	}
	for i := range out {
		out[i] /= total
	}
	return out
}

func proceduralTexture(rng *rand.Rand, size int) *rgbImage {
	randColour := func() [3]float64 { return [3]float64{rng.Float64(), rng.Float64(), rng.Float64()} }
	c0, c1, c2 := randColour(), randColour(), randColour()
	noise := fractalNoise(rng, size, 2+rng.IntN(4), 4)
	blobs := fractalNoise(rng, size, 3+rng.IntN(3), 2)
	theta := rng.Float64() * math.Pi
	period := 3 + rng.Float64()*20
	warp := rng.Float64() * 8
	stripeWeight := rng.Float64() * 0.6
	blobWeight := rng.Float64()
	grain := 0.02 + rng.Float64()*0.1
	contrast := 0.5 + rng.Float64()
	cos, sin := math.Cos(theta), math.Sin(theta)
	img := &rgbImage{h: size, w: size, pix: make([]uint8, size*size*3)}
	for y := range size {
		for x := range size {
			p := y*size + x
			t := min(max(0.5+contrast*(noise[p]-0.5), 0), 1)
			s := 0.5 + 0.5*math.Sin(2*math.Pi*(float64(x)*cos+float64(y)*sin)/period+warp*noise[p])
			bw := blobWeight * min(max(3*(blobs[p]-0.55), 0), 1)
			for c := range 3 {
				v := c0[c]*(1-t) + c1[c]*t
				v = v*(1-stripeWeight) + stripeWeight*s*v*2
				v = v*(1-bw) + c2[c]*bw
				v += grain * (rng.Float64() - 0.5)
				img.pix[3*p+c] = uint8(math.Round(255 * min(max(v, 0), 1)))
			}
		}
	}
	return img
}

// MakeMNISTM applies the MNIST-M recipe (Ganin & Lempitsky 2015) to greyscale digits: for
// image i, with a random generator seeded by (seed, i), choose a background uniformly, a patch
// of the digit's size at a uniform top-left corner in [0, H-h) x [0, W-w), and output
// |patch - 255*(digit > 0)| per channel. The result has the digits' size, 3 channels, the
// digits' labels and split, domain "MM"; its Provenance names the digits, the backgrounds and
// the seed. The same inputs and seed give the same pixels on any number of cores.
func MakeMNISTM(digits *Dataset, bg *Backgrounds, seed uint64) (*Dataset, error) {
	if err := digits.Validate(); err != nil {
		return nil, err
	}
	if digits.Channels != 1 {
		return nil, errors.Errorf("MNIST-M recipe: dataset %s has %d channels, want greyscale digits", digits.Name, digits.Channels)
	}
	if bg == nil || bg.Len() == 0 {
		return nil, errors.New("MNIST-M recipe: no background images")
	}
	h, w := digits.Height, digits.Width
	out := &Dataset{
		Name: "MNIST-M", Domain: "MM", Split: digits.Split,
		N: digits.N, Height: h, Width: w, Channels: 3,
		Pixels: make([]uint8, digits.N*h*w*3), Labels: append([]int(nil), digits.Labels...), ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("MNIST-M recipe (Ganin & Lempitsky 2015; Ganin et al. 2016 JMLR): %d digits of [%s] "+
			"binarized (pixel > %d -> 255), |patch - digit| per channel with random %dx%d patches of %s; seed %d",
			digits.N, digits.Provenance, MNISTMBinarizeThreshold, h, w, bg.Source, seed),
	}
	var errMu sync.Mutex
	var firstErr error
	mvc.ParallelFor(digits.N, func(i int) {
		rng := rand.New(rand.NewPCG(seed, 0x6d6e6973746d+uint64(i)))
		img, err := bg.image(rng.IntN(bg.Len()))
		if err == nil && (img.h < h || img.w < w) {
			err = errors.Errorf("background %dx%d is smaller than the %dx%d digits", img.w, img.h, w, h)
		}
		if err != nil {
			errMu.Lock()
			if firstErr == nil {
				firstErr = errors.Wrap(err, "MNIST-M recipe")
			}
			errMu.Unlock()
			return
		}
		y0, x0 := 0, 0
		if img.h > h {
			y0 = rng.IntN(img.h - h)
		}
		if img.w > w {
			x0 = rng.IntN(img.w - w)
		}
		src := digits.Image(i)
		dst := out.Pixels[i*h*w*3 : (i+1)*h*w*3]
		for y := range h {
			row := img.pix[((y0+y)*img.w+x0)*3:]
			for x := range w {
				var d int
				if src[y*w+x] > MNISTMBinarizeThreshold {
					d = 255
				}
				for c := range 3 {
					v := int(row[3*x+c]) - d
					if v < 0 {
						v = -v
					}
					dst[(y*w+x)*3+c] = uint8(v)
				}
			}
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, out.Validate()
}
