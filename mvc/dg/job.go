package dg

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// FreshInit tells whether Table 1 runs start from fresh weights, given the --init choice:
// "none", or "" with a profile that does not start from its CIFAR-27 runs
// (Table1Profile.InitFromCIFAR27); "cifar27" starts them from those runs.
func FreshInit(profile, init string) (bool, error) {
	switch init {
	case "":
		return !Table1Profiles[profile].InitFromCIFAR27, nil
	case "cifar27", "none":
		return init == "none", nil
	}
	return false, mvc.InputErrorf("initial weights %q: want cifar27 or none", init)
}

// Job is one experiment of a profile as the command line's "mvc dg" and "mvc reproduce" run it:
// it plans the runs ([Job.Plan]), trains those its store lacks with a [Sweep], and writes the
// experiment's tables ([Job.Run]).
type Job struct {
	// Experiment is "table1" (the paper's Table 1) or "protocol" (the literature's digits
	// protocol).
	Experiment string
	// Profile is "smoke", "quick" or "paper" (Table1Profiles, ProtocolProfiles).
	Profile string
	// Out is the output folder: tables there, results in Out/ResultsDir, checkpoints of
	// unfinished runs in Out/WorkDir, the CIFAR-27 runs Table 1 starts from in Out/runs.
	Out string
	// ONNX, when set, adds the Table 1 model "onnx": this ImageNet-trained backbone.
	ONNX string
	// Models, when set, trains only these Table 1 models of the profile; the tables still show
	// the stored runs of every model.
	Models []string
	// Seeds, when > 0, replaces the profile's number of seeds.
	Seeds int
	// Jobs is how many runs train at once (0: mvc.DefaultJobs).
	Jobs int
	// TablesOnly trains nothing: the tables come from the results already stored.
	TablesOnly bool
	// KeepCheckpoints keeps each finished run's training checkpoint.
	KeepCheckpoints bool
	// FreshInit plans Table 1 runs from fresh weights even where a CIFAR-27 run exists ([FreshInit]).
	FreshInit bool
	// RequireCIFAR27 makes a Table 1 run whose model's CIFAR-27 run is missing (or was trained
	// with other settings) an error naming that run, where by default the run starts from fresh
	// weights with a note ("mvc dg --init cifar27"). Runs already stored are not affected, nor is
	// TablesOnly, which trains nothing.
	RequireCIFAR27 bool
	// Variants keeps only these rows of the digits protocol ([ProtocolVariants]).
	Variants []string
	// Log receives the sweep's progress lines, TrainProgress each run's per-epoch progress and
	// Heartbeat a supervisor's heartbeats; nil for none.
	Log, TrainProgress, Heartbeat io.Writer
	// Watchdog, when set, stops a run whose step stalls.
	Watchdog *train.Watchdog
	// Lease is the lease of the runs' claims (0: claim.DefaultLease).
	Lease time.Duration
}

// Folders of a [Job] under its Out: results (one JSON file per run, meant to be committed) and
// the checkpoints of unfinished runs.
const (
	ResultsDir = "dg"
	WorkDir    = "runs/dg"
)

// ZooFactory builds the sweep's models by the implementation their spec names (ModelSpec.Impl):
// "zoo" for the zoo's architectures (the digits protocol's DigitNet among them), "onnx" for the
// ONNX backbone in file onnx.
func ZooFactory(onnx string) Factory {
	return FactoryFunc(func(m ModelSpec) (train.ModelFn, error) {
		spec := runs.Spec{Model: m.Name, NeuRN: m.NeuRN, Width: m.Width, Classes: m.Classes, Size: m.Size, Seed: m.Seed, Init: m.Init}
		switch m.Impl {
		case "onnx":
			if onnx == "" {
				return nil, mvc.InputErrorf("model onnx needs an ONNX file")
			}
			spec.Model, spec.ONNX = runs.ONNX, onnx
			return spec.Build()
		case "zoo":
			return spec.Build()
		}
		return nil, mvc.InputErrorf("model %q: not in this build's zoo (%s)", m.Name, strings.Join(zoo.Names(), ", "))
	})
}

