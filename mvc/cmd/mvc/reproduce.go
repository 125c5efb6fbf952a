package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/mice2machines/mice2machines/mvc"
)

func init() {
	register("reproduce", "regenerate the paper's figures and tables (the main job)", runReproduce)
}

// profiles of "mvc reproduce": how much of the paper's work to redo. Each step reads the profile
// to size its work (subsets, widths, epochs, seeds).
var profiles = map[string]string{
	"smoke": "a look in about a minute: tiny subsets and models, one seed (tests and CI)",
	"quick": "the default: every figure and table at reduced size on the CPU",
	"paper": "the paper's sizes (hours to days; meant for XLA on a GPU)",
}

// reproduceContext is what a reproduce step gets.
type reproduceContext struct {
	// Profile is "smoke", "quick" or "paper".
	Profile string
	// Out is the output directory (figures/ by default).
	Out string
	// Backend is the GoMLX backend every computation uses.
	Backend compute.Backend
	// Stdout receives progress lines.
	Stdout io.Writer
}

// Wrote reports written files on the step's output.
func (c *reproduceContext) Wrote(paths ...string) {
	for _, p := range paths {
		fmt.Fprintf(c.Stdout, "  wrote %s\n", p)
	}
}

// reproduceStep is one figure or table that "mvc reproduce" regenerates.
type reproduceStep struct {
	// order sorts the steps: later steps may read what earlier ones wrote (checkpoints, runs).
	order int
	// name identifies the step for --only (usually the figure's file name without extension).
	name string
	// what describes the step in one line.
	what string
	run  func(c *reproduceContext) error
}

var reproduceSteps []reproduceStep

// registerStep adds a step to "mvc reproduce"; each step lives in its own file and registers
// itself in an init function.
func registerStep(order int, name, what string, run func(c *reproduceContext) error) {
	for _, s := range reproduceSteps {
		if s.name == name {
			panic("mvc reproduce: step " + name + " registered twice")
		}
	}
	reproduceSteps = append(reproduceSteps, reproduceStep{order, name, what, run})
	sort.SliceStable(reproduceSteps, func(i, j int) bool { return reproduceSteps[i].order < reproduceSteps[j].order })
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	var steps strings.Builder
	for _, s := range reproduceSteps {
		fmt.Fprintf(&steps, "  %-24s %s\n", s.name, s.what)
	}
	fs := newFlagSet("reproduce", "[--profile smoke|quick|paper] [--out figures] [--only STEP,...]",
		"Regenerates the paper's figures and tables into --out, offline, on the backend that\n"+
			"\"mvc env\" reports. Every figure's caption and figures/README.md say where its data came\n"+
			"from. Profiles:\n"+
			"  smoke  "+profiles["smoke"]+"\n"+
			"  quick  "+profiles["quick"]+"\n"+
			"  paper  "+profiles["paper"]+"\n\n"+
			"Steps, in the order they run:\n"+steps.String(), stderr)
	profile := fs.String("profile", "quick", "smoke, quick or paper")
	out := fs.String("out", "", "output directory (default: figures; "+smokeOut+" for the smoke profile, so that a look does not overwrite the committed figures)")
	only := fs.String("only", "", "comma-separated steps to run (default: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := profiles[*profile]; !ok {
		return badInput("unknown --profile %q: want smoke, quick or paper", *profile)
	}
	if *out == "" {
		*out = defaultOut(*profile)
	}
	var selected []string
	if *only != "" {
		for name := range strings.SplitSeq(*only, ",") {
			name = strings.TrimSpace(name)
			if !slices.ContainsFunc(reproduceSteps, func(s reproduceStep) bool { return s.name == name }) {
				return badInput("--only: unknown step %q (see --help)", name)
			}
			selected = append(selected, name)
		}
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mvc reproduce: profile %s (%s), backend %s, output %s\n",
		*profile, profiles[*profile], mvc.ChooseBackend().Config, *out)
	ctx := &reproduceContext{Profile: *profile, Out: *out, Backend: backend, Stdout: stdout}
	start := time.Now()
	for _, s := range reproduceSteps {
		if len(selected) > 0 && !slices.Contains(selected, s.name) {
			continue
		}
		stepStart := time.Now()
		fmt.Fprintf(stdout, "- %s: %s\n", s.name, s.what)
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("step %s: %w", s.name, err)
		}
		fmt.Fprintf(stdout, "  (%s)\n", mvc.FormatDuration(time.Since(stepStart)))
	}
	fmt.Fprintf(stdout, "done in %s\n", mvc.FormatDuration(time.Since(start)))
	return nil
}

// smokeOut is where the smoke profile of reproduce, compare and dg writes by default: its
// tiny-model figures and tables are not the committed ones (figures/, the quick profile's) and
// must not replace them.
const smokeOut = "figures-smoke"

// defaultOut is the --out of reproduce, compare and dg when none is given: figures for quick
// and paper, smokeOut for smoke.
func defaultOut(profile string) string {
	if profile == "smoke" {
		return smokeOut
	}
	return "figures"
}
