package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// workerEnvVar marks the training child process that "mvc train" supervises: a re-execution of
// this program whose init (below) runs the training directly, with --supervise=false. An
// environment variable rather than a command line lets the same interception work in the test
// binary.
const workerEnvVar = "MVC_TRAIN_WORKER"

func init() {
	register("train", "fine-tune a model (zoo name or ONNX backbone) on a dataset, resumable", runTrain)
	register("eval", "evaluate a training checkpoint on a dataset (accuracy as JSON)", runEval)
	if os.Getenv(workerEnvVar) == "1" && len(os.Args) > 1 && os.Args[1] == "train" {
		os.Exit(workerMain(os.Args[2:]))
	}
}

// workerMain runs the supervised training child and maps its outcome to an exit status.
func workerMain(args []string) int {
	startWorker()
	return workerExit("train", runTrain(args, os.Stdout, os.Stderr))
}

// loadData loads a split of a dataset by name (data.Load), its first n images when n > 0.
func loadData(name, split string, n int, seed uint64) (*data.Dataset, error) {
	d, err := data.Load(name, split, data.DomainOptions{N: n, Seed: seed})
	if err != nil {
		if errors.Is(err, mvc.ErrInput) {
			return nil, err
		}
		return nil, fmt.Errorf("dataset %s (%s split) is not available: %w", name, split, err)
	}
	return d, nil
}

// trainOptions are the parsed flags of "mvc train".
type trainOptions struct {
	spec                           runs.Spec
	data, out, init                string
	epochs, batch, patience, steps int
	subset                         int
	lr                             float64
	resume, supervise, quiet       bool
	waitLock                       bool
	restarts                       int
	augment                        train.Augment
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train",
		"--model NAME|--onnx FILE [--neurn K] --data "+strings.Join(data.Names(), "|")+
			" [--width W] [--epochs E] [--init CKPT] --out DIR [--resume]",
		"Fine-tunes a model as the paper does (Adam, learning rate 0.001, batch 256, softmax\n"+
			"cross-entropy, early stopping on validation accuracy with patience 5, restoring the best\n"+
			"weights); 10% of the training split, seeded, is held out for validation. --model names an\n"+
			"architecture of the zoo (see \"mvc zoo list\"); --onnx uses an ImageNet-trained ONNX model as\n"+
			"the backbone under a new head. --neurn K puts NeuRN with window K first.\n\n"+
			"DIR receives checkpoint.bin after every epoch (weights, optimizer state, random state, early\n"+
			"stopping counters), metrics.jsonl (one JSON object per epoch) and result.json at the end.\n"+
			"--resume continues a killed run with the same result as an uninterrupted one. Training runs\n"+
			"in a child process that is restarted from its last checkpoint when it dies or a step stalls\n"+
			"(--restarts times), so long sweeps finish unattended; it dies with this process.\n\n"+
			"DIR is locked while a run trains into it: a second \"mvc train\" on it exits with status 1\n"+
			"and a message naming the process that holds it, or waits with --wait-lock.", stderr)
	var o trainOptions
	fs.StringVar(&o.spec.Model, "model", "", "zoo architecture (lower case, e.g. digitnet, resnet18)")
	fs.StringVar(&o.spec.ONNX, "onnx", "", "ONNX model file to use as the backbone instead of --model")
	fs.StringVar(&o.spec.ONNXOutput, "onnx-output", "", "ONNX node output used as features (default: the model's first output)")
	fs.IntVar(&o.spec.NeuRN, "neurn", 0, "NeuRN window size k as the first layer (0: no NeuRN)")
	fs.Float64Var(&o.spec.Width, "width", 1, "width multiplier of the architecture")
	fs.IntVar(&o.spec.Size, "size", 32, "input images are resized to size x size x 3")
	fs.Uint64Var(&o.spec.Seed, "seed", 1, "seed of the initialisation, validation split and shuffling")
	fs.StringVar(&o.spec.Init, "kernel-init", "", "kernel initializer: empty for the architecture's reference, "+zoo.InitHe+
		" for He normal with fan-out (the quick profile's VGG19)")
	fs.StringVar(&o.data, "data", "", "training data: "+strings.Join(data.Names(), ", "))
	fs.StringVar(&o.out, "out", "", "run directory (checkpoints, metrics)")
	fs.StringVar(&o.init, "init", "", "checkpoint (run directory) to initialise the weights from; the head is new when class counts differ")
	fs.IntVar(&o.epochs, "epochs", train.DefaultMaxEpochs, "maximum number of epochs (early stopping usually ends sooner)")
	fs.IntVar(&o.batch, "batch", train.DefaultBatchSize, "batch size")
	fs.Float64Var(&o.lr, "lr", train.DefaultLearningRate, "Adam's learning rate")
	fs.IntVar(&o.patience, "patience", train.DefaultPatience, "early stopping patience in epochs (negative: none)")
	fs.IntVar(&o.subset, "subset", 0, "use only the first N training images (0: all)")
	fs.IntVar(&o.steps, "steps", 0, "at most N batches per epoch (0: all), for smoke runs")
	fs.IntVar(&o.augment.Shift, "shift", 0, "augmentation: move each training image by up to N pixels (zero fill)")
	fs.BoolVar(&o.augment.FlipLR, "flip", false, "augmentation: mirror each training image left-right with probability 1/2 (not for digits)")
	fs.BoolVar(&o.resume, "resume", false, "continue the run saved in --out")
	fs.BoolVar(&o.supervise, "supervise", true, "train in a child process restarted on stalls and crashes (false: in this process)")
	fs.IntVar(&o.restarts, "restarts", 5, "how many times the supervisor restarts a failed training process")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&o.waitLock, "wait-lock", false, "when another process trains into --out, wait for it to finish instead of exiting")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.supervise && os.Getenv(workerEnvVar) != "1" {
		return superviseTraining(ctx, args, o, stdout, stderr)
	}
	return trainInProcess(ctx, o, stdout, stderr)
}

