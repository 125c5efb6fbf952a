package runs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// CIFAR27RunsDir is the folder, beside a reproduction's figures, that holds the CIFAR-27
// fine-tuning runs: later steps (Table 1's initial weights, the kernels of Figures 2-3) read
// them from there.
const CIFAR27RunsDir = "runs"

// CIFAR27Profile sizes the paper's CIFAR-27 fine-tuning step (section "Training": every model,
// with and without NeuRN, fine-tuned on the 27-class CIFAR-100 subset before the digits) for one
// reproduction profile.
type CIFAR27Profile struct {
	// Name is the profile: "smoke", "quick" or "paper".
	Name string
	// Models are the zoo architectures fine-tuned.
	Models []string
	// NeuRN are the variants: NeuRN window sizes, 0 for the model without NeuRN.
	NeuRN []int
	// Width is the width multiplier of the models.
	Width float64
	// Widths, when a model is in it, replaces Width for that model.
	Widths map[string]float64
	// Epochs bounds each run (early stopping with the paper's patience may end it sooner).
	Epochs int
	// EpochCaps, when a model is in it, replaces Epochs for that model.
	EpochCaps map[string]int
	// Subset keeps the first Subset training images (0: all 13,500).
	Subset int
	// StepsPerEpoch limits the batches per epoch (0: all).
	StepsPerEpoch int
	// BatchSize is the mini-batch size.
	BatchSize int
	// LearningRate is Adam's learning rate (0: the paper's 0.001).
	LearningRate float64
	// LearningRates, when a model is in it, replaces LearningRate for that model.
	LearningRates map[string]float64
	// Inits are the models' kernel initializers where they differ from the architecture's
	// reference (zoo.Config.Init).
	Inits map[string]string
	// Augment changes the training images at random (train.Augment); zero for none.
	Augment train.Augment
	// Description says in words what the profile trains, for logs and captions.
	Description string
}

// CIFAR27Profiles returns the CIFAR-27 step of each reproduction profile: smoke (DigitNet only,
// narrow, a few batches: seconds), quick (every zoo model at width 0.25, a few epochs on a subset)
// and paper (every model at full width, early stopping on the whole training set).
func CIFAR27Profiles() map[string]CIFAR27Profile {
	return map[string]CIFAR27Profile{
		"smoke": {Name: "smoke", Models: []string{zoo.DigitNet}, NeuRN: []int{0, 3}, Width: 0.125, Epochs: 1,
			Subset: 512, StepsPerEpoch: 3, BatchSize: 64,
			Description: "DigitNet at width 0.125, 1 epoch of 3 batches of 64 (a smoke test of the pipeline)"},
		"quick": {Name: "quick", Models: zoo.Names(), NeuRN: []int{0, 3}, Width: 0.25, Widths: quickWidths, Epochs: 40, EpochCaps: quickEpochCaps,
			BatchSize: 256, LearningRates: quickLearningRates, Inits: QuickInits, Augment: train.Augment{Shift: 4, FlipLR: true},
			Description: "every zoo model at width 0.25 (MobileNetV2, NASNetMobile and ShuffleNetV2 0.5) on all 13,500 CIFAR-27 training images (10% held out), " +
				"at most 40 epochs (Xception 15) with early stopping (patience 5), random shifts of up to 4 pixels and " +
				"left-right flips, Adam at 0.001 (AlexNet 0.0003, VGG19 0.0001, EfficientNetB0 0.003, ViT 0.0003), " +
				"VGG19 with He initialization"},
		"paper": {Name: "paper", Models: zoo.Names(), NeuRN: []int{0, 3}, Width: 1, Epochs: train.DefaultMaxEpochs,
			BatchSize:   train.DefaultBatchSize,
			Description: "every zoo model at full width, early stopping (patience 5) on all 13,500 CIFAR-27 training images"},
	}
}

