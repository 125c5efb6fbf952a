package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// cifarRunsDir is where "mvc reproduce" keeps the CIFAR-27 fine-tuning runs, beside the
// figures (--out): later steps read their checkpoints, and reruns skip finished runs.
const cifarRunsDir = "runs"

// cifarProfile sizes the CIFAR-27 fine-tuning of one reproduce profile.
type cifarProfile struct {
	width          float64
	epochs, subset int
	steps, batch   int
	all            bool // every zoo model, or only DigitNet
	neurnVariants  []int
	description    string
}

var cifarProfiles = map[string]cifarProfile{
	// smoke: seconds; DigitNet only, narrow, a few batches.
	"smoke": {width: 0.125, epochs: 1, subset: 512, steps: 3, batch: 64, neurnVariants: []int{0, 3},
		description: "DigitNet at width 0.125, 1 epoch of 3 batches of 64 (a smoke test of the pipeline)"},
	// quick: every model at small width, a few epochs on a CIFAR-27 subset.
	"quick": {width: 0.25, epochs: 3, subset: 2700, batch: 256, all: true, neurnVariants: []int{0, 3},
		description: "every zoo model at width 0.25, 3 epochs on 2,700 CIFAR-27 training images"},
	// paper: full width, the paper's early stopping, the whole CIFAR-27 training set.
	"paper": {width: 1, epochs: train.DefaultMaxEpochs, batch: train.DefaultBatchSize, all: true, neurnVariants: []int{0, 3},
		description: "every zoo model at full width, early stopping (patience 5) on all 13,500 CIFAR-27 training images"},
}

func init() {
	registerStep(30, "train_cifar27",
		"fine-tune the models later figures need on CIFAR-27 (checkpoints in <out>/runs)", reproduceTrainCIFAR27)
}

// cifarRunName names a run's directory.
func cifarRunName(model string, k int, profile string) string {
	if k > 0 {
		return fmt.Sprintf("cifar27-%s-neurn%d-%s", model, k, profile)
	}
	return fmt.Sprintf("cifar27-%s-%s", model, profile)
}

func reproduceTrainCIFAR27(c *reproduceContext) error {
	p := cifarProfiles[c.Profile]
	if len(zooNames()) == 0 {
		fmt.Fprintln(c.Stdout, "  skipped: the model zoo (mvc/zoo) is not in this build yet")
		return nil
	}
	if _, ok := mvc.DataDir(); !ok {
		fmt.Fprintf(c.Stdout, "  skipped: $%s is not set, and CIFAR-27 (the CIFAR-100 binary files) does not ship with the code\n", mvc.DataEnvVar)
		return nil
	}
	trainSet, err := data.LoadCIFAR27("train")
	if err != nil {
		fmt.Fprintf(c.Stdout, "  skipped: %v\n", err)
		return nil
	}
	if p.subset > 0 {
		trainSet = trainSet.First(p.subset)
	}
	models := []string{"digitnet"}
	if p.all {
		models = zooNames()
	}
	type run struct {
		name string
		k    int
	}
	var runs []run
	for _, name := range models {
		for _, k := range p.neurnVariants {
			runs = append(runs, run{name, k})
		}
	}
	// The runs are independent: mvc.DefaultJobs of them train at once (a run's numbers do not
	// depend on it; figures/README.md).
	jobs := mvc.DefaultJobs()
	fmt.Fprintf(c.Stdout, "  %s; %s; %d runs, %d at a time\n", p.description, trainSet.Provenance, len(runs), jobs)
	shared := *c
	shared.Stdout = &lockedWriter{w: c.Stdout}
	// Runs finished before are reported (and their kernels exported) here; the others are
	// divided by claims with any other "mvc reproduce" sharing --out, each trained once.
	runsDir := filepath.Join(c.Out, cifarRunsDir)
	finished := func(i int) bool {
		_, ok := cifarRunDone(filepath.Join(runsDir, cifarRunName(runs[i].name, runs[i].k, c.Profile)))
		return ok
	}
	var todo []int
	done := 0
	for i := range runs {
		if !finished(i) {
			todo = append(todo, i)
			continue
		}
		if _, err := reproduceOneRun(context.Background(), &shared, p, trainSet, runs[i].name, runs[i].k); err != nil {
			return err
		}
		done++
	}
	var mu sync.Mutex
	start, trained := time.Now(), 0
	workers := &claim.Workers{
		Dir: runsDir, Jobs: jobs,
		Name: func(n int) string { return cifarRunName(runs[todo[n]].name, runs[todo[n]].k, c.Profile) },
		Done: func(n int) (bool, error) { return finished(todo[n]), nil },
		Waiting: func(n int, holder claim.Owner) {
			fmt.Fprintf(shared.Stdout, "  %s is being trained by %s: later\n",
				cifarRunName(runs[todo[n]].name, runs[todo[n]].k, c.Profile), holder)
		},
		Work: func(ctx context.Context, n int) error {
			i := todo[n]
			ran, err := reproduceOneRun(ctx, &shared, p, trainSet, runs[i].name, runs[i].k)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || !ran {
				return err
			}
			done++
			trained++
			// ETA from the trained runs' pace (skipped runs cost nothing).
			eta := time.Duration(float64(time.Since(start)) / float64(trained) * float64(len(runs)-done))
			fmt.Fprintf(shared.Stdout, "  %d of %d runs done, %s so far, ETA %s\n", done, len(runs),
				fmtSeconds(time.Since(start).Seconds()), fmtSeconds(eta.Seconds()))
			return nil
		},
	}
	if err := workers.Run(context.Background(), len(todo)); err != nil {
		return err
	}
	if others := len(runs) - done; others > 0 {
		fmt.Fprintf(shared.Stdout, "  %d of %d runs were trained by other processes sharing %s\n", others, len(runs), runsDir)
	}
	return nil
}

