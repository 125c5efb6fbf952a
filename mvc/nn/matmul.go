package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// MatMul2D returns a . b for a shaped [n, k] and b shaped [k, m] (result [n, m]), with a gradient
// laid out for GoMLX's pure-Go backend.
//
// GoMLX's automatic gradient of a . b with respect to b contracts the first axes of both
// operands, and the pure-Go backend then transposes both a ([n, k], usually the big one: im2col
// patches or a batch of activations) and the incoming gradient before multiplying; every
// DotGeneral gradient also ends in a Transpose, which the backend executes as a copy even when
// the permutation is the identity. MatMul2D defines its gradients itself (custom gradients on
// identity nodes): da = dy . b^T, in the backend's transposed layout, and db = (dy^T . a)^T or
// a^T . dy, in its non-transposed layout, transposing the smaller of dy [n, m] and a [n, k].
func MatMul2D(a, b *Node) *Node {
	if a.Rank() != 2 || b.Rank() != 2 || a.Shape().Dimensions[1] != b.Shape().Dimensions[0] {
		panicf("nn.MatMul2D: want a [n, k] and b [k, m], got %s and %s", a.Shape(), b.Shape())
	}
	return matMul(a, a.Shape().Dimensions[0], b, nil, nil)
}

// MatMulReshaped is MatMul2D(Reshape(a, n, k), b) plus bias [m] (nil: none), reshaped to
// outDims (none: [n, m]), for a of any shape holding n*k values (gathered patches
// [n*kh, 1, kw*c], activations [batch, ..., k]).
//
// Reshapes are free on the pure-Go backend only when the reshaped value has no other use.
// Two uses would otherwise make the reshapes around a product copy whole tensors: the matrix
// products of a graph are chained (each waits for the previous one), so a product that the next
// one waits for has that wait as a second use; and a bias added after the reshape has its
// gradient summed from the same tensor that is reshaped back for the product's gradient.
// MatMulReshaped makes the next product wait for the reshaped result, forward and backward, and
// adds the bias before the reshape, so that neither the product, nor its input gradient (the size
// of a), nor its output gradient is copied. The values are those of the unfused formulation.
func MatMulReshaped(a *Node, n int, b, bias *Node, outDims ...int) *Node {
	if b.Rank() != 2 || n < 1 || a.Shape().Size() != n*b.Shape().Dimensions[0] {
		panicf("nn.MatMulReshaped: want a of n*k values and b [k, m], got %s, n = %d and %s", a.Shape(), n, b.Shape())
	}
	m := b.Shape().Dimensions[1]
	if bias != nil && (bias.Rank() != 1 || bias.Shape().Dimensions[0] != m) {
		panicf("nn.MatMulReshaped: bias %s, want [%d]", bias.Shape(), m)
	}
	if len(outDims) > 0 {
		size := 1
		for _, d := range outDims {
			size *= d
		}
		if size != n*m {
			panicf("nn.MatMulReshaped: output dimensions %v do not hold the %d x %d product", outDims, n, m)
		}
	}
	return matMul(a, n, b, bias, outDims)
}

// matMul implements MatMul2D and MatMulReshaped; see their documentation.
func matMul(a *Node, n int, b, bias *Node, outDims []int) *Node {
	k, m := b.Shape().Dimensions[0], b.Shape().Dimensions[1]
	reshapeA := a.Rank() != 2 || a.Shape().Dimensions[0] != n
	var dy, a2, tb *Node
	// The identities' custom gradients ignore what GoMLX's DotGeneral gradient passes them (that
	// graph is then unused and not executed) and use dy, the gradient of the output, which the
	// outermost identity (differentiated first) records.
	ta := IdentityWithCustomGradient(a, func(_, _ *Node) *Node {
		da := chainedDot(dy, []int{1}, nil, tb, []int{1}, nil)
		if reshapeA {
			da = Reshape(da, a.Shape().Dimensions...)
			recordProduct(da)
		}
		return da
	})
	a2 = ta
	if reshapeA {
		a2 = Reshape(ta, n, k)
	}
	tb = IdentityWithCustomGradient(b, func(_, _ *Node) *Node {
		// The barrier goes on the transposition, made for this product alone: on a2 or dy, which
		// other products read too, it would copy them.
		if k < m {
			// Transposing a [n, k] is the cheaper: db = a^T . dy.
			return chainedDotAfterLHS(Transpose(a2, 0, 1), []int{1}, nil, dy, []int{0}, nil)
		}
		return Transpose(chainedDotAfterLHS(Transpose(dy, 0, 1), []int{1}, nil, a2, []int{0}, nil), 0, 1)
	})
	y := chainedDot(a2, []int{1}, nil, tb, []int{0}, nil)
	out := IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dy = v
		return v
	})
	// The node the next product waits for gets that wait as a second use: with a bias, the
	// product's own output, whose other use (the addition) needs no copy of it; without, the
	// result, whose other use is the caller's.
	if bias != nil {
		recordProduct(out)
		out = Add(out, Reshape(bias, 1, m))
	}
	if len(outDims) > 0 {
		out = Reshape(out, outDims...)
	}
	if bias == nil {
		recordProduct(out)
	}
	return out
}
