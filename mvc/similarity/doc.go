// Package similarity measures how similar DNN feature representations (kernel maps) are to neural
// representations of mouse visual cortex cells, as in "Mice to Machines: Neural Representations
// from Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal), and adds the statistics the
// paper lacks. It sits after mvc/represent and mvc/embed in the project's data flow
// (data -> zoo/train -> represent -> embed -> similarity -> plots).
//
// Metrics:
//
//   - [RMSE] is the paper's Eq. 1 ("High-level representational analysis", Fig. 2), as specified
//     in DESIGN.md: the neural map is resized to the kernel's m x n by area averaging ([Resize]),
//     each map is min-max scaled to [0,1] ([MinMaxScale]; a constant map becomes 0.5), and
//     RMSE = sqrt(mean squared difference).
//   - [KDEIoU] is the paper's Eqs. 2-5 ("Single neuron-level analysis", Fig. 3): 1-D Gaussian
//     kernel density estimates ([NewKDE], bandwidth by Scott's rule exactly as
//     scipy.stats.gaussian_kde) compared by intersection over union, integral of min over
//     integral of max on a shared grid of [GridPoints] points ([KDEOverlap]).
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
