package reproduce

import (
	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/plots"
	"github.com/mice2machines/mice2machines/mvc/train"
)

func init() {
	registerTraining(60, dg.Table1Name,
		"Table 1: models +- NeuRN (+ RandConv) fine-tuned on one digit domain, tested on the others (runs in <out>/dg/table1)",
		func(c *Context) error { return reproduceDG(c, "table1") })
	registerTraining(61, dg.ProtocolTableName,
		"the literature's digits protocol: DigitNet on MNIST-10K, ERM / NeuRN / RandConv, published numbers beside (runs in <out>/dg/digits-protocol)",
		func(c *Context) error { return reproduceDG(c, "protocol") })
}

// reproduceDG trains the experiment's missing runs of the profile (none when its results are
// committed under figures/dg) and writes its tables (and, for Table 1, the figure of its
// +NeuRN minus bare differences); Table 1 runs start from the profile's
// default weights (dg.Table1Profile.InitFromCIFAR27), as "mvc dg" without --init.
func reproduceDG(c *Context, experiment string) error {
	fresh, err := dg.FreshInit(c.Profile, "")
	if err != nil {
		return err
	}
	j := dg.Job{Experiment: experiment, Profile: c.Profile, Out: c.Out, Log: c.Stdout, Watchdog: &train.Watchdog{}, FreshInit: fresh,
		Heartbeat: c.Heartbeat}
	paths, err := j.Run(c.Ctx, c.Backend)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	if experiment != "table1" {
		return nil
	}
	results, _, err := j.Finished()
	if err != nil {
		return err
	}
	paths, err = plots.SaveTable1Differences(c.Out, results)
	c.Wrote(paths...)
	return err
}
