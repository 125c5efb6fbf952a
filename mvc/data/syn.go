package data

// SYN digits: the project's synthetic stand-in for SVHN (Netzer et al. 2011) when SVHN's files
// are absent, in the spirit of Ganin & Lempitsky's (2015, section 4.1) SynNumbers ("Syn
// Numbers"): house-number-like 32x32 RGB crops rendered from fonts with varied text, position,
// orientation, background and stroke colours and blur. Every image and provenance string calls it
// "SYN (SVHN stand-in)": it is not SVHN.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationmonobold"
	"codeberg.org/go-fonts/liberation/liberationmonoregular"
	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansbolditalic"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-fonts/liberation/liberationserifbold"
	"codeberg.org/go-fonts/liberation/liberationserifregular"
	"github.com/pkg/errors"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/mice2machines/mice2machines/mvc"
)

// SYNLabel is how figures, tables and provenance strings name the SYN digits.
const SYNLabel = "SYN (SVHN stand-in)"

// SYNSize is the side of SYN images, SVHN's cropped-digit size (Netzer et al. 2011).
const SYNSize = 32

// Default SYN set sizes ("syn" in [LoadDomain]).
const (
	SYNDefaultTrain = 20000
	SYNDefaultTest  = 5000
)

// SYNOptions configure [GenerateSYN].
type SYNOptions struct {
	// N is the number of images.
	N int
	// Seed seeds every random choice; image i depends only on (Seed, Split, i).
	Seed uint64
	// Split is "train" or "test": the two draw from different random streams, so that a train
	// and a test set with the same seed share no image.
	Split string
}

// synFontFiles are the TrueType fonts SYN renders with: the Go fonts (golang.org/x/image/font/
// gofont) and the Liberation fonts that gonum/plot ships (codeberg.org/go-fonts/liberation).
var synFontFiles = []struct {
	name   string
	ttf    []byte
	italic bool
}{
	{"Go Regular", goregular.TTF, false},
	{"Go Medium", gomedium.TTF, false},
	{"Go Bold", gobold.TTF, false},
	{"Go Italic", goitalic.TTF, true},
	{"Go Mono", gomono.TTF, false},
	{"Go Mono Bold", gomonobold.TTF, false},
	{"Liberation Sans", liberationsansregular.TTF, false},
	{"Liberation Sans Bold", liberationsansbold.TTF, false},
	{"Liberation Sans Bold Italic", liberationsansbolditalic.TTF, true},
	{"Liberation Serif", liberationserifregular.TTF, false},
	{"Liberation Serif Bold", liberationserifbold.TTF, false},
	{"Liberation Mono", liberationmonoregular.TTF, false},
	{"Liberation Mono Bold", liberationmonobold.TTF, false},
}

// SYNFontNames returns the names of the fonts SYN digits are rendered with.
func SYNFontNames() []string {
	names := make([]string, len(synFontFiles))
	for i, f := range synFontFiles {
		names[i] = f.name
	}
	return names
}

// Glyph rasters: each digit of each font is rendered once, at glyphRenderSize points (72 dpi,
// so about 40 px tall), with glyphPad pixels of margin, then box-blurred twice (radius
// glyphBlur) into a smooth "field" whose level sets are the glyph's outline at varied stroke
// weights (level 0.5 is the font's own outline, lower levels bolder, higher ones thinner).
const (
	glyphRenderSize = 56
	glyphPad        = 6
	glyphBlur       = 2
)

type glyphField struct {
	w, h     int
	field    []float32
	cx, cy   float64 // ink centre, in field pixels
	inkH     float64 // ink height, pixels
	inkWidth float64 // ink width, pixels
}

type synFont struct {
	name   string
	italic bool
	digits [10]glyphField
}

var (
	synFontsOnce sync.Once
	synFonts     []synFont
	synFontsErr  error
)

