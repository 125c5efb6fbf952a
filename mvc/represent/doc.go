// Package represent computes the representations that "Mice to Machines" (Qazi, Jalil, Iqbal)
// compares: neural representations of recorded (or simulated) cells, section "Neural
// Representations dataset", N = T^T . FS, with each cell's peak dF/F and time to peak; and
// feature representations of a trained network, section "Artificial feature representations":
// the kernels of a convolution layer reshaped to [F x C, H, W], and the layer's activations to
// the same stimuli.
//
// # Neural representation (DESIGN.md, exactly)
//
//   - FS: each of the n stimulus images, resized to h x w by area averaging, scaled to [0, 1] and
//     flattened; then each pixel centred across the n images (the mean image subtracted).
//   - T: for each image i, the cell's dF/F trace aligned at each presentation's start frame, for
//     tau frames (default: the frames in 1 s), averaged over that image's presentations. Blank
//     sweeps (image -1) are not images.
//   - N = T^T . FS gives tau maps of h x w. The representation is the map at the lag whose map has
//     the largest L2 norm (the peak lag); that lag, in seconds (lag / frame rate), is the cell's
//     time to peak.
//
// The peak dF/F of a cell is the largest value of T: the largest trial-averaged dF/F any image
// evokes within tau frames of its onset.
//
// In the project's data flow (data -> zoo/train -> represent -> embed -> similarity -> plots) this
// package turns package allen's traces and a model's weights into the maps the comparisons use.
package represent
