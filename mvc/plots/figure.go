package plots

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"

	"git.sr.ht/~sbinet/gg"
	"github.com/pkg/errors"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mice2machines/mice2machines/mvc"
)

// DefaultDPI is the PNG resolution used when [Figure.DPI] is 0.
const DefaultDPI = 128

// Formats lists the file formats [Figure.Save] writes, in order; [Figure.Render] accepts each.
var Formats = []string{"png", "svg"}

// Drawer is the content of a figure: anything that draws itself on a gonum/plot canvas, such as
// a *plot.Plot (from gonum.org/v1/plot) or an [*ImageGrid].
type Drawer interface {
	Draw(c draw.Canvas)
}

// Figure is a figure held in memory: its content, its size and the caption that says what it
// shows and where its data came from. Build one with a figure builder such as [NeuRNExamples],
// or fill the fields directly.
type Figure struct {
	// Content draws the figure; for [NeuRNExamples] it is an [*ImageGrid].
	Content Drawer
	// Width and Height are the figure's size (vg.Inch = 72 points).
	Width, Height vg.Length
	// DPI is the resolution of the PNG rendering (0 means [DefaultDPI]); the PNG is
	// Width x DPI pixels wide. SVG output is resolution independent.
	DPI int
	// Caption describes the figure and the provenance of its data (real data: which files;
	// synthetic data: which generator and seed), for figures/README.md and notebooks.
	Caption string
}

// PixelSize returns the size, in pixels, of the figure's PNG rendering.
func (f *Figure) PixelSize() (width, height int) {
	dpi := float64(f.dpi())
	return int(math.Ceil(f.Width.Dots(dpi) - 1e-9)), int(math.Ceil(f.Height.Dots(dpi) - 1e-9))
}

func (f *Figure) dpi() int {
	if f.DPI > 0 {
		return f.DPI
	}
	return DefaultDPI
}

func (f *Figure) check() error {
	if f == nil {
		return errors.New("plots: nil figure")
	}
	if f.Content == nil {
		return errors.New("plots: figure has no content")
	}
	if !(f.Width > 0 && f.Height > 0) || math.IsInf(float64(f.Width+f.Height), 0) {
		return errors.Errorf("plots: figure size must be positive and finite, got %v x %v", f.Width, f.Height)
	}
	if f.DPI < 0 {
		return errors.Errorf("plots: negative DPI %d", f.DPI)
	}
	if w, h := f.PixelSize(); w*h > 100_000_000 {
		return errors.Errorf("plots: figure of %d x %d pixels is too large", w, h)
	}
	return nil
}

// Render draws the figure and encodes it in format "png" or "svg". Images in PNG renderings are
// scaled with nearest-neighbour interpolation, so pixels stay sharp. A panic inside the content's
// Draw (gonum/plot panics on some bad input) is returned as an error.
func (f *Figure) Render(format string) (out []byte, err error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errors.Errorf("plots: rendering %s panicked: %v", format, r)
		}
	}()
	var canvas vg.CanvasWriterTo
	switch strings.ToLower(format) {
	case "png":
		w, h := f.PixelSize()
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		ctx := gg.NewContextForRGBA(img)
		ctx.SetLineCapButt()
		ctx.InvertY()
		ctx.SetInterpolator(xdraw.NearestNeighbor)
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(f.dpi()))}
	case "svg":
		canvas = vgsvg.New(f.Width, f.Height)
	default:
		return nil, errors.Errorf("plots: unknown figure format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	f.Content.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, errors.Wrapf(err, "plots: encoding %s", format)
	}
	return buf.Bytes(), nil
}

// Save renders the figure in each of [Formats] and writes dir/name.png and dir/name.svg
// atomically (see [mvc.WriteFileAtomic]), creating dir if needed. It returns the paths written.
// name must be a plain file name without extension or directory.
func (f *Figure) Save(dir, name string) ([]string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || filepath.Ext(name) != "" {
		return nil, errors.Errorf("plots: figure name %q must be a plain file name without directory or extension", name)
	}
	if dir == "" {
		dir = "."
	}
	encoded := make([][]byte, len(Formats))
	for i, format := range Formats {
		b, err := f.Render(format)
		if err != nil {
			return nil, errors.Wrapf(err, "saving figure %q", name)
		}
		encoded[i] = b
	}
	paths := make([]string, 0, len(Formats))
	for i, format := range Formats {
		path := filepath.Join(dir, fmt.Sprintf("%s.%s", name, format))
		err := mvc.WriteFileAtomic(path, func(file *os.File) error {
			_, err := file.Write(encoded[i])
			return err
		})
		if err != nil {
			return paths, errors.Wrapf(err, "saving figure %q", name)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