// loadSynFonts parses the fonts and rasterizes their digits (once per process).
func loadSynFonts() ([]synFont, error) {
	synFontsOnce.Do(func() {
		for _, ff := range synFontFiles {
			f, err := rasterizeDigits(ff.name, ff.ttf)
			if err != nil {
				synFontsErr = err
				return
			}
			f.italic = ff.italic
			synFonts = append(synFonts, f)
		}
	})
	return synFonts, synFontsErr
}

func rasterizeDigits(name string, ttf []byte) (synFont, error) {
	out := synFont{name: name}
	parsed, err := opentype.Parse(ttf)
	if err != nil {
		return out, errors.Wrapf(err, "SYN: parsing font %s", name)
	}
	face, err := opentype.NewFace(parsed, &opentype.FaceOptions{Size: glyphRenderSize, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return out, errors.Wrapf(err, "SYN: font %s", name)
	}
	defer func() { _ = face.Close() }()
	for d := range 10 {
		dr, mask, maskp, _, ok := face.Glyph(fixed.Point26_6{}, rune('0'+d))
		if !ok || dr.Empty() {
			return out, errors.Errorf("SYN: font %s has no glyph for %d", name, d)
		}
		w, h := dr.Dx()+2*glyphPad, dr.Dy()+2*glyphPad
		alpha := make([]float32, w*h)
		minX, minY, maxX, maxY := w, h, -1, -1
		for y := range dr.Dy() {
			for x := range dr.Dx() {
				_, _, _, a := mask.At(maskp.X+x, maskp.Y+y).RGBA()
				v := float32(a) / 0xffff
				alpha[(y+glyphPad)*w+x+glyphPad] = v
				if v > 0.5 {
					minX, minY = min(minX, x+glyphPad), min(minY, y+glyphPad)
					maxX, maxY = max(maxX, x+glyphPad), max(maxY, y+glyphPad)
				}
			}
		}
		if maxX < 0 {
			return out, errors.Errorf("SYN: font %s: the glyph of %d has no ink", name, d)
		}
		field := boxBlur(boxBlur(alpha, w, h, glyphBlur), w, h, glyphBlur)
		out.digits[d] = glyphField{
			w: w, h: h, field: field,
			cx: float64(minX+maxX+1) / 2, cy: float64(minY+maxY+1) / 2,
			inkH: float64(maxY - minY + 1), inkWidth: float64(maxX - minX + 1),
		}
	}
	return out, nil
}

// boxBlur blurs a w x h plane with a (2r+1)^2 box, separably (zero outside).
func boxBlur(in []float32, w, h, r int) []float32 {
	tmp := make([]float32, len(in))
	out := make([]float32, len(in))
	norm := 1 / float32(2*r+1)
	for y := range h {
		for x := range w {
			var s float32
			for k := max(0, x-r); k <= min(w-1, x+r); k++ {
				s += in[y*w+k]
			}
			tmp[y*w+x] = s * norm
		}
	}
	for y := range h {
		for x := range w {
			var s float32
			for k := max(0, y-r); k <= min(h-1, y+r); k++ {
				s += tmp[k*w+x]
			}
			out[y*w+x] = s * norm
		}
	}
	return out
}

// sample returns the field at (x, y) (bilinear; 0 outside).
func (g *glyphField) sample(x, y float64) float32 {
	x -= 0.5
	y -= 0.5
	if x < 0 || y < 0 || x >= float64(g.w-1) || y >= float64(g.h-1) {
		return 0
	}
	ix, iy := int(x), int(y)
	fx, fy := float32(x-float64(ix)), float32(y-float64(iy))
	p := g.field[iy*g.w+ix:]
	top := p[0]*(1-fx) + p[1]*fx
	bot := p[g.w]*(1-fx) + p[g.w+1]*fx
	return top*(1-fy) + bot*fy
}

// GenerateSYN renders opts.N SYN digits, 32x32 RGB, the centre digit labelled (uniform over
// 0-9). Each image draws, from its own seeded generator: a font (of [SYNFontNames]); digit
// height 13-27 px, centre jittered about the image centre (sd 1.2 px), rotation (normal, sd 6
// degrees, clipped to +-15), shear, width stretch 0.8-1.2; stroke weight (the level of the
// blurred glyph field that is drawn), outlined digits (12%) or a drop shadow (20%); a
// distractor digit on each side with probability 0.65, spaced by the ink widths plus a random
// gap; a background of two colours (partly desaturated) in a linear gradient with smooth value
// noise, a plate of another colour behind the number (30%), and 0-3 clutter strokes; a text
// colour of enough luminance contrast; then Gaussian blur (75%, sigma 0.3-1.2), contrast and
// brightness jitter and pixel noise (sd up to 0.05; sum of four uniforms, nearly Gaussian). The
// result is deterministic by (Seed, Split, i) and independent of the number of cores.
func GenerateSYN(opts SYNOptions) (*Dataset, error) {
	if opts.N < 0 {
		return nil, errors.Errorf("SYN: %d images requested", opts.N)
	}
	var stream uint64
	switch opts.Split {
	case "train":
		stream = 0x53594e5f74726e00
	case "test":
		stream = 0x53594e5f74737400
	default:
		return nil, errors.Errorf("SYN: split %q: want train or test", opts.Split)
	}
	fonts, err := loadSynFonts()
	if err != nil {
		return nil, err
	}
	const size = SYNSize * SYNSize * 3
	d := &Dataset{
		Name: "SYN", Domain: "SYN", Split: opts.Split,
		N: opts.N, Height: SYNSize, Width: SYNSize, Channels: 3,
		Pixels: make([]uint8, opts.N*size), Labels: make([]int, opts.N), ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("%s: %d synthetic %dx%d RGB house-number-like crops, centre digit labelled, rendered by "+
			"data.GenerateSYN (%s split, seed %d) with %d fonts (%s); in the spirit of SynNumbers (Ganin & Lempitsky 2015); "+
			"not SVHN", SYNLabel, opts.N, SYNSize, SYNSize, opts.Split, opts.Seed, len(fonts), strings.Join(SYNFontNames(), ", ")),
	}
	mvc.ParallelFor(opts.N, func(i int) {
		r := synRenderer{rng: rand.New(rand.NewPCG(opts.Seed, stream+uint64(i)))}
		d.Labels[i] = r.render(fonts, d.Pixels[i*size:(i+1)*size])
	})
	return d, d.Validate()
}

// synRenderer renders one SYN image on a float canvas.
type synRenderer struct {
	rng    *rand.Rand
	canvas [SYNSize * SYNSize * 3]float32
	tmp    [SYNSize * SYNSize * 3]float32
	// clean draws only the centre digit, white on black, upright, at the font's own stroke
	// weight, without distractors, clutter or camera effects (for tests of the labels).
	clean bool
	// font is the index of the font the last image used.
	font int
}

type rgb [3]float32

func (r *synRenderer) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.rng.Float64() }

