package dg

import (
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/model"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/pkg/errors"
)

// RandConv is random convolution data augmentation (Z. Xu, D. Liu, J. Yang, C. Raffel, M.
// Niethammer, "Robust and Generalizable Visual Representation Learning via Random
// Convolutions", ICLR 2021; code github.com/wildphoton/RandConv, lib/networks/rand_conv.py),
// the published single-source domain-generalization baseline of Table 1's extra rows and of the
// digits protocol.
//
// For every training batch a kernel size k is drawn uniformly from KernelSizes and a k x k
// convolution from the C input channels to C output channels with weights drawn from N(0,
// 1/(k^2 C)) (PyTorch's kaiming_normal_, fan-in k^2 C, gain 1; no bias) is applied to the
// whitened batch ((x - 0.5) / 0.5), zero-padded to keep its size. The same convolution serves
// the whole batch, as Xu et al.'s trainer re-draws it once per iteration. With Mix (their
// "RC_mix") the output is alpha * conv(x) + (1 - alpha) * x with alpha ~ U(0, 1) drawn per batch;
// with IdentityProb p (their "RC_img" with p) a batch is left unchanged with probability p.
// Evaluation never applies it.
//
// Consistency > 0 adds their consistency loss with weight lambda = Consistency: the model also
// sees two more independently augmented views, and the loss adds lambda x the mean over the
// three views of KL(p_view || p_mix), p_mix the views' mean softmax clamped to [1e-7, 1]
// (AugMix's Jensen-Shannon form, as randconv_trainer.py computes it). Their code draws the second
// and third views from the already augmented first view; here all three views augment the clean
// batch, as their paper describes.
//
// The digits results Xu et al. report use KernelSizes {1,3,5,7} with Mix and lambda = 10
// ("RC_mix1-7") or IdentityProb 0.5 and lambda = 5 ("RC_img1-7").
type RandConv struct {
	// KernelSizes are the odd kernel sizes drawn from (default {1, 3, 5, 7}).
	KernelSizes []int `json:"kernel_sizes"`
	// Mix blends the convolution's output with its input (RC_mix).
	Mix bool `json:"mix"`
	// IdentityProb is the probability that a batch is not augmented (RC_img's p).
	IdentityProb float64 `json:"identity_prob,omitempty"`
	// Consistency is the weight lambda of the consistency loss over three views; 0 trains on one
	// augmented view only (a third of the cost).
	Consistency float64 `json:"consistency,omitempty"`
}

// DefaultRandConvKernelSizes are Xu et al.'s multi-scale kernel sizes for digits.
var DefaultRandConvKernelSizes = []int{1, 3, 5, 7}

// consistencyViews is the number of augmented views of the consistency loss (Xu et al.: 3).
const consistencyViews = 3

// RCMix returns Xu et al.'s "RC_mix1-7" configuration with consistency weight lambda.
func RCMix(lambda float64) *RandConv {
	return &RandConv{KernelSizes: slices.Clone(DefaultRandConvKernelSizes), Mix: true, Consistency: lambda}
}

// Validate checks the configuration.
func (rc *RandConv) Validate() error {
	if len(rc.KernelSizes) == 0 {
		return errors.New("dg: RandConv needs at least one kernel size")
	}
	for _, k := range rc.KernelSizes {
		if k < 1 || k%2 == 0 || k > 31 {
			return errors.Errorf("dg: RandConv kernel size %d: want odd, 1 to 31", k)
		}
	}
	if !(rc.IdentityProb >= 0 && rc.IdentityProb < 1) {
		return errors.Errorf("dg: RandConv identity probability %g: want in [0, 1)", rc.IdentityProb)
	}
	if !(rc.Consistency >= 0) || math.IsInf(rc.Consistency, 0) {
		return errors.Errorf("dg: RandConv consistency weight %g: want >= 0", rc.Consistency)
	}
	return nil
}

// RandConvKernelScales returns, for a largest kernel size K, a [len(sizes), K, K] array whose
// slice i holds the standard deviation 1/sqrt(k_i^2 C) over the centred k_i x k_i window and
// zeros elsewhere: a k x k kernel with zero padding k/2 equals a K x K kernel that is zero
// outside its centred k x k block with padding K/2, so one K x K convolution serves every draw.
func RandConvKernelScales(sizes []int, channels int) [][][]float32 {
	kMax := slices.Max(sizes)
	out := make([][][]float32, len(sizes))
	for i, k := range sizes {
		std := float32(1 / math.Sqrt(float64(k*k*channels)))
		lo := (kMax - k) / 2
		out[i] = make([][]float32, kMax)
		for y := range kMax {
			out[i][y] = make([]float32, kMax)
			for x := range kMax {
				if y >= lo && y < lo+k && x >= lo && x < lo+k {
					out[i][y][x] = std
				}
			}
		}
	}
	return out
}

