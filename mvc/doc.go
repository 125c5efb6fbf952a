// Package mvc is the root of the mice2machines library: the shared plumbing every other package
// uses (which GoMLX backend computes, where real data is found, version information), and the
// home of the sub-packages that implement "Mice to Machines: Neural Representations from Visual
// Cortex for Domain Generalization" (Qazi, Jalil, Iqbal).
//
// Data flows one way through the sub-packages:
//
//	data -> (zoo, train) -> represent -> embed -> similarity -> plots -> figures and notebooks
//
// Package [github.com/mice2machines/mice2machines/mvc/neurn] holds the paper's NeuRN layer
// (section "Neural Response Normalization") and the LRN and LCN baselines it is contrasted with.
//
// # Profiles
//
// Every long computation (the CIFAR-27 fine-tuning, the comparison of Figures 2-3 and S4-S5, the
// Table 1 sweep and the digits protocol) comes in three sizes, named the same everywhere
// ("--profile" on the command line; comparison.Profiles, dg.Table1Profiles, dg.ProtocolProfiles):
//
//   - smoke: the whole path at toy sizes (DigitNet at width 0.125, a few batches, a few cells and
//     kernels); seconds; for tests and CI. The command line writes it to figures-smoke/ so that
//     it never overwrites the committed figures; its numbers only show that the path runs.
//   - quick: the default, and what the committed figures use: every model at a reduced width
//     (0.25 in the sweeps; zoo.QuickConfig), the paper's selection sizes in the comparison,
//     subsets of the training splits and a few epochs; feasible on a CPU with the pure-Go backend.
//   - paper: the paper's sizes: full widths, whole training splits with early stopping
//     (patience 5), 3 or more seeds; for XLA on a GPU.
//
// # Backends
//
// GoMLX compiles graphs for a backend: XLA (through a PJRT plugin, CPU or CUDA) or its pure-Go
// backend. [Backend] picks one without any network call and without panicking:
//
//  1. $GOMLX_BACKEND, when set, is used as given (e.g. "go", "xla:cuda").
//  2. Otherwise XLA, when this binary was built with cgo (the default where a C compiler exists;
//     build tag noxla removes it) and a PJRT plugin is already installed locally (searched in
//     $PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, /usr/local/lib/go-xla and the system
//     library paths). CUDA is preferred over CPU.
//  3. Otherwise GoMLX's pure-Go backend ("go"), which needs nothing installed.
//
// GoMLX's own default ("backends/default") would try to download XLA's plugin and panic offline;
// nothing in this project imports it.
package mvc