// cifarRunDone returns the summary of a finished CIFAR-27 run in dir, or false.
func cifarRunDone(dir string) (train.Summary, bool) {
	var s train.Summary
	raw, err := os.ReadFile(filepath.Join(dir, train.ResultFile))
	return s, err == nil && json.Unmarshal(raw, &s) == nil
}

// lockedWriter serializes the writes of concurrent jobs (each progress line is one Write).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// reproduceOneRun trains (or resumes, or skips when finished) one model; ran tells whether it
// trained.
func reproduceOneRun(ctx context.Context, c *reproduceContext, p cifarProfile, trainSet *data.Dataset, name string, k int) (ran bool, err error) {
	dir := filepath.Join(c.Out, cifarRunsDir, cifarRunName(name, k, c.Profile))
	if s, ok := cifarRunDone(dir); ok {
		fmt.Fprintf(c.Stdout, "  %s: done before (best validation accuracy %.3f at epoch %d), skipped\n",
			filepath.Base(dir), s.BestValAccuracy, s.BestEpoch)
		return false, exportKernels(c, dir, name, k)
	}
	spec := modelSpec{Model: name, NeuRN: k, Width: p.width, Classes: len(trainSet.ClassNames), Size: 32, Seed: 1}
	fn, err := buildModel(spec)
	if err != nil {
		return false, err
	}
	_, statErr := os.Stat(filepath.Join(dir, train.CheckpointFile))
	cfg := train.Config{
		Model: fn, ModelSpec: spec, Height: 32, Width: 32, Channels: 3, Classes: spec.Classes,
		BatchSize: p.batch, MaxEpochs: p.epochs, StepsPerEpoch: p.steps, Seed: spec.Seed,
		Dir: dir, Resume: statErr == nil, Watchdog: &train.Watchdog{},
	}
	start := time.Now()
	res, err := train.Run(ctx, c.Backend, cfg, trainSet, nil)
	if err != nil {
		return false, fmt.Errorf("training %s: %w", filepath.Base(dir), err)
	}
	last := res.Epochs[len(res.Epochs)-1]
	fmt.Fprintf(c.Stdout, "  %s: %d epochs, best validation accuracy %.3f (epoch %d), %.0f img/s, %s\n",
		filepath.Base(dir), len(res.Epochs), res.BestValAccuracy, res.BestEpoch, last.ImagesPerSecond,
		time.Since(start).Round(time.Millisecond))
	c.Wrote(filepath.Join(dir, train.CheckpointFile), filepath.Join(dir, train.MetricsFile))
	return true, exportKernels(c, dir, name, k)
}

// exportKernels writes the run's trained first-convolution kernels beside its checkpoint
// (comparison.KernelsFile, committed: a clone without the checkpoints draws the same comparison
// figures). A finished run whose checkpoint is gone keeps the export it has.
func exportKernels(c *reproduceContext, dir, name string, k int) error {
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); os.IsNotExist(err) {
		return nil
	}
	if err := comparison.ExportKernels(dir, name, k > 0); err != nil {
		return err
	}
	c.Wrote(filepath.Join(dir, comparison.KernelsFile))
	return nil
}
