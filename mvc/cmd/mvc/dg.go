package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/compute"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// dgWorkerEnvVar marks the sweep child process that "mvc dg" supervises (as workerEnvVar does
// for "mvc train").
const dgWorkerEnvVar = "MVC_DG_WORKER"

// Folders of the sweep under --out: results (committed) and the checkpoints of unfinished runs
// (under runs/, which git ignores in figures/).
const (
	dgResultsDir = "dg"
	dgWorkDir    = "runs/dg"
)

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
			"            the others -> table1.md, .html, .csv, table1_runs.csv, table1_paper.csv\n"+
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
			"after --lease elsewhere) and its run resumed. Each process exits when every run is done.\n\nProfiles:\n"+dgProfileHelp(), stderr)
	var o dgOptions
	var experiments, models string
	fs.StringVar(&o.profile, "profile", "quick", "smoke, quick or paper")
	fs.StringVar(&experiments, "experiment", "table1,protocol", "comma-separated: table1, protocol")
	fs.StringVar(&models, "models", "", "comma-separated Table 1 models of the profile to run (default: all)")
	var variants string
	fs.StringVar(&variants, "variants", "", "comma-separated protocol rows to run: erm, neurn, randconv, neurn+randconv (default: all; the table shows what is done)")
	fs.IntVar(&o.seeds, "seeds", 0, "number of seeds (default: the profile's)")
	fs.IntVar(&o.jobs, "jobs", 0, "runs trained at once (default: 2 on GoMLX's pure-Go backend with 2 or more cores, else 1); a run's numbers do not depend on it")
	fs.StringVar(&o.out, "out", "", "output folder (tables; results in <out>/dg; default: figures, "+smokeOut+" for the smoke profile)")
	fs.StringVar(&o.init, "init", "", "Table 1 initial weights: cifar27 (the model's CIFAR-27 run in <out>/runs when there is one, as the paper) or none (fresh weights)")
	fs.StringVar(&o.onnx, "onnx", "", "an ImageNet-trained ONNX model: adds the Table 1 model \"onnx\" (a backbone with a new head)")
	fs.BoolVar(&o.tablesOnly, "tables-only", false, "train nothing: write the tables from the results already stored")
	fs.BoolVar(&o.keep, "keep-checkpoints", false, "keep each finished run's training checkpoint in <out>/runs/dg")
	fs.BoolVar(&o.supervise, "supervise", true, "run the sweep in a child process restarted on stalls and crashes")
	fs.IntVar(&o.restarts, "restarts", 5, "how many times the supervisor restarts a failed sweep process")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.verbose, "verbose", false, "also show each run's per-epoch progress")
	fs.DurationVar(&o.lease, "lease", claim.DefaultLease, "lease of a run's claim: how long after its process stopped renewing it (a machine died) another process may take the run over")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := dg.Table1Profiles[o.profile]; !ok {
		return badInput("unknown --profile %q: want smoke, quick or paper", o.profile)
	}
	if o.out == "" {
		o.out = defaultOut(o.profile)
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
	freshInit, err := dgFreshInit(o.profile, o.init)
	if err != nil {
		return err
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
		j := dgJob{
			experiment: e, profile: o.profile, out: o.out, models: o.models, seeds: o.seeds, jobs: o.jobs, onnx: o.onnx, freshInit: freshInit, variants: o.variants,
			tablesOnly: o.tablesOnly, keep: o.keep, log: log, trainProgress: progress, lease: o.lease,
		}
		if os.Getenv(dgWorkerEnvVar) == "1" {
			j.watchdog, j.heartbeat = &train.Watchdog{}, train.HeartbeatFromEnv()
		}
		paths, err := j.run(ctx, backend)
		if err != nil {
			return err
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
// stalls; each restart skips the finished runs and resumes the interrupted one.
func superviseDG(ctx context.Context, args []string, o dgOptions, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locating this program to run the sweep child: %w", err)
	}
	s := &train.Supervisor{
		MaxRestarts: o.restarts,
		Log:         stderr,
		// Models differ in step time by orders of magnitude within one sweep: the child's own
		// watchdog (per run) is the precise one; the supervisor only catches a frozen child. With
		// several runs in flight (--jobs) their heartbeats interleave: the supervisor times the
		// step begun last, so it may miss a stalled run (its own watchdog does not) but never
		// sees a stall that is not there.
		Watchdog: train.Watchdog{MinTimeout: 10 * time.Minute},
		Command: func(int) (*exec.Cmd, error) {
			cmd := exec.Command(self, append(append([]string{"dg"}, args...), "--supervise=false")...)
			cmd.Env = append(os.Environ(), dgWorkerEnvVar+"=1")
			cmd.Stdout, cmd.Stderr = stdout, stderr
			return cmd, nil
		},
	}
	if o.restarts == 0 {
		s.MaxRestarts = -1
	}
	attempts, err := s.Run(ctx)
	if err != nil {
		if len(attempts) > 0 && attempts[len(attempts)-1].ExitCode == exitUsage {
			return usageError{errors.New("the sweep process rejected its input (see above)")}
		}
		return err
	}
	return nil
}

// dgFreshInit tells whether Table 1 runs start from fresh weights: --init none, or no --init
// with a profile that does not start from its CIFAR-27 runs (dg.Table1Profile.InitFromCIFAR27).
func dgFreshInit(profile, init string) (bool, error) {
	switch init {
	case "":
		return !dg.Table1Profiles[profile].InitFromCIFAR27, nil
	case "cifar27", "none":
		return init == "none", nil
	}
	return false, badInput("--init %q: want cifar27 or none", init)
}

// dgJob plans one experiment of a profile, trains the runs the store lacks and writes the
// experiment's tables; "mvc dg" and "mvc reproduce" share it.
type dgJob struct {
	experiment, profile, out, onnx string
	models                         []string
	seeds                          int
	// jobs is how many runs train at once (0: mvc.DefaultJobs).
	jobs             int
	tablesOnly, keep bool
	// freshInit plans Table 1 runs from fresh weights even where a CIFAR-27 run exists (--init none).
	freshInit bool
	// variants keeps only these rows of the digits protocol (--variants).
	variants                      []string
	log, trainProgress, heartbeat io.Writer
	watchdog                      *train.Watchdog
	// lease is the lease of the runs' claims (0: claim.DefaultLease).
	lease time.Duration
}

// dgFactory builds the sweep's models by the implementation their spec names (ModelSpec.Impl):
// "zoo" for the zoo's architectures (the digits protocol's DigitNet among them), "onnx" for an
// ONNX backbone.
func dgFactory(onnx string) dg.Factory {
	return dg.FactoryFunc(func(m dg.ModelSpec) (train.ModelFn, error) {
		spec := modelSpec{Model: m.Name, NeuRN: m.NeuRN, Width: m.Width, Classes: m.Classes, Size: m.Size, Seed: m.Seed}
		switch m.Impl {
		case "onnx":
			if onnx == "" {
				return nil, badInput("model onnx needs --onnx FILE")
			}
			spec.Model, spec.ONNX = "onnx", onnx
			return buildModel(spec)
		case "zoo":
			return zooModel(spec)
		}
		return nil, badInput("model %q: not in this build's zoo (%s)", m.Name, strings.Join(zooNames(), ", "))
	})
}

// dgImpl says which implementation builds a model: "zoo", "onnx", or "" when none can.
func dgImpl(name string) string {
	switch {
	case name == "onnx":
		return "onnx"
	case slices.Contains(zooNames(), name):
		return "zoo"
	}
	return ""
}

// cifarInit returns the CIFAR-27 run a Table 1 model starts from (the paper's ImageNet ->
// CIFAR-27 -> digits chain): the run of the same model, NeuRN setting, width and input size that
// step train_cifar27 makes for the profile, as a path relative to out; "" when the step makes
// none for it (another width, an ONNX backbone). Whether the run is there is the plan's concern
// (dgJob.chainInits), so that a plan does not change with the checkpoints on disk.
func cifarInit(profile string) func(m dg.ModelSpec) string {
	return func(m dg.ModelSpec) string {
		p, ok := cifarProfiles[profile]
		if !ok || m.Impl != "zoo" || m.Width != p.width || m.Size != 32 || !slices.Contains(p.neurnVariants, m.NeuRN) ||
			(!p.all && m.Name != dg.DigitNetName) {
			return ""
		}
		return filepath.Join(cifarRunsDir, cifarRunName(m.Name, m.NeuRN, profile))
	}
}

// cifarRunReady tells whether the CIFAR-27 run rel (relative to out) is finished and was made
// for model m (same model, NeuRN setting, width and input size).
func cifarRunReady(out, rel string, m dg.ModelSpec) bool {
	raw, err := os.ReadFile(filepath.Join(out, rel, train.ResultFile))
	if err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(out, rel, train.CheckpointFile)); err != nil {
		return false
	}
	var sum train.Summary
	var spec modelSpec
	return json.Unmarshal(raw, &sum) == nil && json.Unmarshal(sum.Setup.ModelSpec, &spec) == nil &&
		spec.Model == m.Name && spec.NeuRN == m.NeuRN && spec.Width == m.Width && spec.Size == m.Size
}

// chainInits settles where the planned Table 1 runs start: from their CIFAR-27 run when it is
// on disk, or when the store already holds the run made from it (a clone has the committed
// results but not the checkpoints: it renders them and retrains nothing); otherwise from fresh
// weights, which it returns as a note with the command that makes the missing CIFAR-27 runs.
func (j dgJob) chainInits(specs []dg.RunSpec) (notes []string, err error) {
	store := dg.Store{Dir: j.storeDir()}
	ready := map[string]bool{} // by CIFAR-27 run: each serves its model's runs of every source and seed
	fresh := 0
	for i := range specs {
		s := &specs[i]
		if s.Init == "" {
			continue
		}
		ok, seen := ready[s.Init]
		if !seen {
			ok = cifarRunReady(j.out, s.Init, s.Model)
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
			s.Init = ""
			fresh++
		}
	}
	if fresh > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d runs start from fresh weights: their model's CIFAR-27 run (%s) is not there; "+
			"`go run ./mvc/cmd/mvc reproduce --profile %s --out %s --only train_cifar27` makes it",
			fresh, len(specs), filepath.ToSlash(filepath.Join(j.out, cifarRunsDir, "cifar27-*-"+j.profile)), j.profile, filepath.ToSlash(j.out)))
	}
	return notes, nil
}

