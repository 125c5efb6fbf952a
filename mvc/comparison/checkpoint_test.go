package comparison

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	mvcruns "github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/similarity"
	"github.com/mice2machines/mice2machines/mvc/train"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// TestKernelsFromCheckpoint trains DigitNet for one step into a run folder named as the reproduce
// step names it, and checks that LoadKernels reads the trained first convolution from it (not the
// initial weights) and says so.
func TestKernelsFromCheckpoint(t *testing.T) {
	p, _ := LookupProfile("smoke")
	runs := t.TempDir()
	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &data.Dataset{Name: "random", Split: "train", N: n, Height: CIFAR27Size, Width: CIFAR27Size, Channels: 3,
		Pixels: make([]uint8, n*CIFAR27Size*CIFAR27Size*3), Labels: make([]int, n)}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = i % CIFAR27Classes
	}
	for c := range CIFAR27Classes {
		ds.ClassNames = append(ds.ClassNames, string(rune('a'+c%26))+strings.Repeat("x", c/26))
	}
	spec := mvcruns.Spec{Model: "digitnet", Width: p.Width, Classes: CIFAR27Classes, Size: CIFAR27Size, Seed: 1}
	m, err := zoo.New("digitnet", zoo.Config{Classes: CIFAR27Classes, InputSize: CIFAR27Size, Channels: 3, Width: p.Width, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(runs, mvcruns.CIFAR27RunName("digitnet", 0, "smoke"))
	cfg := train.Config{Model: m.Logits, ModelSpec: spec, Height: CIFAR27Size, Width: CIFAR27Size, Channels: 3,
		Classes: CIFAR27Classes, BatchSize: 32, MaxEpochs: 1, StepsPerEpoch: 1, Seed: 1, Dir: dir, LearningRate: 0.05}
	if _, err := train.Run(context.Background(), mvc.MustBackend(), cfg, ds, nil); err != nil {
		t.Fatal(err)
	}
	opts := Options{Profile: p, RunsDir: runs, RunProfile: "smoke", Backend: mvc.MustBackend()}
	trained, err := LoadKernels("digitnet", false, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !trained.Trained || !strings.Contains(trained.Source, "fine-tuned on CIFAR-27") {
		t.Errorf("kernels from %s: trained=%v, source %q", dir, trained.Trained, trained.Source)
	}
	initial, err := LoadKernels("digitnet", false, p, Options{Profile: p, Backend: mvc.MustBackend()})
	if err != nil {
		t.Fatal(err)
	}
	if initial.Trained || !strings.Contains(initial.Source, "untrained (initial) kernels") {
		t.Errorf("kernels without runs: trained=%v, source %q", initial.Trained, initial.Source)
	}
	if len(trained.All) != len(initial.All) || trained.Shape != initial.Shape {
		t.Fatalf("trained %d maps %v, initial %d maps %v", len(trained.All), trained.Shape, len(initial.All), initial.Shape)
	}
	same := 0
	for i := range trained.All {
		if slices.Equal(trained.All[i].Values, initial.All[i].Values) {
			same++
		}
	}
	if same == len(trained.All) {
		t.Error("the checkpoint's kernels equal the initial ones: the trained variable was not read")
	}
	// The NeuRN variant has no run: it falls back to initial kernels, and says so.
	other, err := LoadKernels("digitnet", true, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if other.Trained {
		t.Error("digitnet+NeuRN has no run but was loaded as trained")
	}

	// A run still training (a checkpoint, no result yet) is not used.
	result := filepath.Join(dir, train.ResultFile)
	if err := os.Rename(result, result+".away"); err != nil {
		t.Fatal(err)
	}
	if unfinished, err := LoadKernels("digitnet", false, p, opts); err != nil || unfinished.Trained {
		t.Errorf("kernels of an unfinished run: %v, trained=%v; want the initial ones", err, unfinished != nil && unfinished.Trained)
	}
	if err := os.Rename(result+".away", result); err != nil {
		t.Fatal(err)
	}

	// The export alone (a fresh clone: no checkpoint) gives the same kernels and source.
	if err := ExportKernels(dir, "digitnet", false); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	exported, err := LoadKernels("digitnet", false, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !exported.Trained || exported.Source != trained.Source || exported.Shape != trained.Shape ||
		!slices.EqualFunc(exported.All, trained.All, func(a, b similarity.Map) bool { return slices.Equal(a.Values, b.Values) }) {
		t.Errorf("kernels from %s differ from the checkpoint's: trained=%v, source %q (want %q)", KernelsFile, exported.Trained, exported.Source, trained.Source)
	}
}

// TestKernelsExportBadFiles checks that a corrupt, foreign or inconsistent kernels export is an
// error naming the file, never silently initial kernels.
func TestKernelsExportBadFiles(t *testing.T) {
	p, _ := LookupProfile("smoke")
	runs := t.TempDir()
	dir := filepath.Join(runs, mvcruns.CIFAR27RunName("digitnet", 0, "smoke"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KernelsFile)
	for _, c := range []struct{ content, want string }{
		{`{"model": "digitnet", "shape": [5, 5, 3`, "not a kernels export"},
		{`{"model": "digitnet", "shape": [1, 1, 1, 1], "encoding": "float32le_base64", "float32le_base64": "!!"}`, "base64"},
		{`{"model": "digitnet", "shape": [1, 1, 1, 1], "data": [0.5]}`, "encoding"},
		{`{"model": "vgg19", "shape": [1, 1, 1, 1], "encoding": "float32le_base64", "float32le_base64": "AAAAPw=="}`, "holds the kernels of vgg19"},
		{`{"model": "digitnet", "shape": [5, 5, 3, 8], "encoding": "float32le_base64", "float32le_base64": "AAAAPw=="}`, "1 values for shape"},
		{`{"model": "digitnet", "shape": [0, 5, 3, 8], "encoding": "float32le_base64", "float32le_base64": ""}`, "non-positive"},
		{`{"model": "digitnet", "shape": [1, 1, 1, 1], "encoding": "float32le_base64", "float32le_base64": "AADAfw=="}`, "value 0 is NaN"},
	} {
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKernels("digitnet", false, p, Options{Profile: p, RunsDir: runs, RunProfile: "smoke", Backend: mvc.MustBackend()})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", c.content, err, c.want)
		}
	}
}

// Without a run, the initial kernels are built at the width the model's CIFAR-27 run would have
// (the quick profile builds MobileNetV2 at 0.5: 16 first filters, 8 at the profile's 0.25).
func TestInitialKernelsWidth(t *testing.T) {
	p := Profiles["quick"]
	c, err := mvcruns.LookupCIFAR27("quick")
	if err != nil {
		t.Fatal(err)
	}
	w := c.WidthOf("mobilenetv2")
	k, err := LoadKernels("mobilenetv2", false, p, Options{Profile: p, RunsDir: t.TempDir(), RunProfile: "quick", Backend: mvc.MustBackend()})
	if err != nil {
		t.Fatal(err)
	}
	if want := int(32 * w); k.Shape[3] != want || k.Trained || !strings.Contains(k.Source, fmt.Sprintf("width %g", w)) {
		t.Errorf("initial MobileNetV2 kernels: shape %v (want %d filters), trained %v, source %q", k.Shape, want, k.Trained, k.Source)
	}
}

// TestKernelWordsNameEveryRun: when every model's kernels are trained, the captions still say
// which run each set comes from and how far it trained, so a short run is not hidden.
func TestKernelWordsNameEveryRun(t *testing.T) {
	r := &Result{Models: []*Kernels{
		{Name: "digitnet", Trained: true, Source: "kernels fine-tuned on CIFAR-27 (cifar27-digitnet-quick, width 0.25, 40 epochs, best validation accuracy 0.495)"},
		{Name: "xception", Trained: true, Source: "kernels fine-tuned on CIFAR-27 (cifar27-xception-quick, width 0.25, 3 epochs, best validation accuracy 0.304)"},
	}}
	w := r.kernelWords()
	for _, want := range []string{"cifar27-digitnet-quick", "40 epochs", "cifar27-xception-quick", "3 epochs"} {
		if !strings.Contains(w, want) {
			t.Errorf("kernelWords() = %q, want it to name %q", w, want)
		}
	}
}