// quickLearningRates are the quick profile's departures from the paper's learning rate, chosen
// from pilot runs at width 0.25 on the whole training set: VGG19 and AlexNet, with no batch
// normalization and Keras' Glorot initialization, do not leave chance at 0.001 (their loss stays
// at ln 27); VGG19 learns at 0.0001 (0.23 validation accuracy after 10 epochs); AlexNet with
// NeuRN learns slowly at 0.0001 (0.23 after 30 epochs, still rising) and about twice as fast at
// 0.0003; EfficientNetB0 reaches 0.26 after 10 epochs at 0.003 against 0.15 at 0.001.
// MobileNetV2 learns at the paper's 0.001: at 0.003 it was as fast for 10 epochs but its training
// loss then jumped back up (with NeuRN from 2.38 to 2.76 in one epoch; without, its validation
// accuracy fell from 0.36 to 0.14), and early stopping ended both runs below their trend. The cap of 40 epochs: at 30, the runs that had not stopped early were still
// rising by 0.003-0.005 an epoch (DenseNet121 and DigitNet with NeuRN at 0.37), short of the
// 40% median a step whose models learned should reach. ViT learns faster at 0.0003: at 0.001
// ViT+NeuRN reached 0.190 and stopped early at epoch 30 with training accuracy 0.26; in 6-epoch
// pilots at 0.0003 ViT+NeuRN had training accuracy 0.151 (0.122 at 0.001) and the bare ViT 0.269
// with validation 0.244 (0.212 and 0.183 at 0.001); at 0.003 ViT+NeuRN stayed at chance.
var quickLearningRates = map[string]float64{zoo.AlexNet: 3e-4, zoo.VGG19: 1e-4, zoo.EfficientNetB0: 3e-3, zoo.ViT: 3e-4}

// QuickInits are the quick profile's departures from the architectures' reference initializers:
// VGG19, 16 convolutions without batch normalization trained from scratch (the paper starts from
// ImageNet weights), learns at a crawl from Keras' Glorot uniform, whose variance halves the
// signal's at every ReLU layer: VGG19+NeuRN, whose input (a local standard deviation) is small,
// reached 0.067 validation accuracy after 4 epochs and 0.13 after 14; with He initialization
// (torchvision's for VGG) 0.139 after 4. A higher learning rate is no remedy: at 3e-4 it stayed
// at chance for 6 epochs.
var QuickInits = map[string]string{zoo.VGG19: zoo.InitHe}

// InitOf returns the kernel initializer the profile builds the model with (zoo.Config.Init).
func (p CIFAR27Profile) InitOf(model string) string { return p.Inits[model] }

// WidthOf returns the width multiplier the profile builds the model with: its entry in Widths,
// else Width.
func (p CIFAR27Profile) WidthOf(model string) float64 {
	if w, ok := p.Widths[model]; ok {
		return w
	}
	return p.Width
}

// quickWidths are the quick profile's departures from its width of 0.25: at 0.25, MobileNetV2
// (8 filters in its first convolution, bottlenecks of 4 to 80 channels) underfits CIFAR-27 (training
// accuracy 0.34, validation 0.33; with NeuRN 0.21 and 0.20, below the 25% a model that learned
// should reach); at 0.5 the NeuRN variant learned half as fast again in a 12-epoch pilot at 0.003 (0.21
// against 0.16 at epoch 12), and at 1 no faster than at 0.5 after 7 epochs, at twice the cost.
//
// ShuffleNetV2 at 0.25 (186,740 parameters; its stem and first stage take 32x32 images to 4x4)
// learned CIFAR-27 (0.41) but not the harder digit domains: its quick Table 1 runs reached, in
// their own domain, 93% on MNIST, 71-73% on SYN and 68-69% on MNIST-M (bare and +NeuRN), under
// the 95/80/80% a model that learned should reach, best epochs at the 15-epoch cap with training
// accuracy 0.85. In a 5-epoch pilot on SYN from fresh weights it reached 0.25 validation accuracy
// at width 0.5 against 0.14 at 0.25 and 0.20 at 0.25 on images resized to 64 (four times the
// cost; 0.5 costs about 1.5 times 0.25).
//
// NASNetMobile at 0.25 (381,716 parameters with a 10-class head) did the same: from its CIFAR-27
// run (0.373) its quick Table 1 runs reached 93.2% / 90.0% on MNIST and 55.1% / 66.7% on SYN in
// their own domain (bare / +NeuRN), training accuracy near chance for the first epochs on SYN and
// 0.74 at the cap. On SYN from fresh weights, same settings otherwise, it reached 27.1% on SYN's
// test images after 15 epochs at 0.25 and 59.8% at 0.5 (validation 0.35 at 0.5 after 7 epochs,
// 0.14 at 0.25), at about 1.6 times the time per epoch.
var quickWidths = map[string]float64{zoo.MobileNetV2: 0.5, zoo.NASNetMobile: 0.5, zoo.ShuffleNetV2: 0.5}