// plan lists the experiment's runs and describes what it left out.
func (j dgJob) plan() (specs []dg.RunSpec, notes []string, err error) {
	opts := dg.PlanOptions{Impl: dgImpl, Seeds: j.seeds}
	switch j.experiment {
	case "table1":
		p := dg.Table1Profiles[j.profile]
		if j.onnx != "" {
			p.Models = append(slices.Clone(p.Models), "onnx")
		}
		models := j.models
		if models == nil {
			models = p.Models
		}
		for _, m := range models {
			if slices.Contains(p.Models, m) && dgImpl(m) == "" {
				notes = append(notes, fmt.Sprintf("%s: not in this build (the model zoo lacks it), left out", dg.PaperName(m)))
				continue
			}
			opts.Models = append(opts.Models, m)
		}
		if len(opts.Models) == 0 {
			return nil, notes, nil
		}
		if !j.freshInit {
			opts.Init = cifarInit(j.profile)
		}
		if specs, err = p.Specs(opts); err != nil {
			return nil, notes, usageError{err}
		}
		more, err := j.chainInits(specs)
		if err != nil {
			return nil, notes, err
		}
		notes = append(notes, more...)
	case "protocol":
		if dgImpl(dg.DigitNetName) == "" {
			return nil, []string{"the model zoo has no DigitNet in this build"}, nil
		}
		specs, err = dg.ProtocolProfiles[j.profile].Specs(opts)
	default:
		return nil, nil, badInput("unknown experiment %q", j.experiment)
	}
	if err != nil {
		return nil, notes, usageError{err}
	}
	if !dg.USPSAvailable() {
		notes = append(notes, "USPS: its files were not found (set $"+mvc.DataEnvVar+"; see `mvc data fetch usps`), so U is left out")
	}
	return specs, notes, nil
}

