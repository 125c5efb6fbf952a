package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/gomlx/gomlx/core/tensors"
	benchmarks "github.com/janpfeifer/go-benchmarks"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/neurn"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

func init() {
	g := newGroup("bench", "benchmark a component: mvc bench neurn|train")
	g.add("neurn", "the NeuRN layer's throughput, box sums and the naive per-window graph", benchNeuRN)
	g.add("train", "training throughput of a zoo model (images per second)", benchTrain)
}

func benchTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench train", "--model NAME [--width W] [--batch 256] [--neurn K] [--duration 10s] [--json]",
		"Measures how fast a zoo model trains (forward, softmax cross-entropy, backward and an Adam\n"+
			"update, as zoo.MeasureTraining does) on random 32x32x3 images of 10 classes, on the backend\n"+
			"that \"mvc env\" reports: images per second of wall time and per CPU-second. The first step\n"+
			"(graph compilation) is not timed. The PyTorch script mvc/zoo/torchbench/bench_train.py\n"+
			"measures the same workloads.", stderr)
	name := fs.String("model", "", "architecture (mvc zoo list); required")
	width := fs.Float64("width", 0, "width multiplier (default: the model's benchmark width, zoo.QuickConfig; the quick training profiles use 0.25, MobileNetV2, NASNetMobile and ShuffleNetV2 0.5)")
	batch := fs.Int("batch", 256, "images per training step")
	neurnK := fs.Int("neurn", 0, "put NeuRN with window K in front (0: none)")
	duration := fs.Duration("duration", 10*time.Second, "measuring time, after the compiling step")
	asJSON := fs.Bool("json", false, "print one JSON object (zoo.Throughput) instead of a line of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return badInput("--model is required; one of %s", strings.Join(zoo.Names(), ", "))
	}
	if *batch < 1 || *duration <= 0 || *width < 0 || *neurnK < 0 || (*neurnK > 0 && *neurnK%2 == 0) {
		return badInput("--batch and --duration must be positive, --width >= 0, --neurn odd (or 0)")
	}
	cfg, err := zoo.QuickConfig(*name)
	if err != nil {
		return usageError{err}
	}
	if *width > 0 {
		cfg.Width = *width
	}
	if *neurnK > 0 {
		cfg.NeuRN, cfg.NeuRNKernel = true, *neurnK
	}
	m, err := zoo.New(*name, cfg)
	if err != nil {
		return usageError{err}
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "Training %s (width %g, %d images per step) on backend %s\n",
			m.Name(), cfg.Width, *batch, mvc.ChooseBackend().Config)
	}
	t, err := zoo.MeasureTraining(backend, m, *batch, *duration)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(t)
	}
	_, err = fmt.Fprintln(stdout, t)
	return err
}

func benchNeuRN(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench neurn", "[--batch 256] [--size 32] [--channels 3] [--k 3,5,7] [--duration 3s] [--naive]",
		"Benchmarks NeuRN on random images with github.com/janpfeifer/go-benchmarks: the box-sum graph\n"+
			"(what models use) and, with --naive, the per-window graph it replaces, on the backend that\n"+
			"\"mvc env\" reports. Times are per batch, with the throughput in images/s in brackets.", stderr)
	batch := fs.Int("batch", 256, "images per batch")
	size := fs.Int("size", 32, "image height and width")
	channels := fs.Int("channels", 3, "channels per image")
	kList := fs.String("k", "3,5,7", "comma-separated window sizes")
	duration := fs.Duration("duration", 3*time.Second, "measuring time per benchmark (after 3 warm-up runs)")
	naive := fs.Bool("naive", true, "also benchmark the naive per-window implementation")
	asJSON := fs.Bool("json", false, "print one JSON object per k (box sums only: k, images_per_second, "+
		"images_per_cpu_second) instead of the table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 1 || *size < 1 || *channels < 1 || *duration <= 0 {
		return badInput("--batch, --size, --channels and --duration must be positive")
	}
	var ks []int
	for field := range strings.SplitSeq(*kList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || k < 1 || k%2 == 0 {
			return badInput("--k: %q is not an odd window size >= 1", field)
		}
		ks = append(ks, k)
	}
	backend, err := mvc.Backend()
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]float32, *batch**size**size**channels)
	for i := range values {
		values[i] = rng.Float32()
	}
	x := tensors.FromFlatDataAndDimensions(values, *batch, *size, *size, *channels)
	if *asJSON {
		return benchNeuRNJSON(backend, x, ks, *duration, stdout)
	}
	var fns []benchmarks.NamedFunction
	var firstErr error
	for _, impl := range []struct {
		name string
		make func() func(int) (*neurn.Transformer, error)
	}{
		{"box-sum", func() func(int) (*neurn.Transformer, error) {
			return func(k int) (*neurn.Transformer, error) { return neurn.NewTransformer(backend, k, false) }
		}},
		{"naive", func() func(int) (*neurn.Transformer, error) {
			return func(k int) (*neurn.Transformer, error) { return neurn.NewNaiveTransformer(backend, k, false) }
		}},
	} {
		if impl.name == "naive" && !*naive {
			continue
		}
		for _, k := range ks {
			tr, err := impl.make()(k)
			if err != nil {
				return err
			}
			// Compile before timing.
			out, err := tr.Apply(x)
			if err != nil {
				return err
			}
			out.FinalizeAll()
			fns = append(fns, benchmarks.NamedFunction{
				Name: fmt.Sprintf("NeuRN %s k=%d", impl.name, k),
				Func: func() {
					out, err := tr.Apply(x)
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						return
					}
					out.FinalizeAll()
				},
			})
		}
	}
	fmt.Fprintf(stdout, "NeuRN on %d images of %dx%dx%d, backend %s\n", *batch, *size, *size, *channels, mvc.ChooseBackend().Config)
	images := float64(*batch)
	// go-benchmarks prints to the process's standard output.
	benchmarks.New(fns...).
		WithWarmUps(3).
		WithDuration(*duration).
		WithColumnSize(26).
		WithPrettyPrintFn(func(d time.Duration) string {
			return fmt.Sprintf("%s (%.0f img/s)", benchmarks.PrettyPrint(d), images/d.Seconds())
		}).
		Done()
	return firstErr
}

// benchNeuRNJSON times the box-sum NeuRN on x for each k (one untimed call compiles it, then calls
// for at least d) and prints one JSON object per k.
func benchNeuRNJSON(backend compute.Backend, x *tensors.Tensor, ks []int, d time.Duration, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	images := x.Shape().Dimensions[0]
	for _, k := range ks {
		tr, err := neurn.NewTransformer(backend, k, false)
		if err != nil {
			return err
		}
		apply := func() error {
			out, err := tr.Apply(x)
			if err != nil {
				return err
			}
			out.FinalizeAll()
			return nil
		}
		if err := apply(); err != nil {
			return err
		}
		t, err := mvc.TimeCalls(apply, 3, d)
		if err != nil {
			return err
		}
		n := float64(t.Calls * images)
		row := map[string]any{"k": k, "batch": images, "calls": t.Calls, "seconds": t.Seconds,
			"images_per_second": n / t.Seconds}
		if t.CPUSeconds > 0 {
			row["images_per_cpu_second"] = n / t.CPUSeconds
		}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}