// check validates the flags that need no data.
func (o *trainOptions) check() error {
	switch {
	case o.spec.Model == "" && o.spec.ONNX == "":
		return badInput("--model NAME or --onnx FILE is required (see --help)")
	case o.spec.Model != "" && o.spec.ONNX != "":
		return badInput("--model and --onnx are exclusive")
	case o.out == "":
		return badInput("--out DIR is required")
	case o.spec.NeuRN < 0 || (o.spec.NeuRN > 0 && o.spec.NeuRN%2 == 0):
		return badInput("--neurn must be 0 (none) or odd, got %d", o.spec.NeuRN)
	case !(o.spec.Width > 0):
		return badInput("--width must be > 0, got %g", o.spec.Width)
	case o.spec.Init != "" && o.spec.Init != zoo.InitHe:
		return badInput("--kernel-init must be empty (the architecture's) or %q, got %q", zoo.InitHe, o.spec.Init)
	case o.spec.Init != "" && o.spec.ONNX != "":
		return badInput("--kernel-init does not apply to an ONNX backbone, which keeps its weights")
	case o.spec.Size < 1:
		return badInput("--size must be >= 1, got %d", o.spec.Size)
	case o.epochs < 1:
		return badInput("--epochs must be >= 1, got %d", o.epochs)
	case o.batch < 1:
		return badInput("--batch must be >= 1, got %d", o.batch)
	case !(o.lr > 0):
		return badInput("--lr must be > 0, got %g", o.lr)
	case o.subset < 0 || o.steps < 0 || o.augment.Shift < 0:
		return badInput("--subset, --steps and --shift must be >= 0")
	case o.restarts < 0:
		return badInput("--restarts must be >= 0")
	}
	if o.spec.ONNX != "" {
		o.spec.Model = runs.ONNX
		abs, err := filepath.Abs(o.spec.ONNX)
		if err != nil {
			return badInput("--onnx %s: %v", o.spec.ONNX, err)
		}
		o.spec.ONNX = abs
	}
	probe := o.spec
	probe.Classes = 1 // known once the data is loaded
	if err := probe.Validate(); err != nil {
		return err
	}
	if o.patience == 0 {
		o.patience = -1 // the flag's 0 means no early stopping, like a negative value
	}
	return nil
}

// superviseTraining re-executes this program as the training child and restarts it from its
// last checkpoint when it stalls or dies. The supervisor holds the run directory's lock for the
// whole run, restarts included, and hands it to each child (which would otherwise wait for its
// own parent).
func superviseTraining(ctx context.Context, args []string, o trainOptions, stdout, stderr io.Writer) error {
	lock, err := train.LockDir(ctx, o.out, o.waitLock)
	if err != nil {
		return lockError(err)
	}
	defer func() { _ = lock.Unlock() }()
	return superviseSelf(ctx, child{command: "train", args: args, envVar: workerEnvVar, what: "training", lock: lock,
		resume: true, restarts: o.restarts}, stdout, stderr)
}