// quickEpochCaps are the quick profile's departures from its cap of 40 epochs. Xception is the
// slowest model of the step: trained two at a time beside other runs on 2 cores, its epochs took
// 6-21 minutes, NASNetMobile's at width 0.5 1.5-4, so 40 epochs would cost its pair 4-14 hours,
// beyond the few hours the whole step should take. It learns fast: an interrupted run had reached
// 0.467 validation accuracy (training 0.52) at its seventh epoch, still rising. The quick Table 1
// caps every run at 15 epochs too.
var quickEpochCaps = map[string]int{zoo.Xception: 15}

// EpochsOf returns the most epochs the profile trains the model for: its entry in EpochCaps,
// else Epochs.
func (p CIFAR27Profile) EpochsOf(model string) int {
	if e, ok := p.EpochCaps[model]; ok {
		return e
	}
	return p.Epochs
}

// LearningRateOf returns the learning rate the profile trains the model with: its entry in
// LearningRates, else LearningRate, else the paper's (train.DefaultLearningRate).
func (p CIFAR27Profile) LearningRateOf(model string) float64 {
	if lr, ok := p.LearningRates[model]; ok {
		return lr
	}
	if p.LearningRate != 0 {
		return p.LearningRate
	}
	return train.DefaultLearningRate
}

// Settings says how the profile trains a model's run, in a stable form that changes whenever the
// run would be trained differently: "width 0.25, lr 0.003, <= 40 epochs, patience 5, batch 256,
// 13500 images, 0 steps/epoch, shift 4, flips" (0 images: all; 0 steps: whole epochs). Later
// steps record it beside the run's path (dg.RunSpec.InitSettings).
func (p CIFAR27Profile) Settings(model string) string {
	lr := p.LearningRateOf(model)
	flips := "no flips"
	if p.Augment.FlipLR {
		flips = "flips"
	}
	s := fmt.Sprintf("width %g, lr %g, <= %d epochs, patience %d, batch %d, %d images, %d steps/epoch, shift %d, %s",
		p.WidthOf(model), lr, p.EpochsOf(model), train.DefaultPatience, p.BatchSize, p.Subset, p.StepsPerEpoch, p.Augment.Shift, flips)
	if init := p.InitOf(model); init != "" {
		s += ", init " + init
	}
	return s
}

// LookupCIFAR27 returns the CIFAR-27 step of a profile by name.
func LookupCIFAR27(profile string) (CIFAR27Profile, error) {
	p, ok := CIFAR27Profiles()[profile]
	if !ok {
		names := make([]string, 0, 3)
		for n := range CIFAR27Profiles() {
			names = append(names, n)
		}
		sort.Strings(names)
		return CIFAR27Profile{}, mvc.InputErrorf("profile %q: want one of %s", profile, strings.Join(names, ", "))
	}
	return p, nil
}

// CIFAR27RunName names the directory of a model's CIFAR-27 run under [CIFAR27RunsDir]:
// cifar27-<model>-<profile>, or cifar27-<model>-neurn<k>-<profile> with NeuRN.
func CIFAR27RunName(model string, neurnK int, profile string) string {
	if neurnK > 0 {
		return fmt.Sprintf("cifar27-%s-neurn%d-%s", model, neurnK, profile)
	}
	return fmt.Sprintf("cifar27-%s-%s", model, profile)
}

// CIFAR27Run is one planned run of the CIFAR-27 step.
type CIFAR27Run struct {
	// Name is the run's directory name ([CIFAR27RunName]).
	Name string
	// Spec is the model (27 classes, 32 x 32 inputs, seed 1).
	Spec Spec
}

// Plan lists the profile's runs: every model with every NeuRN variant, in that order.
func (p CIFAR27Profile) Plan() []CIFAR27Run {
	var out []CIFAR27Run
	for _, m := range p.Models {
		for _, k := range p.NeuRN {
			out = append(out, CIFAR27Run{Name: CIFAR27RunName(m, k, p.Name),
				Spec: Spec{Model: m, NeuRN: k, Width: p.WidthOf(m), Classes: 27, Size: 32, Seed: 1, Init: p.InitOf(m)}})
		}
	}
	return out
}

