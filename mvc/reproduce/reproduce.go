// Package reproduce regenerates the paper's figures and tables, step by step, into a folder:
// NeuRN on real digits and beside LRN and LCN; the datasets (Fig. S2, the digit domains); the
// simulated cortex's natural scenes and dF/F traces (Figs. S1, S3); the CIFAR-27 fine-tuning of
// every model (section "Training"); the comparison of kernels with neural representations (the
// results table, Figs. 2A, 2B, 3, S4, S5); and Table 1 with the literature's digits protocol.
// It is what "mvc reproduce" runs, and what a notebook calls to redo one figure:
//
//	err := reproduce.Run(ctx, reproduce.Options{Profile: "smoke", Out: "figures-smoke", Only: []string{"fig3_kde"}})
//
// Each step sizes its work by the profile (smoke, quick, paper; see package mvc) and says in its
// captions, and in figures/README.md, where its data came from.
package reproduce

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/mice2machines/mice2machines/mvc"
)

// Profiles describes the reproduction profiles: how much of the paper's work to redo. Each step
// reads the profile to size its work (subsets, widths, epochs, seeds).
var Profiles = map[string]string{
	"smoke": "a look in about a minute: tiny subsets and models, one seed (tests and CI)",
	"quick": "the default: every figure and table at reduced size on the CPU",
	"paper": "the paper's sizes (hours to days; meant for XLA on a GPU)",
}

// SmokeOut is where the smoke profile writes by default: its tiny-model figures and tables are
// not the committed ones (figures/, the quick profile's) and must not replace them.
const SmokeOut = "figures-smoke"

// DefaultOut is the output folder of a profile when none is given: figures for quick and paper,
// [SmokeOut] for smoke.
func DefaultOut(profile string) string {
	if profile == "smoke" {
		return SmokeOut
	}
	return "figures"
}

// Context is what a step gets.
type Context struct {
	// Ctx cancels the step's long computations.
	Ctx context.Context
	// Profile is "smoke", "quick" or "paper".
	Profile string
	// Out is the output directory (figures/ by default).
	Out string
	// Backend is the GoMLX backend every computation uses.
	Backend compute.Backend
	// Stdout receives progress lines.
	Stdout io.Writer
	// RebuildCheckpoints is Options.RebuildCheckpoints.
	RebuildCheckpoints []string
	// Heartbeat is Options.Heartbeat.
	Heartbeat io.Writer
}

// Wrote reports written files on the step's output.
func (c *Context) Wrote(paths ...string) {
	for _, p := range paths {
		fmt.Fprintf(c.Stdout, "  wrote %s\n", p)
	}
}

// Step is one figure or table that [Run] regenerates.
type Step struct {
	// Name identifies the step (usually the figure's file name without extension).
	Name string
	// What describes the step in one line.
	What string
	// Trains tells whether the step trains models (resumable, for minutes to days): "mvc
	// reproduce" runs the steps in a supervised child process when one of these is among them.
	Trains bool
	order  int
	run    func(c *Context) error
}

var steps []Step

// register adds a step; each step lives in its own file and registers itself in an init
// function. order sorts the steps: later steps may read what earlier ones wrote (checkpoints,
// runs).
func register(order int, name, what string, run func(c *Context) error) {
	for _, s := range steps {
		if s.Name == name {
			panic("reproduce: step " + name + " registered twice")
		}
	}
	steps = append(steps, Step{Name: name, What: what, order: order, run: run})
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].order < steps[j].order })
}

// registerTraining adds a step that trains models (Step.Trains).
func registerTraining(order int, name, what string, run func(c *Context) error) {
	register(order, name, what, run)
	steps[slices.IndexFunc(steps, func(s Step) bool { return s.Name == name })].Trains = true
}

// Trains tells whether the steps named in only (all steps when empty) include one that trains
// models.
func Trains(only []string) bool {
	return slices.ContainsFunc(steps, func(s Step) bool { return s.Trains && (len(only) == 0 || slices.Contains(only, s.Name)) })
}

// Steps lists the steps in the order they run.
func Steps() []Step { return slices.Clone(steps) }

// Options configure [Run].
type Options struct {
	// Profile is "smoke", "quick" (the default) or "paper".
	Profile string
	// Out is the output folder (default [DefaultOut] of the profile).
	Out string
	// Only, when set, runs only these steps (by name).
	Only []string
	// Backend runs the computations (nil: mvc.Backend).
	Backend compute.Backend
	// Stdout receives progress lines (nil: discarded).
	Stdout io.Writer
	// RebuildCheckpoints names the models (or "all") whose finished CIFAR-27 runs get their
	// missing checkpoints back by the train_cifar27 step (runs.FineTuneOptions.RebuildCheckpoints):
	// a clone has the runs' summaries but not the checkpoints Table 1 starts from.
	RebuildCheckpoints []string
	// Heartbeat, when set, receives the training steps' step heartbeats (train.Config.Heartbeat)
	// for a supervising process (package supervise).
	Heartbeat io.Writer
}

// Run runs the steps of a profile in order (or only those named), each reporting what it wrote.
func Run(ctx context.Context, o Options) error {
	if o.Profile == "" {
		o.Profile = "quick"
	}
	if _, ok := Profiles[o.Profile]; !ok {
		return mvc.InputErrorf("unknown profile %q: want smoke, quick or paper", o.Profile)
	}
	if o.Out == "" {
		o.Out = DefaultOut(o.Profile)
	}
	for _, name := range o.Only {
		if !slices.ContainsFunc(steps, func(s Step) bool { return s.Name == name }) {
			names := make([]string, len(steps))
			for i, s := range steps {
				names[i] = s.Name
			}
			return mvc.InputErrorf("unknown step %q: want one of %s", name, strings.Join(names, ", "))
		}
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Backend == nil {
		b, err := mvc.Backend()
		if err != nil {
			return err
		}
		o.Backend = b
	}
	fmt.Fprintf(o.Stdout, "mvc reproduce: profile %s (%s), backend %s, output %s\n",
		o.Profile, Profiles[o.Profile], mvc.ChooseBackend().Config, o.Out)
	c := &Context{Ctx: ctx, Profile: o.Profile, Out: o.Out, Backend: o.Backend, Stdout: o.Stdout, RebuildCheckpoints: o.RebuildCheckpoints,
		Heartbeat: o.Heartbeat}
	start := time.Now()
	for _, s := range steps {
		if len(o.Only) > 0 && !slices.Contains(o.Only, s.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		stepStart := time.Now()
		fmt.Fprintf(o.Stdout, "- %s: %s\n", s.Name, s.What)
		if err := s.run(c); err != nil {
			return fmt.Errorf("step %s: %w", s.Name, err)
		}
		fmt.Fprintf(o.Stdout, "  (%s)\n", mvc.FormatDuration(time.Since(stepStart)))
	}
	fmt.Fprintf(o.Stdout, "done in %s\n", mvc.FormatDuration(time.Since(start)))
	return nil
}
