package main

import (
	"fmt"
	"io"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/plots"
)

// profiles of "mvc reproduce": how much of the paper's work to redo. Later issues give each
// profile its own sizes (subsets, epochs, seeds); today every profile writes the NeuRN figure.
var profiles = map[string]string{
	"smoke": "a look in about a minute: small subsets, one seed",
	"quick": "the default: every figure and table at reduced size on the CPU",
	"paper": "the paper's sizes (hours to days; meant for XLA on a GPU)",
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reproduce", "[--profile smoke|quick|paper] [--out figures]",
		"Regenerates the paper's figures and tables into --out, offline, on the backend that\n"+
			"\"mvc env\" reports. Every figure's caption and figures/README.md say where its data came\n"+
			"from. Profiles:\n"+
			"  smoke  "+profiles["smoke"]+"\n"+
			"  quick  "+profiles["quick"]+"\n"+
			"  paper  "+profiles["paper"]+"\n\n"+
			"Figures written today: neurn_examples (NeuRN on real MNIST digits and synthetic domain\n"+
			"shifts, k = 3, 5, 7).", stderr)
	profile := fs.String("profile", "quick", "smoke, quick or paper")
	out := fs.String("out", "figures", "output directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := profiles[*profile]; !ok {
		return badInput("unknown --profile %q: want smoke, quick or paper", *profile)
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mvc reproduce: profile %s (%s), backend %s, output %s\n",
		*profile, profiles[*profile], mvc.ChooseBackend().Config, *out)

	start := time.Now()
	opts := plots.DefaultNeuRNExamplesOptions()
	opts.Backend = backend
	fig, err := plots.NeuRNExamples(opts)
	if err != nil {
		return err
	}
	paths, err := fig.Save(*out, "neurn_examples")
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "  wrote %s\n", p)
	}
	fmt.Fprintf(stdout, "done in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
