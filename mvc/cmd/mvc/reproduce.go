package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mice2machines/mice2machines/mvc/reproduce"
	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// reproduceWorkerEnvVar marks the child process that "mvc reproduce" supervises when its steps
// train models (as workerEnvVar does for "mvc train").
const reproduceWorkerEnvVar = "MVC_REPRODUCE_WORKER"

func init() {
	register("reproduce", "regenerate the paper's figures and tables (the main job)", runReproduce)
	if os.Getenv(reproduceWorkerEnvVar) == "1" && len(os.Args) > 1 && os.Args[1] == "reproduce" {
		os.Exit(reproduceWorkerMain(os.Args[2:]))
	}
}

func reproduceWorkerMain(args []string) int {
	startWorker()
	return workerExit("reproduce", runReproduce(args, os.Stdout, os.Stderr))
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
	supervised := fs.Bool("supervise", true, "when a step trains models (train_cifar27, table1, table_digits_protocol), run the steps in a child process restarted on stalls and crashes; "+
		"each restart skips finished steps' work and resumes interrupted runs from their checkpoints")
	restarts := fs.Int("restarts", 5, "how many times the supervisor restarts a failed child process")
	slurmFlags := addSlurmFlags(fs, "mvc-cifar27")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *restarts < 0 {
		return badInput("--restarts must be >= 0")
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
	if os.Getenv(reproduceWorkerEnvVar) == "1" {
		o.Heartbeat = supervise.HeartbeatFromEnv()
	} else if *supervised && reproduce.Trains(o.Only) {
		// The child's own watchdog times each training step; the supervisor only catches a
		// child frozen beyond it, or one that died (the pure-Go backend can fault inside a step).
		return superviseSelf(ctx, child{command: "reproduce", args: args, envVar: reproduceWorkerEnvVar, what: "reproduction",
			restarts: *restarts, watchdog: train.Watchdog{MinTimeout: 10 * time.Minute}}, stdout, stderr)
	}
	return reproduce.Run(ctx, o)
}
