package train

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// shifted returns img ([h, w, c]) moved by (dy, dx), optionally mirrored first, zero-filled:
// the definition Augment.apply follows.
func shifted(img []float32, h, w, c, dy, dx int, flip bool) []float32 {
	out := make([]float32, len(img))
	for y := range h {
		for x := range w {
			sy, sx := y+dy, x+dx
			if flip {
				sx = w - 1 - x + dx
			}
			if sy < 0 || sy >= h || sx < 0 || sx >= w {
				continue
			}
			copy(out[(y*w+x)*c:(y*w+x+1)*c], img[(sy*w+sx)*c:(sy*w+sx+1)*c])
		}
	}
	return out
}

func TestAugmentApply(t *testing.T) {
	const n, h, w, c = 64, 5, 6, 2
	orig := make([]float32, n*h*w*c)
	for i := range orig {
		orig[i] = float32(i%97) + 1 // no zeros, so that a zero can only come from the fill
	}
	a := Augment{Shift: 2, FlipLR: true}
	pix := slices.Clone(orig)
	a.apply(pix, n, h, w, c, 7, 3, 5)
	again := slices.Clone(orig)
	a.apply(again, n, h, w, c, 7, 3, 5)
	if !slices.Equal(pix, again) {
		t.Error("the same seed, epoch and batch give different augmentations")
	}
	other := slices.Clone(orig)
	a.apply(other, n, h, w, c, 7, 3, 6)
	if slices.Equal(pix, other) {
		t.Error("two batches got the same augmentation")
	}
	flips, moved := 0, 0
	for i := range n {
		img, got := orig[i*h*w*c:(i+1)*h*w*c], pix[i*h*w*c:(i+1)*h*w*c]
		found := false
		for dy := -a.Shift; dy <= a.Shift && !found; dy++ {
			for dx := -a.Shift; dx <= a.Shift && !found; dx++ {
				for _, flip := range []bool{false, true} {
					if slices.Equal(got, shifted(img, h, w, c, dy, dx, flip)) {
						found = true
						if flip {
							flips++
						}
						if dy != 0 || dx != 0 {
							moved++
						}
						break
					}
				}
			}
		}
		if !found {
			t.Fatalf("image %d is not a shift within +-%d (mirrored or not) of the original", i, a.Shift)
		}
	}
	if flips < n/5 || flips > 4*n/5 || moved < n/2 {
		t.Errorf("%d of %d images mirrored and %d moved: want about half mirrored and most moved", flips, n, moved)
	}
	none := slices.Clone(orig)
	(Augment{}).apply(none, n, h, w, c, 7, 3, 5)
	if !slices.Equal(none, orig) {
		t.Error("the zero Augment changed the images")
	}
	if err := (Augment{Shift: -1}).validate(); err == nil {
		t.Error("a negative shift is accepted")
	}
	if got := (Augment{Shift: 4, FlipLR: true}).String(); got != "shift +-4 px, left-right flips" {
		t.Errorf("String() = %q", got)
	}
}

// An augmented run resumed after an interruption equals the uninterrupted one, and differs from
// the run without augmentation; resuming it with other augmentation settings is refused.
func TestAugmentedRunResumesIdentically(t *testing.T) {
	ds := smallMNIST(t, 320)
	backend := mvc.MustBackend()
	ctx := context.Background()
	aug := Augment{Shift: 2}
	config := func(dir string) Config {
		cfg := tinyConfig(dir)
		cfg.MaxEpochs, cfg.Augment = 2, aug
		return cfg
	}
	full, err := Run(ctx, backend, config(filepath.Join(t.TempDir(), "full")), ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := tinyConfig(filepath.Join(t.TempDir(), "plain"))
	plain.MaxEpochs = 2
	bare, err := Run(ctx, backend, plain, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if deterministic(full.Epochs)[0] == deterministic(bare.Epochs)[0] {
		t.Error("the augmented run's first epoch equals the plain run's: the augmentation did nothing")
	}
	dir := filepath.Join(t.TempDir(), "resumed")
	cctx, cancel := context.WithCancel(ctx)
	cfg := config(dir)
	cfg.BeforeStep = func(epoch, step int) error {
		if epoch == 2 && step == 3 {
			cancel()
		}
		return nil
	}
	if _, err := Run(cctx, backend, cfg, ds, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	cancel()
	other := config(dir)
	other.Resume, other.Augment = true, Augment{Shift: 3}
	if _, err := Run(ctx, backend, other, ds, nil); err == nil || !strings.Contains(err.Error(), "augment") {
		t.Errorf("resuming with other augmentation: %v, want an error naming it", err)
	}
	cfg = config(dir)
	cfg.Resume = true
	resumed, err := Run(ctx, backend, cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := deterministic(full.Epochs), deterministic(resumed.Epochs); !slices.Equal(a, b) {
		t.Errorf("metrics differ:\nfull    %+v\nresumed %+v", a, b)
	}
	sameWeights(t, weightsOf(t, full.Store), weightsOf(t, resumed.Store), "final weights")
}
