// Package nn holds the convolution, pooling, normalization and resizing primitives that the model
// zoo (mvc/zoo, the paper's Table 1 and Figure 2B architectures) is built from, formulated to be
// fast on GoMLX's pure-Go backend and verified against GoMLX's native operations (values and
// gradients) or finite differences.
//
// GoMLX's pure-Go backend runs its native Convolve as a direct loop, while its matrix product is
// SIMD-accelerated when built with GOEXPERIMENT=simd; its other operations make one pass over
// memory each, Slice and Transpose one element at a time, Gather and Concatenate one memory copy
// per contiguous run. So:
//
//   - [Conv2D] is "im2col": the patches [batch*ho*wo, kh*kw*in] are gathered from the padded
//     images seen as rows (each window row is kw*in contiguous values, one copy) and multiplied by
//     the kernel reshaped to [kh*kw*in, out] in one product; the gradient of the gather is a
//     scatter-add of whole rows. Patch embeddings (stride = kernel) are one reshape and
//     transposition instead.
//   - [MatMul2D] is the product with hand-written gradients laid out for the backend: GoMLX's own
//     gradient of a . b with respect to b transposes both the (large) patch matrix and the incoming
//     gradient, and every DotGeneral gradient ends in a Transpose that the backend executes as a
//     copy; MatMul2D's transposes only the smaller of the two.
//   - [DepthwiseConv2D] is the sum over window offsets of shifted slices times per-channel weights.
//   - [MaxPool2D] and [AvgPool2D] take the running maximum or sum of shifted slices along the width
//     and then the height (2k slices instead of k*k), or a reshape and one reduction for tiling
//     windows (with a cheap gradient for the maximum); the backend's ReduceWindow is much slower.
//   - [Relu] and [BatchNormTrain] have hand-written gradients (2 passes instead of about 6; 7
//     instead of about 12, and GoMLX's Rsqrt has no gradient at all).
//   - [ResizeBilinear] and [AdaptiveAvgPool2D] are two products with constant matrices.
//
// The matrix products a graph builds here run one after another (a SchedulingBarrier on their
// small operand): the pure-Go backend deadlocks when all its workers wait inside products run in
// parallel by its executor (InceptionV3's training step did, every time). Each product still uses
// every core.
//
// On other backends (XLA) Conv2D and DepthwiseConv2D use GoMLX's Convolve, which XLA compiles
// well. [Padding] values follow the frameworks the architectures come from: [Same] is
// TensorFlow/Keras "same" (the odd unit after), [Symmetric] is PyTorch's padding=p. Images are
// [batch, height, width, channels] and kernels [kh, kw, in, out], GoMLX's and Keras' layouts.
//
// Facts about GoMLX v0.28.8 found while testing against it (pure-Go backend): the gradient of
// Convolve is wrong for some shapes (a 6x6 kernel on 12x12 images, with or without stride: patch
// embeddings), the gradient of a padded MeanPool fails, and Rsqrt has no gradient; this package's
// tests use finite differences where GoMLX cannot be the reference.
package nn
