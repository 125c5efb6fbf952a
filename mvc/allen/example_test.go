package allen_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// Reading an experiment file: metadata, the natural scenes stimulus table, one cell's trace. The
// file here was written by h5py with gzip-chunked datasets, as real files are.
func ExampleOpen() {
	f, err := allen.Open(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = f.Close() }()
	m, err := f.Metadata()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.ExperimentID, m.SessionType, m.CreLine, m.Class, m.Area, m.ImagingDepthUM, m.CellSpecimenIDs)
	table, err := f.NaturalScenes()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d presentations, first %+v\n", len(table), table[0])
	trace, err := f.Trace(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("cell 1: %d frames, dF/F at frame 10 = %.3f\n", len(trace), trace[10])
	// Output:
	// 501498760 three_session_B Sst inhibitory VISal 375 [517000001 517000002 517000003]
	// 12 presentations, first {Image:0 Start:10 End:17}
	// cell 1: 120 frames, dF/F at frame 10 = 1.010
}

// A small simulated survey: two areas, two Cre lines, a few cells each.
func ExampleSimulateSurvey() {
	dir, _ := os.MkdirTemp("", "allen-example")
	defer func() { _ = os.RemoveAll(dir) }()
	opts := allen.DefaultSimOptions()
	opts.Cells, opts.Stimulus = 4, allen.StimulusPink
	opts.Areas, opts.CreLines = []string{"VISp", "VISpm"}, []string{"Rorb", "Vip"}
	survey, err := allen.SimulateSurvey(dir, opts, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, sf := range survey.Files {
		f, err := allen.Open(sf.NWB)
		if err != nil {
			fmt.Println(err)
			return
		}
		m, _ := f.Metadata()
		table, _ := f.NaturalScenes()
		cells, frames, _ := f.Shape()
		fmt.Printf("%s: %s %s (%s), %d cells, %d frames, %d presentations\n",
			filepath.Base(sf.NWB), m.Area, m.CreLine, m.Class, cells, frames, len(table))
		_ = f.Close()
	}
	// Output:
	// VISp_Rorb.nwb: VISp Rorb (excitatory), 4 cells, 44745 frames, 5950 presentations
	// VISp_Vip.nwb: VISp Vip (inhibitory), 4 cells, 44745 frames, 5950 presentations
	// VISpm_Rorb.nwb: VISpm Rorb (excitatory), 4 cells, 44745 frames, 5950 presentations
	// VISpm_Vip.nwb: VISpm Vip (inhibitory), 4 cells, 44745 frames, 5950 presentations
}
