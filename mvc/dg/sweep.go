package dg

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// DataSource loads the splits of the digit domains. n > 0 asks for the first n images (for
// generated domains: n images); seed seeds generated domains.
type DataSource interface {
	Load(domain, split string, n int, seed uint64) (*data.Dataset, error)
}

// Domains is the [DataSource] of real runs: data.LoadDomain (real files under $MVC_DATA, MNIST
// from the GoMNIST module, the MNIST-M recipe and SYN when files are absent), with each split
// kept in memory once loaded.
type Domains struct {
	mu    sync.Mutex
	cache map[string]*data.Dataset
}

// NewDomains returns an empty [Domains].
func NewDomains() *Domains { return &Domains{cache: map[string]*data.Dataset{}} }

// Load implements [DataSource].
func (d *Domains) Load(domain, split string, n int, seed uint64) (*data.Dataset, error) {
	key := fmt.Sprintf("%s/%s/%d/%d", domain, split, n, seed)
	d.mu.Lock()
	defer d.mu.Unlock()
	if ds, ok := d.cache[key]; ok {
		return ds, nil
	}
	ds, err := data.LoadDomain(domain, split, data.DomainOptions{N: n, Seed: seed})
	if err != nil {
		return nil, err
	}
	d.cache[key] = ds
	return ds, nil
}

// SVHNOrSYN returns "svhn" when both SVHN files (train_32x32.mat, test_32x32.mat) are found, and
// otherwise "syn", the SVHN stand-in of package data (tables then say "S = SYN (SVHN
// stand-in)").
func SVHNOrSYN() string {
	_, _, okTrain := data.DomainFile(data.DomainSVHN, "train")
	_, _, okTest := data.DomainFile(data.DomainSVHN, "test")
	if okTrain && okTest {
		return data.DomainSVHN
	}
	return data.DomainSYN
}

// Sweep trains and evaluates runs, [Sweep.Jobs] at a time, keeping each finished run's result in
// Store and skipping runs already there.
type Sweep struct {
	// Backend runs every graph.
	Backend compute.Backend
	// Jobs is how many runs train at once, on Backend (default 1; mvc.DefaultJobs is the
	// command line's). A run's numbers do not depend on it: each run has its own graphs, weights
	// and seeded random streams (checked bit for bit on the quick Table 1, figures/README.md).
	Jobs int
	// Factory builds the models.
	Factory Factory
	// Data loads the domains (default: a fresh [Domains]).
	Data DataSource
	// Store receives one JSON file per finished run.
	Store Store
	// WorkDir holds the training checkpoints of unfinished runs (<WorkDir>/<id>/); a killed
	// sweep resumes the interrupted run from there. Required.
	WorkDir string
	// InitRoot is the folder relative Init paths of specs are resolved against ("" = the
	// current directory).
	InitRoot string
	// KeepCheckpoints keeps a finished run's training checkpoint (default: removed once its
	// result is saved; checkpoints of full-width models are tens to hundreds of MB).
	KeepCheckpoints bool
	// Profile is recorded in results (informational).
	Profile string
	// Log receives the progress over runs (a bar with ETA, one line per run); nil for quiet.
	Log io.Writer
	// TrainProgress receives each run's per-epoch progress (package train's bar; with Jobs > 1
	// the bars of the runs in flight interleave); nil for quiet.
	TrainProgress io.Writer
	// Watchdog and Heartbeat are passed to train.Run (stall detection for a supervisor).
	Watchdog  *train.Watchdog
	Heartbeat io.Writer
	// BackendName is recorded in results (e.g. mvc.ChooseBackend().Config).
	BackendName string
	// AfterRun, when set, is called after each run's result is saved (a test hook, and the
	// command line's way to report each file written); with Jobs > 1 from several goroutines at
	// once.
	AfterRun func(r *RunResult, path string) error
	// Lease is the lease of the claims by which sweeps that share a Store and WorkDir (other
	// processes, on this machine or on others sharing the folders) divide the runs: each run
	// is trained by the process that claims it (<WorkDir>/<id>.claim), a run claimed by another
	// is skipped and looked at again at the end, and a claim whose owner died is taken over
	// (at once on this machine, after the lease elsewhere) and its run resumed from its
	// checkpoint. Default claim.DefaultLease.
	Lease time.Duration
	// Poll is how often runs claimed by other processes are looked at again (default: a tenth
	// of the lease, at most 5 s).
	Poll time.Duration
}

