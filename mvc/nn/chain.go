package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
)

// productChainKey keys, in a graph's state, the last matrix product built by this package.
type productChainKey struct{}

// afterPreviousProduct returns w scheduled after the previous matrix product that this package
// built in w's graph (a SchedulingBarrier), so that the products of a graph run one at a time.
// w should be small (a weight, or a node used only here): the backend copies it when it has
// other uses.
//
// Why: GoMLX v0.28.8's pure-Go backend deadlocks when all the workers of its pool are taken by
// matrix products that run in parallel (its parallel executor runs independent nodes on the
// pool's workers, and each product then waits in workerspool.Saturate for free workers that never
// come). Inception's and NASNet's parallel branches, and the two gradient products of every layer,
// trigger it; chained products still use all cores each.
func afterPreviousProduct(w *Node) *Node {
	g := w.Graph()
	if prev, ok := g.State(productChainKey{}).(*Node); ok && prev != nil && prev.Graph() == g {
		return SchedulingBarrier(w, prev)
	}
	return w
}

// recordProduct makes y the product the next one waits for.
func recordProduct(y *Node) {
	y.Graph().AttachState(productChainKey{}, y)
}

// chainedDot is DotGeneral(lhs, ..., rhs, ...) run after the previous product of the graph, with
// the barrier on rhs (a weight at its call sites).
func chainedDot(lhs *Node, lhsContracting, lhsBatch []int, rhs *Node, rhsContracting, rhsBatch []int) *Node {
	y := DotGeneral(lhs, lhsContracting, lhsBatch, afterPreviousProduct(rhs), rhsContracting, rhsBatch)
	recordProduct(y)
	return y
}

// chainedDotAfterLHS is chainedDot with the barrier on lhs instead: for products whose rhs is a
// large tensor with other uses (which the barrier would copy) and whose lhs is made for this
// product alone (a transposition), which the barrier passes on without a copy.
func chainedDotAfterLHS(lhs *Node, lhsContracting, lhsBatch []int, rhs *Node, rhsContracting, rhsBatch []int) *Node {
	y := DotGeneral(afterPreviousProduct(lhs), lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
	recordProduct(y)
	return y
}
