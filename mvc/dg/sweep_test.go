package dg

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// tinyData is a DataSource of tiny 10x10 RGB "digit" domains: class c is a bright vertical bar
// in column c with pixel noise; the domains differ in colours (MNIST white on black, USPS
// grey on black, SYN dark on light, MNIST-M coloured on random colour). It counts loads.
type tinyData struct {
	mu    sync.Mutex
	loads int
}

func (d *tinyData) Load(domain, split string, n int, seed uint64) (*data.Dataset, error) {
	d.mu.Lock()
	d.loads++
	d.mu.Unlock()
	if DomainCode(domain) == "" {
		return nil, errors.New("tinyData: unknown domain " + domain)
	}
	if n == 0 {
		n = map[string]int{"train": 150, "test": 40}[split]
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(domain + "/" + split))
	r := rand.New(rand.NewPCG(h.Sum64(), seed))
	const s = 10
	ds := &data.Dataset{Name: "tiny-" + domain, Domain: DomainCode(domain), Split: split, N: n, Height: s, Width: s, Channels: 3,
		Pixels: make([]uint8, n*s*s*3), Labels: make([]int, n), ClassNames: data.DigitClassNames,
		Provenance: "tiny test domain " + domain}
	for i := range n {
		c := r.IntN(10)
		ds.Labels[i] = c
		var fg, bg [3]float64
		switch domain {
		case data.DomainMNIST:
			fg, bg = [3]float64{250, 250, 250}, [3]float64{5, 5, 5}
		case data.DomainUSPS:
			fg, bg = [3]float64{180, 180, 180}, [3]float64{20, 20, 20}
		case data.DomainSYN, data.DomainSVHN:
			fg, bg = [3]float64{40, 40, 40}, [3]float64{200, 200, 200}
		default:
			for k := range 3 {
				bg[k] = 255 * r.Float64()
				fg[k] = 255 - bg[k]
			}
		}
		img := ds.Image(i)
		for y := range s {
			for x := range s {
				for k := range 3 {
					v := bg[k]
					if x == c {
						v = fg[k]
					}
					v += 20 * r.NormFloat64()
					img[(y*s+x)*3+k] = uint8(min(255, max(0, v)))
				}
			}
		}
	}
	return ds, nil
}

// tinyFactory builds a linear classifier on 8x8 mean-pooled images (after NeuRN when asked):
// fast enough for end-to-end sweeps in tests.
var tinyFactory = FactoryFunc(func(spec ModelSpec) (train.ModelFn, error) {
	if spec.Name != "tiny" {
		return nil, errors.New("tinyFactory: unknown model " + spec.Name)
	}
	return func(scope *model.Scope, x *Node) *Node {
		if spec.NeuRN > 0 {
			x = neurn.New(scope.In("neurn"), x).KernelSize(spec.NeuRN).Done()
		}
		d := x.Shape().Dimensions
		x = ReduceMean(Reshape(x, d[0], d[1]/4, 4, d[2]/4, 4, d[3]), 2, 4)
		return layers.DenseWithBias(scope.In("logits"), Reshape(x, d[0], -1), spec.Classes)
	}, nil
})

// tinySpecs are the runs of the tiny sweep: model "tiny", bare, +NeuRN and +RandConv, sources
// M and U, seeds 1 and 2.
func tinySpecs(t *testing.T) []RunSpec {
	t.Helper()
	p := Table1Profile{
		Name: "test", Models: []string{"tiny"}, Width: 1, NeuRN: 3, RandConvModels: []string{"tiny"}, RandConv: *RCMix(1), Seeds: 2,
		Training: Training{TrainImages: 120, TestImages: 40, BatchSize: 27, MaxEpochs: 2, LearningRate: 0.05},
	}
	specs, err := p.Specs(PlanOptions{Domains: Table1Domains(data.DomainSYN, true)})
	if err != nil {
		t.Fatal(err)
	}
	var out []RunSpec
	for _, s := range specs {
		if s.Source == data.DomainMNIST || s.Source == data.DomainUSPS {
			out = append(out, s)
		}
	}
	if len(out) != 12 {
		t.Fatalf("%d tiny specs, want 12", len(out))
	}
	return out
}

func newTinySweep(dir string, d DataSource) *Sweep {
	return &Sweep{
		Backend: mvc.MustBackend(), Factory: tinyFactory, Data: d,
		Store: Store{Dir: filepath.Join(dir, "results")}, WorkDir: filepath.Join(dir, "work"), Profile: "test",
	}
}

