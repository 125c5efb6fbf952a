package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// UMAPOptions are the parameters of [UMAP]. The zero value of every field selects umap-learn's
// default (McInnes, Healy and Melville 2018; lmcinnes/umap), which are also the paper's
// parameters for selecting representations (n_neighbors 15, min_dist 0.1, euclidean).
type UMAPOptions struct {
	// NNeighbors is n_neighbors, the size of the local neighbourhood, counting the point itself
	// as umap-learn does (default 15, at least 2). With n points or fewer it is cut to n-1, as
	// umap-learn does.
	NNeighbors int
	// MinDist is min_dist, the smallest distance between embedded points (default 0.1). Zero
	// selects the default: for min_dist = 0 itself pass math.SmallestNonzeroFloat64, whose
	// target curve is exactly min_dist 0's (only d = 0 lies below it).
	MinDist float64
	// Spread is the scale of the embedded points (default 1); MinDist must not exceed it.
	Spread float64
	// NComponents is the dimension of the embedding (default 2).
	NComponents int
	// Metric is the input distance; only "euclidean" (the default and the paper's) is supported.
	Metric string
	// Seed seeds every random choice; the same seed gives the same embedding bit for bit,
	// whatever GOMAXPROCS.
	Seed uint64
	// Epochs is the number of optimisation epochs; 0 selects umap-learn's default: 500 up to
	// 10,000 points, 200 above.
	Epochs int
	// Init is the initial layout: "spectral" (the default: normalized-Laplacian eigenvectors,
	// random if the eigensolver fails) or "random" (uniform in [-10, 10]).
	Init string
	// Progress, if not nil, is called with the stage ("neighbors", "spectral", "optimize") and
	// the work done out of the total in that stage.
	Progress func(stage string, done, total int)
}

// Defaults of umap-learn (UMAP.__init__) used when a field of UMAPOptions is zero.
const (
	DefaultNNeighbors  = 15
	DefaultMinDist     = 0.1
	DefaultSpread      = 1.0
	DefaultNComponents = 2
)

// UMAPResult is an embedding with the facts of how it was made.
type UMAPResult struct {
	// Embedding is n x NComponents.
	Embedding [][]float64
	// NNeighbors is the neighbourhood size used (after cutting it to n-1 for tiny inputs).
	NNeighbors int
	// A and B are the fitted curve parameters ([FindABParams]).
	A, B float64
	// Epochs is the number of SGD epochs run.
	Epochs int
	// KNN is "exact" (below 4,096 points) or "nn-descent".
	KNN string
	// Init says how the initial layout was made, e.g. "spectral" or
	// "random (spectral initialisation failed: ...)".
	Init string
	// Components is the number of connected components of the fuzzy graph after pruning.
	Components int
	// Edges is the number of directed edges optimised (each undirected edge counts twice).
	Edges int
}

func (o UMAPOptions) withDefaults() UMAPOptions {
	if o.NNeighbors == 0 {
		o.NNeighbors = DefaultNNeighbors
	}
	if o.MinDist == 0 {
		o.MinDist = DefaultMinDist
	}
	if o.Spread == 0 {
		o.Spread = DefaultSpread
	}
	if o.NComponents == 0 {
		o.NComponents = DefaultNComponents
	}
	if o.Metric == "" {
		o.Metric = "euclidean"
	}
	if o.Init == "" {
		o.Init = "spectral"
	}
	return o
}

// UMAP embeds data (n points of equal dimension, finite values) in opts.NComponents dimensions
// with the reference algorithm of umap-learn (lmcinnes/umap; McInnes, Healy and Melville 2018,
// "UMAP: Uniform Manifold Approximation and Projection for Dimension Reduction",
// arXiv:1802.03426), the method the paper uses to select representative neural and feature
// representations:
//
//  1. the k = NNeighbors nearest neighbours of each point (the point itself included): exact
//     below 4,096 points, nearest-neighbour descent (Dong et al. 2011) with a random projection
//     forest above;
//  2. the fuzzy simplicial set: smooth kNN distances (rho = distance to the nearest neighbour,
//     local_connectivity 1; sigma by binary search so the memberships sum to log2 k, bandwidth
//     1), memberships exp(-(d - rho)/sigma), fuzzy union A + A^T - A o A^T (set_op_mix_ratio 1);
//  3. edges below max weight / epochs pruned; the initial layout from the normalized Laplacian's
//     eigenvectors (per connected component, random if the eigensolver fails), scaled so its
//     largest coordinate is 10, plus Gaussian noise of standard deviation 1e-4, then each
//     coordinate rescaled to [0, 10];
//  4. a and b fitted to min_dist and spread ([FindABParams]), then stochastic gradient descent
//     on the cross-entropy with 5 negative samples per positive one, gradients clipped at 4,
//     learning rate 1 decaying linearly, edges sampled by epochs_per_sample.
//
// The result depends only on data and opts (Seed included), not on GOMAXPROCS: work runs in
// parallel only where each item is computed independently (distances, per-point searches,
// matrix-vector products in fixed chunks) and the gradient descent is sequential.
func UMAP(data [][]float64, opts UMAPOptions) ([][]float64, error) {
	r, err := FitUMAP(data, opts)
	if err != nil {
		return nil, err
	}
	return r.Embedding, nil
}