// Outcome summarises a sweep.
type Outcome struct {
	// Results are the results of the specs, in order (stored or new).
	Results []*RunResult
	// Skipped counts runs found finished in the store, Trained those run now, ByOthers those
	// that other processes sharing the store finished while this one ran.
	Skipped, Trained, ByOthers int
	// Seconds is the sweep's wall time.
	Seconds float64
}

// Run runs every spec that the store does not hold yet, starting them in order, [Sweep.Jobs] at
// a time. It stops at the first error (or when ctx is cancelled; each run in flight keeps its
// checkpoint and resumes next time). Any number of processes may run the same sweep on the same
// Store and WorkDir at once: each run is trained once (see [Sweep.Lease]), and each process
// returns when every run is done, with the same results as a single process.
func (s *Sweep) Run(ctx context.Context, specs []RunSpec) (*Outcome, error) {
	if s.Backend == nil || s.Factory == nil {
		return nil, errors.New("dg: Sweep needs a Backend and a Factory")
	}
	if s.Store.Dir == "" || s.WorkDir == "" {
		return nil, errors.New("dg: Sweep needs Store.Dir and WorkDir")
	}
	if s.Data == nil {
		s.Data = NewDomains()
	}
	seen := map[string]bool{}
	for _, spec := range specs {
		if err := spec.Validate(); err != nil {
			return nil, err
		}
		if seen[spec.ID()] {
			return nil, errors.Errorf("dg: run %s is listed twice", spec.Label())
		}
		seen[spec.ID()] = true
	}
	start := time.Now()
	out := &Outcome{Results: make([]*RunResult, len(specs))}
	var todo []int
	for i, spec := range specs {
		r, err := s.Store.Load(spec)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out.Results[i] = r
			out.Skipped++
		} else {
			todo = append(todo, i)
		}
	}
	jobs := max(1, min(s.Jobs, len(todo)))
	inFlight := ""
	if jobs > 1 {
		inFlight = fmt.Sprintf(", %d at a time", jobs)
	}
	s.logf("dg: %d runs: %d finished before (in %s), %d to train%s\n", len(specs), out.Skipped, s.Store.Dir, len(todo), inFlight)
	var mu sync.Mutex // guards out, finished and the log
	finished := 0
	workers := &claim.Workers{
		Dir: s.WorkDir, Lease: s.Lease, Jobs: jobs, Poll: s.Poll,
		Name: func(n int) string { return specs[todo[n]].ID() },
		Done: func(n int) (bool, error) {
			r, err := s.Store.Load(specs[todo[n]])
			return r != nil, err
		},
		Waiting: func(n int, holder claim.Owner) {
			mu.Lock()
			defer mu.Unlock()
			s.logf("  run %d/%d %s is being trained by %s: later\n", n+1, len(todo), specs[todo[n]].Label(), holder)
		},
	}
	workers.Work = func(ctx context.Context, n int) error {
		i := todo[n]
		spec := specs[i]
		// Temporary files of a result write that was killed: only the claim's holder writes it.
		s.Store.removeStaleTemps(spec)
		mu.Lock()
		eta := "?"
		if finished > 0 {
			perRun := time.Since(start).Seconds() / float64(finished)
			eta = mvc.FormatDuration(time.Duration(perRun * float64(len(todo)-finished) * float64(time.Second)))
		}
		s.logf("%s run %d/%d (%d done before) ETA %s: %s\n", "["+mvc.Bar(out.Skipped+finished, len(specs), 20)+"]", n+1, len(todo),
			out.Skipped, eta, spec.Label())
		mu.Unlock()
		r, err := s.runOne(ctx, spec)
		if err != nil {
			s.dropFinishedWork(spec)
			return errors.Wrapf(err, "dg: run %s", spec.Label())
		}
		mu.Lock()
		defer mu.Unlock()
		out.Results[i] = r
		out.Trained++
		finished++
		if jobs > 1 {
			s.logf("  run %d/%d %s: %s\n", n+1, len(todo), spec.Label(), summaryLine(r))
		} else {
			s.logf("  %s\n", summaryLine(r))
		}
		return nil
	}
	if err := workers.Run(ctx, len(todo)); err != nil {
		return out, err
	}
	for _, i := range todo {
		if out.Results[i] != nil {
			continue
		}
		r, err := s.Store.Load(specs[i])
		if err != nil {
			return out, err
		}
		if r == nil {
			return out, errors.Errorf("dg: run %s has no result after the sweep", specs[i].Label())
		}
		out.Results[i] = r
		out.ByOthers++
	}
	if out.ByOthers > 0 {
		s.logf("dg: %d of the runs were trained by other processes sharing %s\n", out.ByOthers, s.Store.Dir)
	}
	if len(todo) > 0 {
		s.logf("%s %d/%d runs done in %s\n", "["+mvc.Bar(len(specs), len(specs), 20)+"]", len(specs), len(specs), mvc.FormatDuration(time.Since(start)))
	}
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// dropFinishedWork removes the work folder of a run that another process finished while this
// one was still training it: this process lost its claim (it was paused for longer than the
// lease) and, resumed, wrote to the folder again after the finisher had removed it. A run with a
// result needs no checkpoint, and no process trains it any more. Kept checkpoints are left alone.
func (s *Sweep) dropFinishedWork(spec RunSpec) {
	if s.KeepCheckpoints {
		return
	}
	if r, err := s.Store.Load(spec); err == nil && r != nil {
		_ = os.RemoveAll(filepath.Join(s.WorkDir, spec.ID()))
	}
}

