package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/train"
)

func TestDGBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"dg", "--profile", "huge"},
		{"dg", "--experiment", "table2"},
		{"dg", "--seeds", "-1"},
		{"dg", "--jobs", "-1"},
		{"dg", "--onnx", "/nonexistent/model.onnx"},
		{"dg", "extra"},
		{"dg", "--profile", "smoke", "--experiment", "table1", "--models", "lenet", "--supervise=false", "--out", t.TempDir()},
	} {
		code, _, stderr := runMVC(args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with one line", args, code, stderr)
		}
	}
}

// TestDGSmokeProtocol runs the smoke digits protocol through the command line (in process),
// reruns it (nothing trained again) and renders the tables from the stored runs only.
func TestDGSmokeProtocol(t *testing.T) {
	skipWithoutMNIST(t)
	out := t.TempDir()
	args := []string{"dg", "--profile", "smoke", "--experiment", "protocol", "--supervise=false", "--out", out}
	code, stdout, stderr := runMVC(args...)
	if code != 0 {
		t.Fatalf("mvc dg: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"table_digits_protocol.md", "table_digits_protocol.csv", "table_digits_protocol_runs.csv"} {
		if !strings.Contains(stdout, filepath.Join(out, f)) {
			t.Errorf("stdout does not report %s:\n%s", f, stdout)
		}
	}
	results, err := dg.Store{Dir: filepath.Join(out, dgResultsDir, dg.ExperimentProtocol)}.All()
	if err != nil || len(results) != 4 {
		t.Fatalf("%d stored results (%v), want 4", len(results), err)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, dgWorkDir, dg.ExperimentProtocol)); len(entries) != 0 {
		t.Errorf("finished runs left checkpoints: %v", entries)
	}
	code, _, stderr = runMVC(args...)
	if code != 0 || !strings.Contains(stderr, "4 runs: 4 finished before") || strings.Contains(stderr, "run 1/") {
		t.Fatalf("rerun: exit %d, want every run skipped:\n%s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "table_digits_protocol.md"))
	if err != nil || !strings.Contains(string(md), "4 of 4 planned runs are done") || !strings.Contains(string(md), "ERM (published) | 32.52") {
		t.Fatalf("table: %v\n%s", err, md)
	}
	// Two seeds: two runs missing; --tables-only trains nothing and says so.
	code, _, stderr = runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--seeds", "2", "--tables-only", "--out", out)
	if code != 0 {
		t.Fatalf("--tables-only: exit %d: %s", code, stderr)
	}
	md, _ = os.ReadFile(filepath.Join(out, "table_digits_protocol.md"))
	if !strings.Contains(string(md), "4 of 8 planned runs are done") {
		t.Errorf("--tables-only with 2 seeds should report 4 of 8 runs:\n%s", md)
	}
	// Seed 2 of ERM trained: the profile's 1-seed plan still tabulates it, and says so.
	code, _, stderr = runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--seeds", "2", "--variants", "erm",
		"--supervise=false", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("--seeds 2 --variants erm: exit %d: %s", code, stderr)
	}
	code, _, stderr = runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--tables-only", "--out", out)
	if code != 0 {
		t.Fatalf("--tables-only: exit %d: %s", code, stderr)
	}
	md, _ = os.ReadFile(filepath.Join(out, "table_digits_protocol.md"))
	if !strings.Contains(string(md), "4 of 4 planned runs are done") || !strings.Contains(string(md), "the 1 finished run of seed 2 found in the same store") {
		t.Errorf("the 1-seed table should include the stored seed-2 run and say so:\n%s", md)
	}
	if !strings.Contains(string(md), "ERM (ours, 2 seeds)") {
		t.Errorf("the ERM row should average 2 seeds:\n%s", md)
	}
}

// A Table 1 run starts from its model's CIFAR-27 run when one matches, unless --init none; a
// run stored from a CIFAR-27 run keeps its spec when the checkpoint is gone (a clone renders the
// committed runs without retraining them).
func TestDGInitFromCIFAR27(t *testing.T) {
	out := t.TempDir()
	spec, _ := json.Marshal(modelSpec{Model: "digitnet", Width: 0.125, Classes: 27, Size: 32, Seed: 1})
	sum, _ := json.Marshal(train.Summary{Setup: train.Setup{ModelSpec: spec}})
	run := filepath.Join(out, cifarRunsDir, cifarRunName("digitnet", 0, "smoke"))
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{train.ResultFile: sum, train.CheckpointFile: []byte("weights")} {
		if err := os.WriteFile(filepath.Join(run, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	count := func(specs []dg.RunSpec) (inits, bare int) {
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
	var chained []dg.RunSpec
	for _, fresh := range []bool{false, true} {
		specs, notes, err := dgJob{experiment: "table1", profile: "smoke", out: out, freshInit: fresh}.plan()
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
	// The checkpoint goes; one run made from it is stored: that run keeps its spec, the others
	// start fresh.
	if err := os.Remove(filepath.Join(run, train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	var kept dg.RunSpec
	for _, s := range chained {
		if s.Init != "" {
			kept = s
			break
		}
	}
	job := dgJob{experiment: "table1", profile: "smoke", out: out}
	if err := (dg.Store{Dir: job.storeDir()}).Save(&dg.RunResult{ID: kept.ID(), Spec: kept}); err != nil {
		t.Fatal(err)
	}
	specs, _, err := job.plan()
	if err != nil {
		t.Fatal(err)
	}
	if inits, _ := count(specs); inits != 1 || !slices.ContainsFunc(specs, func(s dg.RunSpec) bool { return s.ID() == kept.ID() }) {
		t.Errorf("without the checkpoint %d runs start from it, want 1 (the stored %s)", inits, kept.ID())
	}
	// Without --init every profile follows the CIFAR-27 chain.
	for _, c := range []struct {
		profile, init string
		fresh         bool
	}{{"smoke", "", false}, {"quick", "", false}, {"paper", "", false}, {"quick", "cifar27", false}, {"paper", "none", true}} {
		fresh, err := dgFreshInit(c.profile, c.init)
		if err != nil || fresh != c.fresh {
			t.Errorf("dgFreshInit(%q, %q) = %v, %v; want %v", c.profile, c.init, fresh, err, c.fresh)
		}
	}
	if code, _, _ := runMVC("dg", "--init", "imagenet"); code != exitUsage {
		t.Errorf("--init imagenet: exit %d, want %d", code, exitUsage)
	}
}

// --variants trains only the rows asked for; the table counts the whole plan.
func TestDGVariants(t *testing.T) {
	skipWithoutMNIST(t)
	out := t.TempDir()
	code, _, stderr := runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--variants", "erm, neurn",
		"--supervise=false", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	results, err := dg.Store{Dir: filepath.Join(out, dgResultsDir, dg.ExperimentProtocol)}.All()
	if err != nil || len(results) != 2 {
		t.Fatalf("%d stored results (%v), want 2", len(results), err)
	}
	for _, r := range results {
		if r.Spec.Input.RandConv != nil {
			t.Errorf("--variants erm,neurn trained %s", r.ID)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "table_digits_protocol.md"))
	if !strings.Contains(string(md), "2 of 4 planned runs are done") {
		t.Errorf("table:\n%s", md)
	}
	if code, _, _ := runMVC("dg", "--variants", "mixup"); code != exitUsage {
		t.Errorf("--variants mixup: exit %d, want %d", code, exitUsage)
	}
}