// randConv applies one random convolution draw to x [batch, H, W, C] (whitened images), taking
// its random numbers from the store's generator (saved in training checkpoints, so a resumed
// run draws the same augmentations).
func randConv(scope *model.Scope, x *Node, rc RandConv) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[3]
	sizes := rc.KernelSizes
	kMax := slices.Max(sizes)
	u := scope.RandomUniform(g, shapes.Make(dtypes.Float32, 3)) // kernel size, alpha, identity
	// Kernel size index: floor(u0 * n), clamped (u0 < 1, but guard rounding).
	n := len(sizes)
	idx := ConvertDType(ClipScalar(Floor(MulScalar(Slice(u, AxisElem(0)), float64(n))), 0, float64(n-1)), dtypes.Int32)
	onehot := OneHot(Reshape(idx), n, dtypes.Float32)                               // [n]
	scales := Const(g, RandConvKernelScales(sizes, c))                              // [n, K, K]
	scale := ReduceSum(Mul(Reshape(onehot, n, 1, 1), scales), 0)                    // [K, K]
	weights := scope.RandomNormal(g, shapes.Make(dtypes.Float32, kMax, kMax, c, c)) // [K, K, C, C]
	kernel := Mul(weights, Reshape(scale, kMax, kMax, 1, 1))
	out := convSame(x, kernel)
	if rc.Mix {
		alpha := Reshape(Slice(u, AxisElem(1)))
		out = Add(Mul(alpha, out), Mul(OneMinus(alpha), x))
	}
	if rc.IdentityProb > 0 {
		keep := LessThan(Reshape(Slice(u, AxisElem(2))), Scalar(g, dtypes.Float32, rc.IdentityProb))
		out = Where(keep, x, out)
	}
	return StopGradient(out)
}

// convSame convolves x [B, H, W, C] with kernel [K, K, C, D] (K odd), zero padding K/2 on each
// side, as a sum of K^2 shifted slices times [C, D] matrices: for these few channels that is
// faster on the pure-Go backend than its Convolve loop.
func convSame(x, kernel *Node) *Node {
	d := x.Shape().Dimensions
	h, w := d[1], d[2]
	k := kernel.Shape().Dimensions[0]
	p := k / 2
	if p == 0 {
		return Einsum("bhwc,cd->bhwd", x, Reshape(kernel, d[3], kernel.Shape().Dimensions[3]))
	}
	g := x.Graph()
	padded := Pad(x, ScalarZero(g, x.DType()),
		compute.PadAxis{}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{})
	var sum *Node
	for dy := range k {
		for dx := range k {
			tap := Slice(padded, AxisRange(), AxisRange(dy, dy+h), AxisRange(dx, dx+w), AxisRange())
			m := Reshape(Slice(kernel, AxisElem(dy), AxisElem(dx)), d[3], kernel.Shape().Dimensions[3])
			term := Einsum("bhwc,cd->bhwd", tap, m)
			if sum == nil {
				sum = term
			} else {
				sum = Add(sum, term)
			}
		}
	}
	return sum
}

// addConsistencyLoss adds lambda x [consistencyLoss] to the training graph's loss.
func addConsistencyLoss(views []*Node, lambda float64) {
	gtrain.AddRegularizationLoss(MulScalar(consistencyLoss(views), lambda))
}

// consistencyLoss is the mean over views i of KL(p_i || p_mix), each KL summed over classes and
// averaged over the batch (PyTorch's kl_div with reduction "batchmean"), p_mix the views' mean
// softmax clamped to [1e-7, 1] (Xu et al.'s randconv_trainer.py).
func consistencyLoss(views []*Node) *Node {
	var probs, logProbs []*Node
	for _, v := range views {
		logProbs = append(logProbs, LogSoftmax(v, -1))
		probs = append(probs, Softmax(v, -1))
	}
	mix := probs[0]
	for _, p := range probs[1:] {
		mix = Add(mix, p)
	}
	logMix := Log(ClipScalar(DivScalar(mix, float64(len(probs))), 1e-7, 1))
	var total *Node
	for i, p := range probs {
		kl := ReduceAllMean(ReduceSum(Mul(p, Sub(logProbs[i], logMix)), -1))
		if total == nil {
			total = kl
		} else {
			total = Add(total, kl)
		}
	}
	return DivScalar(total, float64(len(probs)))
}