// Makes tells whether the profile's step makes a run for the model spec (same architecture,
// NeuRN setting, width, input size and initializer), and its directory name if so.
func (p CIFAR27Profile) Makes(model string, neurnK int, width float64, size int, init string) (string, bool) {
	if width != p.WidthOf(model) || size != 32 || init != p.InitOf(model) || !slices.Contains(p.Models, model) || !slices.Contains(p.NeuRN, neurnK) {
		return "", false
	}
	return CIFAR27RunName(model, neurnK, p.Name), true
}

// Finished returns the summary of a finished run in dir (its train.ResultFile), or false.
func Finished(dir string) (train.Summary, bool) {
	var s train.Summary
	raw, err := os.ReadFile(filepath.Join(dir, train.ResultFile))
	return s, err == nil && json.Unmarshal(raw, &s) == nil
}

// Current tells whether dir holds a finished run of the profile for the model spec: trained with
// the profile's learning rate, batch size, steps per epoch, augmentation and patience for its
// epochs (or stopped early), reading only its summary ([train.ResultFile]). It is the quick check
// later steps make before starting from the run's weights; the step itself also compares the
// training data.
func (p CIFAR27Profile) Current(dir string, spec Spec) error {
	s, ok := Finished(dir)
	if !ok {
		return errors.Errorf("%s: not a finished run", dir)
	}
	got, err := SpecOf(s.Setup.ModelSpec, dir)
	if err != nil {
		return err
	}
	lr := p.LearningRateOf(spec.Model)
	batch := p.BatchSize
	if batch == 0 {
		batch = train.DefaultBatchSize
	}
	var aug train.Augment
	if s.Setup.Augment != nil {
		aug = *s.Setup.Augment
	}
	switch {
	case got != spec:
		return errors.Errorf("%s: a run of %+v, not %+v", dir, got, spec)
	case s.Setup.LearningRate != lr || s.Setup.BatchSize != batch || s.Setup.StepsPerEpoch != p.StepsPerEpoch ||
		s.Setup.Patience != train.DefaultPatience || aug != p.Augment:
		return errors.Errorf("%s: trained with learning rate %g, batch %d, %d steps per epoch, patience %d, augmentation %+v; "+
			"the %s profile's step uses %g, %d, %d, %d, %+v", dir, s.Setup.LearningRate, s.Setup.BatchSize, s.Setup.StepsPerEpoch,
			s.Setup.Patience, aug, p.Name, lr, batch, p.StepsPerEpoch, train.DefaultPatience, p.Augment)
	case !s.StoppedEarly && s.Epochs < p.EpochsOf(spec.Model):
		return errors.Errorf("%s: %d epochs of the %s profile's %d", dir, s.Epochs, p.Name, p.EpochsOf(spec.Model))
	}
	return nil
}

// FineTuneOptions configure [FineTuneCIFAR27].
type FineTuneOptions struct {
	// Jobs is how many runs train at once in this process (0: mvc.DefaultJobs).
	Jobs int
	// Backend runs the training (nil: mvc.Backend).
	Backend compute.Backend
	// Log receives one line per run (nil: quiet).
	Log io.Writer
	// Lease is the claims' lease (0: claim.DefaultLease).
	Lease time.Duration
	// Heartbeat, when set, receives the runs' step heartbeats (train.Config.Heartbeat) for a
	// supervising process (package supervise); with Jobs > 1 their lines interleave.
	Heartbeat io.Writer
	// After, when set, is called for every run of the plan that is finished, whether trained
	// now or before (trained tells which), e.g. to export its kernels.
	After func(dir string, run CIFAR27Run, trained bool) error
	// RebuildCheckpoints names the models (zoo names, or "all") whose finished runs without a
	// checkpoint are trained again to make it: a clone holds the runs' committed summaries but
	// not their checkpoints, which later steps start from. The run is retrained from scratch in
	// <runsDir>/.rebuild/<name> (resumable there) and its per-epoch history compared with the
	// finished run's; only when they agree number for number (training is deterministic) does
	// its checkpoint join the run, whose committed files stay as they are.
	RebuildCheckpoints []string
}

// RebuildDir is the folder under the runs directory where FineTuneCIFAR27 retrains the
// checkpoints of finished runs (FineTuneOptions.RebuildCheckpoints).
const RebuildDir = ".rebuild"

