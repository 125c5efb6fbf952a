package embed

import (
	"fmt"
	"slices"
)

// Shortfall says what [SelectCentral] does when clusters have fewer members than PerCluster.
type Shortfall int

const (
	// Redistribute (the default) keeps the total at K x PerCluster (500 in the paper) whenever
	// there are that many vectors: the places a small cluster cannot fill go to the unselected
	// members of the other clusters nearest their own centroid (in the embedding), one at a
	// time, so each cluster still contributes its most central members first.
	Redistribute Shortfall = iota
	// KeepShort takes min(PerCluster, size) members from each cluster and nothing else: the
	// total is then below K x PerCluster when some cluster is small.
	KeepShort
)

// SelectOptions are the parameters of [SelectCentral]. Zero values select the paper's:
// UMAP with n_neighbors 15, min_dist 0.1, euclidean, then k-means with k = 10, then the 50
// members nearest each centroid.
type SelectOptions struct {
	NNeighbors int     // UMAP n_neighbors (default 15)
	MinDist    float64 // UMAP min_dist (default 0.1)
	K          int     // k-means clusters (default 10)
	PerCluster int     // central members per cluster (default 50)
	NInit      int     // k-means++ restarts (default 10)
	Shortfall  Shortfall
	Seed       uint64 // seeds UMAP and k-means
	// Progress, if not nil, receives UMAP's progress (see [UMAPOptions]).
	Progress func(stage string, done, total int)
}

// Selection is a set of representative vectors chosen by [SelectCentral].
type Selection struct {
	// Indices are the selected vectors (indices into the input), cluster by cluster, each
	// cluster's members nearest its centroid first.
	Indices []int
	// Cluster[i] is the cluster of Indices[i].
	Cluster []int
	// ClusterSizes[c] is the number of input vectors in cluster c (all of them, selected or
	// not); Selected[c] how many were selected from it.
	ClusterSizes []int
	Selected     []int
	// Embedding is the 2-D UMAP embedding of all the input vectors (nil when there were too
	// few vectors to embed).
	Embedding [][]float64
	// KMeans is the clustering of the embedding (nil when there was none).
	KMeans *KMeansResult
	// UMAP says how the embedding was made (nil when there was none).
	UMAP *UMAPResult
	// Note explains any departure from the plain rule (small clusters, too few vectors).
	Note string
}

func (o SelectOptions) withDefaults() SelectOptions {
	if o.NNeighbors == 0 {
		o.NNeighbors = DefaultNNeighbors
	}
	if o.MinDist == 0 {
		o.MinDist = DefaultMinDist
	}
	if o.K == 0 {
		o.K = 10
	}
	if o.PerCluster == 0 {
		o.PerCluster = 50
	}
	if o.NInit == 0 {
		o.NInit = 10
	}
	return o
}

