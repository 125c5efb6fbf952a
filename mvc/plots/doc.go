// Package plots builds the figures and tables of "Mice to Machines: Neural Representations from
// Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal) from the results of the other
// packages, with gonum.org/v1/plot. It sits at the end of the project's data flow
// (data -> zoo/train -> represent -> embed -> similarity -> plots) and writes into figures/, where
// figures/README.md records each figure's provenance.
//
// A [Figure] is something that draws itself on a gonum/plot canvas (a [*plot.Plot], an
// [ImageGrid], or any [Drawer]), a size, and a caption that states where its data came from.
// [Figure.Render] encodes it as PNG or SVG in memory (for notebooks) and [Figure.Save] writes
// name.png and name.svg atomically.
//
// Figures:
//
//   - [NeuRNExamples] (figures/neurn_examples.png, .svg) illustrates the paper's section
//     "Neural Response Normalization": real MNIST test digits and seeded synthetic images
//     (an illumination gradient, an MNIST-M-style colour background, a contrast and brightness
//     shift), each next to its NeuRN output for several window sizes k.
package plots
