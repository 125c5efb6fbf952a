package plots

import (
	"image"
	"image/color"
	"math"

	"github.com/pkg/errors"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Default text sizes and spacing of an [ImageGrid].
const (
	DefaultFontSize = 10 * vg.Length(1)
	DefaultPadding  = 5 * vg.Length(1)
)

// svgMinPixels is the size, in pixels along the longer side, to which an [ImageGrid] enlarges
// its images (by an integer factor, nearest neighbour) on canvases without a resolution (SVG),
// so that viewers which smooth embedded images still show sharp pixels.
const svgMinPixels = 160

// ImageGrid draws images in a grid of rows and columns, with a title, a title above each column
// and a label left of each row. Each image is scaled to fit a square cell, keeping its aspect
// ratio, pixel for pixel (no smoothing in PNG output), and framed by a thin grey line. It is a
// [Drawer], the content of figures such as [NeuRNExamples].
type ImageGrid struct {
	// Title is drawn above the grid, centred; "" for none.
	Title string
	// ColumnTitles are drawn above the columns (nil for none; otherwise one per column).
	ColumnTitles []string
	// RowLabels are drawn left of the rows (nil for none; otherwise one per row). A label may
	// hold several lines separated by "\n".
	RowLabels []string
	// Cells[row][col] is the image of each cell; every row has the same number of cells, and a
	// nil image leaves its cell empty.
	Cells [][]image.Image
	// FontSize is the size of labels and column titles (0 means DefaultFontSize); the title is
	// 1.2 times larger. Titles are bold.
	FontSize vg.Length
	// Padding is the space between cells and around labels (0 means DefaultPadding).
	Padding vg.Length
}

// Rows returns the number of rows.
func (g *ImageGrid) Rows() int { return len(g.Cells) }

// Cols returns the number of columns.
func (g *ImageGrid) Cols() int {
	if len(g.Cells) == 0 {
		return 0
	}
	return len(g.Cells[0])
}

// Check returns an error unless the grid has at least one cell, every row has the same number of
// cells, and the titles and labels, when given, match the columns and rows.
func (g *ImageGrid) Check() error {
	if g == nil {
		return errors.New("plots: nil image grid")
	}
	rows, cols := g.Rows(), g.Cols()
	if rows == 0 || cols == 0 {
		return errors.Errorf("plots: image grid has no cells (%d rows, %d columns)", rows, cols)
	}
	for i, row := range g.Cells {
		if len(row) != cols {
			return errors.Errorf("plots: image grid row %d has %d cells, row 0 has %d", i, len(row), cols)
		}
		for j, img := range row {
			if img != nil && img.Bounds().Empty() {
				return errors.Errorf("plots: image grid cell (%d, %d) holds an empty image", i, j)
			}
		}
	}
	if g.ColumnTitles != nil && len(g.ColumnTitles) != cols {
		return errors.Errorf("plots: image grid has %d column titles for %d columns", len(g.ColumnTitles), cols)
	}
	if g.RowLabels != nil && len(g.RowLabels) != rows {
		return errors.Errorf("plots: image grid has %d row labels for %d rows", len(g.RowLabels), rows)
	}
	if g.FontSize < 0 || g.Padding < 0 {
		return errors.Errorf("plots: image grid font size (%v) and padding (%v) must not be negative", g.FontSize, g.Padding)
	}
	return nil
}

// gridLayout holds the space taken by the grid's text, from its fonts.
type gridLayout struct {
	pad, titleH, colH, labelW vg.Length
	title, colTitle, label    draw.TextStyle
}

func (g *ImageGrid) layout() gridLayout {
	size := g.FontSize
	if size == 0 {
		size = DefaultFontSize
	}
	l := gridLayout{pad: g.Padding}
	if l.pad == 0 {
		l.pad = DefaultPadding
	}
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	bold := sans
	bold.Weight = xfont.WeightBold
	style := func(f font.Font, size vg.Length) draw.TextStyle {
		return draw.TextStyle{Color: color.Black, Font: font.From(f, size), Handler: plot.DefaultTextHandler}
	}
	l.title, l.colTitle, l.label = style(bold, 1.2*size), style(bold, size), style(sans, size)
	if g.Title != "" {
		l.titleH = l.title.Height(g.Title) + l.pad
	}
	for _, t := range g.ColumnTitles {
		l.colH = max(l.colH, l.colTitle.Height(t)+l.pad)
	}
	for _, t := range g.RowLabels {
		l.labelW = max(l.labelW, l.label.Width(t)+2*l.pad)
	}
	return l
}

// Size returns the width and height the grid needs to draw its cells as squares of side cell:
// use it to size a [Figure].
func (g *ImageGrid) Size(cell vg.Length) (width, height vg.Length) {
	l := g.layout()
	rows, cols := vg.Length(g.Rows()), vg.Length(g.Cols())
	width = l.labelW + cols*cell + (cols+1)*l.pad
	height = l.pad + l.titleH + l.colH + rows*cell + (rows+1)*l.pad
	return width, height
}

// Draw implements [Drawer]: it draws the grid on c, with the largest square cells that fit, the
// grid centred horizontally. It draws nothing when [ImageGrid.Check] fails.
func (g *ImageGrid) Draw(c draw.Canvas) {
	if g.Check() != nil {
		return
	}
	l := g.layout()
	rows, cols := g.Rows(), g.Cols()
	size := c.Rectangle.Size()
	cell := min((size.X-l.labelW-vg.Length(cols+1)*l.pad)/vg.Length(cols),
		(size.Y-l.pad-l.titleH-l.colH-vg.Length(rows+1)*l.pad)/vg.Length(rows))
	if cell <= 0 {
		return
	}
	gridW := l.labelW + vg.Length(cols)*cell + vg.Length(cols+1)*l.pad
	left := c.Min.X + (size.X-gridW)/2
	top := c.Max.Y - l.pad

	if g.Title != "" {
		sty := l.title
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, vg.Point{X: left + gridW/2, Y: top}, g.Title)
		top -= l.titleH
	}
	cellsLeft := left + l.labelW + l.pad
	colX := func(j int) vg.Length { return cellsLeft + vg.Length(j)*(cell+l.pad) }
	if g.ColumnTitles != nil {
		sty := l.colTitle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		for j, t := range g.ColumnTitles {
			c.FillText(sty, vg.Point{X: colX(j) + cell/2, Y: top}, t)
		}
		top -= l.colH
	}
	top -= l.pad

	_, hasDPI := c.Canvas.(interface{ DPI() float64 })
	frame := draw.LineStyle{Color: color.Gray{Y: 160}, Width: 0.5}
	for i, row := range g.Cells {
		rowTop := top - vg.Length(i)*(cell+l.pad)
		if g.RowLabels != nil {
			sty := l.label
			sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
			c.FillText(sty, vg.Point{X: left + l.pad, Y: rowTop - cell/2}, g.RowLabels[i])
		}
		for j, img := range row {
			if img == nil {
				continue
			}
			b := img.Bounds()
			scale := min(cell/vg.Length(b.Dx()), cell/vg.Length(b.Dy()))
			w, h := scale*vg.Length(b.Dx()), scale*vg.Length(b.Dy())
			x0, y0 := colX(j)+(cell-w)/2, rowTop-cell+(cell-h)/2
			rect := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + w, Y: y0 + h}}
			if !hasDPI {
				img = upscale(img, int(math.Ceil(svgMinPixels/float64(max(b.Dx(), b.Dy())))))
			}
			c.DrawImage(rect, img)
			c.StrokeLines(frame, []vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max,
				{X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
		}
	}
}

