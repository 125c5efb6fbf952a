package reproduce

import "github.com/mice2machines/mice2machines/mvc/plots"

func init() {
	register(11, plots.NormalizationsName,
		"NeuRN beside LRN (AlexNet) and LCN (Jarrett et al. 2009) on the same images", reproduceNormalizations)
}

func reproduceNormalizations(c *Context) error {
	opts := plots.DefaultNeuRNExamplesOptions()
	opts.Backend = c.Backend
	fig, err := plots.Normalizations(opts)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.NormalizationsName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}
