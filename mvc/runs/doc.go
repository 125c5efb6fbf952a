// Package runs trains a classifier of the paper's model zoo and reopens it later from its run
// directory alone: the notebook-sized entry point to the training behind Table 1 and the
// kernels of Figures 2-3.
//
// A [Spec] names the model (a zoo architecture or an ImageNet ONNX backbone, its width, NeuRN's
// window, the input size, the classes and the seed); it is what a run's checkpoint records, so
// [Open] rebuilds the trained model from the directory without being told what it is. [Train]
// fine-tunes as the paper's section "Training" says (Adam, learning rate 0.001, batch 256,
// softmax cross-entropy, early stopping on validation accuracy with patience 5, the best
// weights restored; package train) and [Run.Evaluate] measures the result on any dataset that
// package data loads by name:
//
//	r, err := runs.Train(ctx, runs.Spec{Model: zoo.DigitNet, NeuRN: 3}, "mnist", runs.Options{Dir: "runs/m-neurn"})
//	ev, err := r.Evaluate(ctx, "mnistm") // accuracy on MNIST-M's test split
//
// The command line's "mvc train" and "mvc eval" are this package behind flags.
package runs
