package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mice2machines/mice2machines/mvc/reproduce"
)

func init() {
	register("reproduce", "regenerate the paper's figures and tables (the main job)", runReproduce)
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	var steps strings.Builder
	for _, s := range reproduce.Steps() {
		fmt.Fprintf(&steps, "  %-24s %s\n", s.Name, s.What)
	}
	fs := newFlagSet("reproduce", "[--profile smoke|quick|paper] [--out figures] [--only STEP,...]",
		"Regenerates the paper's figures and tables into --out, offline, on the backend that\n"+
			"\"mvc env\" reports. Every figure's caption and figures/README.md say where its data came\n"+
			"from. Profiles:\n"+
			"  smoke  "+reproduce.Profiles["smoke"]+"\n"+
			"  quick  "+reproduce.Profiles["quick"]+"\n"+
			"  paper  "+reproduce.Profiles["paper"]+"\n\n"+
			"Steps, in the order they run:\n"+steps.String()+"\n"+
			"On a Slurm cluster, --only "+cifar27Step+" with --slurm-script or --slurm-submit writes or submits a\n"+
			"job array whose tasks share that step's runs (the README's \"On a cluster\").", stderr)
	profile := fs.String("profile", "quick", "smoke, quick or paper")
	out := fs.String("out", "", "output directory (default: figures; "+reproduce.SmokeOut+" for the smoke profile, so that a look does not overwrite the committed figures)")
	only := fs.String("only", "", "comma-separated steps to run (default: all)")
	rebuild := fs.String("rebuild-checkpoints", "", "comma-separated models (or all) whose finished CIFAR-27 runs lack a checkpoint (a clone has only their summaries): "+
		cifar27Step+" trains them again, checks each against its committed history epoch by epoch, and keeps the checkpoint that later steps start from")
	slurmFlags := addSlurmFlags(fs, "mvc-cifar27")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o := reproduce.Options{Profile: *profile, Out: *out, Stdout: stdout, RebuildCheckpoints: splitList(*rebuild)}
	if *only != "" {
		for name := range strings.SplitSeq(*only, ",") {
			o.Only = append(o.Only, strings.TrimSpace(name))
		}
	}
	// Interrupted (Ctrl-C, or SIGTERM from a scheduler), a training step saves its checkpoint at
	// the step reached before the command exits, so the next run resumes there.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if done, err := slurmFlags.handleReproduce(ctx, fs, o, stdout, stderr); done || err != nil {
		return err
	}
	return reproduce.Run(ctx, o)
}