// rebuilds tells whether the options ask for the model's checkpoints to be rebuilt.
func (o FineTuneOptions) rebuilds(model string) bool {
	return slices.Contains(o.RebuildCheckpoints, model) || slices.Contains(o.RebuildCheckpoints, "all")
}

// hasCheckpoint tells whether the run directory holds a checkpoint file.
func hasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, train.CheckpointFile))
	return err == nil
}

// FineTuneCIFAR27 trains the profile's runs in runsDir on the given CIFAR-27 training set (the
// profile's Subset is applied here), skipping finished ones and resuming interrupted ones from
// their checkpoints. Any number of processes, on machines sharing runsDir, may run it at once:
// each run is claimed ([claim.Workers]) and trained once. It returns how many runs this
// process trained; when it returns nil every run of the plan is finished.
func FineTuneCIFAR27(ctx context.Context, runsDir string, p CIFAR27Profile, trainSet *data.Dataset, opts FineTuneOptions) (int, error) {
	if p.Subset > 0 && trainSet.N > p.Subset {
		trainSet = trainSet.First(p.Subset)
	}
	backend, err := backendOr(opts.Backend)
	if err != nil {
		return 0, err
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = mvc.DefaultJobs()
	}
	var logMu sync.Mutex
	log := mvc.LockedWriter{Mu: &logMu, W: opts.Log}
	plan := p.Plan()
	if err := os.MkdirAll(runsDir, 0o755); err != nil {
		return 0, errors.Wrap(err, "CIFAR-27 runs folder")
	}
	after := func(run CIFAR27Run, trained bool) error {
		if opts.After == nil {
			return nil
		}
		return opts.After(filepath.Join(runsDir, run.Name), run, trained)
	}
	for _, m := range opts.RebuildCheckpoints {
		if m != "all" && !slices.Contains(p.Models, m) {
			return 0, mvc.InputErrorf("rebuilding CIFAR-27 checkpoints: %q is not a model of the %s profile (%s, or all)", m, p.Name, strings.Join(p.Models, ", "))
		}
	}
	// Rebuilt checkpoints come first: the runs later steps start from wait for them.
	var todo, rebuild []CIFAR27Run
	isRebuild := map[string]bool{}
	done := 0
	for _, run := range plan {
		dir := filepath.Join(runsDir, run.Name)
		finished, stale, err := p.current(dir, run, trainSet)
		if err != nil {
			return 0, err
		}
		if finished && opts.rebuilds(run.Spec.Model) && !hasCheckpoint(dir) {
			rebuild = append(rebuild, run)
			isRebuild[run.Name] = true
			continue
		}
		if !finished {
			if stale != "" {
				fmt.Fprintf(log, "  %s holds a run with other settings (%s): it will be moved aside and retrained\n", run.Name, stale)
			}
			todo = append(todo, run)
			continue
		}
		s, _ := Finished(dir)
		fmt.Fprintf(log, "  %s: done before (best validation accuracy %.3f at epoch %d), skipped\n", run.Name, s.BestValAccuracy, s.BestEpoch)
		if err := after(run, false); err != nil {
			return 0, err
		}
		done++
	}
	if len(rebuild) > 0 {
		fmt.Fprintf(log, "  %d finished runs have no checkpoint and are trained again to make it (in %s), then checked against their history\n",
			len(rebuild), filepath.Join(runsDir, RebuildDir))
	}
	todo = append(rebuild, todo...)
	fmt.Fprintf(log, "  %s; %s; %d runs, %d at a time\n", p.Description, trainSet.Provenance, len(plan), jobs)
	var mu sync.Mutex
	start, trained := time.Now(), 0
	workers := &claim.Workers{
		Dir: runsDir, Jobs: jobs, Lease: opts.Lease,
		Name: func(n int) string { return todo[n].Name },
		Done: func(n int) (bool, error) {
			dir := filepath.Join(runsDir, todo[n].Name)
			if isRebuild[todo[n].Name] {
				return hasCheckpoint(dir), nil
			}
			finished, _, err := p.current(dir, todo[n], trainSet)
			return finished, err
		},
		Waiting: func(n int, holder claim.Owner) {
			fmt.Fprintf(log, "  %s is being trained by %s: later\n", todo[n].Name, holder)
		},
		Work: func(ctx context.Context, n int) error {
			run := todo[n]
			dir := filepath.Join(runsDir, run.Name)
			if isRebuild[run.Name] {
				if err := p.rebuildCheckpoint(ctx, backend, runsDir, run, trainSet, log, opts.Heartbeat); err != nil {
					return err
				}
			} else if _, stale, err := p.current(dir, run, trainSet); err != nil {
				return err
			} else if stale != "" {
				moved, err := moveAside(runsDir, run.Name)
				if err != nil {
					return err
				}
				fmt.Fprintf(log, "  %s: the run there (%s) moved to %s\n", run.Name, stale, moved)
			}
			if !isRebuild[run.Name] {
				if err := fineTuneOne(ctx, backend, dir, run, p, trainSet, log, opts.Heartbeat); err != nil {
					return err
				}
			}
			if err := after(run, true); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			done++
			trained++
			eta := time.Duration(float64(time.Since(start)) / float64(trained) * float64(len(plan)-done))
			fmt.Fprintf(log, "  %d of %d runs done, %s so far, ETA %s\n", done, len(plan),
				mvc.FormatDuration(time.Since(start)), mvc.FormatDuration(eta))
			return nil
		},
	}
	if err := workers.Run(ctx, len(todo)); err != nil {
		return trained, err
	}
	if others := len(plan) - done; others > 0 {
		fmt.Fprintf(log, "  %d of %d runs were trained by other processes sharing %s\n", others, len(plan), runsDir)
	}
	return trained, nil
}

