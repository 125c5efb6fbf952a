package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/reproduce"
	"github.com/mice2machines/mice2machines/mvc/runs"
)

func init() {
	register("compare", "compare neural representations with the models' kernels (Figures 2A, 2B, 3, S4, S5)", runCompare)
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "[--survey DIR | --nwb FILES] [--runs DIR] [--out figures] [--profile smoke|quick|paper] [--seed 42]",
		"Runs the paper's comparison end to end: neural representations of every cell of the NWB files\n"+
			"(--nwb, comma-separated paths or globs), of the simulated survey in --survey, or by default of the\n"+
			"cached simulated cortex (6 areas x 13 Cre lines; the smoke profile: VISp, VISal, VISpm x Cux2, Sst);\n"+
			"the first-convolution kernels of the profile's zoo models with and without NeuRN, from the CIFAR-27\n"+
			"checkpoints in --runs (<runs>/cifar27-<model>[-neurn3]-<profile>, as mvc reproduce writes them) or,\n"+
			"where there is none, the models' seeded initial weights (the captions say so); UMAP + k-means\n"+
			"selection as the paper; mean RMSE per model x area x Cre line x class with bootstrap CIs and NeuRN vs\n"+
			"base permutation tests. Writes the results table (compare_rmse.csv/.json,\n"+
			"compare_rmse_neurn_vs_base.csv) and the figures (PNG, SVG, caption) into --out.\n"+
			"Profiles: smoke (DigitNet, 4 x 5 members per class and model, 200 resamples, 23x30 maps),\n"+
			"quick (every model at width 0.25, the paper's 10 x 50), paper (full width).", stderr)
	survey := fs.String("survey", "", "folder of a simulated survey (survey.json), instead of the cached one")
	nwb := fs.String("nwb", "", "comma-separated NWB files or glob patterns (real Brain Observatory session B files)")
	runsDir := fs.String("runs", "", "folder of the CIFAR-27 fine-tuning runs (default: <out>/runs, where mvc reproduce puts them)")
	out := fs.String("out", "", "output folder (default: figures; "+reproduce.SmokeOut+" for the smoke profile)")
	profile := fs.String("profile", "quick", "smoke, quick or paper")
	seed := fs.Uint64("seed", 42, "seed of the selection, bootstrap and permutations")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		*out = reproduce.DefaultOut(*profile)
	}
	if *survey != "" && *nwb != "" {
		return badInput("give --survey or --nwb, not both")
	}
	if *runsDir == "" {
		*runsDir = filepath.Join(*out, runs.CIFAR27RunsDir)
	}
	p, err := comparison.LookupProfile(*profile)
	if err != nil {
		return usageError{err}
	}
	var files []string
	var data string
	switch {
	case *nwb != "":
		for pat := range strings.SplitSeq(*nwb, ",") {
			matches, err := filepath.Glob(pat)
			if err != nil || len(matches) == 0 {
				return badInput("--nwb: %q matches no file", pat)
			}
			files = append(files, matches...)
		}
		data = fmt.Sprintf("NWB files (%d): %s", len(files), strings.Join(files, ", "))
	default:
		var s *allen.Survey
		if *survey != "" {
			s, err = comparison.LoadSurvey(*survey)
		} else {
			s, err = allen.CachedSurvey(reproduce.SurveyOptions(*profile), nil)
		}
		if err != nil {
			return usageError{err}
		}
		files, data = comparison.SurveyFiles(s), comparison.SurveyDescription(s)
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	res, err := comparison.Run(files, data, comparison.Options{Profile: p, RunsDir: *runsDir, RunProfile: *profile,
		Backend: backend, Seed: *seed, Log: stdout})
	if err != nil {
		return err
	}
	paths, notes, err := comparison.SaveFigures(res, *out)
	for _, n := range notes {
		fmt.Fprintf(stdout, "  %s\n", n)
	}
	for _, path := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return err
}
