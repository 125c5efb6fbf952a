package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// writeUSPSFixture writes a small usps.h5 with the project's writer: 4 train and 3 test images.
func writeUSPSFixture(t *testing.T, path string) {
	t.Helper()
	mk := func(n int, offset int32) data.USPSArrays {
		a := data.USPSArrays{Data: make([]float32, n*256), Target: make([]int32, n)}
		for i := range a.Data {
			a.Data[i] = float32(i%256) / 255
		}
		for i := range a.Target {
			a.Target[i] = (int32(i) + offset) % 10
		}
		return a
	}
	if err := data.WriteUSPSH5(path, mk(4, 0), mk(3, 7)); err != nil {
		t.Fatal(err)
	}
}

func TestDataInspectAndExport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "usps.h5")
	writeUSPSFixture(t, path)

	code, stdout, stderr := runMVC("data", "inspect", path, "--split", "train")
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	var s data.DatasetSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("inspect output is not JSON: %v\n%s", err, stdout)
	}
	if s.Format != "usps-h5" || s.Split != "train" || s.Count != 4 || s.Shape != [3]int{16, 16, 1} ||
		!slices.Equal(s.LabelCounts, []int{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}) || len(s.ClassNames) != 10 {
		t.Errorf("inspect: %+v", s)
	}
	// Default split of usps.h5: test.
	code, stdout, _ = runMVC("data", "inspect", path)
	if code != 0 || !strings.Contains(stdout, `"split": "test"`) || !strings.Contains(stdout, `"count": 3`) {
		t.Errorf("inspect default split: exit %d\n%s", code, stdout)
	}

	out := filepath.Join(dir, "out")
	code, stdout, stderr = runMVC("data", "export", "--format", "usps-h5", "--in", path, "--split", "train", "--out", out)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	images, err := os.ReadFile(filepath.Join(out, "images.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(images[:128]), "'descr': '|u1'") || !strings.Contains(string(images[:128]), "(4, 16, 16, 1)") {
		t.Errorf("images.npy header %q", images[:128])
	}
	// Pixel i%256 of each image was (i%256)/255: exported as i%256 exactly.
	body := images[len(images)-4*256:]
	for i, p := range body {
		if int(p) != i%256 {
			t.Fatalf("exported pixel %d = %d, want %d", i, p, i%256)
		}
	}
	if !strings.Contains(stdout, "labels.npy") {
		t.Errorf("export output %q", stdout)
	}
}

func TestDataBadInput(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	_ = os.WriteFile(junk, []byte("not a dataset"), 0o644)
	for _, args := range [][]string{
		{"data"},
		{"data", "frobnicate"},
		{"data", "inspect"},
		{"data", "inspect", junk},
		{"data", "inspect", filepath.Join(dir, "missing.h5"), "--format", "usps-h5"},
		{"data", "inspect", junk, "--format", "nope"},
		{"data", "export", "--in", junk},
		{"data", "export", "--in", junk, "--out", dir, "--format", "cifar-bin"},
	} {
		code, _, stderr := runMVC(args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "Usage") {
			t.Errorf("mvc %v: exit %d, want %d; stderr %q", args, code, exitUsage, stderr)
		}
	}
	// A path that does not exist is said to be missing, not of an unknown format.
	missing := filepath.Join(dir, "missing.idx")
	for _, args := range [][]string{{"data", "inspect", missing}, {"data", "export", "--in", missing, "--out", filepath.Join(dir, "o")}} {
		code, _, stderr := runMVC(args...)
		if code != exitUsage || !strings.Contains(stderr, missing+": no such file or directory") || strings.Contains(stderr, "not recognised") {
			t.Errorf("mvc %v: exit %d, stderr %q; want exit 2 saying the file does not exist", args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); !os.IsNotExist(err) {
		t.Errorf("export of a missing file created its output folder: %v", err)
	}
	for _, args := range [][]string{{"data", "--help"}, {"data", "inspect", "--help"}, {"data", "export", "--help"}} {
		if code, _, stderr := runMVC(args...); code != 0 || !strings.Contains(stderr, "Usage: mvc data") {
			t.Errorf("mvc %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
