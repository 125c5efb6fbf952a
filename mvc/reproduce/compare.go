package reproduce

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

func init() {
	register(50, similarity.DefaultTableName,
		"the comparison's results table: mean RMSE per model x area x Cre line x class, bootstrap CIs, NeuRN vs base tests (simulated cortex)",
		reproduceCompareTable)
	for i, name := range comparison.FigureNames {
		what := map[string]string{
			comparison.Fig2A: "Figure 2A: mean RMSE with vs without NeuRN per genotype, with CIs",
			comparison.Fig2B: "Figure 2B: mean RMSE heatmap, models x areas and Cre lines",
			comparison.Fig3:  "Figure 3: KDE of cell and kernel values with KDE-IoU",
			comparison.FigS4: "Supplementary Figure S4: VISal dF/F overlaid with kernel responses",
			comparison.FigS5: "Supplementary Figure S5: VISpm dF/F overlaid with kernel responses",
		}[name]
		order := 51 + min(i, 3) // 51 fig2a, 52 fig2b, 53 fig3, 54 s4 and s5
		register(order, name, what, func(c *Context) error { return reproduceCompareFigure(c, name) })
	}
}

// compareCache keeps the comparison of one (profile, out) so that steps 50-54 compute it once.
var compareCache struct {
	sync.Mutex
	key string
	res *comparison.Result
}

// compareResult returns the comparison of the reproduce profile on the cached simulated survey
// (the Allen steps' survey), with the CIFAR-27 checkpoints of step train_cifar27 where they exist:
// computed once per process, and kept on disk by comparison.Cached, which the notebooks share.
func compareResult(c *Context) (*comparison.Result, error) {
	compareCache.Lock()
	defer compareCache.Unlock()
	key := c.Profile + "\x00" + c.Out
	if compareCache.res != nil && compareCache.key == key {
		return compareCache.res, nil
	}
	p, err := comparison.LookupProfile(c.Profile)
	if err != nil {
		return nil, err
	}
	s, err := allenSimulatedSurvey(c, SurveyOptions(c.Profile))
	if err != nil {
		return nil, err
	}
	res, err := comparison.Cached(comparison.SurveyFiles(s), comparison.SurveyDescription(s), comparison.Options{Profile: p,
		RunsDir: filepath.Join(c.Out, runs.CIFAR27RunsDir), RunProfile: c.Profile, Backend: c.Backend, Seed: 42, Log: c.Stdout})
	if err != nil {
		return nil, err
	}
	if res.AnyUntrained() {
		fmt.Fprintf(c.Stdout, "  note: some kernels are untrained (initial) weights, see the captions: %s\n", res.KernelSources())
	}
	compareCache.key, compareCache.res = key, res
	return res, nil
}

func reproduceCompareTable(c *Context) error {
	res, err := compareResult(c)
	if err != nil {
		return err
	}
	paths, err := res.Table.Save(c.Out, similarity.DefaultTableName)
	c.Wrote(paths...)
	return err
}

func reproduceCompareFigure(c *Context, name string) error {
	res, err := compareResult(c)
	if err != nil {
		return err
	}
	paths, note, err := res.SaveFigure(c.Out, name)
	if note != "" {
		fmt.Fprintf(c.Stdout, "  %s\n", note)
	}
	c.Wrote(paths...)
	return err
}