// lockError says how to wait for a run directory in use.
func lockError(err error) error {
	if errors.Is(err, train.ErrBusy) {
		return fmt.Errorf("%w (--wait-lock waits for it to finish)", err)
	}
	return err
}

// trainInProcess loads the data and trains (runs.TrainOn), printing the run's summary as JSON.
func trainInProcess(ctx context.Context, o trainOptions, stdout, stderr io.Writer) error {
	trainSet, err := loadData(o.data, "train", o.subset, o.spec.Seed)
	if err != nil {
		return err
	}
	if o.init != "" {
		if _, err := train.LoadCheckpoint(o.init); err != nil {
			return usageError{fmt.Errorf("--init: %w", err)}
		}
	}
	opts := runs.Options{Dir: o.out, Epochs: o.epochs, BatchSize: o.batch, LearningRate: o.lr, Patience: o.patience,
		StepsPerEpoch: o.steps, Init: o.init, Resume: o.resume, WaitLock: o.waitLock, Heartbeat: supervise.HeartbeatFromEnv(),
		Augment: o.augment}
	if !o.quiet {
		opts.Progress = stderr
	}
	if os.Getenv(workerEnvVar) == "1" {
		opts.Watchdog = &train.Watchdog{}
	}
	fmt.Fprintf(stderr, "mvc train: %s on %s (%d images: %s), backend %s, run directory %s\n",
		o.spec, trainSet.Name, trainSet.N, trainSet.Provenance, mvc.ChooseBackend().Config, o.out)
	start := time.Now()
	r, err := runs.TrainOn(ctx, o.spec, trainSet, opts)
	if err != nil {
		if errors.Is(err, train.ErrBusy) {
			return lockError(err)
		}
		if strings.Contains(err.Error(), "already holds a checkpoint") || strings.Contains(err.Error(), "cannot resume") {
			return usageError{err}
		}
		return err
	}
	js, _ := json.Marshal(map[string]any{
		"run": o.out, "model": r.Spec, "data": trainSet.Name, "epochs": len(r.History),
		"best_epoch": r.BestEpoch, "best_val_accuracy": r.BestValAccuracy, "stopped_early": r.StoppedEarly,
		"resumed": r.Resumed, "seconds": time.Since(start).Seconds(),
	})
	fmt.Fprintln(stdout, string(js))
	return nil
}

// evalResult is what "mvc eval" prints.
type evalResult struct {
	Checkpoint string  `json:"checkpoint"`
	Data       string  `json:"data"`
	Split      string  `json:"split"`
	Images     int     `json:"images"`
	Accuracy   float64 `json:"accuracy"`
	Loss       float64 `json:"loss"`
	BestEpoch  int     `json:"best_epoch"`
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "--ckpt DIR --data "+strings.Join(data.Names(), "|")+" [--split test|train] [--subset N]",
		"Evaluates the best weights of a training run (its checkpoint.bin) on a dataset split, resized\n"+
			"to the run's input size, and prints {\"accuracy\", \"loss\", \"images\", ...} as JSON.", stderr)
	ckptPath := fs.String("ckpt", "", "run directory (or checkpoint file) written by \"mvc train\"")
	name := fs.String("data", "", "dataset: "+strings.Join(data.Names(), ", "))
	split := fs.String("split", "test", "split to evaluate: test or train")
	subset := fs.Int("subset", 0, "evaluate only the first N images (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ckptPath == "" {
		return badInput("--ckpt is required")
	}
	if *subset < 0 {
		return badInput("--subset must be >= 0")
	}
	r, err := runs.Open(*ckptPath)
	if err != nil {
		return err
	}
	ds, err := loadData(*name, *split, *subset, r.Spec.Seed)
	if err != nil {
		return err
	}
	ev, err := r.EvaluateOn(context.Background(), ds)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(evalResult{
		Checkpoint: *ckptPath, Data: ds.Name, Split: *split, Images: ev.Images,
		Accuracy: ev.Accuracy, Loss: ev.Loss, BestEpoch: r.BestEpoch,
	})
}
