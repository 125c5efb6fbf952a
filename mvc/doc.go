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
