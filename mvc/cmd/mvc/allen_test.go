package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

func TestAllenCommands(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim")
	code, stdout, stderr := runMVC("allen", "simulate", "--out", sim, "--cells", "3", "--size", "12x15", "--images", "8",
		"--trials", "3", "--blank-sweeps", "2", "--stimulus", "pink", "--areas", "VISp,VISrl", "--cre-lines", "Ntsr1", "--quiet")
	if code != 0 || !strings.Contains(stdout, "wrote 2 experiment files") || !strings.Contains(stdout, "simulated cortex") {
		t.Fatalf("simulate: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, name := range []string{"VISp_Ntsr1.nwb", "VISrl_Ntsr1_rf.npy", "VISrl_Ntsr1_truth.json", "survey.json"} {
		if _, err := os.Stat(filepath.Join(sim, name)); err != nil {
			t.Errorf("simulate did not write %s", name)
		}
	}
	file := filepath.Join(sim, "VISrl_Ntsr1.nwb")
	code, stdout, stderr = runMVC("allen", "info", file)
	if code != 0 {
		t.Fatalf("info: exit %d, stderr %q", code, stderr)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatalf("info printed no JSON: %v\n%s", err, stdout)
	}
	want := map[string]any{"cells": 3.0, "cre_line": "Ntsr1", "class": "excitatory", "area": "VISrl", "imaging_depth_um": 550.0,
		"session_type": "three_session_B", "presentations": 26.0, "blank_sweeps": 2.0, "simulated": true}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("info[%q] = %v, want %v", k, info[k], v)
		}
	}
	if im, _ := info["images"].([]any); len(im) != 3 || im[0] != 8.0 || im[1] != 12.0 || im[2] != 15.0 {
		t.Errorf("info images = %v, want [8 12 15]", info["images"])
	}
	reps, lags, peaks := filepath.Join(dir, "reps.npy"), filepath.Join(dir, "lags.npy"), filepath.Join(dir, "peaks.npy")
	code, stdout, stderr = runMVC("allen", "reps", file, "--size", "6x5", "--tau", "0.5", "--out", reps, "--lags", lags, "--peaks", peaks, "--quiet")
	if code != 0 || !strings.Contains(stdout, "simulated cortex") {
		t.Fatalf("reps: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, shape, err := data.ReadNPYFloat32(reps); err != nil || len(shape) != 3 || shape[0] != 3 || shape[1] != 6 || shape[2] != 5 {
		t.Errorf("reps.npy: shape %v, %v; want [3 6 5]", shape, err)
	}
	v, shape, err := data.ReadNPYFloat32(lags)
	if err != nil || len(shape) != 1 || shape[0] != 3 {
		t.Fatalf("lags.npy: shape %v, %v", shape, err)
	}
	for _, s := range v {
		if s < 0 || s >= 0.5 {
			t.Errorf("time to peak %v s outside [0, 0.5)", s)
		}
	}
	if _, shape, err := data.ReadNPYFloat32(peaks); err != nil || len(shape) != 1 || shape[0] != 3 {
		t.Errorf("peaks.npy: shape %v, %v", shape, err)
	}

	// Bad input: exit 2, one line naming the problem, no output file.
	sessionA := filepath.Join("..", "..", "allen", "testdata", "h5py_session_a.nwb")
	out := filepath.Join(dir, "none.npy")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"allen", "reps", sessionA, "--out", out}, "three_session_A"},
		{[]string{"allen", "reps", filepath.Join(dir, "absent.nwb"), "--out", out}, "absent.nwb"},
		{[]string{"allen", "reps", file, "--tau", "5", "--out", out}, "runs past the recording"},
		{[]string{"allen", "reps", file, "--size", "6by5", "--out", out}, "HxW"},
		{[]string{"allen", "info"}, "exactly one"},
		{[]string{"allen", "simulate", "--out", filepath.Join(dir, "x"), "--areas", "V9"}, "unknown area"},
		{[]string{"allen", "frob"}, "unknown subcommand"},
	} {
		code, _, stderr := runMVC(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.says) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("mvc %v: exit %d, stderr %q; want %d and one line saying %q", c.args, code, stderr, exitUsage, c.says)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed reps left its output file")
	}
	// info on a session A file prints its metadata and says why there are no images.
	code, stdout, _ = runMVC("allen", "info", sessionA)
	if code != 0 || !strings.Contains(stdout, `"images": null`) || !strings.Contains(stdout, "three_session_A") {
		t.Errorf("info on session A: exit %d, stdout %q", code, stdout)
	}
	for _, args := range [][]string{{"allen", "--help"}, {"allen", "simulate", "--help"}, {"allen", "info", "--help"}, {"allen", "reps", "--help"}} {
		if code, _, _ := runMVC(args...); code != 0 {
			t.Errorf("mvc %v: exit %d", args, code)
		}
	}
}
