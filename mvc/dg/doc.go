// Package dg runs the domain-generalization experiments of "Mice to Machines: Neural
// Representations from Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal): Table 1,
// where each model, with and without NeuRN, is fine-tuned on one digit domain (MNIST, USPS,
// SVHN, MNIST-M) and tested on the three others, and beside it the single-source protocol of
// the domain-generalization literature (DigitNet trained from scratch on the first 10,000 MNIST
// training images and tested on SVHN, MNIST-M, SYN and USPS; Volpi et al., NeurIPS 2018; Xu et
// al., ICLR 2021; Choi et al., CVPR 2023).
//
// It sits at the end of the training side of the project's data flow (data -> zoo/train -> dg
// -> figures): [Sweep] trains the [RunSpec]s, one or a few at a time, through package train,
// evaluates every target domain's test split and writes one JSON [RunResult] per run into a [Store]
// (atomically; a rerun skips finished runs, and an interrupted run resumes from its training
// checkpoint). [BuildTable] aggregates the stored results into mean +- standard deviation over
// seeds per model row and transfer column, and renders Markdown, HTML and CSV with the paper's
// own numbers beside them ([PaperTable1]). [RandConv] (Xu et al., ICLR 2021) is the published
// single-source baseline NeuRN is measured against.
//
// Models come from a [Factory] (package zoo through the command line), so this package does
// not depend on any architecture.
package dg
