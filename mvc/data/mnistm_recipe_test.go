package data

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// gradientBackground encodes each pixel's position in its colour: R = x, G = y, B = 99.
func gradientBackground(w, h int) *Backgrounds {
	img := &rgbImage{h: h, w: w, pix: make([]uint8, w*h*3)}
	for y := range h {
		for x := range w {
			img.pix[3*(y*w+x)], img.pix[3*(y*w+x)+1], img.pix[3*(y*w+x)+2] = uint8(x), uint8(y), 99
		}
	}
	return &Backgrounds{Source: "gradient", imgs: []*rgbImage{img}}
}

func TestMakeMNISTMRecipe(t *testing.T) {
	digits := randomDigits(200, 28, 28, 1, 5)
	for i := range digits.Pixels { // sparse ink, as MNIST
		if digits.Pixels[i] < 200 {
			digits.Pixels[i] = 0
		}
	}
	bg := gradientBackground(60, 50)
	m, err := MakeMNISTM(digits, bg, 7)
	if err != nil {
		t.Fatal(err)
	}
	if m.Channels != 3 || m.N != 200 || m.Domain != "MM" || m.Name != "MNIST-M" || !strings.Contains(m.Provenance, "seed 7") {
		t.Fatalf("got %s/%s [%d %d %d %d] %q", m.Name, m.Domain, m.N, m.Height, m.Width, m.Channels, m.Provenance)
	}
	var x0s, y0s [64]bool
	for i := range m.N {
		out, in := m.Image(i), digits.Image(i)
		// The patch's top-left corner, from a background pixel (one without ink).
		x0, y0 := -1, -1
		for p := range 28 * 28 {
			if in[p] == 0 {
				x0, y0 = int(out[3*p])-p%28, int(out[3*p+1])-p/28
				break
			}
		}
		if x0 < 0 || x0 >= 60-28 || y0 < 0 || y0 >= 50-28 {
			t.Fatalf("image %d: patch corner (%d, %d) outside [0, 32) x [0, 22)", i, x0, y0)
		}
		x0s[x0], y0s[y0] = true, true
		for p := range 28 * 28 {
			want := [3]int{x0 + p%28, y0 + p/28, 99}
			if in[p] > MNISTMBinarizeThreshold {
				want = [3]int{255 - want[0], 255 - want[1], 255 - 99}
			}
			for c := range 3 {
				if int(out[3*p+c]) != want[c] {
					t.Fatalf("image %d pixel %d channel %d: %d, want |patch - digit| = %d", i, p, c, out[3*p+c], want[c])
				}
			}
		}
		if m.Labels[i] != digits.Labels[i] {
			t.Fatalf("label %d changed", i)
		}
	}
	// Corners cover the whole range (uniform draws over 200 images).
	for x := range 60 - 28 {
		if !x0s[x] {
			t.Errorf("no patch starts at column %d", x)
		}
	}
	// Determinism and seed dependence.
	again, _ := MakeMNISTM(digits, bg, 7)
	other, _ := MakeMNISTM(digits, bg, 8)
	if !bytes.Equal(again.Pixels, m.Pixels) {
		t.Error("same seed, different pixels")
	}
	if bytes.Equal(other.Pixels, m.Pixels) {
		t.Error("different seeds, same pixels")
	}
	if _, err := MakeMNISTM(randomDigits(2, 28, 28, 3, 1), bg, 1); err == nil {
		t.Error("RGB digits: no error")
	}
	if _, err := MakeMNISTM(digits, gradientBackground(20, 20), 1); err == nil || !strings.Contains(err.Error(), "smaller") {
		t.Errorf("small background: error %v", err)
	}
}

