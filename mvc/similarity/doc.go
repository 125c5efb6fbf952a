// Package similarity measures how similar DNN feature representations (kernel maps) are to neural
// representations of mouse visual cortex cells, as in "Mice to Machines: Neural Representations
// from Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal), and adds the statistics the
// paper lacks. It sits after mvc/represent and mvc/embed in the project's data flow
// (data -> zoo/train -> represent -> embed -> similarity -> plots).
//
// Metrics:
//
//   - [RMSE] is the paper's Eq. 1 ("High-level representational analysis", Fig. 2) between a
//     kernel map of m x n and a neural map of any size: the neural map is resized to m x n by
//     area averaging ([Resize]: each output pixel is the mean of the source rectangle it covers,
//     source pixels cut at its edges weighted by the area inside), each of the two maps is
//     min-max scaled to [0, 1] ([MinMaxScale]: (v - min) / (max - min); a constant map becomes
//     all 0.5), and RMSE = sqrt(1/(mn) * sum_i (k_i - n_i)^2) over the scaled values, in [0, 1].
//   - [KDEIoU] is the paper's Eqs. 2-5 ("Single neuron-level analysis", Fig. 3): the overlap of
//     two sets of values. Each set gets a 1-D Gaussian kernel density estimate ([NewKDE]) with
//     Scott's bandwidth h = s * n^(-1/5), s the sample standard deviation (n - 1 in the
//     denominator) and n the set's size, exactly as scipy.stats.gaussian_kde. Both densities are
//     evaluated on one grid of [GridPoints] (512) evenly spaced points from the smaller of
//     min(a) - 3 h_a and min(b) - 3 h_b to the larger of max(a) + 3 h_a and max(b) + 3 h_b
//     (both supports, widened by [GridBandwidths] bandwidths), and IoU is the integral of their
//     pointwise minimum over the integral of their pointwise maximum, by the trapezoid rule
//     ([KDEOverlap]): 1 for identical sets, near 0 for sets far apart.
//   - Beyond the paper: representational similarity analysis ([RDM], [RSA]; Kriegeskorte, Mur and
//     Bandettini 2008) and linear centred kernel alignment ([LinearCKA]; Kornblith, Norouzi, Lee
//     and Hinton 2019).
//
// Statistics (beyond the paper, which calls differences "insignificant" without a test):
// percentile bootstrap confidence intervals ([BootstrapMean], [BootstrapGridMean], resampling
// cells and kernels), and a paired sign-flip permutation test ([PairedPermutationTest]) for
// NeuRN against non-NeuRN models, with Holm's step-down adjustment ([Holm]) across a family of
// tests. All are seeded and give the same numbers whatever GOMAXPROCS is.
//
// Aggregation (Fig. 2A and 2B): [Aggregate] takes per-cell neural maps with their metadata
// ([Cell]: area, Cre line, class, id) and per-model kernel maps ([Model], with and without
// NeuRN) and returns a [Table]: mean RMSE with its bootstrap CI per model x area x Cre line x
// class (and the pooled levels), and the NeuRN vs non-NeuRN comparisons with permutation
// p-values. [Table.Save] writes it atomically as CSV and JSON with its provenance.
// [CellsFromResult] and [MapsFromFloat32] turn mvc/represent's neural representations and
// kernel maps into this input.
package similarity
