package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/plots"
	"github.com/mice2machines/mice2machines/mvc/reproduce"
	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// dgWorkerEnvVar marks the sweep child process that "mvc dg" supervises (as workerEnvVar does
// for "mvc train").
const dgWorkerEnvVar = "MVC_DG_WORKER"

// dgExperiments are the experiments "mvc dg --experiment" accepts.
var dgExperiments = []string{"table1", "protocol"}

func init() {
	register("dg", "domain-generalization sweeps: Table 1 and the digits protocol, resumable", runDG)
	if os.Getenv(dgWorkerEnvVar) == "1" && len(os.Args) > 1 && os.Args[1] == "dg" {
		os.Exit(dgWorkerMain(os.Args[2:]))
	}
}

func dgWorkerMain(args []string) int {
	startWorker()
	return workerExit("dg", runDG(args, os.Stdout, os.Stderr))
}

// dgOptions are the parsed flags of "mvc dg".
type dgOptions struct {
	profile, out, onnx     string
	init                   string
	experiments, models    []string
	variants               []string
	seeds, restarts, jobs  int
	supervise, quiet, keep bool
	tablesOnly, verbose    bool
	lease                  time.Duration
}

func runDG(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dg", "[--profile smoke|quick|paper] [--experiment table1,protocol] [--models a,b] [--seeds N] [--jobs N] [--out figures]",
		"Runs the domain-generalization sweeps and writes their tables into --out:\n"+
			"  table1    the paper's Table 1: each model, with and without NeuRN (and with RandConv for a\n"+
			"            few), fine-tuned on one digit domain (from its CIFAR-27 run in <out>/runs, step\n"+
			"            train_cifar27 of \"mvc reproduce\", when there is one; see --init) and tested on\n"+
			"            the others -> table1.md, .html, .csv, table1_in_domain.csv, table1_verdict.csv,\n"+
			"            table1_runs.csv, table1_paper.csv, table1_neurn_minus_bare.png/.svg/.caption.txt\n"+
			"  protocol  the literature's protocol: DigitNet from scratch on MNIST images 0-9,999, ERM,\n"+
			"            +NeuRN, +RandConv, +NeuRN+RandConv -> table_digits_protocol.md, .csv, _runs.csv\n"+
			"Each finished run is one JSON file in <out>/dg/<experiment>/ (spec, seed, epochs, source\n"+
			"validation accuracy, every target's accuracy, wall time, data provenance); a rerun skips\n"+
			"finished runs and resumes an interrupted one from its checkpoint in <out>/runs/dg/. The\n"+
			"tables hold the profile's seeds and every later seed the store holds for the same settings\n"+
			"(runs a --seeds N sweep left). S is SVHN when its files are found, else SYN (the tables say\n"+
			"so). The sweep runs in a child process restarted when it dies or stalls.\n\n"+
			"Several \"mvc dg\" processes with the same flags may run at once, on this machine or on\n"+
			"machines sharing --out: each run is trained by the one that claims it (a claim file beside\n"+
			"its checkpoint, renewed while it trains); runs claimed by others are skipped and looked at\n"+
			"again at the end, a claim whose process died is taken over (at once on the same machine,\n"+
			"after --lease elsewhere) and its run resumed. Each process exits when every run is done.\n"+
			"On a Slurm cluster, --slurm-script or --slurm-submit write or submit a job array whose tasks\n"+
			"are such processes (the README's \"On a cluster\").\n\nProfiles:\n"+dgProfileHelp(), stderr)
	var o dgOptions
	var experiments, models string
	fs.StringVar(&o.profile, "profile", "quick", "smoke, quick or paper")
	fs.StringVar(&experiments, "experiment", "table1,protocol", "comma-separated: table1, protocol")
	fs.StringVar(&models, "models", "", "comma-separated Table 1 models of the profile to train (default: all); the tables still show every model's stored runs")
	var variants string
	fs.StringVar(&variants, "variants", "", "comma-separated protocol rows to run: erm, neurn, randconv, neurn+randconv (default: all; the table shows what is done)")
	fs.IntVar(&o.seeds, "seeds", 0, "number of seeds (default: the profile's)")
	fs.IntVar(&o.jobs, "jobs", 0, "runs trained at once (default: 2 on GoMLX's pure-Go backend with 2 or more cores, else 1); a run's numbers do not depend on it")
	fs.StringVar(&o.out, "out", "", "output folder (tables; results in <out>/dg; default: figures, "+reproduce.SmokeOut+" for the smoke profile)")
	fs.StringVar(&o.init, "init", "", "Table 1 initial weights: cifar27 (the model's CIFAR-27 run in <out>/runs, as the paper; an error where it is missing) or none (fresh weights); default: the profile's choice (smoke, quick and paper: the CIFAR-27 run when there is one, else fresh weights with a note)")
	fs.StringVar(&o.onnx, "onnx", "", "an ImageNet-trained ONNX model: adds the Table 1 model \"onnx\" (a backbone with a new head)")
	fs.BoolVar(&o.tablesOnly, "tables-only", false, "train nothing: write the tables from the results already stored")
	fs.BoolVar(&o.keep, "keep-checkpoints", false, "keep each finished run's training checkpoint in <out>/runs/dg")
	fs.BoolVar(&o.supervise, "supervise", true, "run the sweep in a child process restarted on stalls and crashes")
	fs.IntVar(&o.restarts, "restarts", 5, "how many times the supervisor restarts a failed sweep process")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.verbose, "verbose", false, "also show each run's per-epoch progress")
	fs.DurationVar(&o.lease, "lease", claim.DefaultLease, "lease of a run's claim: how long after its process stopped renewing it (a machine died) another process may take the run over")
	slurmFlags := addSlurmFlags(fs, "mvc-dg")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := dg.Table1Profiles[o.profile]; !ok {
		return badInput("unknown --profile %q: want smoke, quick or paper", o.profile)
	}
	if o.out == "" {
		o.out = reproduce.DefaultOut(o.profile)
	}
	for _, e := range strings.Split(experiments, ",") {
		e = strings.TrimSpace(e)
		if !slices.Contains(dgExperiments, e) {
			return badInput("--experiment %q: want table1 or protocol", e)
		}
		o.experiments = append(o.experiments, e)
	}
	if models != "" {
		for _, m := range strings.Split(models, ",") {
			o.models = append(o.models, strings.ToLower(strings.TrimSpace(m)))
		}
	}
	if variants != "" {
		for _, v := range strings.Split(variants, ",") {
			v = strings.ToLower(strings.TrimSpace(v))
			if !slices.Contains(dg.ProtocolVariants, v) {
				return badInput("--variants %q: want some of %s", v, strings.Join(dg.ProtocolVariants, ", "))
			}
			o.variants = append(o.variants, v)
		}
	}
	freshInit, err := dg.FreshInit(o.profile, o.init)
	if err != nil {
		return badInput("--init: %v", err)
	}
	if o.seeds < 0 || o.restarts < 0 || o.jobs < 0 {
		return badInput("--seeds, --restarts and --jobs must be >= 0")
	}
	if o.lease < time.Second {
		return badInput("--lease must be at least 1s, got %s", o.lease)
	}
	if o.onnx != "" {
		abs, err := filepath.Abs(o.onnx)
		if err != nil {
			return badInput("--onnx %s: %v", o.onnx, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return badInput("--onnx %s: %v", o.onnx, err)
		}
		o.onnx = abs
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if done, err := slurmFlags.handle(ctx, fs, &o, stdout, stderr); done || err != nil {
		return err
	}
	if o.supervise && !o.tablesOnly && os.Getenv(dgWorkerEnvVar) != "1" {
		if err := superviseDG(ctx, args, o, stdout, stderr); err != nil {
			return err
		}
		o.tablesOnly = true // the child trained; write the tables here too (cheap, same result)
		o.quiet = true
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	var log, progress io.Writer = stderr, nil
	if o.quiet {
		log = nil
	} else if o.verbose {
		progress = stderr
	}
	for _, e := range o.experiments {
		j := dg.Job{
			Experiment: e, Profile: o.profile, Out: o.out, Models: o.models, Seeds: o.seeds, Jobs: o.jobs, ONNX: o.onnx,
			FreshInit: freshInit, RequireCIFAR27: o.init == "cifar27", Variants: o.variants, TablesOnly: o.tablesOnly, KeepCheckpoints: o.keep,
			Log: log, TrainProgress: progress, Lease: o.lease,
		}
		if os.Getenv(dgWorkerEnvVar) == "1" {
			j.Watchdog, j.Heartbeat = &train.Watchdog{}, supervise.HeartbeatFromEnv()
		}
		paths, err := j.Run(ctx, backend)
		if err != nil {
			return err
		}
		if e == "table1" {
			results, _, err := j.Finished()
			if err != nil {
				return err
			}
			figure, err := plots.SaveTable1Differences(o.out, results)
			if err != nil {
				return err
			}
			paths = append(paths, figure...)
		}
		if !o.quiet {
			for _, p := range paths {
				fmt.Fprintf(stdout, "wrote %s\n", p)
			}
		}
	}
	return nil
}

// dgProfileHelp describes the profiles for --help.
func dgProfileHelp() string {
	var b strings.Builder
	for _, name := range []string{"smoke", "quick", "paper"} {
		fmt.Fprintf(&b, "  %s: Table 1: %s (cost: %s).\n    Protocol: %s (cost: %s).\n", name,
			dg.Table1Profiles[name].Description, dg.Table1Profiles[name].Cost,
			dg.ProtocolProfiles[name].Description, dg.ProtocolProfiles[name].Cost)
	}
	return b.String()
}

// superviseDG re-executes this program as the sweep child and restarts it when it dies or
// stalls; each restart skips the finished runs and resumes the interrupted one. Models differ in
// step time by orders of magnitude within one sweep: the child's own watchdog (per run) is the
// precise one; the supervisor only catches a frozen child. With several runs in flight (--jobs)
// their heartbeats interleave: the supervisor times the step begun last, so it may miss a
// stalled run (its own watchdog does not) but never sees a stall that is not there.
func superviseDG(ctx context.Context, args []string, o dgOptions, stdout, stderr io.Writer) error {
	return superviseSelf(ctx, child{command: "dg", args: args, envVar: dgWorkerEnvVar, what: "sweep",
		restarts: o.restarts, watchdog: train.Watchdog{MinTimeout: 10 * time.Minute}}, stdout, stderr)
}
