package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/dg"
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
	results, err := dg.Store{Dir: filepath.Join(out, dg.ResultsDir, dg.ExperimentProtocol)}.All()
	if err != nil || len(results) != 4 {
		t.Fatalf("%d stored results (%v), want 4", len(results), err)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, dg.WorkDir, dg.ExperimentProtocol)); len(entries) != 0 {
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

// --init takes cifar27 or none.
func TestDGInitFlag(t *testing.T) {
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
	results, err := dg.Store{Dir: filepath.Join(out, dg.ResultsDir, dg.ExperimentProtocol)}.All()
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

// Table 1 comes with the figure of its +NeuRN minus bare differences.
func TestDGTable1Figure(t *testing.T) {
	skipWithoutMNIST(t)
	out := t.TempDir()
	code, stdout, stderr := runMVC("dg", "--profile", "smoke", "--experiment", "table1", "--models", "digitnet",
		"--variants", "erm,neurn", "--supervise=false", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, ext := range []string{".png", ".svg", ".caption.txt"} {
		p := filepath.Join(out, "table1_neurn_minus_bare"+ext)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v); stdout:\n%s", p, err, stdout)
		}
	}
}
