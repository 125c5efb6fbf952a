package runs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// Train a narrow DigitNet with NeuRN on generated SVHN-like digits (SYN), then reopen it from
// its directory and test it on another domain's images, here SYN's test split.
func Example() {
	dir, err := os.MkdirTemp("", "runs-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	spec := runs.Spec{Model: zoo.DigitNet, NeuRN: 3, Width: 0.125}
	_, err = runs.Train(ctx, spec, "syn", runs.Options{Dir: filepath.Join(dir, "syn"), Subset: 256, Epochs: 1, BatchSize: 64})
	if err != nil {
		fmt.Println(err)
		return
	}

	r, err := runs.Open(filepath.Join(dir, "syn")) // the directory alone says what the model is
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := r.EvaluateSplit(ctx, "syn", "test", 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, %d classes: %d test images evaluated\n", r.Spec, r.Spec.Classes, ev.Images)
	// Output: digitnet with NeuRN k=3, width 0.125, 10 classes: 100 test images evaluated
}

// The CIFAR-27 fine-tuning step of the quick profile: which runs it trains, and where.
func ExampleCIFAR27Profile_Plan() {
	p, err := runs.LookupCIFAR27("quick")
	if err != nil {
		fmt.Println(err)
		return
	}
	plan := p.Plan()
	fmt.Printf("%d runs, e.g. %s: %s\n", len(plan), plan[len(plan)-1].Name, plan[len(plan)-1].Spec)
	// Output: 26 runs, e.g. cifar27-xception-neurn3-quick: xception with NeuRN k=3, width 0.25
}
