package represent_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/represent"
)

// Neural representations of the cells of a (simulated) experiment file: one h x w map per cell
// (N = T^T . FS at the peak lag), its time to peak and its peak dF/F.
func ExampleFromFile() {
	dir, _ := os.MkdirTemp("", "represent-example")
	defer func() { _ = os.RemoveAll(dir) }()
	opts := allen.DefaultSimOptions()
	opts.Cells, opts.Images, opts.Trials, opts.BlankSweeps = 3, 20, 10, 5
	opts.Stimulus = allen.StimulusPink
	opts.Areas, opts.CreLines = []string{"VISal"}, []string{"Cux2"}
	if _, err := allen.SimulateSurvey(dir, opts, nil); err != nil {
		fmt.Println(err)
		return
	}
	f, err := allen.Open(filepath.Join(dir, "VISal_Cux2.nwb"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = f.Close() }()
	res, err := represent.FromFile(f, represent.Options{Height: 23, Width: 29})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s (%s): %d cells, maps %dx%d, tau %d frames at %.0f Hz\n",
		res.Metadata.Area, res.Metadata.CreLine, res.Metadata.Class, len(res.Cells), res.Height, res.Width, res.Tau, res.FrameRate)
	for _, c := range res.Cells {
		fmt.Printf("cell %d: time to peak %.2f s\n", c.SpecimenID, c.TimeToPeak)
	}
	// Output:
	// VISal Cux2 (excitatory): 3 cells, maps 23x29, tau 30 frames at 30 Hz
	// cell 9000002020000: time to peak 0.37 s
	// cell 9000002020001: time to peak 0.30 s
	// cell 9000002020002: time to peak 0.33 s
}

// The kernels of a convolution layer as the paper's feature representations: a GoMLX kernel
// [kh, kw, in, out] becomes out*in maps of kh x kw.
func ExampleKernelMaps() {
	// A 2x2 kernel, 1 input channel, 2 filters: filter 0 is [[1 2] [3 4]], filter 1 its negative.
	kernel := []float32{1, -1, 2, -2, 3, -3, 4, -4}
	maps, err := represent.KernelMaps(kernel, 2, 2, 1, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(maps[:4], maps[4:])
	// Output: [1 2 3 4] [-1 -2 -3 -4]
}