// FitUMAP is [UMAP] returning, with the embedding, how it was made.
func FitUMAP(data [][]float64, opts UMAPOptions) (*UMAPResult, error) {
	opts = opts.withDefaults()
	x, err := toMatrix(data)
	if err != nil {
		return nil, fmt.Errorf("umap: %w", err)
	}
	if err := opts.validate(x.n); err != nil {
		return nil, err
	}
	a, b, err := FindABParams(opts.Spread, opts.MinDist)
	if err != nil {
		return nil, err
	}
	k := min(opts.NNeighbors, x.n-1)
	progress := func(stage string, done, total int) {
		if opts.Progress != nil {
			opts.Progress(stage, done, total)
		}
	}

	res := &UMAPResult{NNeighbors: k, A: a, B: b}
	progress("neighbors", 0, 1)
	var knn knnGraph
	if x.n < exactKNNLimit {
		knn = exactKNN(x, k)
		res.KNN = "exact"
	} else {
		knn = nnDescent(x, k, opts.Seed)
		res.KNN = "nn-descent"
	}
	progress("neighbors", 1, 1)

	g := fuzzySimplicialSet(knn)
	defaultEpochs := 500
	if x.n > 10000 {
		defaultEpochs = 200
	}
	nEpochs := opts.Epochs
	if nEpochs == 0 {
		nEpochs = defaultEpochs
	}
	g = g.prune(nEpochs, defaultEpochs)
	_, res.Components = g.components()
	res.Edges = len(g.head)
	res.Epochs = nEpochs

	dim := opts.NComponents
	var emb matrix
	if opts.Init == "random" {
		rng := rand.New(rand.NewPCG(opts.Seed, streamInitNoise))
		emb = matrix{n: x.n, d: dim, v: make([]float64, x.n*dim)}
		for i := range emb.v {
			emb.v[i] = 20*rng.Float64() - 10
		}
		res.Init = "random"
	} else {
		progress("spectral", 0, 1)
		emb, res.Init = spectralLayout(x, g, dim, rand.New(rand.NewPCG(opts.Seed, streamSpectral)))
		progress("spectral", 1, 1)
		noisyScale(emb, 10, 1e-4, rand.New(rand.NewPCG(opts.Seed, streamInitNoise)))
	}
	rescale(emb, 10)

	optimizeLayout(emb, g, nEpochs, a, b, opts.Seed, func(done, total int) { progress("optimize", done, total) })

	res.Embedding = make([][]float64, x.n)
	for i := range x.n {
		res.Embedding[i] = append([]float64(nil), emb.row(i)...)
	}
	return res, nil
}

func (o UMAPOptions) validate(n int) error {
	switch {
	case n < 3:
		return fmt.Errorf("umap: need at least 3 points, got %d", n)
	case o.NNeighbors < 2:
		return fmt.Errorf("umap: n_neighbors must be at least 2, got %d", o.NNeighbors)
	case o.NComponents < 1:
		return fmt.Errorf("umap: n_components must be at least 1, got %d", o.NComponents)
	case o.NComponents >= n-1:
		return fmt.Errorf("umap: n_components %d needs more than %d points, got %d", o.NComponents, o.NComponents+1, n)
	case o.Epochs < 0:
		return fmt.Errorf("umap: epochs must be >= 0 (0 = automatic), got %d", o.Epochs)
	case strings.ToLower(o.Metric) != "euclidean":
		return fmt.Errorf("umap: metric %q is not supported (only euclidean)", o.Metric)
	case o.Init != "spectral" && o.Init != "random":
		return fmt.Errorf("umap: init %q is not supported (spectral or random)", o.Init)
	}
	return nil
}

// toMatrix copies data into a dense matrix, checking that rows have one dimension and finite
// values.
func toMatrix(data [][]float64) (matrix, error) {
	if len(data) == 0 {
		return matrix{}, fmt.Errorf("no data points")
	}
	d := len(data[0])
	if d == 0 {
		return matrix{}, fmt.Errorf("data points have dimension 0")
	}
	x := matrix{n: len(data), d: d, v: make([]float64, len(data)*d)}
	for i, row := range data {
		if len(row) != d {
			return matrix{}, fmt.Errorf("point %d has dimension %d, point 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return matrix{}, fmt.Errorf("point %d, coordinate %d is %v (values must be finite)", i, j, v)
			}
		}
		copy(x.v[i*d:], row)
	}
	return x, nil
}

// noisyScale scales x so its largest absolute coordinate is maxCoord and adds Gaussian noise of
// the given standard deviation (umap-learn's noisy_scale_coords).
func noisyScale(x matrix, maxCoord, noise float64, rng *rand.Rand) {
	mx := 0.0
	for _, v := range x.v {
		mx = max(mx, math.Abs(v))
	}
	expansion := 1.0
	if mx > 0 {
		expansion = maxCoord / mx
	}
	for i := range x.v {
		x.v[i] = x.v[i]*expansion + noise*rng.NormFloat64()
	}
}

// rescale maps each coordinate linearly onto [0, to] (umap-learn rescales every initial layout
// so before optimising); a constant coordinate becomes to/2.
func rescale(x matrix, to float64) {
	for c := range x.d {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range x.n {
			lo = min(lo, x.v[i*x.d+c])
			hi = max(hi, x.v[i*x.d+c])
		}
		for i := range x.n {
			if hi > lo {
				x.v[i*x.d+c] = to * (x.v[i*x.d+c] - lo) / (hi - lo)
			} else {
				x.v[i*x.d+c] = to / 2
			}
		}
	}
}