// rebuildCheckpoint trains the finished run again in runsDir/RebuildDir/<name> (or finishes
// an interrupted rebuild there) and, when its per-epoch history matches the finished run's
// number for number, moves its checkpoint into the run's directory.
func (p CIFAR27Profile) rebuildCheckpoint(ctx context.Context, backend compute.Backend, runsDir string, run CIFAR27Run,
	trainSet *data.Dataset, log, heartbeat io.Writer) error {
	dir := filepath.Join(runsDir, run.Name)
	want, ok := Finished(dir)
	if !ok {
		return errors.Errorf("rebuilding the checkpoint of %s: its %s is gone", dir, train.ResultFile)
	}
	scratch := filepath.Join(runsDir, RebuildDir, run.Name)
	finished, stale, err := p.current(scratch, run, trainSet)
	if err != nil {
		return err
	}
	if stale != "" {
		if err := os.RemoveAll(scratch); err != nil {
			return errors.Wrapf(err, "removing the stale rebuild %s", scratch)
		}
		finished = false
	}
	if !finished {
		if err := fineTuneOne(ctx, backend, scratch, run, p, trainSet, log, heartbeat); err != nil {
			return err
		}
	}
	got, ok := Finished(scratch)
	if !ok {
		return errors.Errorf("rebuilding the checkpoint of %s: %s has no %s after training", run.Name, scratch, train.ResultFile)
	}
	if err := SameHistory(want.History, got.History); err != nil {
		return errors.WithMessagef(err, "rebuilding the checkpoint of %s: the run trained again in %s differs from the finished one "+
			"(training is not reproducible here; kept for inspection; delete %s to retrain the run as a new one)", run.Name, scratch, dir)
	}
	if err := os.Rename(filepath.Join(scratch, train.CheckpointFile), filepath.Join(dir, train.CheckpointFile)); err != nil {
		return errors.Wrapf(err, "rebuilding the checkpoint of %s", run.Name)
	}
	fmt.Fprintf(log, "  %s: checkpoint rebuilt; its history (%d epochs) matches the finished run's number for number\n", run.Name, len(got.History))
	return errors.Wrapf(os.RemoveAll(scratch), "removing %s", scratch)
}

// SameHistory returns an error naming the first epoch where two training histories differ in
// anything but wall time and throughput (losses, accuracies, early-stopping state), or in
// length; nil when they agree exactly.
func SameHistory(want, got []train.EpochMetrics) error {
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		w.Seconds, w.ImagesPerSecond, g.Seconds, g.ImagesPerSecond = 0, 0, 0, 0
		if w != g {
			return errors.Errorf("epoch %d: validation accuracy %v, training loss %v against %v and %v before",
				g.Epoch, g.ValAccuracy, g.TrainLoss, w.ValAccuracy, w.TrainLoss)
		}
	}
	if len(want) != len(got) {
		return errors.Errorf("%d epochs against %d before", len(got), len(want))
	}
	return nil
}

