package embed

import (
	"math/bits"
	"math/rand/v2"
)

// Layout optimisation: umap-learn's optimize_layout_euclidean (McInnes, Healy and Melville 2018,
// section 3.2 and Algorithm 5): stochastic gradient descent on the fuzzy-set cross-entropy. Each
// edge of weight w is sampled every max(w)/w epochs (epochs_per_sample); each sample attracts
// both ends with the gradient of log(1/(1 + a d^(2b))) and repels the head from negativeSampleRate
// (5) random vertices per sample with gamma = 1; every gradient coordinate is clipped to [-4, 4];
// the learning rate decays linearly from 1.
//
// The loop is sequential, in the order of the edges sorted by (head, tail), with one seeded
// random stream for the negative samples: the result depends only on the seed, never on
// GOMAXPROCS. (umap-learn is itself sequential when given a random_state; its parallel mode is
// documented as non-deterministic.)

const (
	negativeSampleRate = 5.0
	repulsionStrength  = 1.0 // gamma
	initialAlpha       = 1.0
	gradClip           = 4.0
)

func clip(v float64) float64 {
	if v > gradClip {
		return gradClip
	}
	if v < -gradClip {
		return -gradClip
	}
	return v
}

// optimizeLayout runs nEpochs epochs of SGD on emb (n x dim, updated in place).
func optimizeLayout(emb matrix, g graph, nEpochs int, a, b float64, seed uint64, progress func(done, total int)) {
	eps := epochsPerSample(g.weight, nEpochs)
	nE := len(eps)
	epsNeg := make([]float64, nE)
	nextNeg := make([]float64, nE)
	next := make([]float64, nE)
	for i, e := range eps {
		epsNeg[i] = e / negativeSampleRate
		nextNeg[i] = epsNeg[i]
		next[i] = e
	}
	rng := rand.NewPCG(seed, streamSGD)
	nv := uint64(g.n)
	dim := emb.d
	alpha := initialAlpha
	for n := range nEpochs {
		fn := float64(n)
		for i := range nE {
			if !(next[i] <= fn) {
				continue
			}
			j := int(g.head[i])
			cur := emb.v[j*dim : (j+1)*dim]
			oth := emb.row(int(g.tail[i]))
			dsq := 0.0
			for d := range dim {
				diff := cur[d] - oth[d]
				dsq += diff * diff
			}
			gc := 0.0
			if dsq > 0 {
				pb := powPos(dsq, b)
				gc = -2 * a * b * (pb / dsq) / (a*pb + 1)
			}
			for d := range dim {
				gd := clip(gc * (cur[d] - oth[d]))
				cur[d] += gd * alpha
				oth[d] -= gd * alpha
			}
			next[i] += eps[i]

			nNeg := int((fn - nextNeg[i]) / epsNeg[i])
			for range nNeg {
				hi, _ := bits.Mul64(rng.Uint64(), nv) // uniform in [0, nv) (Lemire)
				k := int(hi)
				oth := emb.v[k*dim : (k+1)*dim]
				dsq := 0.0
				for d := range dim {
					diff := cur[d] - oth[d]
					dsq += diff * diff
				}
				if dsq > 0 {
					pb := powPos(dsq, b)
					gc := 2 * repulsionStrength * b / ((0.001 + dsq) * (a*pb + 1))
					for d := range dim {
						cur[d] += clip(gc*(cur[d]-oth[d])) * alpha
					}
				}
				// dsq == 0 (the vertex itself or a coincident one): no move.
			}
			nextNeg[i] += float64(nNeg) * epsNeg[i]
		}
		alpha = initialAlpha * (1 - float64(n)/float64(nEpochs))
		if progress != nil {
			progress(n+1, nEpochs)
		}
	}
}
