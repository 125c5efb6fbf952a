package train

import (
	"fmt"
	"math/rand/v2"
)

// Augment describes the random changes applied to each training image of a batch (never to
// validation or test images): the standard augmentation of CIFAR training since Krizhevsky et
// al. 2012 and He et al. 2016, "Deep Residual Learning" (pad by 4, crop back, flip), which keeps
// a small model from memorising a small training set.
type Augment struct {
	// Shift moves each image by a whole number of pixels, drawn uniformly in [-Shift, Shift]
	// along each axis, filling the uncovered border with zeros: a random crop of the image padded
	// by Shift on every side.
	Shift int `json:"shift,omitempty"`
	// FlipLR mirrors each image left to right with probability 1/2 (for natural images; not
	// for digits, whose mirror images are other symbols).
	FlipLR bool `json:"flip_lr,omitempty"`
}

// IsZero tells whether the augmentation changes nothing.
func (a Augment) IsZero() bool { return a.Shift == 0 && !a.FlipLR }

// String describes the augmentation, e.g. "shift +-4 px, left-right flips".
func (a Augment) String() string {
	switch {
	case a.IsZero():
		return "none"
	case a.Shift > 0 && a.FlipLR:
		return fmt.Sprintf("shift +-%d px, left-right flips", a.Shift)
	case a.Shift > 0:
		return fmt.Sprintf("shift +-%d px", a.Shift)
	}
	return "left-right flips"
}

// validate rejects a negative shift.
func (a Augment) validate() error {
	if a.Shift < 0 {
		return fmt.Errorf("augmentation shift %d: must be >= 0", a.Shift)
	}
	return nil
}

// apply augments the n images of pix ([n, h, w, c], float32) in place, drawing from a generator
// seeded by (seed, epoch, batch): the same batch of the same epoch gets the same changes in a
// resumed run, so resuming stays bit-identical.
func (a Augment) apply(pix []float32, n, h, w, c int, seed uint64, epoch, batch int) {
	if a.IsZero() {
		return
	}
	rng := rand.New(rand.NewPCG(seed^0x6175676d656e74, uint64(epoch)<<32|uint64(batch)))
	img := make([]float32, h*w*c)
	for i := range n {
		dy, dx := 0, 0
		if a.Shift > 0 {
			dy, dx = rng.IntN(2*a.Shift+1)-a.Shift, rng.IntN(2*a.Shift+1)-a.Shift
		}
		flip := a.FlipLR && rng.IntN(2) == 1
		if dy == 0 && dx == 0 && !flip {
			continue
		}
		src := pix[i*h*w*c : (i+1)*h*w*c]
		copy(img, src)
		for y := range h {
			sy := y + dy
			for x := range w {
				sx := x + dx
				if flip {
					sx = w - 1 - x + dx
				}
				dst := src[(y*w+x)*c : (y*w+x+1)*c]
				if sy < 0 || sy >= h || sx < 0 || sx >= w {
					clear(dst)
					continue
				}
				copy(dst, img[(sy*w+sx)*c:(sy*w+sx+1)*c])
			}
		}
	}
}