// TestTinySweepEndToEnd runs a tiny sweep on tiny data and renders its tables: every run
// stored with its fields, the table cells aggregated over the two seeds, the files written.
func TestTinySweepEndToEnd(t *testing.T) {
	dir := t.TempDir()
	specs := tinySpecs(t)
	var log bytes.Buffer
	s := newTinySweep(dir, &tinyData{})
	s.Log = &log
	out, err := s.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if out.Trained != len(specs) || out.Skipped != 0 {
		t.Fatalf("trained %d, skipped %d; want %d, 0", out.Trained, out.Skipped, len(specs))
	}
	if !strings.Contains(log.String(), "run 12/12") || !strings.Contains(log.String(), "ETA") {
		t.Errorf("progress log lacks the run counter or ETA:\n%s", log.String())
	}
	for i, r := range out.Results {
		if !r.Spec.Equal(specs[i]) || len(r.Targets) != 4 || r.Epochs != 2 || r.Source.TrainImages != 108 || r.Source.ValidationImages != 12 {
			t.Fatalf("result %d: %+v", i, r)
		}
		if r.SourceValAccuracy <= 0 || r.WallSeconds <= 0 || r.Parameters == 0 || r.Finished == "" || r.Targets[1].Provenance == "" {
			t.Fatalf("result %d lacks fields: %+v", i, r)
		}
		if _, err := os.Stat(filepath.Join(s.WorkDir, r.ID)); !os.IsNotExist(err) {
			t.Errorf("the finished run's checkpoint folder %s was not removed", r.ID)
		}
		stored, err := ReadResult(s.Store.Path(specs[i]))
		if err != nil || stored.ID != r.ID {
			t.Fatalf("stored result %d: %v", i, err)
		}
	}
	// The bare model learns its own domain (a linear model on bars).
	if m, _ := out.Results[0].Target(data.DomainMNIST); m.Accuracy < 0.5 {
		t.Errorf("tiny model's MNIST test accuracy %.2f: it should learn the bars", m.Accuracy)
	}
	all, err := s.Store.All()
	if err != nil || len(all) != len(specs) {
		t.Fatalf("store holds %d results (%v), want %d", len(all), err, len(specs))
	}
	paths, err := WriteTable1(filepath.Join(dir, "figures"), all, []string{"tiny sweep"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 7 {
		t.Fatalf("wrote %v", paths)
	}
	tab := BuildTable1(all)
	if len(tab.Rows) != 3 || tab.Rows[0].Label != "tiny" || tab.Rows[1].Label != "tiny+NeuRN" || tab.Rows[2].Label != "tiny+RandConv" {
		t.Fatalf("rows %+v", tab.Rows)
	}
	for _, col := range []int{0, 1, 2, 3, 4, 5} { // M->U M->S M->MM U->M U->S U->MM
		if c := tab.Rows[1].Cells[col]; c.N != 2 {
			t.Errorf("tiny+NeuRN %s: %d values, want 2 seeds", tab.Columns[col], c.N)
		}
	}
	if c := tab.Rows[0].Cells[6]; c.N != 0 {
		t.Errorf("S->M should be empty (no S source in the tiny sweep), has %d values", c.N)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "figures", "table1.md"))
	for _, want := range []string{"tiny sweep", "Table 1 as published", "In-domain test accuracy", "| M->M target ≥ 95 |", VerdictTitle} {
		if !strings.Contains(string(md), want) {
			t.Errorf("table1.md lacks %q:\n%s", want, md)
		}
	}
	inDomain := BuildInDomain(all)
	if c := inDomain.Rows[0].Cells[0]; c.N != 2 || inDomain.Columns[0] != "M->M" {
		t.Errorf("in-domain M->M of tiny: %d values (column %s), want 2 seeds", c.N, inDomain.Columns[0])
	}
}

// TestSweepResume kills a sweep (cancels it) inside its second run, after the first epoch, and
// reruns it: the finished run is not retrained, the interrupted one resumes at its second epoch
// and ends with the same result as an uninterrupted sweep, and a third run trains nothing. A
// deleted result file is the only run trained again.
func TestSweepResume(t *testing.T) {
	// tiny, tiny+RandConv (second: its random state must resume too) and tiny+NeuRN on M, seed 1.
	var specs []RunSpec
	for _, v := range []string{"", "+RandConv", "+NeuRN"} {
		i := slices.IndexFunc(tinySpecs(t), func(s RunSpec) bool { return s.Variant() == v && s.Source == data.DomainMNIST })
		specs = append(specs, tinySpecs(t)[i])
	}
	ref, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newTinySweep(dir, &tinyData{})
	finished := 0
	s.AfterRun = func(*RunResult, string) error { finished++; return nil }
	s.TrainProgress = writerFunc(func(p []byte) {
		if finished == 1 && bytes.Contains(p, []byte("epoch 1/2:")) {
			cancel() // simulated kill after the second run's first epoch
		}
	})
	if _, err := s.Run(ctx, specs); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sweep returned %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(s.WorkDir, specs[1].ID(), train.CheckpointFile)); err != nil {
		t.Fatalf("the interrupted run left no checkpoint: %v", err)
	}
	if r, _ := s.Store.Load(specs[1]); r != nil {
		t.Fatal("the interrupted run has a result")
	}

	var progress bytes.Buffer
	s2 := newTinySweep(dir, &tinyData{})
	s2.TrainProgress = &progress
	out, err := s2.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if out.Skipped != 1 || out.Trained != 2 {
		t.Fatalf("rerun skipped %d and trained %d, want 1 and 2", out.Skipped, out.Trained)
	}
	epochs := strings.Count(progress.String(), "epoch 1/2:") + strings.Count(progress.String(), "epoch 2/2:")
	if strings.Count(progress.String(), "epoch 1/2:") != 1 || epochs != 3 {
		t.Fatalf("rerun trained %d epochs (want 3: the resumed run's second and the last run's two):\n%s", epochs, progress.String())
	}
	for i := range specs {
		a, b := ref.Results[i], out.Results[i]
		if !slices.EqualFunc(a.Targets, b.Targets, func(x, y DomainResult) bool { return x.Accuracy == y.Accuracy && x.Loss == y.Loss }) ||
			a.SourceValAccuracy != b.SourceValAccuracy || a.BestEpoch != b.BestEpoch {
			t.Errorf("run %d after resume: %+v, uninterrupted: %+v", i, b.Targets, a.Targets)
		}
	}

	// The resumed run's time counts the epoch its first process completed.
	if r := out.Results[1]; r.WallSeconds < r.History[0].Seconds+r.History[1].Seconds {
		t.Errorf("resumed run: wall_seconds %.3f < its epochs' %.3f + %.3f", r.WallSeconds, r.History[0].Seconds, r.History[1].Seconds)
	}

	again, err := newTinySweep(dir, &tinyData{}).Run(context.Background(), specs)
	if err != nil || again.Trained != 0 || again.Skipped != 3 {
		t.Fatalf("third run trained %d, skipped %d (%v); want 0 and 3", again.Trained, again.Skipped, err)
	}
	if err := os.Remove(s.Store.Path(specs[2])); err != nil {
		t.Fatal(err)
	}
	d := &tinyData{}
	fourth, err := newTinySweep(dir, d).Run(context.Background(), specs)
	if err != nil || fourth.Trained != 1 || fourth.Skipped != 2 {
		t.Fatalf("after removing one result: trained %d, skipped %d (%v); want 1 and 2", fourth.Trained, fourth.Skipped, err)
	}
}

