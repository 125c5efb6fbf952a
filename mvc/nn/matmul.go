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
	var dy, ta, tb *Node
	// The identities' custom gradients ignore what GoMLX's DotGeneral gradient passes them (that
	// graph is then unused and not executed) and use dy, the gradient of the output, which the
	// outermost identity (differentiated first) records.
	ta = IdentityWithCustomGradient(a, func(_, _ *Node) *Node {
		return chainedDot(dy, []int{1}, nil, tb, []int{1}, nil)
	})
	tb = IdentityWithCustomGradient(b, func(_, _ *Node) *Node {
		k, m := b.Shape().Dimensions[0], b.Shape().Dimensions[1]
		if k < m {
			// Transposing a [n, k] is the cheaper: db = a^T . dy.
			return chainedDot(Transpose(ta, 0, 1), []int{1}, nil, dy, []int{0}, nil)
		}
		return Transpose(chainedDot(Transpose(dy, 0, 1), []int{1}, nil, ta, []int{0}, nil), 0, 1)
	})
	y := chainedDot(ta, []int{1}, nil, tb, []int{0}, nil)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		dy = v
		return v
	})
}