func TestProceduralBackgrounds(t *testing.T) {
	t.Setenv(mvc.DataEnvVar, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	bg, err := DefaultBackgrounds("", 3)
	if err != nil {
		t.Fatal(err)
	}
	if bg.Photos || !strings.Contains(bg.Source, "procedural") || !strings.Contains(bg.Source, "no BSDS500 photos") {
		t.Errorf("without data: Photos %v, source %q", bg.Photos, bg.Source)
	}
	if bg.Len() != ProceduralBackgroundCount {
		t.Errorf("%d textures", bg.Len())
	}
	again := ProceduralBackgrounds(4, 64, 3)
	other := ProceduralBackgrounds(4, 64, 4)
	a0, _ := bg.image(0)
	b0, _ := again.image(0)
	c0, _ := other.image(0)
	if a0.w != ProceduralBackgroundSize || b0.w != 64 {
		t.Fatalf("sizes %d, %d", a0.w, b0.w)
	}
	if !bytes.Equal(ProceduralBackgrounds(4, 64, 3).imgs[2].pix, again.imgs[2].pix) || bytes.Equal(b0.pix, c0.pix) {
		t.Error("procedural textures are not a function of the seed")
	}
	// Textures are coloured and varied: channels differ, and the values spread.
	for i, img := range again.imgs {
		var lo, hi uint8 = 255, 0
		colour := false
		for p := 0; p < len(img.pix); p += 3 {
			lo, hi = min(lo, img.pix[p]), max(hi, img.pix[p])
			colour = colour || img.pix[p] != img.pix[p+1] || img.pix[p+1] != img.pix[p+2]
		}
		if !colour || hi-lo < 20 {
			t.Errorf("texture %d: colour %v, red range %d-%d", i, colour, lo, hi)
		}
	}
	if _, err := DefaultBackgrounds(t.TempDir(), 1); err == nil || !strings.Contains(err.Error(), "no photographs") {
		t.Errorf("empty folder named by the user: error %v", err)
	}
}

// TestMNISTMRecipeUsesBSDS500 checks, with $MVC_DATA, that the recipe's backgrounds are real
// BSDS500 photos: each output's ink-free pixels are found as a 28x28 patch of one of them.
func TestMNISTMRecipeUsesBSDS500(t *testing.T) {
	dir, ok := BSDS500TrainDir()
	if !ok {
		t.Skipf("no BSDS500 photos: set $%s to the shared data folder (with bsds500/train/*.jpg)", mvc.DataEnvVar)
	}
	bg, err := DefaultBackgrounds("", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bg.Photos || !strings.Contains(bg.Source, "BSDS500") || !strings.Contains(bg.Source, mvc.PortablePath(dir)) || bg.Len() != 200 {
		t.Fatalf("backgrounds: photos %v, %d images, source %q", bg.Photos, bg.Len(), bg.Source)
	}
	mnist, err := LoadMNIST(MNISTTest)
	if err != nil {
		t.Skip(err)
	}
	m, err := MakeMNISTM(mnist.First(3), bg, 11)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Provenance, "BSDS500") || !strings.Contains(m.Provenance, "real photos") {
		t.Errorf("provenance %q", m.Provenance)
	}
	for i := range m.N {
		if !foundInPhotos(t, bg, m.Image(i), mnist.Image(i)) {
			t.Errorf("image %d: its background is not a patch of any BSDS500 training photo", i)
		}
	}
}

// foundInPhotos searches the (already decoded, i.e. chosen) photos for a patch equal to out
// where digit has no ink.
func foundInPhotos(t *testing.T, bg *Backgrounds, out, digit []uint8) bool {
	for k := range bg.Len() {
		if bg.imgs[k] == nil {
			continue
		}
		img := bg.imgs[k]
		for y0 := 0; y0+28 <= img.h; y0++ {
		next:
			for x0 := 0; x0+28 <= img.w; x0++ {
				for p := range 28 * 28 {
					if digit[p] > 0 {
						continue
					}
					o := 3 * ((y0+p/28)*img.w + x0 + p%28)
					if !bytes.Equal(img.pix[o:o+3], out[3*p:3*p+3]) {
						continue next
					}
				}
				return true
			}
		}
	}
	return false
}