// upscale enlarges img by an integer factor, nearest neighbour.
func upscale(img image.Image, factor int) image.Image {
	if factor <= 1 {
		return img
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*factor, b.Dy()*factor))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y))
			for dy := range factor {
				for dx := range factor {
					out.Set(x*factor+dx, y*factor+dy, c)
				}
			}
		}
	}
	return out
}

// ImageFromFloats converts one image of float32 values, row-major [height, width, channels]
// with 1 (grey) or 3 (RGB) channels, to an 8-bit image for display: 0 is black, 1 is full
// intensity, values outside [0,1] are clipped, nothing is rescaled. It returns an error for
// other channel counts, a length that does not match the shape, and non-finite values.
func ImageFromFloats(values []float32, height, width, channels int) (image.Image, error) {
	if height <= 0 || width <= 0 || (channels != 1 && channels != 3) {
		return nil, errors.Errorf("plots: cannot display an image of shape [%d %d %d] (want height, width >= 1 and 1 or 3 channels)",
			height, width, channels)
	}
	if len(values) != height*width*channels {
		return nil, errors.Errorf("plots: %d values do not make an image of shape [%d %d %d]", len(values), height, width, channels)
	}
	to8 := func(v float32) uint8 {
		return uint8(math.Round(255 * min(max(float64(v), 0), 1)))
	}
	for i, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.Errorf("plots: image holds a non-finite value (%v) at flat index %d", v, i)
		}
	}
	if channels == 1 {
		img := image.NewGray(image.Rect(0, 0, width, height))
		for i, v := range values {
			img.Pix[i] = to8(v)
		}
		return img, nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for p := range height * width {
		img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] =
			to8(values[3*p]), to8(values[3*p+1]), to8(values[3*p+2]), 255
	}
	return img, nil
}
