package main

import (
	"fmt"
	"io"

	"github.com/gomlx/compute/dtypes"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/neurn"
)

func init() {
	register("neurn", "apply NeuRN to images stored in a .npy file", runNeuRN)
}

func runNeuRN(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("neurn", "--k K [--per-channel] --in X.npy --out Y.npy",
		"Applies NeuRN (the paper's Neural Response Normalization) to a batch of images: X is a\n"+
			"float32 .npy array of shape [N,H,W,C] with values in [0,1] (numpy's layout); Y gets the\n"+
			"NeuRN output, same shape and dtype. Per image, channel and pixel: the population standard\n"+
			"deviation of the k x k window (cut at the borders), divided by the image's maximum.", stderr)
	k := fs.Int("k", neurn.DefaultKernelSize, "window size k (odd, >= 1)")
	perChannel := fs.Bool("per-channel", false, "normalize each channel by its own maximum instead of the image's")
	in := fs.String("in", "", "input .npy file (float32, [N,H,W,C])")
	out := fs.String("out", "", "output .npy file (written atomically)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return badInput("both --in and --out are required (see --help)")
	}
	if *k < 1 || *k%2 == 0 {
		return badInput("--k must be odd and >= 1, got %d", *k)
	}
	values, shape, err := data.ReadNPYFloat32(*in)
	if err != nil {
		return usageError{err}
	}
	if err := neurn.CheckImages(dtypes.Float32, shape); err != nil {
		return badInput("%s: %v", *in, err)
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	tr, err := neurn.NewTransformer(backend, *k, *perChannel)
	if err != nil {
		return err
	}
	result, err := tr.ApplyFlat(values, shape[0], shape[1], shape[2], shape[3])
	if err != nil {
		return badInput("%s: %v", *in, err)
	}
	// Written atomically: on any failure no output file is left behind.
	if err := data.WriteNPYFloat32(*out, result, shape); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: NeuRN k=%d per-channel=%v of %v images from %s\n", *out, *k, *perChannel, shape, *in)
	return nil
}