// Impl says which implementation builds a model: "zoo", "onnx", or "" when none can.
func Impl(name string) string {
	switch {
	case name == "onnx":
		return "onnx"
	case slices.Contains(zoo.Names(), name):
		return "zoo"
	}
	return ""
}

// cifarInit returns the CIFAR-27 run a Table 1 model starts from (the paper's ImageNet ->
// CIFAR-27 -> digits chain): the run of the same model, NeuRN setting, width and input size that
// the profile's CIFAR-27 step makes (runs.CIFAR27Profile), as a path relative to the job's Out;
// "" when the step makes none for it (another width, an ONNX backbone). Whether the run is there
// is the plan's concern (Job.chainInits), so that a plan does not change with the checkpoints on
// disk.
func cifarInit(profile string) func(m ModelSpec) string {
	return func(m ModelSpec) string {
		p, err := runs.LookupCIFAR27(profile)
		if err != nil || m.Impl != "zoo" {
			return ""
		}
		name, ok := p.Makes(m.Name, m.NeuRN, m.Width, m.Size, m.Init)
		if !ok {
			return ""
		}
		return filepath.Join(runs.CIFAR27RunsDir, name)
	}
}

// cifarInitSettings returns how the profile's CIFAR-27 step trains a model's run
// (runs.CIFAR27Profile.Settings), recorded in the Table 1 runs that start from it.
func cifarInitSettings(profile string) func(m ModelSpec) string {
	return func(m ModelSpec) string {
		p, err := runs.LookupCIFAR27(profile)
		if err != nil {
			return ""
		}
		return p.Settings(m.Name)
	}
}

// cifarRunReady tells whether the CIFAR-27 run rel (relative to out) is finished with the
// profile's current settings (runs.CIFAR27Profile.Current), still has its checkpoint, and was
// made for model m (same model, NeuRN setting, width and input size).
func cifarRunReady(out, rel, profile string, m ModelSpec) bool {
	dir := filepath.Join(out, rel)
	p, err := runs.LookupCIFAR27(profile)
	if err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err != nil {
		return false
	}
	spec := runs.Spec{Model: m.Name, NeuRN: m.NeuRN, Width: m.Width, Classes: 27, Size: m.Size, Seed: 1, Init: m.Init}
	return p.Current(dir, spec) == nil
}

// chainInits settles where the planned Table 1 runs start: from their CIFAR-27 run when it is
// on disk, or when the store already holds the run made from it (a clone has the committed
// results but not the checkpoints: it renders them and retrains nothing); otherwise from fresh
// weights, which it returns as a note with the command that makes the missing CIFAR-27 runs.
func (j Job) chainInits(specs []RunSpec) (notes []string, err error) {
	store := Store{Dir: j.StoreDir()}
	ready := map[string]bool{} // by CIFAR-27 run: each serves its model's runs of every source and seed
	fresh := 0
	var missing, freshInits, freshDirs []string
	models := map[string]string{} // CIFAR-27 run -> its model
	for i := range specs {
		s := &specs[i]
		if s.Init == "" {
			continue
		}
		models[s.Init] = s.Model.Name
		ok, seen := ready[s.Init]
		if !seen {
			ok = cifarRunReady(j.Out, s.Init, j.Profile, s.Model)
			ready[s.Init] = ok
		}
		if ok {
			continue
		}
		r, err := store.Load(*s)
		if err != nil {
			return nil, err
		}
		if r == nil {
			if j.RequireCIFAR27 && !j.TablesOnly {
				if !slices.Contains(missing, s.Init) {
					missing = append(missing, s.Init)
				}
				continue
			}
			if !slices.Contains(freshInits, s.Init) {
				freshInits = append(freshInits, s.Init)
				freshDirs = append(freshDirs, filepath.ToSlash(filepath.Join(j.Out, s.Init)))
			}
			s.Init, s.InitSettings = "", ""
			fresh++
		}
	}
	if len(missing) > 0 {
		return nil, mvc.InputErrorf("--init cifar27: %d CIFAR-27 runs are not finished with the %s profile's settings (or have no checkpoint) under %s: %s; "+
			"`go run ./mvc/cmd/mvc reproduce --profile %s --out %s --only train_cifar27%s` makes them",
			len(missing), j.Profile, filepath.ToSlash(j.Out), strings.Join(missing, ", "), j.Profile, filepath.ToSlash(j.Out), rebuildFlag(j.Out, missing, models))
	}
	if fresh > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d runs start from fresh weights: their model's CIFAR-27 checkpoint is not there (%s); "+
			"`go run ./mvc/cmd/mvc reproduce --profile %s --out %s --only train_cifar27%s` makes it",
			fresh, len(specs), strings.Join(freshDirs, ", "), j.Profile, filepath.ToSlash(j.Out), rebuildFlag(j.Out, freshInits, models)))
	}
	return notes, nil
}