// runConfig is the training configuration of one run of the step, trained into dir.
func (p CIFAR27Profile) runConfig(dir string, run CIFAR27Run) (train.Config, error) {
	fn, err := run.Spec.Build()
	if err != nil {
		return train.Config{}, err
	}
	return train.Config{
		Model: fn, ModelSpec: run.Spec, Height: 32, Width: 32, Channels: 3, Classes: run.Spec.Classes,
		BatchSize: p.BatchSize, LearningRate: p.LearningRateOf(run.Spec.Model), MaxEpochs: p.EpochsOf(run.Spec.Model),
		StepsPerEpoch: p.StepsPerEpoch, Seed: run.Spec.Seed, Augment: p.Augment,
		Dir: dir, Watchdog: &train.Watchdog{},
		// Under its claim a run's directory can still be locked by an earlier owner that is
		// alive but paused (its claim taken over): wait for it to stop rather than fail.
		WaitLock: true,
	}, nil
}

// current tells whether dir holds a finished run trained with the profile's settings on
// trainSet (the profile's subset), for its number of epochs or stopped early. When dir holds a
// run (finished or not) trained with other settings or data, stale says how they differ.
func (p CIFAR27Profile) current(dir string, run CIFAR27Run, trainSet *data.Dataset) (finished bool, stale string, err error) {
	summary, done := Finished(dir)
	saved := summary.Setup
	if !done {
		ckpt, err := train.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
		if os.IsNotExist(errors.Cause(err)) {
			return false, "", nil
		}
		if err != nil {
			return false, "", errors.WithMessagef(err, "CIFAR-27 run %s", run.Name)
		}
		saved = ckpt.State.Setup
	}
	cfg, err := p.runConfig(dir, run)
	if err != nil {
		return false, "", err
	}
	want, err := train.PlannedSetup(cfg, trainSet, nil)
	if err != nil {
		return false, "", errors.WithMessagef(err, "CIFAR-27 run %s", run.Name)
	}
	if saved.BNStatsBatches == 0 {
		want.BNStatsBatches = 0 // recorded only for models with batch normalization
	}
	if err := train.CompareSetup(saved, want); err != nil {
		return false, err.Error(), nil
	}
	return done && (summary.StoppedEarly || summary.Epochs >= p.EpochsOf(run.Spec.Model)), "", nil
}

// moveAside renames the run directory name under runsDir to .replaced/<name>-<UTC time>, out of
// the plan's way, and returns its new path: a run trained with other settings is kept, not lost.
func moveAside(runsDir, name string) (string, error) {
	aside := filepath.Join(runsDir, ".replaced")
	if err := os.MkdirAll(aside, 0o755); err != nil {
		return "", errors.Wrap(err, "CIFAR-27 runs: folder for replaced runs")
	}
	to := filepath.Join(aside, name+"-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(filepath.Join(runsDir, name), to); err != nil {
		return "", errors.Wrapf(err, "CIFAR-27 runs: moving %s aside", name)
	}
	return to, nil
}

// fineTuneOne trains (or resumes) one run of the step, logging to log and sending its step
// heartbeats to heartbeat (nil: none).
func fineTuneOne(ctx context.Context, backend compute.Backend, dir string, run CIFAR27Run, p CIFAR27Profile,
	trainSet *data.Dataset, log, heartbeat io.Writer) error {
	cfg, err := p.runConfig(dir, run)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(dir, train.CheckpointFile))
	cfg.Resume = statErr == nil
	cfg.Progress = mvc.PrefixWriter{Prefix: "  " + run.Name + ": ", W: log}
	cfg.Heartbeat = heartbeat
	start := time.Now()
	res, err := train.Run(ctx, backend, cfg, trainSet, nil)
	if err != nil {
		return errors.WithMessagef(err, "training %s", run.Name)
	}
	last := res.Epochs[len(res.Epochs)-1]
	fmt.Fprintf(log, "  %s: %d epochs, best validation accuracy %.3f (epoch %d), %.0f img/s, %s\n",
		run.Name, len(res.Epochs), res.BestValAccuracy, res.BestEpoch, last.ImagesPerSecond,
		time.Since(start).Round(time.Millisecond))
	return nil
}
