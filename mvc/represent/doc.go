// Package represent computes the representations that "Mice to Machines" (Qazi, Jalil, Iqbal)
// compares: neural representations of recorded (or simulated) cells, section "Neural
// Representations dataset", N = T^T . FS, with each cell's peak dF/F and time to peak; and
// feature representations of a trained network, section "Artificial feature representations":
// the kernels of a convolution layer reshaped to [F x C, H, W], and the layer's activations to
// the same stimuli.
//
// # Neural representation
//
// The specification this package implements (and its tests check against plain loops):
//
//   - FS: each of the n stimulus images (8-bit greyscale) is scaled to [0, 1] (divided by 255),
//     resized to h x w by area averaging ([data.ResizeArea]) and flattened to h*w values; then
//     each pixel is centred across the n images (the mean image is subtracted). FS is n x (h*w).
//   - T: for each image i and lag l in [0, tau), the mean over image i's presentations of the
//     cell's dF/F at frame start+l, where start is the presentation's first frame; tau is
//     round(tau seconds x frame rate) frames (default 1 s). Blank sweeps (image -1) are not
//     images; every image must be shown at least once. T is n x tau.
//   - N = T^T . FS: tau maps of h x w, one per lag. The cell's representation is the map at the
//     peak lag, the lag whose map has the largest L2 norm (the first such lag on a tie); the
//     peak lag divided by the frame rate is the cell's time to peak, in seconds.
//
// The peak dF/F of a cell is the largest value of T: the largest trial-averaged dF/F any image
// evokes within tau frames of its onset.
//
// In the project's data flow (data -> zoo/train -> represent -> embed -> similarity -> plots) this
// package turns package allen's traces and a model's weights into the maps the comparisons use.
package represent