// storeDir is the experiment's results folder.
func (j dgJob) storeDir() string {
	name := dg.ExperimentTable1
	if j.experiment == "protocol" {
		name = dg.ExperimentProtocol
	}
	return filepath.Join(j.out, dgResultsDir, name)
}

// run trains what is missing and writes the tables; it returns the paths written.
func (j dgJob) run(ctx context.Context, backend compute.Backend) ([]string, error) {
	specs, notes, err := j.plan()
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		j.logf("  %s\n", n)
	}
	if len(specs) == 0 {
		j.logf("  no %s runs can be built in this build: nothing to do\n", j.experiment)
		return nil, nil
	}
	store := dg.Store{Dir: j.storeDir()}
	if !j.tablesOnly {
		name := dg.ExperimentTable1
		if j.experiment == "protocol" {
			name = dg.ExperimentProtocol
		}
		sw := &dg.Sweep{
			Backend: backend, Factory: dgFactory(j.onnx), Data: dg.NewDomains(), Store: store,
			WorkDir: filepath.Join(j.out, dgWorkDir, name), InitRoot: j.out, KeepCheckpoints: j.keep,
			Profile: j.profile, Log: j.log, TrainProgress: j.trainProgress, Watchdog: j.watchdog, Heartbeat: j.heartbeat,
			BackendName: mvc.ChooseBackend().Config, Jobs: cmp.Or(j.jobs, mvc.DefaultJobs()), Lease: j.lease,
		}
		todo := specs
		if j.variants != nil {
			todo = slices.DeleteFunc(slices.Clone(specs), func(s dg.RunSpec) bool {
				return !slices.Contains(j.variants, dg.VariantKey(s.Model.NeuRN, s.Input.RandConv != nil))
			})
		}
		if _, err := sw.Run(ctx, todo); err != nil {
			return nil, err
		}
	}
	var done []*dg.RunResult
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
			len(more), runs, seeds, last, fmtSeconds(moreSeconds), len(done)))
	}
	if j.experiment == "protocol" {
		return dg.WriteProtocolTable(j.out, done, about)
	}
	return dg.WriteTable1(j.out, done, about)
}