// colour returns a random colour, desaturated towards its grey by a random amount (walls,
// plates and paint are seldom fully saturated).
func (r *synRenderer) colour() rgb {
	c := rgb{float32(r.rng.Float64()), float32(r.rng.Float64()), float32(r.rng.Float64())}
	g, sat := luminance(c), float32(r.uniform(0.15, 1))
	return rgb{g + sat*(c[0]-g), g + sat*(c[1]-g), g + sat*(c[2]-g)}
}

func luminance(c rgb) float32 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }

// digitPlacement is where and how one digit is drawn.
type digitPlacement struct {
	g                     *glyphField
	x, y                  float64 // ink centre on the canvas
	scale, stretch, shear float64
	cos, sin              float64
}

// render draws one image into out (32*32*3 bytes) and returns its label.
func (r *synRenderer) render(fonts []synFont, out []uint8) int {
	label := r.rng.IntN(10)
	r.font = r.rng.IntN(len(fonts))
	f := &fonts[r.font]
	if r.clean {
		return r.renderClean(f, label, out)
	}

	// Background: two-colour gradient with smooth noise.
	a, b := r.colour(), r.colour()
	if r.rng.Float64() < 0.5 { // often a muted second colour, as walls and plates are
		k := float32(r.uniform(0.6, 1.1))
		b = rgb{min(a[0]*k, 1), min(a[1]*k, 1), min(a[2]*k, 1)}
	}
	phi := r.uniform(0, 2*math.Pi)
	gx, gy := math.Cos(phi)/SYNSize, math.Sin(phi)/SYNSize
	noiseAmp := float32(r.uniform(0, 0.15))
	var grid [5 * 5]float32
	for k := range grid {
		grid[k] = float32(r.rng.Float64() - 0.5)
	}
	for y := range SYNSize {
		for x := range SYNSize {
			t := float32(0.5 + (float64(x)-SYNSize/2)*gx + (float64(y)-SYNSize/2)*gy)
			n := noiseAmp * bilinear5(grid[:], float32(x)/SYNSize*4, float32(y)/SYNSize*4)
			for c := range 3 {
				r.canvas[3*(y*SYNSize+x)+c] = a[c]*(1-t) + b[c]*t + n
			}
		}
	}

	// Digit geometry: the centre digit and the distractors beside it.
	height := r.uniform(13, 27)
	angle := math.Max(-15, math.Min(15, r.rng.NormFloat64()*6)) * math.Pi / 180
	shear := r.uniform(-0.12, 0.12)
	if f.italic {
		shear = r.uniform(-0.05, 0.05)
	}
	stretch := r.uniform(0.8, 1.2)
	cx := SYNSize/2 + r.rng.NormFloat64()*1.2
	cy := SYNSize/2 + r.rng.NormFloat64()*1.2
	cos, sin := math.Cos(angle), math.Sin(angle)
	centre := &f.digits[label]
	scale := height / centre.inkH
	place := func(g *glyphField, along float64) digitPlacement {
		return digitPlacement{g: g, x: cx + along*cos, y: cy + along*sin, scale: height / g.inkH,
			stretch: stretch, shear: shear, cos: cos, sin: sin}
	}
	digits := []digitPlacement{place(centre, 0)}
	gap := r.uniform(-0.05, 0.25) * height
	if r.rng.Float64() < 0.65 {
		g := &f.digits[r.rng.IntN(10)]
		digits = append(digits, place(g, -((centre.inkWidth+g.inkWidth)/2*scale*stretch+gap)))
	}
	if r.rng.Float64() < 0.65 {
		g := &f.digits[r.rng.IntN(10)]
		digits = append(digits, place(g, (centre.inkWidth+g.inkWidth)/2*scale*stretch+gap))
	}

	// Plate behind the number.
	if r.rng.Float64() < 0.3 {
		halfW := r.uniform(0.45, 1.4) * height
		halfH := r.uniform(0.6, 0.85) * height
		plate := r.colour()
		for y := range SYNSize {
			for x := range SYNSize {
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				u, v := math.Abs(dx*cos+dy*sin), math.Abs(-dx*sin+dy*cos)
				al := float32(min(max(halfW-u+0.5, 0), 1) * min(max(halfH-v+0.5, 0), 1))
				r.blendPixel(x, y, plate, al)
			}
		}
	}
	// Clutter strokes.
	for range r.rng.IntN(4) {
		r.strokeLine(r.colour(), float32(r.uniform(0.3, 0.9)), r.uniform(0.6, 2.5))
	}

	// Text colour with enough luminance contrast to the background under the digit.
	bgLum := luminance(r.pixel(int(cx), int(cy)))
	need := float32(r.uniform(0.15, 0.5))
	fg := r.colour()
	for try := 0; try < 12 && abs32(luminance(fg)-bgLum) < need; try++ {
		fg = r.colour()
	}
	if abs32(luminance(fg)-bgLum) < need {
		fg = rgb{1, 1, 1}
		if bgLum > 0.5 {
			fg = rgb{0, 0, 0}
		}
	}

	level := r.uniform(0.2, 0.65) // stroke weight: lower is bolder
	outline := r.rng.Float64() < 0.12
	if r.rng.Float64() < 0.2 { // drop shadow
		sx, sy := r.uniform(-2, 2), r.uniform(0.5, 2)
		shadow := rgb{fg[0] * 0.2, fg[1] * 0.2, fg[2] * 0.2}
		if luminance(fg) < 0.4 {
			shadow = rgb{0.9, 0.9, 0.9}
		}
		for _, p := range digits {
			p.x, p.y = p.x+sx, p.y+sy
			r.drawDigit(p, shadow, 0.7, level, false)
		}
	}
	for _, p := range digits {
		r.drawDigit(p, fg, 1, level, outline)
	}

	// Camera: blur, contrast/brightness, noise; then 8-bit.
	if r.rng.Float64() < 0.75 {
		r.gaussianBlur(r.uniform(0.3, 1.2))
	}
	contrast := float32(r.uniform(0.7, 1.1))
	bright := float32(r.uniform(-0.08, 0.08))
	noise := float32(r.uniform(0, 0.05))
	for k, v := range r.canvas {
		v = (v-0.5)*contrast + 0.5 + bright + noise*r.normalish()
		out[k] = uint8(255*min(max(v, 0), 1) + 0.5)
	}
	return label
}

