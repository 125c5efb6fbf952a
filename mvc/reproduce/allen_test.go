package reproduce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
)

func TestReproduceAllenFigures(t *testing.T) {
	t.Setenv(allen.CacheEnvVar, t.TempDir())
	t.Setenv(mvc.DataEnvVar, "") // offline: 1/f images stand in for the photographs
	dir := t.TempDir()
	for run := range 2 {
		stdout, err := runSteps(t, "smoke", dir, "s1_natural_scenes", "s3_traces")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"(0 reused)", "(6 reused)"}[run]; !strings.Contains(stdout, "simulated cortex: 6 experiment files") || !strings.Contains(stdout, want) {
			t.Errorf("run %d: output does not say the survey was simulated %s:\n%s", run, want, stdout)
		}
	}
	for _, name := range []string{"s1_natural_scenes.png", "s1_natural_scenes.svg", "s3_traces.png", "s3_traces.svg"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() < 10000 {
			t.Errorf("%s not written (or too small): %v", name, err)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "s3_traces.svg"))
	if !strings.Contains(string(svg), "simulated cortex") {
		t.Error("s3_traces.svg does not say \"simulated cortex\"")
	}
}
