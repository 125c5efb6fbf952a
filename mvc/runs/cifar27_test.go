package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

func TestCIFAR27Plan(t *testing.T) {
	p, err := LookupCIFAR27("quick")
	if err != nil {
		t.Fatal(err)
	}
	plan := p.Plan()
	if len(plan) != 2*len(zoo.Names()) {
		t.Fatalf("quick plan: %d runs, want %d", len(plan), 2*len(zoo.Names()))
	}
	if plan[0].Name != "cifar27-alexnet-quick" || plan[1].Name != "cifar27-alexnet-neurn3-quick" ||
		plan[1].Spec != (Spec{Model: zoo.AlexNet, NeuRN: 3, Width: 0.25, Classes: 27, Size: 32, Seed: 1}) {
		t.Errorf("quick plan starts %+v, %+v", plan[0], plan[1])
	}
	if name, ok := p.Makes(zoo.VGG19, 3, 0.25, 32, zoo.InitHe); !ok || name != "cifar27-vgg19-neurn3-quick" {
		t.Errorf("Makes(vgg19, 3, 0.25, 32) = %q, %v", name, ok)
	}
	if _, ok := p.Makes(zoo.VGG19, 3, 1, 32, zoo.InitHe); ok {
		t.Error("the quick step makes a full-width run")
	}
	// VGG19 trains with He initialization in the quick profile, and says so in its settings
	// (recorded by the Table 1 runs that start from it); other models keep their reference's.
	if _, ok := p.Makes(zoo.VGG19, 3, 0.25, 32, ""); ok {
		t.Error("the quick step makes a VGG19 run with Glorot initialization")
	}
	for _, r := range plan {
		if want := map[bool]string{true: zoo.InitHe, false: ""}[r.Spec.Model == zoo.VGG19]; r.Spec.Init != want {
			t.Errorf("%s: init %q, want %q", r.Name, r.Spec.Init, want)
		}
	}
	if s := p.Settings(zoo.VGG19); !strings.HasSuffix(s, ", init he") {
		t.Errorf("Settings(vgg19) = %q, want it to end with the initializer", s)
	}
	if s := p.Settings(zoo.DenseNet121); strings.Contains(s, "init") {
		t.Errorf("Settings(densenet121) = %q, want no initializer named", s)
	}
	// A model's own width replaces the profile's in its runs, its name check and its settings.
	p.Widths = map[string]float64{zoo.VGG19: 0.5}
	for _, r := range p.Plan() {
		if want := map[bool]float64{true: 0.5, false: 0.25}[r.Spec.Model == zoo.VGG19]; r.Spec.Width != want {
			t.Errorf("%s: width %g, want %g", r.Name, r.Spec.Width, want)
		}
	}
	if _, ok := p.Makes(zoo.VGG19, 0, 0.5, 32, p.InitOf(zoo.VGG19)); !ok {
		t.Error("Makes(vgg19, 0, 0.5, 32) = false with Widths[vgg19] = 0.5")
	}
	if _, ok := p.Makes(zoo.VGG19, 0, 0.25, 32, p.InitOf(zoo.VGG19)); ok {
		t.Error("Makes(vgg19, 0, 0.25, 32) = true with Widths[vgg19] = 0.5")
	}
	if s := p.Settings(zoo.VGG19); !strings.HasPrefix(s, "width 0.5,") {
		t.Errorf("Settings(vgg19) = %q, want width 0.5", s)
	}
	// Xception's epoch cap replaces the profile's in its settings and its training; the others keep 40.
	for model, want := range map[string]int{zoo.Xception: 15, zoo.DenseNet121: 40} {
		if s := p.Settings(model); !strings.Contains(s, fmt.Sprintf(", <= %d epochs,", want)) {
			t.Errorf("Settings(%s) = %q, want <= %d epochs", model, s, want)
		}
		cfg, err := p.runConfig(t.TempDir(), CIFAR27Run{Spec: Spec{Model: model, Width: 0.25, Classes: 27, Size: 32, Seed: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxEpochs != want {
			t.Errorf("%s trains for at most %d epochs, want %d", model, cfg.MaxEpochs, want)
		}
	}
	if _, err := LookupCIFAR27("huge"); !errors.Is(err, mvc.ErrInput) {
		t.Errorf("LookupCIFAR27(huge): %v, want an input error", err)
	}
}

// fake27Classes is a small stand-in for CIFAR-27: 270 SYN images relabelled into 27 classes.
func fake27Classes(t *testing.T) *data.Dataset {
	t.Helper()
	syn, err := data.Load("syn", "train", data.DomainOptions{N: 270, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fake := *syn
	fake.Name, fake.ClassNames = "27 classes", make([]string, 27)
	for i := range fake.Labels {
		fake.Labels[i] = i % 27
	}
	for i := range fake.ClassNames {
		fake.ClassNames[i] = string(rune('a' + i%26))
	}
	return &fake
}

// TestFineTuneCIFAR27 runs the smoke step on generated images with CIFAR-27's 27 classes, twice:
// the second call trains nothing and reports every run through After.
func TestFineTuneCIFAR27(t *testing.T) {
	fake := fake27Classes(t)
	p, _ := LookupCIFAR27("smoke")
	dir := filepath.Join(t.TempDir(), CIFAR27RunsDir)
	var log, heartbeat bytes.Buffer
	var seen []string
	opts := FineTuneOptions{Jobs: 1, Log: &log, Heartbeat: &heartbeat, After: func(d string, run CIFAR27Run, trained bool) error {
		seen = append(seen, run.Name)
		if !trained {
			return nil
		}
		_, err := Open(d)
		return err
	}}
	n, err := FineTuneCIFAR27(context.Background(), dir, p, fake, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(seen) != 2 {
		t.Fatalf("first pass trained %d runs, After saw %v; want 2 and 2\n%s", n, seen, log.String())
	}
	// A supervisor hears every training step begin and end: 3 steps per run, 2 runs.
	if lines := strings.Count(heartbeat.String(), "\n"); lines < 12 {
		t.Errorf("%d heartbeat lines for 2 runs of 3 steps, want at least 12:\n%s", lines, heartbeat.String())
	}
	other := p
	other.EpochCaps = map[string]int{zoo.DigitNet: 5}
	if err := other.Current(filepath.Join(dir, p.Plan()[0].Name), p.Plan()[0].Spec); err == nil {
		t.Error("Current with a higher epoch cap for the model: no error")
	}
	for _, run := range p.Plan() {
		if _, ok := Finished(filepath.Join(dir, run.Name)); !ok {
			t.Errorf("%s is not finished", run.Name)
		}
	}
	first := p.Plan()[0]
	if err := p.Current(filepath.Join(dir, first.Name), first.Spec); err != nil {
		t.Errorf("Current: %v", err)
	}
	other = p
	other.LearningRate = 0.01
	if err := other.Current(filepath.Join(dir, first.Name), first.Spec); err == nil || !strings.Contains(err.Error(), "learning rate 0.001") {
		t.Errorf("Current with another learning rate: %v", err)
	}
	other = p
	other.Epochs = 5
	if err := other.Current(filepath.Join(dir, first.Name), first.Spec); err == nil {
		t.Error("Current with more epochs: no error")
	}
	if err := p.Current(filepath.Join(dir, first.Name), p.Plan()[1].Spec); err == nil {
		t.Error("Current for another model spec: no error")
	}
	md := CIFAR27SummaryMarkdown(p, SummarizeCIFAR27(dir, p))
	if !strings.Contains(md, "| cifar27-digitnet-neurn3-smoke | 0.001 |") || !strings.Contains(md, "2 of 2 runs finished") ||
		!strings.Contains(md, "median") {
		t.Errorf("summary:\n%s", md)
	}
	seen = nil
	log.Reset()
	if n, err = FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil || n != 0 || len(seen) != 2 {
		t.Errorf("second pass: trained %d, err %v, After saw %v; want 0, nil, both runs", n, err, seen)
	}
	if !strings.Contains(log.String(), "done before") {
		t.Errorf("second pass log does not report skipped runs:\n%s", log.String())
	}

	// A changed learning rate makes the finished runs stale: moved aside (kept), retrained.
	p.LearningRates = map[string]float64{zoo.DigitNet: 0.002}
	log.Reset()
	if n, err = FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil || n != 2 {
		t.Fatalf("after changing the learning rate: trained %d, err %v; want 2\n%s", n, err, log.String())
	}
	if !strings.Contains(log.String(), "learning_rate is 0.001, this run's 0.002") {
		t.Errorf("the log does not say why the runs were retrained:\n%s", log.String())
	}
	aside, _ := filepath.Glob(filepath.Join(dir, ".replaced", "cifar27-digitnet-*smoke-*", "result.json"))
	if len(aside) != 2 {
		t.Errorf("replaced runs kept: %v, want both", aside)
	}
	s, _ := Finished(filepath.Join(dir, p.Plan()[0].Name))
	if s.Setup.LearningRate != 0.002 {
		t.Errorf("retrained run's learning rate %g, want 0.002", s.Setup.LearningRate)
	}
	// More epochs continue the finished runs from their checkpoints.
	p.Epochs = 2
	if n, err = FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil || n != 2 {
		t.Fatalf("after raising the epochs: trained %d, err %v; want 2", n, err)
	}
	if s, _ = Finished(filepath.Join(dir, p.Plan()[0].Name)); s.Epochs != 2 || len(s.History) != 2 {
		t.Errorf("continued run: %d epochs, history of %d; want 2", s.Epochs, len(s.History))
	}
	if aside, _ = filepath.Glob(filepath.Join(dir, ".replaced", "*")); len(aside) != 2 {
		t.Errorf("raising the epochs replaced runs: %v", aside)
	}
}

// A clone has the finished runs' summaries but not their checkpoints: the step trains them
// again to get the checkpoints back only when asked, checks the new history against the
// committed one, and refuses a run whose history differs.
func TestFineTuneCIFAR27RebuildCheckpoints(t *testing.T) {
	fake := fake27Classes(t)
	p, _ := LookupCIFAR27("smoke")
	dir := filepath.Join(t.TempDir(), CIFAR27RunsDir)
	var log bytes.Buffer
	opts := FineTuneOptions{Jobs: 1, Log: &log}
	if _, err := FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil {
		t.Fatal(err)
	}
	bare, withNeuRN := filepath.Join(dir, p.Plan()[0].Name), filepath.Join(dir, p.Plan()[1].Name)
	ckpt, err := train.LoadCheckpoint(filepath.Join(bare, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{bare, withNeuRN} {
		if err := os.Remove(filepath.Join(d, train.CheckpointFile)); err != nil {
			t.Fatal(err)
		}
	}
	result, _ := os.ReadFile(filepath.Join(bare, train.ResultFile))

	// Not asked: both runs count as done and keep no checkpoint.
	if n, err := FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil || n != 0 {
		t.Fatalf("without RebuildCheckpoints: trained %d, err %v; want 0, nil", n, err)
	}
	if hasCheckpoint(bare) {
		t.Fatal("a checkpoint appeared without RebuildCheckpoints")
	}
	opts.RebuildCheckpoints = []string{"resnet18"}
	if _, err := FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err == nil || !strings.Contains(err.Error(), `"resnet18" is not a model`) {
		t.Errorf("rebuilding a model the profile does not train: %v", err)
	}

	// Asked: the rebuilt checkpoint holds the original's weights and optimizer state bit for
	// bit (the wall times in its history differ), the summary is untouched.
	opts.RebuildCheckpoints = []string{zoo.DigitNet}
	log.Reset()
	if n, err := FineTuneCIFAR27(context.Background(), dir, p, fake, opts); err != nil || n != 2 {
		t.Fatalf("rebuilding: trained %d, err %v; want 2, nil\n%s", n, err, log.String())
	}
	got, err := train.LoadCheckpoint(filepath.Join(bare, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Current) != len(ckpt.Current) || len(got.Best) != len(ckpt.Best) || len(got.Best) == 0 {
		t.Fatalf("rebuilt checkpoint: %d current and %d best tensors, want %d and %d", len(got.Current), len(got.Best), len(ckpt.Current), len(ckpt.Best))
	}
	for i, w := range append(slices.Clone(ckpt.Current), ckpt.Best...) {
		g := append(slices.Clone(got.Current), got.Best...)[i]
		if g.Info.Path != w.Info.Path || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("rebuilt checkpoint: tensor %d (%s) differs from the original's (%s)", i, g.Info.Path, w.Info.Path)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(bare, train.ResultFile)); !bytes.Equal(got, result) {
		t.Error("rebuilding rewrote the finished run's summary")
	}
	if !hasCheckpoint(withNeuRN) || !strings.Contains(log.String(), "checkpoint rebuilt") {
		t.Errorf("NeuRN run's checkpoint not rebuilt:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, RebuildDir, p.Plan()[0].Name)); !os.IsNotExist(err) {
		t.Errorf("the rebuild's scratch folder is left: %v", err)
	}

	// A history that does not match (another run's summary, say) is refused, the scratch kept.
	if err := os.Remove(filepath.Join(bare, train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	var s train.Summary
	if err := json.Unmarshal(result, &s); err != nil {
		t.Fatal(err)
	}
	s.History[0].ValAccuracy += 0.25
	changed, _ := json.Marshal(s)
	if err := os.WriteFile(filepath.Join(bare, train.ResultFile), changed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = FineTuneCIFAR27(context.Background(), dir, p, fake, opts)
	if err == nil || !strings.Contains(err.Error(), "differs from the finished one") || !strings.Contains(err.Error(), "epoch 1") {
		t.Errorf("rebuilding against a changed history: %v", err)
	}
	if hasCheckpoint(bare) {
		t.Error("a checkpoint whose history differs joined the run")
	}
	if !hasCheckpoint(filepath.Join(dir, RebuildDir, p.Plan()[0].Name)) {
		t.Error("the differing rebuild was not kept for inspection")
	}
}

func TestSameHistory(t *testing.T) {
	a := []train.EpochMetrics{{Epoch: 1, TrainLoss: 2.5, ValAccuracy: 0.2, Seconds: 3, ImagesPerSecond: 100}}
	b := slices.Clone(a)
	b[0].Seconds, b[0].ImagesPerSecond = 9, 7
	if err := SameHistory(a, b); err != nil {
		t.Errorf("histories differing in timing only: %v", err)
	}
	b[0].TrainLoss = 2.5000001
	if err := SameHistory(a, b); err == nil {
		t.Error("a different training loss passed")
	}
	if err := SameHistory(a, append(slices.Clone(a), a[0])); err == nil || !strings.Contains(err.Error(), "2 epochs against 1") {
		t.Errorf("longer history: %v", err)
	}
}