// normalish returns an approximately standard normal number (Irwin-Hall: the sum of four
// uniforms, centred and scaled to unit variance) from one 64-bit draw.
func (r *synRenderer) normalish() float32 {
	u := r.rng.Uint64()
	s := float32(u&0xffff) + float32(u>>16&0xffff) + float32(u>>32&0xffff) + float32(u>>48)
	return (s/65536 - 2) * 1.7320508
}

// renderClean draws the label's glyph of font f alone, white on black, upright, at stroke level
// 0.5 (the font's outline), height 13-27 px, centre jittered as in [synRenderer.render].
func (r *synRenderer) renderClean(f *synFont, label int, out []uint8) int {
	clear(r.canvas[:])
	g := &f.digits[label]
	height := r.uniform(13, 27)
	p := digitPlacement{g: g, x: SYNSize/2 + r.rng.NormFloat64()*1.2, y: SYNSize/2 + r.rng.NormFloat64()*1.2,
		scale: height / g.inkH, stretch: 1, cos: 1}
	r.drawDigit(p, rgb{1, 1, 1}, 1, 0.5, false)
	for k, v := range r.canvas {
		out[k] = uint8(255*min(max(v, 0), 1) + 0.5)
	}
	return label
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// bilinear5 interpolates a 5x5 grid at (x, y) in [0, 4].
func bilinear5(g []float32, x, y float32) float32 {
	ix, iy := min(int(x), 3), min(int(y), 3)
	fx, fy := x-float32(ix), y-float32(iy)
	top := g[iy*5+ix]*(1-fx) + g[iy*5+ix+1]*fx
	bot := g[(iy+1)*5+ix]*(1-fx) + g[(iy+1)*5+ix+1]*fx
	return top*(1-fy) + bot*fy
}

func (r *synRenderer) pixel(x, y int) rgb {
	x, y = min(max(x, 0), SYNSize-1), min(max(y, 0), SYNSize-1)
	k := 3 * (y*SYNSize + x)
	return rgb{r.canvas[k], r.canvas[k+1], r.canvas[k+2]}
}

func (r *synRenderer) blendPixel(x, y int, c rgb, alpha float32) {
	if alpha <= 0 {
		return
	}
	k := 3 * (y*SYNSize + x)
	for ch := range 3 {
		r.canvas[k+ch] += (c[ch] - r.canvas[k+ch]) * alpha
	}
}

// strokeLine draws a random antialiased line segment of the given width.
func (r *synRenderer) strokeLine(c rgb, alpha float32, width float64) {
	x0, y0 := r.uniform(-4, SYNSize+4), r.uniform(-4, SYNSize+4)
	theta := r.uniform(0, math.Pi)
	length := r.uniform(8, 40)
	dx, dy := math.Cos(theta), math.Sin(theta)
	x1, y1 := x0+length*dx, y0+length*dy
	m := width/2 + 1
	xa, xb := max(0, int(min(x0, x1)-m)), min(SYNSize-1, int(max(x0, x1)+m))
	ya, yb := max(0, int(min(y0, y1)-m)), min(SYNSize-1, int(max(y0, y1)+m))
	for y := ya; y <= yb; y++ {
		for x := xa; x <= xb; x++ {
			px, py := float64(x)+0.5-x0, float64(y)+0.5-y0
			t := min(max(px*dx+py*dy, 0), length)
			ex, ey := px-t*dx, py-t*dy
			cover := min(max(width/2-math.Sqrt(ex*ex+ey*ey)+0.5, 0), 1)
			r.blendPixel(x, y, c, alpha*float32(cover))
		}
	}
}

// drawDigit composites one digit: the glyph field is mapped through the inverse of the
// placement's similarity-plus-shear transform, and its level set at level (soft over about one
// output pixel) is the digit's coverage; outline draws only a band around that level.
func (r *synRenderer) drawDigit(p digitPlacement, c rgb, alpha float32, level float64, outline bool) {
	g := p.g
	sx := p.scale * p.stretch
	// Field units per output pixel: the field rises from 0 to 1 over about 2*(2*glyphBlur+1)
	// glyph pixels; soft is about one output pixel of that rise.
	soft := float32(1 / (float64(2*(2*glyphBlur+1)) * p.scale))
	// Canvas bounding box of the glyph raster: its corners through the forward transform.
	xmin, ymin, xmax, ymax := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, corner := range [4][2]float64{{0, 0}, {float64(g.w), 0}, {0, float64(g.h)}, {float64(g.w), float64(g.h)}} {
		lx, ly := (corner[0]-g.cx)*sx, (corner[1]-g.cy)*p.scale
		lx -= p.shear * ly
		cx, cy := p.x+p.cos*lx-p.sin*ly, p.y+p.sin*lx+p.cos*ly
		xmin, xmax, ymin, ymax = min(xmin, cx), max(xmax, cx), min(ymin, cy), max(ymax, cy)
	}
	x0, x1 := max(0, int(math.Floor(xmin))), min(SYNSize-1, int(xmax))
	y0, y1 := max(0, int(math.Floor(ymin))), min(SYNSize-1, int(ymax))
	lv := float32(level)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			dx, dy := float64(x)+0.5-p.x, float64(y)+0.5-p.y
			lx := p.cos*dx + p.sin*dy
			ly := -p.sin*dx + p.cos*dy
			lx += p.shear * ly
			f := g.sample(lx/sx+g.cx, ly/p.scale+g.cy)
			if f <= 0 {
				continue
			}
			var cover float32
			if outline {
				cover = 1 - abs32(f-lv)/(1.5*soft)
			} else {
				cover = (f-lv)/soft + 0.5
			}
			r.blendPixel(x, y, c, alpha*min(max(cover, 0), 1))
		}
	}
}