func (s *Sweep) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, format, args...)
	}
}

// summaryLine is the one-line report of a finished run.
func summaryLine(r *RunResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "done in %s (%d epochs, best %d): source val %.1f%% |", mvc.FormatDuration(time.Duration(r.Seconds()*float64(time.Second))),
		r.Epochs, r.BestEpoch, 100*r.SourceValAccuracy)
	for _, t := range r.Targets {
		fmt.Fprintf(&b, " %s %.1f%%", t.Domain, 100*t.Accuracy)
	}
	return b.String()
}

// sourceData loads the source's training and validation sets as the spec says.
func (s *Sweep) sourceData(spec RunSpec) (trainSet, val *data.Dataset, info SourceData, err error) {
	t := spec.Training
	n := t.TrainImages
	if t.ValidationImages > 0 {
		if t.TrainImages == 0 {
			return nil, nil, info, errors.New("dg: ValidationImages needs TrainImages > 0 (the validation images follow the training ones)")
		}
		n = t.TrainImages + t.ValidationImages
	}
	all, err := s.load(spec, spec.Source, "train", n)
	if err != nil {
		return nil, nil, info, errors.Wrapf(err, "dg: source %s", spec.Source)
	}
	if t.ValidationImages > 0 {
		if all.N < n {
			return nil, nil, info, errors.Errorf("dg: source %s has %d training images, the spec needs %d + %d", spec.Source, all.N, t.TrainImages, t.ValidationImages)
		}
		idx := make([]int, t.ValidationImages)
		for i := range idx {
			idx[i] = t.TrainImages + i
		}
		what := fmt.Sprintf("training images %d-%d as validation set", t.TrainImages, n-1)
		if val, err = all.Subset(idx, what); err != nil {
			return nil, nil, info, err
		}
		val.Split = "validation"
		trainSet = all.First(t.TrainImages)
		info.ValidationProvenance = what + " (disjoint from the training images)"
	} else {
		frac := t.ValidationFraction
		if frac == 0 {
			frac = train.DefaultValidationFraction
		}
		if trainSet, val, err = all.SplitValidation(frac, spec.Seed); err != nil {
			return nil, nil, info, errors.Wrapf(err, "dg: source %s", spec.Source)
		}
		info.ValidationProvenance = fmt.Sprintf("seeded %.0f%% of the training images (seed %d)", 100*frac, spec.Seed)
	}
	info.Domain, info.TrainImages, info.ValidationImages, info.Provenance = spec.Source, trainSet.N, val.N, all.Provenance
	return trainSet, val, info, nil
}

// load loads a split and applies the spec's resize method ([Input].Resize).
func (s *Sweep) load(spec RunSpec, domain, split string, n int) (*data.Dataset, error) {
	d, err := s.Data.Load(domain, split, n, spec.DataSeed)
	if err != nil || spec.Input.Resize != ResizeBilinear {
		return d, err
	}
	return ResizeBilinearPIL(d, spec.Model.Size, spec.Model.Size)
}

// initPath resolves a spec's Init against InitRoot.
func (s *Sweep) initPath(spec RunSpec) string {
	if spec.Init == "" || filepath.IsAbs(spec.Init) || s.InitRoot == "" {
		return spec.Init
	}
	return filepath.Join(s.InitRoot, spec.Init)
}

