package train

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// epochPermutation is the training order of an epoch: a permutation seeded by (seed, epoch), so
// a resumed run replays it without saving any generator state.
func epochPermutation(seed uint64, epoch, n int) []int {
	return rand.New(rand.NewPCG(seed, 0x7368756666<<8|uint64(epoch))).Perm(n)
}

// batch is one mini-batch ready for the graph.
type batch struct {
	images, labels *tensors.Tensor
	n              int
	err            error
}

// makeBatch converts the images at indices to float32 [n, H, W, C] and int32 labels [n, 1],
// then calls aug (when not nil) on the pixels.
func makeBatch(d *data.Dataset, indices []int, h, w, c int, aug func(pix []float32, n int)) batch {
	sub, err := d.Subset(indices, "")
	if err != nil {
		return batch{err: err}
	}
	pix, err := sub.Float32(h, w, c)
	if err != nil {
		return batch{err: err}
	}
	if aug != nil {
		aug(pix, len(indices))
	}
	labels := make([]int32, len(indices))
	for i, l := range sub.Labels {
		labels[i] = int32(l)
	}
	return batch{
		images: tensors.FromFlatDataAndDimensions(pix, len(indices), h, w, c),
		labels: tensors.FromFlatDataAndDimensions(labels, len(indices), 1),
		n:      len(indices),
	}
}

// batches prepares the batches of order[from:] (batchSize each, the last one possibly smaller)
// one ahead in a goroutine; closing stop ends it early. aug, when not nil, changes the pixels of
// batch b (training augmentation).
func batches(d *data.Dataset, order []int, batchSize, fromBatch, toBatch, h, w, c int, aug func(pix []float32, n, b int), stop <-chan struct{}) <-chan batch {
	out := make(chan batch, 1)
	go func() {
		defer close(out)
		for b := fromBatch; b < toBatch; b++ {
			lo, hi := b*batchSize, min((b+1)*batchSize, len(order))
			var augB func([]float32, int)
			if aug != nil {
				augB = func(pix []float32, n int) { aug(pix, n, b) }
			}
			select {
			case out <- makeBatch(d, order[lo:hi], h, w, c, augB):
			case <-stop:
				return
			}
		}
	}()
	return out
}

// numBatches is the number of training batches per epoch.
func (r *runner) numBatches() int {
	n := (r.train.N + r.cfg.BatchSize - 1) / r.cfg.BatchSize
	if r.cfg.StepsPerEpoch > 0 {
		n = min(n, r.cfg.StepsPerEpoch)
	}
	return n
}