// gaussianBlur blurs the canvas separably with a Gaussian of standard deviation sigma pixels
// (kernel radius ceil(2 sigma); borders clamped).
func (r *synRenderer) gaussianBlur(sigma float64) {
	radius := int(math.Ceil(2 * sigma))
	weights := make([]float32, 2*radius+1)
	var total float32
	for k := range weights {
		d := float64(k - radius)
		weights[k] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		total += weights[k]
	}
	for k := range weights {
		weights[k] /= total
	}
	pass := func(src, dst []float32, horizontal bool) {
		for y := range SYNSize {
			for x := range SYNSize {
				var s [3]float32
				for k, w := range weights {
					xx, yy := x, y
					if horizontal {
						xx = min(max(x+k-radius, 0), SYNSize-1)
					} else {
						yy = min(max(y+k-radius, 0), SYNSize-1)
					}
					q := 3 * (yy*SYNSize + xx)
					s[0] += w * src[q]
					s[1] += w * src[q+1]
					s[2] += w * src[q+2]
				}
				q := 3 * (y*SYNSize + x)
				dst[q], dst[q+1], dst[q+2] = s[0], s[1], s[2]
			}
		}
	}
	pass(r.canvas[:], r.tmp[:], true)
	pass(r.tmp[:], r.canvas[:], false)
}