// TestSweepJobs trains the tiny sweep 3 runs at a time on one backend, and checks
// that every run's numbers (losses and accuracies of every epoch and target) are those of the
// sweep trained one run at a time, and that results come back in plan order.
func TestSweepJobs(t *testing.T) {
	specs := tinySpecs(t)
	ref, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	s := newTinySweep(t.TempDir(), &tinyData{})
	var log bytes.Buffer
	var mu sync.Mutex
	saved := 0
	s.Log, s.Jobs = &log, 3
	s.AfterRun = func(*RunResult, string) error { mu.Lock(); saved++; mu.Unlock(); return nil }
	out, err := s.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if out.Trained != len(specs) || saved != len(specs) || !strings.Contains(log.String(), "3 at a time") {
		t.Fatalf("trained %d, AfterRun %d times, want %d; log:\n%s", out.Trained, saved, len(specs), log.String())
	}
	for i := range specs {
		a, b := ref.Results[i], out.Results[i]
		if b.ID != specs[i].ID() {
			t.Fatalf("result %d is run %s, want %s", i, b.ID, specs[i].ID())
		}
		same := slices.EqualFunc(a.Targets, b.Targets, func(x, y DomainResult) bool { return x.Accuracy == y.Accuracy && x.Loss == y.Loss }) &&
			slices.EqualFunc(a.History, b.History, func(x, y train.EpochMetrics) bool {
				return x.TrainLoss == y.TrainLoss && x.ValLoss == y.ValLoss && x.ValAccuracy == y.ValAccuracy
			})
		if !same {
			t.Errorf("run %s differs with 3 jobs:\n  1 job:  %+v %+v\n  3 jobs: %+v %+v", specs[i].Label(), a.History, a.Targets, b.History, b.Targets)
		}
	}
}

