package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// checkOneLineError checks that a command failed with exit status 2 and one line on stderr
// naming the file and the problem.
func checkOneLineError(t *testing.T, args []string, file, says string) {
	t.Helper()
	code, _, stderr := runMVC(args...)
	if code != exitUsage {
		t.Errorf("mvc %s: exit %d, want %d (stderr %q)", strings.Join(args, " "), code, exitUsage, stderr)
	}
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || !strings.Contains(stderr, file) || !strings.Contains(stderr, says) {
		t.Errorf("mvc %s: want one line on stderr naming %s and saying %q, got %q", strings.Join(args, " "), file, says, stderr)
	}
}

// Damaged .npy inputs of neurn and umap (a header cut short, a header without its newline, a
// shape far beyond the file) exit with status 2 and one line naming the file.
func TestDamagedNPYExitsTwo(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npy")
	if err := data.WriteNPYFloat32(good, make([]float32, 4*5*5*1), []int{4, 5, 5, 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.npy")
	noNewline := filepath.Join(dir, "no_newline.npy")
	huge := filepath.Join(dir, "huge.npy")
	unterminated := append([]byte(nil), raw...)
	unterminated[len(raw)-4*100-1] = ' '
	writeRawNPY(t, huge, "<f4", "(1000000000000, 8)", make([]byte, 64))
	for path, b := range map[string][]byte{truncated: raw[:60], noNewline: unterminated} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.npy")
	for _, c := range []struct{ file, says string }{
		{truncated, "cut short"},
		{noNewline, "newline"},
		{huge, "the file holds 64 bytes"},
	} {
		checkOneLineError(t, []string{"neurn", "--in", c.file, "--out", out}, c.file, c.says)
		checkOneLineError(t, []string{"umap", "--in", c.file, "--out", out}, c.file, c.says)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: an output file was written", c.file)
		}
	}
}

// NWB files written by "mvc allen simulate" with one size field damaged (the global heap's
// collection size: the reported out-of-memory crash; the local heap's data size) make "mvc
// allen info" and "mvc allen reps" exit with status 2 and one line naming the file.
func TestDamagedNWBExitsTwo(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim")
	code, stdout, stderr := runMVC("allen", "simulate", "--out", sim, "--cells", "2", "--size", "4x5", "--images", "2",
		"--trials", "2", "--blank-sweeps", "1", "--stimulus", "pink", "--areas", "VISp", "--cre-lines", "Cux2", "--quiet")
	if code != 0 {
		t.Fatalf("simulate: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(sim, "VISp_Cux2.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	damage := func(name, signature string, offset int, v uint64, says string) {
		b := append([]byte(nil), raw...)
		at := bytes.Index(b, []byte(signature))
		if at < 0 {
			t.Fatalf("no %s in the simulated file", signature)
		}
		binary.LittleEndian.PutUint64(b[at+offset:], v)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "reps.npy")
		checkOneLineError(t, []string{"allen", "info", path}, path, says)
		checkOneLineError(t, []string{"allen", "reps", path, "--out", out, "--quiet"}, path, says)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: reps wrote an output file", name)
		}
	}
	damage("global_heap.nwb", "GCOL", 8, 1<<44, "global heap")
	damage("local_heap.nwb", "HEAP", 8, 1<<44, "local heap")
}
