package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// MatMul2D returns a . b for a shaped [n, k] and b shaped [k, m] (result [n, m]), with a gradient
// laid out for GoMLX's pure-Go backend.
//
// GoMLX's automatic gradient of a . b with respect to b contracts the first axes of both operands;
// the pure-Go backend then transposes both a ([n, k], usually the big one: im2col patches or a
// batch of activations) and the incoming gradient before multiplying. MatMul2D registers, as the
// gradient graph, the same product written so that only the gradient [n, m] is transposed:
// db = (dy^T [m, n] . a [n, k])^T. The forward value is the plain product; the alternative graph is
// only used by reverse-mode differentiation (and dead-code eliminated otherwise). Its value, were it
// ever executed (GOMLX_FUSION disabled), is still a . b.
func MatMul2D(a, b *Node) *Node {
	if a.Rank() != 2 || b.Rank() != 2 || a.Shape().Dimensions[1] != b.Shape().Dimensions[0] {
		panicf("nn.MatMul2D: want a [n, k] and b [k, m], got %s and %s", a.Shape(), b.Shape())
	}
	decomposed := func() *Node {
		// Gradient for a: v [n, m] . b^T contracts the last axes of both: no transposition.
		forA := DotGeneral(a, []int{1}, nil, StopGradient(b), []int{0}, nil)
		// Gradient for b: (b^T [m, k] . a^T [k, n])^T; its VJP with respect to b^T is
		// v^T [m, n] . a [n, k], the backend's non-transposed layout.
		bt := Transpose(b, 0, 1)
		forB := Transpose(DotGeneral(bt, []int{1}, nil, StopGradient(a), []int{1}, nil), 0, 1)
		return Add(forA, Sub(forB, StopGradient(forB)))
	}
	fused := func() *Node {
		return DotGeneral(a, []int{1}, nil, b, []int{0}, nil)
	}
	out, _ := InternalFusedOpCaller(fused, decomposed, true)
	return out
}
