package reproduce

import "github.com/mice2machines/mice2machines/mvc/plots"

func init() {
	register(10, plots.NeuRNExamplesName,
		"NeuRN on real MNIST digits and synthetic domain shifts, k = 3, 5, 7", reproduceNeuRNExamples)
}

func reproduceNeuRNExamples(c *Context) error {
	opts := plots.DefaultNeuRNExamplesOptions()
	opts.Backend = c.Backend
	fig, err := plots.NeuRNExamples(opts)
	if err != nil {
		return err
	}
	paths, err := fig.Save(c.Out, plots.NeuRNExamplesName)
	if err != nil {
		return err
	}
	c.Wrote(paths...)
	return nil
}