// laterSeeds returns the stored runs of the seeds after the plan's (specs) that the store holds
// for the same settings: seed n+1, n+2, ... for as long as the store holds at least one run of the
// seed. A `mvc dg --seeds N` sweep adds seeds to a store; the profile's default plan (quick: 1
// seed, so that `mvc reproduce` stays cheap) then still tabulates every seed it holds, so the
// committed tables keep their spreads. The runs come in plan order, seed by seed.
func (j dgJob) laterSeeds(store dg.Store, specs []dg.RunSpec) ([]*dg.RunResult, error) {
	var last uint64
	for _, s := range specs {
		last = max(last, s.Seed)
	}
	var found []*dg.RunResult
	for seed := last + 1; ; seed++ {
		next := j
		next.seeds = int(seed)
		more, _, err := next.plan()
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
func (j dgJob) about(done, planned, chained int, seconds float64, notes []string) []string {
	var desc string
	if j.experiment == "protocol" {
		desc = dg.ProtocolProfiles[j.profile].Description
	} else {
		desc = dg.Table1Profiles[j.profile].Description
	}
	initFlag := ""
	if j.experiment == "table1" && j.freshInit == dg.Table1Profiles[j.profile].InitFromCIFAR27 {
		initFlag = map[bool]string{true: " --init none", false: " --init cifar27"}[j.freshInit]
	}
	lines := []string{
		fmt.Sprintf("Profile %s: %s.", j.profile, desc),
		fmt.Sprintf("%d of %d planned runs are done (one JSON file each in %s; %s of training and evaluation in all). "+
			"Regenerate with `go run ./mvc/cmd/mvc dg --profile %s%s --experiment %s` (a rerun trains only the missing runs).",
			done, planned, filepath.ToSlash(j.storeDir()), fmtSeconds(seconds), j.profile, initFlag, j.experiment),
	}
	if !j.freshInit && j.experiment == "table1" && done > 0 {
		line := fmt.Sprintf("%d of the %d done runs start from their model's CIFAR-27 run (%s, step train_cifar27; "+
			"the paper's ImageNet -> CIFAR-27 -> digits chain)", chained, done,
			filepath.ToSlash(filepath.Join(j.out, cifarRunsDir, "cifar27-<model>[-neurn3]-"+j.profile)))
		if chained < done {
			line += ", the others from fresh weights"
		}
		lines = append(lines, line+".")
	}
	if j.freshInit && j.experiment == "table1" {
		lines = append(lines, "Every run starts from fresh weights, not from a CIFAR-27 run (`--init none`"+
			map[bool]string{true: "", false: ", the " + j.profile + " profile's default"}[dg.Table1Profiles[j.profile].InitFromCIFAR27]+").")
	}
	for _, n := range notes {
		lines = append(lines, n+".")
	}
	return lines
}

func (j dgJob) logf(format string, args ...any) {
	if j.log != nil {
		fmt.Fprintf(j.log, format, args...)
	}
}

// fmtSeconds prints 1h02m, 3m04s or 5.2s.
func fmtSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}
