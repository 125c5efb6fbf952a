package reproduce

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/train"
)

func init() {
	registerTraining(30, "train_cifar27",
		"fine-tune the models later figures need on CIFAR-27 (checkpoints in <out>/runs)", reproduceTrainCIFAR27)
}

// reproduceTrainCIFAR27 is the CIFAR-27 fine-tuning step (runs.FineTuneCIFAR27): runs finished
// before are reported, the others divided by claims with any other "mvc reproduce" sharing
// --out; every finished run's first-convolution kernels are exported beside it.
func reproduceTrainCIFAR27(c *Context) error {
	p, err := runs.LookupCIFAR27(c.Profile)
	if err != nil {
		return err
	}
	if _, ok := mvc.DataDir(); !ok {
		fmt.Fprintf(c.Stdout, "  skipped: $%s is not set, and CIFAR-27 (the CIFAR-100 binary files) does not ship with the code\n", mvc.DataEnvVar)
		return nil
	}
	start := time.Now()
	trainSet, err := data.LoadCIFAR27("train")
	if err != nil {
		fmt.Fprintf(c.Stdout, "  skipped: %v\n", err)
		return nil
	}
	_, err = runs.FineTuneCIFAR27(c.Ctx, filepath.Join(c.Out, runs.CIFAR27RunsDir), p, trainSet, runs.FineTuneOptions{
		Backend: c.Backend, Log: c.Stdout, RebuildCheckpoints: c.RebuildCheckpoints, Heartbeat: c.Heartbeat,
		After: func(dir string, run runs.CIFAR27Run, trained bool) error {
			if trained {
				// A rebuilt checkpoint (--rebuild-checkpoints) leaves the run's metrics and
				// summary as they were: only files written since the step started are reported.
				for _, name := range []string{train.CheckpointFile, train.MetricsFile, train.ResultFile} {
					if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.ModTime().Before(start) {
						c.Wrote(filepath.Join(dir, name))
					}
				}
			}
			return exportKernels(c, dir, run.Spec.Model, run.Spec.NeuRN)
		},
	})
	// The summary says what is finished, also when the step stopped early.
	path := filepath.Join(c.Out, "cifar27_"+p.Name+".md")
	md := runs.CIFAR27SummaryMarkdown(p, runs.SummarizeCIFAR27(filepath.Join(c.Out, runs.CIFAR27RunsDir), p))
	if werr := mvc.WriteFileAtomic(path, func(f *os.File) error { _, e := f.WriteString(md); return e }); werr != nil {
		return errors.Join(err, werr)
	}
	c.Wrote(path)
	return err
}

// exportKernels writes the run's trained first-convolution kernels beside its checkpoint
// (comparison.KernelsFile, committed: a clone without the checkpoints draws the same comparison
// figures). A finished run whose checkpoint is gone keeps the export it has.
func exportKernels(c *Context, dir, name string, k int) error {
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); os.IsNotExist(err) {
		return nil
	}
	if err := comparison.ExportKernels(dir, name, k > 0); err != nil {
		return err
	}
	c.Wrote(filepath.Join(dir, comparison.KernelsFile))
	return nil
}
