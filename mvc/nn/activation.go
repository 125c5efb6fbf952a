package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// Relu returns max(x, 0) with a cheap gradient: dx = dy where the output is positive, else 0
// (one comparison and one selection). GoMLX's gradient of Max costs about six passes over the
// data (a subtraction, two Signs, an addition and two products).
func Relu(x *Node) *Node {
	var dy, y *Node
	xi := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		return Where(GreaterThan(y, ScalarZero(y.Graph(), y.DType())), dy, ScalarZero(y.Graph(), y.DType()))
	})
	y = IdentityWithCustomGradient(MaxScalar(xi, 0), func(_, v *Node) *Node {
		dy = v
		return v
	})
	return y
}
