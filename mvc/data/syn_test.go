package data

import (
	"bytes"
	"image"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

func TestGenerateSYN(t *testing.T) {
	d, err := GenerateSYN(SYNOptions{N: 600, Seed: 1, Split: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "SYN" || d.Domain != "SYN" || d.N != 600 || d.Height != 32 || d.Width != 32 || d.Channels != 3 {
		t.Fatalf("got %s/%s [%d %d %d %d]", d.Name, d.Domain, d.N, d.Height, d.Width, d.Channels)
	}
	for _, want := range []string{SYNLabel, "seed 1", "train split", "not SVHN", "Liberation Serif", "Go Mono"} {
		if !strings.Contains(d.Provenance, want) {
			t.Errorf("provenance %q does not say %q", d.Provenance, want)
		}
	}
	// Every class, in roughly equal shares.
	var counts [10]int
	for _, l := range d.Labels {
		counts[l]++
	}
	for c, n := range counts {
		if n < 30 || n > 90 {
			t.Errorf("class %d: %d of 600 images (uniform labels expected)", c, n)
		}
	}
	// Images differ from each other, and each has contrast.
	seen := map[string]int{}
	for i := range d.N {
		img := d.Image(i)
		if j, dup := seen[string(img)]; dup {
			t.Fatalf("images %d and %d are identical", j, i)
		}
		seen[string(img)] = i
		lo, hi := uint8(255), uint8(0)
		for _, v := range img {
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo < 30 {
			t.Errorf("image %d: values span only %d-%d", i, lo, hi)
		}
	}
	// Deterministic by (seed, split, index): a prefix of a larger set, and not the same as
	// another seed or the other split.
	small, _ := GenerateSYN(SYNOptions{N: 50, Seed: 1, Split: "train"})
	if !bytes.Equal(small.Pixels, d.Pixels[:len(small.Pixels)]) || !equalInts(small.Labels, d.Labels[:50]) {
		t.Error("the first 50 images depend on N")
	}
	other, _ := GenerateSYN(SYNOptions{N: 50, Seed: 2, Split: "train"})
	test, _ := GenerateSYN(SYNOptions{N: 50, Seed: 1, Split: "test"})
	for i := range 50 {
		if bytes.Equal(other.Image(i), small.Image(i)) || bytes.Equal(test.Image(i), small.Image(i)) {
			t.Errorf("image %d: another seed or split gives the same image", i)
		}
	}
	for _, bad := range []SYNOptions{{N: 1, Split: "validation"}, {N: -1, Split: "train"}} {
		if _, err := GenerateSYN(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSYNLabelIsTheCentreGlyph checks the labels against an independent rendering: in clean mode
// (the centre digit alone, upright) each image's ink, cropped to its bounding box, must match the
// label's glyph of the same font drawn by golang.org/x/image/font's Drawer better than any other
// digit's.
func TestSYNLabelIsTheCentreGlyph(t *testing.T) {
	fonts, err := loadSynFonts()
	if err != nil {
		t.Fatal(err)
	}
	templates := make([][10]inkMask, len(synFontFiles))
	for i, ff := range synFontFiles {
		parsed, err := opentype.Parse(ff.ttf)
		if err != nil {
			t.Fatal(err)
		}
		face, err := opentype.NewFace(parsed, &opentype.FaceOptions{Size: 64, DPI: 72})
		if err != nil {
			t.Fatal(err)
		}
		for d := range 10 {
			img := image.NewAlpha(image.Rect(0, 0, 80, 80))
			dr := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.P(8, 66)}
			dr.DrawString(string(rune('0' + d)))
			templates[i][d] = cropInk(img.Pix, 80, 80, 1, 127)
		}
	}
	wrong := 0
	const n = 300
	out := make([]uint8, SYNSize*SYNSize*3)
	for i := range n {
		r := synRenderer{rng: rand.New(rand.NewPCG(9, uint64(i))), clean: true}
		label := r.render(fonts, out)
		ink := cropInk(out, SYNSize, SYNSize, 3, 127)
		best, bestScore := -1, -1.0
		for d := range 10 {
			if s := ink.iou(templates[r.font][d]); s > bestScore {
				best, bestScore = d, s
			}
		}
		if best != label {
			wrong++
			t.Logf("image %d (font %s): label %d, best match %d", i, synFontFiles[r.font].name, label, best)
		}
	}
	if wrong > n/50 {
		t.Errorf("%d of %d clean images match another digit better than their label", wrong, n)
	}
}

// inkMask is the ink of an image cropped to its bounding box.
type inkMask struct {
	w, h int
	ink  []bool
}

func cropInk(pix []uint8, w, h, channels int, threshold uint8) inkMask {
	minX, minY, maxX, maxY := w, h, -1, -1
	for y := range h {
		for x := range w {
			if pix[(y*w+x)*channels] > threshold {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return inkMask{}
	}
	m := inkMask{w: maxX - minX + 1, h: maxY - minY + 1}
	m.ink = make([]bool, m.w*m.h)
	for y := range m.h {
		for x := range m.w {
			m.ink[y*m.w+x] = pix[((y+minY)*w+x+minX)*channels] > threshold
		}
	}
	return m
}

// iou compares two masks on a 24x24 grid (nearest-neighbour resampling of each bounding box).
func (m inkMask) iou(o inkMask) float64 {
	if m.w == 0 || o.w == 0 {
		return 0
	}
	const g = 24
	var inter, union int
	for y := range g {
		for x := range g {
			a := m.ink[(y*m.h/g)*m.w+x*m.w/g]
			b := o.ink[(y*o.h/g)*o.w+x*o.w/g]
			if a && b {
				inter++
			}
			if a || b {
				union++
			}
		}
	}
	// Aspect ratios must agree too (a "1" stretched to a box looks like anything).
	ra, rb := float64(m.w)/float64(m.h), float64(o.w)/float64(o.h)
	return float64(inter) / float64(union) * min(ra, rb) / max(ra, rb)
}

// BenchmarkGenerateSYN measures SYN generation (report ns/op per 1,000 images).
func BenchmarkGenerateSYN(b *testing.B) {
	if _, err := loadSynFonts(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := GenerateSYN(SYNOptions{N: 1000, Seed: 1, Split: "train"}); err != nil {
			b.Fatal(err)
		}
	}
}
