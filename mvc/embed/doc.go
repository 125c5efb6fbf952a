// Package embed selects representative neural and feature representations the way the paper
// does ("Mice to Machines", Methods: "Neural representations" and "Artificial feature
// representations"): a UMAP embedding of the representations (n_neighbors 15, min_dist 0.1,
// euclidean), k-means with k = 10 on the embedding, and the 50 members nearest each cluster's
// centroid, giving 500 excitatory plus 500 inhibitory neural representations and 500 kernels
// per DNN model for the comparisons of package similarity (Figures 2 and 3).
//
// [UMAP] is a Go implementation of the reference algorithm of umap-learn (lmcinnes/umap;
// McInnes, Healy and Melville 2018, arXiv:1802.03426): exact nearest neighbours below 4,096
// points and nearest-neighbour descent (Dong, Moses and Li 2011) above, smooth kNN distances,
// the fuzzy union of local fuzzy simplicial sets, spectral initialisation (Lanczos on the
// normalized Laplacian, per connected component, random fallback), a and b fitted to min_dist
// and spread ([FindABParams]), and stochastic gradient descent with negative sampling. It
// passes umap-learn's own quality bars (trustworthiness >= 0.97 on iris, >= 0.8 on 50 uniform
// points; [Trustworthiness] is scikit-learn's measure). [KMeans] is k-means++ (Arthur and
// Vassilvitskii 2007) with restarts, [NearestToCentroids] the central members of each cluster,
// and [SelectCentral] and [SelectByClass] the paper's whole selection.
//
// Everything is deterministic for a given seed, whatever GOMAXPROCS: parallel work is split into
// chunks whose boundaries do not depend on the number of goroutines, each chunk writes only its
// own results, and the order-sensitive steps (heap updates of nearest-neighbour descent, the
// gradient descent, sums) run sequentially.
package embed
