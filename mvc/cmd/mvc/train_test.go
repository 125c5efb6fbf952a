package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/backbone/onnxfixture"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

func skipWithoutMNIST(t *testing.T) {
	t.Helper()
	if _, err := data.MNISTDir(); err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
}

// smallTrainArgs trains the ONNX fixture backbone with NeuRN on 256 MNIST digits, 2 epochs.
func smallTrainArgs(t *testing.T, out string, extra ...string) []string {
	t.Helper()
	onnxPath := filepath.Join(filepath.Dir(out), "tiny.onnx")
	if _, err := os.Stat(onnxPath); err != nil {
		if err := onnxfixture.New(1).Write(onnxPath); err != nil {
			t.Fatal(err)
		}
	}
	return append([]string{"train", "--onnx", onnxPath, "--neurn", "3", "--data", "mnist", "--subset", "256",
		"--size", "16", "--batch", "32", "--epochs", "2", "--lr", "0.01", "--out", out, "--quiet"}, extra...)
}

func TestTrainAndEvalCommands(t *testing.T) {
	skipWithoutMNIST(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	code, stdout, stderr := runMVC(smallTrainArgs(t, out, "--supervise=false")...)
	if code != 0 {
		t.Fatalf("mvc train: exit %d: %s", code, stderr)
	}
	var summary map[string]any
	if err := json.Unmarshal([]byte(stdout), &summary); err != nil {
		t.Fatalf("train output %q: %v", stdout, err)
	}
	if summary["epochs"] != 2.0 {
		t.Errorf("summary %v: want 2 epochs", summary)
	}
	for _, f := range []string{train.CheckpointFile, train.MetricsFile, train.ResultFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	code, stdout, stderr = runMVC("eval", "--ckpt", out, "--data", "mnist", "--subset", "200")
	if code != 0 {
		t.Fatalf("mvc eval: exit %d: %s", code, stderr)
	}
	var ev evalResult
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil {
		t.Fatalf("eval output %q: %v", stdout, err)
	}
	if ev.Images != 200 || ev.Split != "test" || !(ev.Accuracy > 0.1) || ev.Accuracy > 1 {
		t.Errorf("eval result %+v: want 200 test images and accuracy above chance", ev)
	}
	// Rerunning into the same directory without --resume is refused; with --resume the finished
	// run is reported as it is.
	if code, _, stderr := runMVC(smallTrainArgs(t, out, "--supervise=false")...); code != exitUsage ||
		!strings.Contains(stderr, "already holds a checkpoint") {
		t.Errorf("rerun without --resume: exit %d, stderr %q", code, stderr)
	}
	if code, stdout, stderr := runMVC(smallTrainArgs(t, out, "--supervise=false", "--resume")...); code != 0 ||
		!strings.Contains(stdout, `"resumed":true`) {
		t.Errorf("--resume of a finished run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestTrainSupervisedChild(t *testing.T) {
	skipWithoutMNIST(t)
	out := filepath.Join(t.TempDir(), "run")
	// The supervisor re-executes this test binary; the worker environment variable makes its
	// init run the training (see train.go).
	code, stdout, stderr := runMVC(smallTrainArgs(t, out)...)
	if code != 0 {
		t.Fatalf("supervised mvc train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "supervisor: started training process") || !strings.Contains(stdout, `"best_epoch"`) {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	// A bad dataset name is a usage error in the child, reported once, without restarts.
	code, _, stderr = runMVC("train", "--onnx", filepath.Join(filepath.Dir(out), "tiny.onnx"), "--data", "imagenet",
		"--out", filepath.Join(t.TempDir(), "x"))
	if code != exitUsage || strings.Count(stderr, "started training process") != 1 {
		t.Errorf("bad --data: exit %d, stderr %q", code, stderr)
	}
}

func TestTrainBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", "mnist", "--out", "x"}, "--model NAME or --onnx FILE is required"},
		{[]string{"train", "--model", "digitnet", "--data", "mnist"}, "--out DIR is required"},
		{[]string{"train", "--model", "digitnet", "--width", "0", "--data", "mnist", "--out", "x"}, "--width must be > 0"},
		{[]string{"train", "--model", "digitnet", "--neurn", "4", "--data", "mnist", "--out", "x"}, "--neurn must be 0 (none) or odd"},
		{[]string{"train", "--model", "digitnet", "--epochs", "0", "--data", "mnist", "--out", "x"}, "--epochs must be >= 1"},
		{[]string{"train", "--model", "digitnet", "--shift", "-1", "--data", "mnist", "--out", "x"}, "--shift must be >= 0"},
		{[]string{"train", "--model", "vgg19", "--kernel-init", "xavier", "--data", "mnist", "--out", "x"}, "--kernel-init must be empty"},
		{[]string{"train", "--model", "digitnet", "--onnx", "m.onnx", "--data", "mnist", "--out", "x"}, "exclusive"},
		{[]string{"train", "--model", "digitnet", "--data", "imagenet", "--out", "x", "--supervise=false"}, "want one of cifar27"},
		{[]string{"eval", "--data", "mnist"}, "--ckpt is required"},
		{[]string{"eval", "--ckpt", "/nonexistent", "--data", "mnist"}, "reading checkpoint"},
	} {
		code, _, stderr := runMVC(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("mvc %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}
