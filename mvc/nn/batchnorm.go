package nn

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// BatchNormCountName is the name of the non-trainable scalar (int64) variable that counts a batch
// normalization layer's moving-average updates; its debiased momentum is min(momentum, 1 -
// 1/count), GoMLX's (layers/norm's "avg_weight"): the first 1/(1-momentum) updates average the
// batch statistics seen so far instead of leaning on the initial (0, 1). Package train finds the
// layers by this name to recompute their statistics before evaluating (train.Config.BNStatsBatches).
const BatchNormCountName = "moving_count"

// DebiasedMomentum returns min(momentum, 1 - 1/count) as a scalar of dtype, and count + 1 (the new
// count): the momentum of a moving average's count-th update (count from 1), which makes the
// first updates a plain mean of the values seen (GoMLX's batch normalization, layers/norm). count
// is the int64 scalar of updates before this one.
func DebiasedMomentum(count *Node, momentum float64, dtype dtypes.DType) (m, newCount *Node) {
	newCount = AddScalar(count, 1)
	w := ConvertDType(newCount, dtype)
	m = Min(Scalar(count.Graph(), dtype, momentum), OneMinus(Reciprocal(w)))
	return m, newCount
}

// BatchNormTrain normalizes x [..., channels] with the statistics of the batch (Ioffe and Szegedy
// 2015): y = (x - mean) / sqrt(variance + eps) * gamma + beta, with mean and (population)
// variance over every axis but the last. gamma may be nil (no scale); gamma and beta are
// [channels]. It also returns the batch mean and variance (without gradient), for moving
// averages.
//
// The gradient is the exact one (through the batch statistics), written out: dbeta = sum(dy),
// dgamma = sum(dy * xhat), dx = gamma/sigma * (dy - mean(dy) - xhat * mean(dy * xhat)); about
// seven passes over the data instead of the dozen of GoMLX's automatic differentiation, and it
// avoids Rsqrt, which has no gradient in GoMLX v0.28.8.
func BatchNormTrain(x, gamma, beta *Node, eps float64) (y, mean, variance *Node) {
	rank := x.Rank()
	if rank < 2 || beta.Rank() != 1 || (gamma != nil && gamma.Rank() != 1) {
		panicf("nn.BatchNormTrain: want x [..., channels] and gamma, beta [channels], got %s, %v, %s", x.Shape(), gamma, beta.Shape())
	}
	axes := make([]int, rank-1)
	count := 1
	for i := range axes {
		axes[i] = i
		count *= x.Shape().Dimensions[i]
	}
	bc := func(v *Node) *Node { return lastAxis(v, rank) }
	var dy, xc, inv, a, sumDy, sumDyXc *Node
	sums := func() {
		if sumDy == nil {
			sumDy = ReduceSum(dy, axes...)
			sumDyXc = ReduceSum(Mul(dy, xc), axes...)
		}
	}
	n := float64(count)
	xi := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		sums()
		// dx = a*dy - a*mean(dy) - xc * a * inv^2 * mean(dy*xc), with a = gamma * inv.
		k1 := Neg(Mul(Mul(a, Square(inv)), DivScalar(sumDyXc, n)))
		k0 := Neg(Mul(a, DivScalar(sumDy, n)))
		return Add(Add(Mul(dy, bc(a)), Mul(xc, bc(k1))), bc(k0))
	})
	var gi *Node
	if gamma != nil {
		gi = IdentityWithCustomGradient(gamma, func(_, _ *Node) *Node {
			sums()
			return Mul(sumDyXc, inv)
		})
	}
	bi := IdentityWithCustomGradient(beta, func(_, _ *Node) *Node {
		sums()
		return sumDy
	})
	mean = ReduceMean(xi, axes...)
	xc = Sub(xi, bc(mean))
	variance = ReduceMean(Square(xc), axes...)
	inv = Reciprocal(Sqrt(AddScalar(variance, eps)))
	a = inv
	if gi != nil {
		a = Mul(inv, gi)
	}
	y = IdentityWithCustomGradient(Add(Mul(xc, bc(a)), bc(bi)), func(_, v *Node) *Node {
		dy = v
		return v
	})
	return y, StopGradient(mean), StopGradient(variance)
}

// BatchNormInference normalizes x [..., channels] with given statistics: (x - mean) /
// sqrt(variance + eps) * gamma + beta as one multiplication and one addition per value (gamma may
// be nil); differentiable (for fine-tuning with frozen statistics).
func BatchNormInference(x, gamma, beta, mean, variance *Node, eps float64) *Node {
	rank := x.Rank()
	a := Reciprocal(Sqrt(AddScalar(variance, eps)))
	if gamma != nil {
		a = Mul(a, gamma)
	}
	shift := Sub(beta, Mul(mean, a))
	return Add(Mul(x, lastAxis(a, rank)), lastAxis(shift, rank))
}

// lastAxis reshapes v [c] to rank dimensions [1, ..., 1, c], to broadcast over the last axis.
func lastAxis(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return Reshape(v, dims...)
}
