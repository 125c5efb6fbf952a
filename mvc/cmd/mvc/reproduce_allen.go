package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

func init() {
	registerStep(40, plots.NaturalScenesName,
		"Supplementary Figure S1: the 118 natural scenes (simulated cortex's stimulus images)", reproduceNaturalScenes)
	registerStep(41, plots.DFFTracesName,
		"Supplementary Figure S3: dF/F traces of six cells around image onsets (simulated cortex)", reproduceDFFTraces)
}

// allenCacheEnv names the folder where simulated surveys are kept between runs (default: the
// user's cache folder, mice2machines/allen).
const allenCacheEnv = "MVC_CACHE"

// allenSurveyOptions are the simulated-survey options of a reproduce profile: the whole default
// survey (6 areas x 13 Cre lines, 10 cells each, about 220 MB, seconds to write) for quick and
// paper; for smoke only the three areas and two lines that Supplementary Figure S3 shows.
func allenSurveyOptions(profile string) allen.SimOptions {
	o := allen.DefaultSimOptions()
	if profile == "smoke" {
		o.Areas, o.CreLines = s3Areas, s3CreLines
	}
	return o
}

// The cells of Supplementary Figure S3: an excitatory and an inhibitory line in three areas.
var (
	s3Areas    = []string{"VISp", "VISal", "VISpm"}
	s3CreLines = []string{"Cux2", "Sst"}
)

// allenSimulatedSurvey simulates, or finds already simulated, the survey of opts in the cache
// ($MVC_CACHE/allen/survey-<hash of the options>, by default under the user's cache folder), so
// that the Allen figures and later steps share it. Later steps (comparisons) should call it with
// allenSurveyOptions(c.Profile).
func allenSimulatedSurvey(c *reproduceContext, opts allen.SimOptions) (*allen.Survey, error) {
	root := os.Getenv(allenCacheEnv)
	if root == "" {
		if d, err := os.UserCacheDir(); err == nil {
			root = filepath.Join(d, "mice2machines")
		} else {
			root = filepath.Join(os.TempDir(), "mice2machines-cache")
		}
	}
	// "auto" images depend on what $MVC_DATA holds: key the cache on the images used.
	keyed := opts
	keyed.Stimulus = opts.ResolvedStimulus()
	key, _ := json.Marshal(keyed)
	sum := sha256.Sum256(key)
	dir := filepath.Join(root, "allen", "survey-"+hex.EncodeToString(sum[:6]))
	s, err := allen.SimulateSurvey(dir, opts, nil)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Stdout, "  %s: %d experiment files in %s (%d reused)\n", allen.SimulatedLabel, len(s.Files), dir, s.Resumed)
	return s, nil
}

func reproduceNaturalScenes(c *reproduceContext) error {
	opts := allenSurveyOptions(c.Profile)
	// The same images as the survey's templates (the choice depends on the seed only), drawn at
	// 1/15 of the real 918 x 1174 instead of the files' 46 x 59.
	opts.Height, opts.Width = 61, 78
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		return err
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
	fig, err := plots.NaturalScenes(stim.Images, 10, title, caption)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.NaturalScenesName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}

func reproduceDFFTraces(c *reproduceContext) error {
	s, err := allenSimulatedSurvey(c, allenSurveyOptions(c.Profile))
	if err != nil {
		return err
	}
	var panels []*plots.TracePanel
	var files []string
	for _, cre := range s3CreLines {
		for _, area := range s3Areas {
			path := filepath.Join(s.Dir, allen.FileBase(area, cre)+".nwb")
			f, err := allen.Open(path)
			if err != nil {
				return err
			}
			p, err := plots.TracePanelForFile(f, 0.5, 1.5)
			_ = f.Close()
			if err != nil {
				return err
			}
			panels = append(panels, p)
			files = append(files, filepath.Base(path))
		}
	}
	opts := allenSurveyOptions(c.Profile)
	caption := fmt.Sprintf("Supplementary Figure S3 from the %s (simulated, not recorded; seed %d): in each of the files %s, "+
		"the cell with the largest peak dF/F (the maximum over images and lags of its trial-averaged response, 1 s window) "+
		"and its preferred image; grey: the dF/F of each of its %d presentations from 0.5 s before to 1.5 s after onset; "+
		"black: their mean; shaded: the %g s the image is shown; red dot: the peak dF/F at its time to peak. Top row excitatory "+
		"(Cux2), bottom row inhibitory (Sst). Survey: %d cells per file, %s.",
		allen.SimulatedLabel, opts.Seed, strings.Join(files, ", "), opts.Trials, opts.PresentationS, opts.Cells, s.StimulusProvenance)
	fig, err := plots.DFFTraces(panels, 3, fmt.Sprintf("dF/F around image onsets (%s)", allen.SimulatedLabel), caption)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.DFFTracesName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}
