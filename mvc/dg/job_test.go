package dg

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/pkg/errors"
)

// A Table 1 run starts from its model's CIFAR-27 run when one matches, unless --init none; a
// run stored from a CIFAR-27 run keeps its spec when the checkpoint is gone (a clone renders the
// committed runs without retraining them).
func TestJobInitFromCIFAR27(t *testing.T) {
	out := t.TempDir()
	spec, _ := json.Marshal(runs.Spec{Model: "digitnet", Width: 0.125, Classes: 27, Size: 32, Seed: 1})
	// A run made by the smoke profile's CIFAR-27 step (its settings).
	smoke, _ := runs.LookupCIFAR27("smoke")
	setup := train.Setup{ModelSpec: spec, LearningRate: train.DefaultLearningRate, BatchSize: smoke.BatchSize,
		StepsPerEpoch: smoke.StepsPerEpoch, Patience: train.DefaultPatience}
	sum, _ := json.Marshal(train.Summary{Setup: setup, Epochs: smoke.Epochs})
	run := filepath.Join(out, runs.CIFAR27RunsDir, runs.CIFAR27RunName("digitnet", 0, "smoke"))
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{train.ResultFile: sum, train.CheckpointFile: []byte("weights")} {
		if err := os.WriteFile(filepath.Join(run, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	count := func(specs []RunSpec) (inits, bare int) {
		for _, s := range specs {
			if s.Model.NeuRN == 0 {
				bare++
			}
			if s.Init != "" {
				inits++
				if s.Model.NeuRN != 0 || s.Model.Name != "digitnet" {
					t.Errorf("%s starts from %s", s.ID(), s.Init)
				}
			}
		}
		return inits, bare
	}
	var chained []RunSpec
	for _, fresh := range []bool{false, true} {
		specs, notes, err := Job{Experiment: "table1", Profile: "smoke", Out: out, FreshInit: fresh}.Plan()
		if err != nil {
			t.Fatal(err)
		}
		// Smoke: DigitNet bare and +RandConv start from it (there is no +NeuRN CIFAR-27 run here).
		inits, bare := count(specs)
		if want := map[bool]int{false: bare, true: 0}[fresh]; bare == 0 || inits != want {
			t.Errorf("freshInit %v: %d runs start from the CIFAR-27 run, want %d", fresh, inits, want)
		}
		if !fresh {
			chained = specs
			if msg := strings.Join(notes, "\n"); !strings.Contains(msg, "runs start from fresh weights") || !strings.Contains(msg, "--only train_cifar27") {
				t.Errorf("the +NeuRN runs start fresh without a note saying so: %q", msg)
			}
		}
	}
	// With RequireCIFAR27 (--init cifar27) the missing +NeuRN run is an error naming it, except
	// for tables only.
	missing := runs.CIFAR27RunName("digitnet", 3, "smoke")
	if _, _, err := (Job{Experiment: "table1", Profile: "smoke", Out: out, RequireCIFAR27: true}).Plan(); err == nil ||
		!strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "--only train_cifar27") {
		t.Errorf("RequireCIFAR27 without %s: error %v, want one naming it and the step that makes it", missing, err)
	}
	if _, _, err := (Job{Experiment: "table1", Profile: "smoke", Out: out, RequireCIFAR27: true, TablesOnly: true}).Plan(); err != nil {
		t.Errorf("RequireCIFAR27 with TablesOnly: %v", err)
	}
	// A run trained with other settings is not started from.
	setup.LearningRate = 0.01
	other, _ := json.Marshal(train.Summary{Setup: setup, Epochs: smoke.Epochs})
	if err := os.WriteFile(filepath.Join(run, train.ResultFile), other, 0o644); err != nil {
		t.Fatal(err)
	}
	if specs, _, err := (Job{Experiment: "table1", Profile: "smoke", Out: out}).Plan(); err != nil {
		t.Fatal(err)
	} else if inits, _ := count(specs); inits != 0 {
		t.Errorf("%d runs start from a CIFAR-27 run trained with other settings", inits)
	}
	if err := os.WriteFile(filepath.Join(run, train.ResultFile), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	// The checkpoint goes; one run made from it is stored: that run keeps its spec, the others
	// start fresh.
	if err := os.Remove(filepath.Join(run, train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	var kept RunSpec
	for _, s := range chained {
		if s.Init != "" {
			kept = s
			break
		}
	}
	job := Job{Experiment: "table1", Profile: "smoke", Out: out}
	if err := (Store{Dir: job.StoreDir()}).Save(&RunResult{ID: kept.ID(), Spec: kept}); err != nil {
		t.Fatal(err)
	}
	specs, notes, err := job.Plan()
	if err != nil {
		t.Fatal(err)
	}
	// The note tells how to get the checkpoint back: the finished run is only rebuilt when asked.
	if msg := strings.Join(notes, "\n"); !strings.Contains(msg, "--only train_cifar27 --rebuild-checkpoints digitnet`") {
		t.Errorf("without the checkpoint the note does not name --rebuild-checkpoints digitnet: %q", msg)
	}
	if inits, _ := count(specs); inits != 1 || !slices.ContainsFunc(specs, func(s RunSpec) bool { return s.ID() == kept.ID() }) {
		t.Errorf("without the checkpoint %d runs start from it, want 1 (the stored %s)", inits, kept.ID())
	}
	// Without --init every profile follows the CIFAR-27 chain.
	for _, c := range []struct {
		profile, init string
		fresh         bool
	}{{"smoke", "", false}, {"quick", "", false}, {"paper", "", false}, {"quick", "cifar27", false}, {"paper", "none", true}} {
		fresh, err := FreshInit(c.profile, c.init)
		if err != nil || fresh != c.fresh {
			t.Errorf("FreshInit(%q, %q) = %v, %v; want %v", c.profile, c.init, fresh, err, c.fresh)
		}
	}
	if _, err := FreshInit("quick", "imagenet"); !errors.Is(err, mvc.ErrInput) {
		t.Errorf("FreshInit(quick, imagenet): %v, want an input error", err)
	}
}

// TestJobFinished checks that Finished returns the stored results of the plan only, not those
// stored under other settings.
func TestJobFinished(t *testing.T) {
	out := t.TempDir()
	job := Job{Experiment: "table1", Profile: "smoke", Out: out, FreshInit: true}
	specs, _, err := job.Plan()
	if err != nil {
		t.Fatal(err)
	}
	store := Store{Dir: job.StoreDir()}
	other := specs[1]
	other.Training.MaxEpochs++ // another version of the profile
	for _, s := range []RunSpec{specs[0], other} {
		if err := store.Save(&RunResult{ID: s.ID(), Spec: s}); err != nil {
			t.Fatal(err)
		}
	}
	got, planned, err := job.Finished()
	if err != nil || planned != len(specs) || len(got) != 1 || got[0].ID != specs[0].ID() {
		t.Errorf("Finished: %d results (%v), %d planned; want only %s of %d", len(got), err, planned, specs[0].ID(), len(specs))
	}
}

// A sweep of some models (--models) rewrites the tables with every model's stored runs, not
// only its own.
func TestJobModelsKeepOtherModelsInTables(t *testing.T) {
	out := t.TempDir()
	all := Job{Experiment: "table1", Profile: "quick", Out: out, FreshInit: true}
	specs, _, err := all.Plan()
	if err != nil {
		t.Fatal(err)
	}
	store := Store{Dir: all.StoreDir()}
	saved := map[string]bool{}
	for _, s := range specs {
		if s.Source != s.Targets[0] || s.Input.RandConv != nil || (s.Model.Name != "densenet121" && s.Model.Name != "vgg19") {
			continue
		}
		r := &RunResult{ID: s.ID(), Spec: s, Profile: "quick", InitFrom: "fresh initialisation", Epochs: 1, BestEpoch: 1}
		for _, d := range s.Targets {
			r.Targets = append(r.Targets, DomainResult{Domain: d, Code: DomainCode(d), Accuracy: 0.5, Images: 10})
		}
		if err := store.Save(r); err != nil {
			t.Fatal(err)
		}
		saved[s.ID()] = true
	}
	if len(saved) != 4 {
		t.Fatalf("saved %d runs, want 4 (bare and +NeuRN of two models)", len(saved))
	}
	job := all
	job.Models, job.TablesOnly = []string{"densenet121"}, true
	if _, err := job.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "table1_runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for id := range saved {
		if !strings.Contains(string(b), id) {
			t.Errorf("table1_runs.csv lacks run %s after a sweep of densenet121 alone", id)
		}
	}
}