// SelectCentral selects representative vectors the way the paper does (Methods, "Neural
// representations" and "Artificial feature representations"): a 2-D UMAP embedding of the
// vectors (n_neighbors 15, min_dist 0.1, euclidean), k-means (k = 10, k-means++ with restarts)
// on the embedding, then from each cluster the PerCluster (50) members nearest its centroid in
// the embedding: 500 in all. The paper applies it to excitatory and inhibitory neural
// representations separately ([SelectByClass]: 500 + 500) and to each model's kernels (500 per
// model).
//
// When a cluster has fewer than PerCluster members it contributes all of them; with the default
// Shortfall policy, Redistribute, the remaining places go to the most central unselected members
// of the other clusters so the total stays at K x PerCluster (see [Redistribute], [KeepShort]).
// With K x PerCluster vectors or fewer and Redistribute, every vector is selected. Too few
// vectors to embed and cluster (fewer than K, or than 4) are all selected, without clustering.
// Selection.Note records what happened.
func SelectCentral(vectors [][]float64, opts SelectOptions) (*Selection, error) {
	opts = opts.withDefaults()
	if opts.K < 1 || opts.PerCluster < 1 {
		return nil, fmt.Errorf("select central: K and PerCluster must be positive, got %d and %d", opts.K, opts.PerCluster)
	}
	if opts.Shortfall != Redistribute && opts.Shortfall != KeepShort {
		return nil, fmt.Errorf("select central: unknown shortfall policy %d", opts.Shortfall)
	}
	if _, err := toMatrix(vectors); err != nil {
		return nil, fmt.Errorf("select central: %w", err)
	}
	n := len(vectors)
	target := opts.K * opts.PerCluster
	sel := &Selection{}
	if n < opts.K || n < 4 {
		for i := range n {
			sel.Indices = append(sel.Indices, i)
			sel.Cluster = append(sel.Cluster, 0)
		}
		sel.ClusterSizes, sel.Selected = []int{n}, []int{n}
		sel.Note = fmt.Sprintf("%d vectors are too few to embed and cluster into %d clusters: all selected", n, opts.K)
		return sel, nil
	}
	umap, err := FitUMAP(vectors, UMAPOptions{NNeighbors: opts.NNeighbors, MinDist: opts.MinDist, Seed: opts.Seed, Progress: opts.Progress})
	if err != nil {
		return nil, fmt.Errorf("select central: %w", err)
	}
	km, err := KMeans(umap.Embedding, KMeansOptions{K: opts.K, NInit: opts.NInit, Seed: opts.Seed})
	if err != nil {
		return nil, fmt.Errorf("select central: %w", err)
	}
	order, err := NearestToCentroids(umap.Embedding, km, n) // every member, nearest first
	if err != nil {
		return nil, fmt.Errorf("select central: %w", err)
	}
	sel.Embedding, sel.KMeans, sel.UMAP = umap.Embedding, km, umap
	sel.ClusterSizes = append([]int(nil), km.Sizes...)
	sel.Selected = make([]int, opts.K)
	total := 0
	var small []int
	for c := range opts.K {
		sel.Selected[c] = min(opts.PerCluster, len(order[c]))
		total += sel.Selected[c]
		if len(order[c]) < opts.PerCluster {
			small = append(small, c)
		}
	}
	if len(small) > 0 {
		sel.Note = fmt.Sprintf("clusters %v have fewer than %d members and contribute all of them", small, opts.PerCluster)
	}
	if opts.Shortfall == Redistribute && total < target && total < n {
		// Fill the shortfall with the unselected members nearest their own centroid.
		var rest []neighbor
		for c := range opts.K {
			for _, i := range order[c][sel.Selected[c]:] {
				rest = append(rest, neighbor{sqDist(umap.Embedding[i], km.Centroids[c]), int32(i)})
			}
		}
		slices.SortFunc(rest, cmpNeighbor)
		extra := min(target, n) - total
		for _, nb := range rest[:extra] {
			sel.Selected[km.Labels[nb.j]]++
		}
		sel.Note += fmt.Sprintf("; %d places redistributed to the most central remaining members of the other clusters, keeping the total at %d", extra, min(target, n))
	} else if total < target && len(small) > 0 {
		sel.Note += fmt.Sprintf("; total %d, below %d (KeepShort)", total, target)
	}
	for c := range opts.K {
		for _, i := range order[c][:sel.Selected[c]] {
			sel.Indices = append(sel.Indices, i)
			sel.Cluster = append(sel.Cluster, c)
		}
	}
	return sel, nil
}

// ClassSelection is the selection made within one class of vectors.
type ClassSelection struct {
	Class string
	// Members are the indices (into the full vectors slice) of the class's vectors: row r of
	// Embedding and label r of KMeans belong to vector Members[r]. Indices are already mapped
	// to the full slice.
	Members []int
	*Selection
}

// SelectByClass runs [SelectCentral] separately within each class of vectors (class[i] is the
// class of vectors[i], e.g. "excitatory" and "inhibitory"). The paper's "from each cluster, we
// extracted 50 central neural representations for both excitatory and inhibitory neurons",
// giving 500 + 500, is read as one UMAP + k-means selection per class; the paper does not say
// more. Indices in each selection refer to the full vectors slice. Classes come in sorted order.
func SelectByClass(vectors [][]float64, class []string, opts SelectOptions) ([]ClassSelection, error) {
	if len(class) != len(vectors) {
		return nil, fmt.Errorf("select by class: %d class labels for %d vectors", len(class), len(vectors))
	}
	members := map[string][]int{}
	for i, c := range class {
		members[c] = append(members[c], i)
	}
	names := make([]string, 0, len(members))
	for c := range members {
		names = append(names, c)
	}
	slices.Sort(names)
	out := make([]ClassSelection, 0, len(names))
	for _, name := range names {
		idx := members[name]
		sub := make([][]float64, len(idx))
		for j, i := range idx {
			sub[j] = vectors[i]
		}
		sel, err := SelectCentral(sub, opts)
		if err != nil {
			return nil, fmt.Errorf("class %q: %w", name, err)
		}
		for j, i := range sel.Indices {
			sel.Indices[j] = idx[i]
		}
		out = append(out, ClassSelection{Class: name, Members: idx, Selection: sel})
	}
	return out, nil
}
