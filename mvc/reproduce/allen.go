package reproduce

import (
	"fmt"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

func init() {
	register(40, plots.NaturalScenesName,
		"Supplementary Figure S1: the 118 natural scenes (simulated cortex's stimulus images)", reproduceNaturalScenes)
	register(41, plots.DFFTracesName,
		"Supplementary Figure S3: dF/F traces of six cells around image onsets (simulated cortex)", reproduceDFFTraces)
}

// SurveyOptions are the simulated-survey options of a profile, which the Allen figures and the
// comparison share (one cache, allen.CachedSurvey): the whole default survey (6 areas x 13 Cre
// lines, 10 cells each, about 220 MB, seconds to write) for quick and paper; for smoke only the
// three areas and two lines that Supplementary Figure S3 shows.
func SurveyOptions(profile string) allen.SimOptions {
	o := allen.DefaultSimOptions()
	if profile == "smoke" {
		o.Areas, o.CreLines = plots.S3Areas, plots.S3CreLines
	}
	return o
}

// allenSimulatedSurvey returns the cached simulated survey of opts (see allen.CachedSurvey), so
// that the Allen figures and later steps share it.
func allenSimulatedSurvey(c *Context, opts allen.SimOptions) (*allen.Survey, error) {
	s, err := allen.CachedSurvey(opts, nil)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Stdout, "  %s: %d experiment files in %s (%d reused)\n", allen.SimulatedLabel, len(s.Files), s.Dir, s.Resumed)
	return s, nil
}

func reproduceNaturalScenes(c *Context) error {
	fig, err := plots.S1NaturalScenes(SurveyOptions(c.Profile))
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

func reproduceDFFTraces(c *Context) error {
	s, err := allenSimulatedSurvey(c, SurveyOptions(c.Profile))
	if err != nil {
		return err
	}
	fig, err := plots.S3Traces(s)
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
