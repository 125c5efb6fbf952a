// Package neurn implements NeuRN, the Neural Response Normalization layer of "Mice to Machines:
// Neural Representations from Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal;
// section "Neural Response Normalization"), and the two normalizations the paper contrasts it
// with: Local Response Normalization ([LRN], Krizhevsky, Sutskever and Hinton 2012) and Local
// Contrast Normalization ([LCN], Jarrett et al. 2009).
//
// NeuRN maps an image to a "domain-agnostic" representation of its local contrast: for each
// image, each channel and each pixel, it takes the k x k window centred on the pixel (stride 1;
// at the borders the window is cut to the pixels inside the image) and computes the population
// standard deviation sigma of the window (divide by the count, no Bessel correction). The output
// is sigma / max(m, 1e-6), where m is the maximum of sigma over the image (all positions and
// channels; or per channel with the PerChannel option). A blank image maps to zeros, and the
// output has the input's shape. In the paper's notation: I_a = sigma_{p_k} / c, c = max(sigma).
//
// Images are [batch, height, width, channels] (GoMLX's default layout), float32 in [0,1].
//
// # Implementation
//
// The window sums are box sums computed with cumulative sums along height and width, so the cost
// is O(H x W) per channel whatever k. Sums are accumulated in float64 on values shifted by each
// image-channel's top-left pixel, which avoids the catastrophic cancellation of
// E[x^2] - E[x]^2 in float32 (errors of up to 6e-4 on flat patches). Gradients are finite
// everywhere, flat patches included (there the gradient of sigma is defined as 0).
//
// # Names
//
// Each normalization comes in two forms, named the same way. A builder, in the style of GoMLX
// layers, for use inside models, reads its defaults from the scope's hyperparameters and is
// finished with Done: [New] for NeuRN, [NewLRN] and [NewLCN]. A plain graph function takes every
// setting as an argument and is named after the normalization: [NeuRN], [LRN] and [LCN].
// [Transformer] applies NeuRN to tensors outside a model, and [Reference], [ReferenceLRN] and
// [ReferenceLCN] are plain-Go float64 evaluations of the specifications (the tests' oracles).
package neurn