// rebuildFlag is the --rebuild-checkpoints flag (with a leading space) that the CIFAR-27 step
// needs to make the given runs (relative to out) whose summaries are there without their
// checkpoints, as in a clone; "" when every one of them is to be trained anew.
func rebuildFlag(out string, inits []string, models map[string]string) string {
	var names []string
	for _, rel := range inits {
		if _, done := runs.Finished(filepath.Join(out, rel)); done && !slices.Contains(names, models[rel]) {
			names = append(names, models[rel])
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " --rebuild-checkpoints " + strings.Join(names, ",")
}

// Plan lists the experiment's runs and describes what it left out.
func (j Job) Plan() (specs []RunSpec, notes []string, err error) {
	opts := PlanOptions{Impl: Impl, Seeds: j.Seeds}
	switch j.Experiment {
	case "table1":
		p := Table1Profiles[j.Profile]
		if j.ONNX != "" {
			p.Models = append(slices.Clone(p.Models), "onnx")
		}
		models := j.Models
		if models == nil {
			models = p.Models
		}
		for _, m := range models {
			if slices.Contains(p.Models, m) && Impl(m) == "" {
				notes = append(notes, fmt.Sprintf("%s: not in this build (the model zoo lacks it), left out", PaperName(m)))
				continue
			}
			opts.Models = append(opts.Models, m)
		}
		if len(opts.Models) == 0 {
			return nil, notes, nil
		}
		if !j.FreshInit {
			opts.Init, opts.InitSettings = cifarInit(j.Profile), cifarInitSettings(j.Profile)
		}
		if specs, err = p.Specs(opts); err != nil {
			return nil, notes, mvc.InputErrorf("%w", err)
		}
		more, err := j.chainInits(specs)
		if err != nil {
			return nil, notes, err
		}
		notes = append(notes, more...)
	case "protocol":
		if Impl(DigitNetName) == "" {
			return nil, []string{"the model zoo has no DigitNet in this build"}, nil
		}
		specs, err = ProtocolProfiles[j.Profile].Specs(opts)
	default:
		return nil, nil, mvc.InputErrorf("unknown experiment %q", j.Experiment)
	}
	if err != nil {
		return nil, notes, mvc.InputErrorf("%w", err)
	}
	if !USPSAvailable() {
		notes = append(notes, "USPS: its files were not found (set $"+mvc.DataEnvVar+"; see `mvc data fetch usps`), so U is left out")
	}
	return specs, notes, nil
}

// StoreDir is the experiment's results folder.
func (j Job) StoreDir() string {
	name := ExperimentTable1
	if j.Experiment == "protocol" {
		name = ExperimentProtocol
	}
	return filepath.Join(j.Out, ResultsDir, name)
}

// Run trains what is missing and writes the tables; it returns the paths written.
func (j Job) Run(ctx context.Context, backend compute.Backend) ([]string, error) {
	specs, notes, err := j.Plan()
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		j.logf("  %s\n", n)
	}
	if len(specs) == 0 {
		j.logf("  no %s runs can be built in this build: nothing to do\n", j.Experiment)
		return nil, nil
	}
	store := Store{Dir: j.StoreDir()}
	if !j.TablesOnly {
		name := ExperimentTable1
		if j.Experiment == "protocol" {
			name = ExperimentProtocol
		}
		sw := &Sweep{
			Backend: backend, Factory: ZooFactory(j.ONNX), Data: NewDomains(), Store: store,
			WorkDir: filepath.Join(j.Out, WorkDir, name), InitRoot: j.Out, KeepCheckpoints: j.KeepCheckpoints,
			Profile: j.Profile, Log: j.Log, TrainProgress: j.TrainProgress, Watchdog: j.Watchdog, Heartbeat: j.Heartbeat,
			BackendName: mvc.ChooseBackend().Config, Jobs: cmp.Or(j.Jobs, mvc.DefaultJobs()), Lease: j.Lease,
		}
		todo := specs
		if j.Variants != nil {
			todo = slices.DeleteFunc(slices.Clone(specs), func(s RunSpec) bool {
				return !slices.Contains(j.Variants, VariantKey(s.Model.NeuRN, s.Input.RandConv != nil))
			})
		}
		if _, err := sw.Run(ctx, todo); err != nil {
			return nil, err
		}
	}
	// The tables show the whole profile: a sweep of some models (--models) trains only theirs but
	// keeps the other models' stored runs in the tables it rewrites.
	if j.Experiment == "table1" && j.Models != nil {
		all := j
		all.Models, all.RequireCIFAR27 = nil, false
		if specs, notes, err = all.Plan(); err != nil {
			return nil, err
		}
	}
	var done []*RunResult
	var seconds float64
	chained := 0
	for _, s := range specs {
		r, err := store.Load(s)
		if err != nil {
			return nil, err
		}
		if r != nil {
			done = append(done, r)
			seconds += r.Seconds()
			if r.Spec.Init != "" {
				chained++
			}
		}
	}
	about := j.about(len(done), len(specs), chained, seconds, notes)
	more, err := j.laterSeeds(store, specs)
	if err != nil {
		return nil, err
	}
	if len(more) > 0 {
		var moreSeconds float64
		for _, r := range more {
			moreSeconds += r.Seconds()
		}
		done = append(done, more...)
		first, last := more[0].Spec.Seed, more[len(more)-1].Spec.Seed
		seeds := fmt.Sprintf("seed %d", first)
		if last > first {
			seeds = fmt.Sprintf("seeds %d-%d", first, last)
		}
		runs := "runs"
		if len(more) == 1 {
			runs = "run"
		}
		about = slices.Insert(about, 2, fmt.Sprintf("The tables also include the %d finished %s of %s found in the same store "+
			"(a `--seeds %d` sweep made them; %s of training and evaluation): the plan's settings with more seeds, %d runs in all.",
			len(more), runs, seeds, last, mvc.FormatDuration(time.Duration((moreSeconds)*float64(time.Second))), len(done)))
	}
	if j.Experiment == "protocol" {
		return WriteProtocolTable(j.Out, done, about)
	}
	return WriteTable1(j.Out, done, about)
}

// Finished returns the stored results the job's tables show: those of its plan, then those of
// the later seeds its store holds for the same settings (a `--seeds N` sweep's), and the number
// of runs the plan has. Results stored under other settings (another profile's, an older
// version of this one's) are not among them.
func (j Job) Finished() (results []*RunResult, planned int, err error) {
	specs, _, err := j.Plan()
	if err != nil {
		return nil, 0, err
	}
	store := Store{Dir: j.StoreDir()}
	for _, s := range specs {
		r, err := store.Load(s)
		if err != nil {
			return nil, 0, err
		}
		if r != nil {
			results = append(results, r)
		}
	}
	more, err := j.laterSeeds(store, specs)
	if err != nil {
		return nil, 0, err
	}
	return append(results, more...), len(specs), nil
}

// laterSeeds returns the stored runs of the seeds after the plan's (specs) that the store holds
// for the same settings: seed n+1, n+2, ... for as long as the store holds at least one run of the
// seed. A `mvc dg --seeds N` sweep adds seeds to a store; the profile's default plan (quick: 1
// seed, so that `mvc reproduce` stays cheap) then still tabulates every seed it holds, so the
// committed tables keep their spreads. The runs come in plan order, seed by seed.
func (j Job) laterSeeds(store Store, specs []RunSpec) ([]*RunResult, error) {
	var last uint64
	for _, s := range specs {
		last = max(last, s.Seed)
	}
	var found []*RunResult
	for seed := last + 1; ; seed++ {
		next := j
		next.Seeds = int(seed)
		more, _, err := next.Plan()
		if err != nil {
			return nil, err
		}
		n := len(found)
		for _, s := range more {
			if s.Seed != seed {
				continue
			}
			r, err := store.Load(s)
			if err != nil {
				return nil, err
			}
			if r != nil {
				found = append(found, r)
			}
		}
		if len(found) == n {
			return found, nil
		}
	}
}

// about are the lines printed above the tables: profile, completeness, where the runs are.
// chained of the done runs start from a CIFAR-27 run.
func (j Job) about(done, planned, chained int, seconds float64, notes []string) []string {
	var desc string
	if j.Experiment == "protocol" {
		desc = ProtocolProfiles[j.Profile].Description
	} else {
		desc = Table1Profiles[j.Profile].Description
	}
	initFlag := ""
	if j.Experiment == "table1" && j.FreshInit == Table1Profiles[j.Profile].InitFromCIFAR27 {
		initFlag = map[bool]string{true: " --init none", false: " --init cifar27"}[j.FreshInit]
	}
	lines := []string{
		fmt.Sprintf("Profile %s: %s.", j.Profile, desc),
		fmt.Sprintf("%d of %d planned runs are done (one JSON file each in %s; %s of training and evaluation in all). "+
			"Regenerate with `go run ./mvc/cmd/mvc dg --profile %s%s --experiment %s` (a rerun trains only the missing runs).",
			done, planned, filepath.ToSlash(j.StoreDir()), mvc.FormatDuration(time.Duration((seconds)*float64(time.Second))), j.Profile, initFlag, j.Experiment),
	}
	if !j.FreshInit && j.Experiment == "table1" && done > 0 {
		line := fmt.Sprintf("%d of the %d done runs start from their model's CIFAR-27 run (%s, step train_cifar27; "+
			"the paper's ImageNet -> CIFAR-27 -> digits chain)", chained, done,
			filepath.ToSlash(filepath.Join(j.Out, runs.CIFAR27RunsDir, "cifar27-<model>[-neurn3]-"+j.Profile)))
		if chained < done {
			line += ", the others from fresh weights"
		}
		lines = append(lines, line+".")
	}
	if j.FreshInit && j.Experiment == "table1" {
		lines = append(lines, "Every run starts from fresh weights, not from a CIFAR-27 run (`--init none`"+
			map[bool]string{true: "", false: ", the " + j.Profile + " profile's default"}[Table1Profiles[j.Profile].InitFromCIFAR27]+").")
	}
	for _, n := range notes {
		lines = append(lines, n+".")
	}
	return lines
}

func (j Job) logf(format string, args ...any) {
	if j.Log != nil {
		fmt.Fprintf(j.Log, format, args...)
	}
}