// TestSweepJobsStopAtError checks that with 2 jobs the first failing run stops the sweep: Run
// returns its error, and no run starts after it (the failing run is the first handed out, and it
// fails at once, while the second trains).
func TestSweepJobsStopAtError(t *testing.T) {
	specs := tinySpecs(t)[:4]
	specs[0].Model.Name = "nope"
	s := newTinySweep(t.TempDir(), &tinyData{})
	s.Jobs = 2
	_, err := s.Run(context.Background(), specs)
	if err == nil || !strings.Contains(err.Error(), "unknown model") || !strings.Contains(err.Error(), specs[0].Label()) {
		t.Fatalf("Run returned %v, want the unknown model of run %s", err, specs[0].Label())
	}
	for _, spec := range specs[2:] {
		if r, _ := s.Store.Load(spec); r != nil {
			t.Errorf("run %s was trained after the error", spec.Label())
		}
	}
}

func TestRunResultSeconds(t *testing.T) {
	r := RunResult{WallSeconds: 100, History: []train.EpochMetrics{{Seconds: 30}, {Seconds: 40}}}
	if got := r.Seconds(); got != 100 {
		t.Errorf("Seconds() = %v, want the wall time 100", got)
	}
	r.WallSeconds = 50 // an old file of a resumed run: the last process only
	if got := r.Seconds(); got != 70 {
		t.Errorf("Seconds() = %v, want the epochs' 70", got)
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestStoreRejectsOtherSpec(t *testing.T) {
	dir := t.TempDir()
	st := Store{Dir: dir}
	spec := tinySpecs(t)[0]
	r := &RunResult{ID: spec.ID(), Spec: spec}
	if err := st.Save(r); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Load(spec); err != nil || got == nil {
		t.Fatalf("Load: %v, %v", got, err)
	}
	other := spec
	other.Training.MaxEpochs = 99
	if got, err := st.Load(other); err != nil || got != nil {
		t.Fatalf("a different spec has another file: got %v, %v", got, err)
	}
	// A file edited to hold another spec under this spec's name is an error.
	r.Spec = other
	if err := os.WriteFile(st.Path(spec), []byte(`{"id":"x","spec":{"experiment":"table1","model":{"model":"tiny"},"training":{"max_epochs":99}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(spec); err == nil {
		t.Fatal("Load accepted a file holding another spec")
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.All(); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("All on a broken file: %v", err)
	}
}

func TestSpecValidation(t *testing.T) {
	good := tinySpecs(t)[0]
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*RunSpec){
		"experiment": func(s *RunSpec) { s.Experiment = "a/b" },
		"model":      func(s *RunSpec) { s.Model.Name = "" },
		"width":      func(s *RunSpec) { s.Model.Width = 0 },
		"neurn":      func(s *RunSpec) { s.Model.NeuRN = 4 },
		"classes":    func(s *RunSpec) { s.Model.Classes = 1 },
		"source":     func(s *RunSpec) { s.Source = "cifar" },
		"targets":    func(s *RunSpec) { s.Targets = nil },
		"target":     func(s *RunSpec) { s.Targets = []string{"imagenet"} },
		"randconv":   func(s *RunSpec) { s.Input.RandConv = &RandConv{KernelSizes: []int{4}} },
		"images":     func(s *RunSpec) { s.Training.TestImages = -1 },
	} {
		s := good
		s.Targets = slices.Clone(good.Targets)
		mutate(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: bad spec accepted", name)
		}
		if _, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), []RunSpec{s}); err == nil {
			t.Errorf("%s: Sweep.Run accepted a bad spec", name)
		}
	}
	if _, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), []RunSpec{good, good}); err == nil {
		t.Error("a spec listed twice was accepted")
	}
	bad := good
	bad.Model.Name = "nope"
	if _, err := newTinySweep(t.TempDir(), &tinyData{}).Run(context.Background(), []RunSpec{bad}); err == nil || !strings.Contains(err.Error(), "unknown model") {
		t.Errorf("unknown model: %v", err)
	}
}

// Each Table 1 profile builds its models at the widths of the CIFAR-27 runs they start from, with
// the same learning rates, so that every run finds its CIFAR-27 run.
func TestTable1ProfilesMatchCIFAR27(t *testing.T) {
	for name, p := range Table1Profiles {
		c, err := runs.LookupCIFAR27(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Models {
			if _, ok := c.Makes(m, 0, p.WidthOf(m), 32, p.InitOf(m)); !ok {
				t.Errorf("%s: %s at width %g, init %q has no CIFAR-27 run (the step builds it at %g, init %q)", name, m, p.WidthOf(m), p.InitOf(m), c.WidthOf(m), c.InitOf(m))
			}
			if lr, ok := p.LearningRates[m]; ok && lr != c.LearningRateOf(m) {
				t.Errorf("%s: %s learns at %g in Table 1 and %g on CIFAR-27", name, m, lr, c.LearningRateOf(m))
			}
		}
	}
}

func TestProfilesPlan(t *testing.T) {
	q := Table1Profiles["quick"]
	specs, err := q.Specs(PlanOptions{Domains: Table1Domains(data.DomainSYN, true), Init: func(m ModelSpec) string {
		if m.Name == "vgg19" {
			return "runs/cifar27-vgg19-quick"
		}
		return ""
	}, InitSettings: func(m ModelSpec) string { return "lr 0.0001" }})
	if err != nil {
		t.Fatal(err)
	}
	// 10 models x 2 variants + 3 RandConv rows, x 4 sources, 1 seed.
	if len(specs) != 92 {
		t.Fatalf("quick plans %d runs, want 92", len(specs))
	}
	ids := map[string]bool{}
	for _, s := range specs {
		if ids[s.ID()] {
			t.Fatalf("duplicate run %s", s.ID())
		}
		ids[s.ID()] = true
		if (s.Model.Name == "vgg19") != (s.Init != "") || (s.Init != "") != (s.InitSettings == "lr 0.0001") {
			t.Fatalf("%s: init %q (%q)", s.Label(), s.Init, s.InitSettings)
		}
		if lr, ok := q.LearningRates[s.Model.Name]; ok && s.Training.LearningRate != lr {
			t.Fatalf("%s: learning rate %g, want the profile's %g", s.Label(), s.Training.LearningRate, lr)
		}
		if s.Model.Width != q.WidthOf(s.Model.Name) {
			t.Fatalf("%s: width %g, want the profile's %g", s.Label(), s.Model.Width, q.WidthOf(s.Model.Name))
		}
		if n, ok := q.TrainImages[s.Source]; ok && s.Training.TrainImages != n {
			t.Fatalf("%s: %d training images, want the profile's %d", s.Label(), s.Training.TrainImages, n)
		}
		if len(s.Targets) != 4 || slices.Contains(s.Targets, data.DomainSVHN) {
			t.Fatalf("%s: targets %v", s.Label(), s.Targets)
		}
	}
	p, err := ProtocolProfiles["quick"].Specs(PlanOptions{Domains: ProtocolTargets(false, true)})
	if err != nil || len(p) != 12 || !p[0].Input.Whiten || p[3].Input.RandConv == nil || p[3].Model.NeuRN != 3 {
		t.Fatalf("protocol quick: %d specs (%v)", len(p), err)
	}
	// Every protocol run has one of the protocol's variant keys, each key as many runs.
	perKey := map[string]int{}
	for _, s := range p {
		perKey[VariantKey(s.Model.NeuRN, s.Input.RandConv != nil)]++
	}
	for _, k := range ProtocolVariants {
		if perKey[k] != 3 {
			t.Errorf("protocol quick: %d runs of variant %q, want 3 (one per seed): %v", perKey[k], k, perKey)
		}
	}
	for _, c := range []struct {
		k    int
		rc   bool
		want string
	}{{0, false, "erm"}, {3, false, "neurn"}, {0, true, "randconv"}, {3, true, "neurn+randconv"}} {
		if got := VariantKey(c.k, c.rc); got != c.want {
			t.Errorf("VariantKey(%d, %v) = %q, want %q", c.k, c.rc, got, c.want)
		}
	}
	// Options: fewer seeds, a subset of models, an unknown model.
	if two, err := q.Specs(PlanOptions{Domains: Table1Domains(data.DomainSYN, false), Seeds: 2, Models: []string{"vit"}}); err != nil || len(two) != 2*2*3 {
		t.Fatalf("vit, 2 seeds, no USPS: %d specs (%v), want 12", len(two), err)
	}
	if _, err := q.Specs(PlanOptions{Models: []string{"lenet"}}); err == nil {
		t.Fatal("a model outside the profile was accepted")
	}
	// The paper profile reuses the quick runs (same specs for seeds 1-3).
	pp, _ := ProtocolProfiles["paper"].Specs(PlanOptions{Domains: ProtocolTargets(false, true)})
	for i := range p {
		if pp[i].ID() != p[i].ID() {
			t.Fatalf("paper protocol run %d differs from quick's", i)
		}
	}
}
