package allen

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePhotos writes n small PNG "photographs" into root/bsds500/train; shift changes their
// pixels.
func writePhotos(t *testing.T, root string, n, shift int) {
	t.Helper()
	dir := filepath.Join(root, "bsds500", "train")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 30, 20))
		for y := range 20 {
			for x := range 30 {
				img.SetGray(x, y, color.Gray{Y: uint8((x*7 + y*13 + i*29 + shift) % 256)})
			}
		}
		f, err := os.Create(filepath.Join(dir, "p"+string(rune('a'+i))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
	}
}

// A survey made from $MVC_DATA in one place is reused when the same data sits elsewhere (CI
// clones into another folder than developers do), and refused when the images differ.
func TestSurveyFollowsMovedData(t *testing.T) {
	opts := smallOptions()
	opts.Stimulus = StimulusBSDS500
	dataA, dataB, dataC, out := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writePhotos(t, dataA, opts.Images, 0)
	writePhotos(t, dataB, opts.Images, 0)
	writePhotos(t, dataC, opts.Images, 1)

	t.Setenv("MVC_DATA", dataA)
	s, err := SimulateSurvey(out, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.StimulusProvenance, "$MVC_DATA/bsds500") || strings.Contains(s.StimulusProvenance, dataA) {
		t.Errorf("provenance names the machine's folder, not $MVC_DATA: %s", s.StimulusProvenance)
	}
	t.Setenv("MVC_DATA", dataB)
	again, err := SimulateSurvey(out, opts, nil)
	if err != nil {
		t.Fatalf("same images from another folder: %v", err)
	}
	if again.Resumed != len(s.Files) {
		t.Errorf("%d files kept, want %d", again.Resumed, len(s.Files))
	}
	t.Setenv("MVC_DATA", dataC)
	if _, err := SimulateSurvey(out, opts, nil); err == nil || !strings.Contains(err.Error(), "other stimulus images") {
		t.Errorf("other images in the same folder: error %v", err)
	}
}
