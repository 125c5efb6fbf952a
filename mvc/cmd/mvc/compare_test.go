package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/comparison"
	"github.com/mice2machines/mice2machines/mvc/similarity"
)

func TestCompareBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"compare", "--survey", "a", "--nwb", "b.nwb"},
		{"compare", "--profile", "huge"},
		{"compare", "--nwb", filepath.Join(t.TempDir(), "missing*.nwb")},
		{"compare", "--survey", t.TempDir()},
	} {
		if code, _, stderr := runMVC(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// TestReproduceCompare runs steps 50-54 on the smoke profile's simulated survey (offline), with
// no checkpoints: the table and the figures are written and the captions say the kernels are
// untrained.
func TestReproduceCompare(t *testing.T) {
	t.Setenv(allen.CacheEnvVar, t.TempDir())
	t.Setenv(mvc.DataEnvVar, "")
	dir := t.TempDir()
	steps := []string{similarity.DefaultTableName}
	steps = append(steps, comparison.FigureNames...)
	code, stdout, stderr := runMVC("reproduce", "--profile", "smoke", "--out", dir, "--only", strings.Join(steps, ","))
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	if !strings.Contains(stdout, "untrained (initial) kernels") {
		t.Errorf("output does not say the kernels are untrained:\n%s", stdout)
	}
	for _, name := range comparison.FigureNames {
		for _, ext := range []string{".png", ".svg", comparison.CaptionExt} {
			if _, err := os.Stat(filepath.Join(dir, name+ext)); err != nil {
				t.Errorf("%s%s not written", name, ext)
			}
		}
		caption, _ := os.ReadFile(filepath.Join(dir, name+comparison.CaptionExt))
		if !strings.Contains(string(caption), "untrained (initial) kernels") || !strings.Contains(string(caption), allen.SimulatedLabel) {
			t.Errorf("caption of %s does not name its data and untrained kernels", name)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, similarity.DefaultTableName+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "simulated cortex") || !strings.Contains(string(raw), "digitnet") {
		t.Error("the results table's provenance does not name the simulated cortex and the model")
	}
	// mvc compare on the same survey writes the same table.
	out2 := t.TempDir()
	code, _, stderr = runMVC("compare", "--profile", "smoke", "--out", out2, "--runs", filepath.Join(dir, "runs"))
	if code != 0 {
		t.Fatalf("mvc compare: exit %d: %s", code, stderr)
	}
	raw2, err := os.ReadFile(filepath.Join(out2, similarity.DefaultTableName+".json"))
	if err != nil || string(raw2) != string(raw) {
		t.Errorf("mvc compare's table differs from reproduce's (err %v)", err)
	}
}
