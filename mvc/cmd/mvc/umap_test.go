package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/embed"
)

func TestUMAPCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.npy")
	rng := rand.New(rand.NewPCG(3, 3))
	n, d := 80, 6
	values := make([]float32, n*d)
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range d {
			values[i*d+j] = rng.Float32()
			rows[i][j] = float64(values[i*d+j])
		}
	}
	if err := data.WriteNPYFloat32(in, values, []int{n, d}); err != nil {
		t.Fatal(err)
	}
	outs := []string{filepath.Join(dir, "y1.npy"), filepath.Join(dir, "y2.npy")}
	for _, out := range outs {
		code, stdout, stderr := runMVC("umap", "--in", in, "--out", out, "--neighbors", "10", "--min-dist", "0.05", "--seed", "9", "--epochs", "100")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "wrote "+out) {
			t.Errorf("stdout %q", stdout)
		}
	}
	y1, shape, err := data.ReadNPYFloat32(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{n, 2}) {
		t.Fatalf("output shape %v, want [%d 2]", shape, n)
	}
	y2, _, _ := data.ReadNPYFloat32(outs[1])
	if !slices.Equal(y1, y2) {
		t.Error("two runs with the same seed differ")
	}
	// The command is the library call, rounded to float32.
	want, err := embed.UMAP(rows, embed.UMAPOptions{NNeighbors: 10, MinDist: 0.05, Seed: 9, Epochs: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := range 2 {
			if y1[i*2+j] != float32(want[i][j]) {
				t.Fatalf("point %d: %v, library %v", i, y1[i*2+j], want[i][j])
			}
		}
	}
	// --min-dist 0 is accepted (min_dist 0 exactly).
	if code, _, stderr := runMVC("umap", "--in", in, "--out", outs[0], "--min-dist", "0", "--epochs", "20"); code != 0 {
		t.Errorf("--min-dist 0: exit %d: %s", code, stderr)
	}
}

func TestUMAPCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	rank3 := filepath.Join(dir, "rank3.npy")
	if err := data.WriteNPYFloat32(rank3, make([]float32, 2*4*4), []int{2, 4, 4}); err != nil {
		t.Fatal(err)
	}
	nan := filepath.Join(dir, "nan.npy")
	nanValues := make([]float32, 10*3)
	nanValues[7] = float32(math.NaN())
	if err := data.WriteNPYFloat32(nan, nanValues, []int{10, 3}); err != nil {
		t.Fatal(err)
	}
	two := filepath.Join(dir, "two.npy")
	if err := data.WriteNPYFloat32(two, make([]float32, 2*3), []int{2, 3}); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.npy")
	if err := data.WriteNPYFloat32(good, make([]float32, 10*3), []int{10, 3}); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.npy")
	if err := os.WriteFile(corrupt, []byte("not a numpy file"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	for name, args := range map[string][]string{
		"missing --out":   {"--in", good},
		"missing --in":    {"--out", out},
		"rank 3":          {"--in", rank3, "--out", out},
		"NaN":             {"--in", nan, "--out", out},
		"two rows":        {"--in", two, "--out", out},
		"corrupt":         {"--in", corrupt, "--out", out},
		"no such file":    {"--in", filepath.Join(dir, "none.npy"), "--out", out},
		"neighbors 1":     {"--in", good, "--out", out, "--neighbors", "1"},
		"min-dist 2":      {"--in", good, "--out", out, "--min-dist", "2"},
		"negative epochs": {"--in", good, "--out", out, "--epochs", "-3"},
		"extra argument":  {"--in", good, "--out", out, "extra"},
	} {
		code, _, stderr := runMVC(append([]string{"umap"}, args...)...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d (stderr %q)", name, code, exitUsage, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "mvc umap: ") {
			t.Errorf("%s: last stderr line %q", name, last)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%s: output file left behind", name)
		}
	}
	if code, _, stderr := runMVC("umap", "--help"); code != 0 || !strings.Contains(stderr, "Usage: mvc umap") {
		t.Errorf("--help: exit %d, stderr %q", code, stderr)
	}
}