// describeInit says where the initial weights come from.
func describeInit(path string) string {
	if path == "" {
		return "fresh initialisation"
	}
	raw, err := os.ReadFile(filepath.Join(path, train.ResultFile))
	if err == nil {
		var sum train.Summary
		if json.Unmarshal(raw, &sum) == nil {
			return fmt.Sprintf("%s (best validation accuracy %.4f at epoch %d of %d)", path, sum.BestValAccuracy, sum.BestEpoch, sum.Epochs)
		}
	}
	return path
}

// runOne trains and evaluates one run and saves its result.
func (s *Sweep) runOne(ctx context.Context, spec RunSpec) (*RunResult, error) {
	start := time.Now()
	base, err := s.Factory.Build(spec.Model)
	if err != nil {
		return nil, err
	}
	fn, err := WrapModel(base, spec.Input)
	if err != nil {
		return nil, err
	}
	trainSet, val, info, err := s.sourceData(spec)
	if err != nil {
		return nil, err
	}
	init := s.initPath(spec)
	if init != "" {
		if _, err := os.Stat(init); err != nil {
			return nil, errors.Wrapf(err, "dg: initial checkpoint of %s", spec.Label())
		}
	}
	dir := filepath.Join(s.WorkDir, spec.ID())
	t := spec.Training
	cfg := train.Config{
		Model: fn, ModelSpec: spec,
		Height: spec.Model.Size, Width: spec.Model.Size, Channels: 3, Classes: spec.Model.Classes,
		BatchSize: t.BatchSize, LearningRate: t.LearningRate, MaxEpochs: t.MaxEpochs, Patience: t.Patience,
		StepsPerEpoch: t.StepsPerEpoch, Seed: spec.Seed, Dir: dir, Resume: true, Init: init,
		Augment: train.Augment{Shift: t.Shift}, Progress: s.TrainProgress, Watchdog: s.Watchdog, Heartbeat: s.Heartbeat,
		// Under its claim a run's directory can still be locked by an earlier owner that is
		// alive but paused (its claim taken over): wait for it to stop rather than fail.
		WaitLock: true,
	}
	res, err := train.Run(ctx, s.Backend, cfg, trainSet, val)
	if err != nil {
		return nil, err
	}
	r := &RunResult{
		ID: spec.ID(), Spec: spec, Profile: s.Profile, Source: info, InitFrom: describeInit(init),
		Epochs: len(res.Epochs), BestEpoch: res.BestEpoch, StoppedEarly: res.StoppedEarly,
		SourceValAccuracy: res.BestValAccuracy, History: res.Epochs, Backend: s.BackendName,
		Versions: mvc.Versions(),
	}
	for v := range res.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/"+train.ModelScope+"/") && v.Trainable {
			r.Parameters += v.Shape().Size()
		}
	}
	var imgs, secs float64
	for _, m := range res.Epochs {
		if m.ImagesPerSecond > 0 {
			imgs += float64(m.TrainImages)
			secs += float64(m.TrainImages) / m.ImagesPerSecond
		}
	}
	if secs > 0 {
		r.TrainImagesPerSecond = imgs / secs
	}
	batch := t.BatchSize
	if batch == 0 {
		batch = train.DefaultBatchSize
	}
	for _, target := range spec.Targets {
		test, err := s.load(spec, target, "test", t.TestImages)
		if err != nil {
			return nil, errors.Wrapf(err, "dg: target %s", target)
		}
		ev, err := train.Evaluate(ctx, s.Backend, res.Store, fn, test, spec.Model.Size, spec.Model.Size, 3, spec.Model.Classes, max(batch, 256))
		if err != nil {
			return nil, errors.Wrapf(err, "dg: evaluating on %s", target)
		}
		r.Targets = append(r.Targets, DomainResult{
			Domain: target, Code: DomainCode(target), Accuracy: ev.Accuracy, Loss: ev.Loss, Images: ev.Images,
			Provenance: test.Provenance,
		})
	}
	r.WallSeconds = time.Since(start).Seconds()
	for _, m := range res.Epochs[:min(res.ResumedEpochs, len(res.Epochs))] {
		r.WallSeconds += m.Seconds // spent by the earlier processes of a resumed run
	}
	r.Finished = time.Now().UTC().Format(time.RFC3339)
	if err := s.Store.Save(r); err != nil {
		return nil, err
	}
	if !s.KeepCheckpoints {
		if err := os.RemoveAll(dir); err != nil {
			return nil, errors.Wrapf(err, "dg: removing the finished run's checkpoint %s", dir)
		}
	}
	if s.AfterRun != nil {
		if err := s.AfterRun(r, s.Store.Path(spec)); err != nil {
			return nil, err
		}
	}
	return r, nil
}
