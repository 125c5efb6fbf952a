package plots

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

// The cells of Supplementary Figure S3: an excitatory and an inhibitory Cre line in three areas.
var (
	S3Areas    = []string{"VISp", "VISal", "VISpm"}
	S3CreLines = []string{"Cux2", "Sst"}
)

// S1NaturalScenes builds Supplementary Figure S1 as the simulated cortex shows it: the stimulus
// images of the survey of opts (the choice of images depends on the seed only), drawn at
// 61 x 78, 1/15 of the real 918 x 1174. With real NWB files, use [NaturalScenes] on their
// templates instead.
func S1NaturalScenes(opts allen.SimOptions) (*Figure, error) {
	opts.Height, opts.Width = 61, 78
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		return nil, errors.Wrap(err, "S1 figure")
	}
	what := "BSDS500 photographs"
	if stim.Kind != allen.StimulusBSDS500 {
		what = "1/f noise images, no BSDS500 found"
	}
	title := fmt.Sprintf("The %d natural scenes (%s: %s)", stim.Images.N, allen.SimulatedLabel, what)
	caption := fmt.Sprintf("Supplementary Figure S1 as the %s shows it: the %d stimulus images of the simulated survey "+
		"(seed %d), drawn at %dx%d (the experiment files hold them at %dx%d). Images: %s. The Allen Brain Observatory's "+
		"own 118 natural scenes are not available offline; with real NWB files, plots.NaturalScenes draws their templates.",
		allen.SimulatedLabel, stim.Images.N, opts.Seed, opts.Height, opts.Width, allen.DefaultSimOptions().Height,
		allen.DefaultSimOptions().Width, stim.Provenance)
	return NaturalScenes(stim.Images, 10, title, caption)
}

// S3Traces builds Supplementary Figure S3 from a simulated survey: for each Cre line of
// S3CreLines (rows) and area of S3Areas (columns), the cell with the largest peak dF/F, its
// dF/F around the onsets of its preferred image, their mean and the peak.
func S3Traces(s *allen.Survey) (*Figure, error) {
	if s == nil {
		return nil, errors.New("S3 figure: nil survey")
	}
	var panels []*TracePanel
	var files []string
	for _, cre := range S3CreLines {
		for _, area := range S3Areas {
			path := filepath.Join(s.Dir, allen.FileBase(area, cre)+".nwb")
			f, err := allen.Open(path)
			if err != nil {
				return nil, errors.Wrap(err, "S3 figure")
			}
			p, err := TracePanelForFile(f, 0.5, 1.5)
			_ = f.Close()
			if err != nil {
				return nil, errors.Wrap(err, "S3 figure")
			}
			panels = append(panels, p)
			files = append(files, filepath.Base(path))
		}
	}
	opts := s.Options
	caption := fmt.Sprintf("Supplementary Figure S3 from the %s (simulated, not recorded; seed %d): in each of the files %s, "+
		"the cell with the largest peak dF/F (the maximum over images and lags of its trial-averaged response, 1 s window) "+
		"and its preferred image; grey: the dF/F of each of its %d presentations from 0.5 s before to 1.5 s after onset; "+
		"black: their mean; shaded: the %g s the image is shown; red dot: the peak dF/F at its time to peak. Top row excitatory "+
		"(Cux2), bottom row inhibitory (Sst). Survey: %d cells per file, %s.",
		allen.SimulatedLabel, opts.Seed, strings.Join(files, ", "), opts.Trials, opts.PresentationS, opts.Cells, s.StimulusProvenance)
	return DFFTraces(panels, 3, fmt.Sprintf("dF/F around image onsets (%s)", allen.SimulatedLabel), caption)
}
