package dg_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Table 1's layout: the paper's column order, and how a quick-profile sweep is planned.
func ExampleTable1Profile_Specs() {
	fmt.Println(dg.Table1Columns)
	specs, err := dg.Table1Profiles["quick"].Specs(dg.PlanOptions{Domains: dg.Table1Domains(data.DomainSYN, true)})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(specs), "runs; the first:", specs[0].Label(), "tested on", specs[0].Targets)
	// Output:
	// [M->U M->S M->MM U->M U->S U->MM S->M S->U S->MM MM->M MM->U MM->S]
	// 92 runs; the first: vgg19 M->* seed 1 tested on [mnist usps syn mnistm]
}

// Aggregating stored results: two seeds per row, NeuRN bold where it beats the bare model
// beyond the seeds' spread.
func ExampleBuildTable1() {
	result := func(k int, seed uint64, mu float64) *dg.RunResult {
		spec := dg.RunSpec{Experiment: dg.ExperimentTable1, Source: data.DomainMNIST, Seed: seed,
			Model: dg.ModelSpec{Name: "vgg19", Width: 1, NeuRN: k, Classes: 10, Size: 32}}
		return &dg.RunResult{ID: spec.ID(), Spec: spec, Targets: []dg.DomainResult{
			{Domain: data.DomainUSPS, Code: "U", Accuracy: mu}}}
	}
	t := dg.BuildTable1([]*dg.RunResult{
		result(0, 1, 0.70), result(0, 2, 0.72), result(3, 1, 0.75), result(3, 2, 0.77),
	})
	fmt.Println(t.Rows[0].Label, t.Rows[0].Cells[0].Mean, t.Rows[1].Label, t.Rows[1].Cells[0].Mean, "bold:", t.Bolded(1, 0))
	// Output:
	// VGG19 71 VGG19+NeuRN 76 bold: true
}

// A sweep of two runs of a tiny linear model on the first MNIST images, resumable from its
// results folder: the second call trains nothing.
func ExampleSweep_Run() {
	tiny := dg.FactoryFunc(func(m dg.ModelSpec) (train.ModelFn, error) {
		return func(scope *model.Scope, x *Node) *Node {
			return layers.DenseWithBias(scope.In("logits"), Reshape(x, x.Shape().Dimensions[0], -1), m.Classes)
		}, nil
	})
	var specs []dg.RunSpec
	for _, k := range []int{0, 3} {
		specs = append(specs, dg.RunSpec{
			Experiment: "example", Model: dg.ModelSpec{Name: "tiny", Width: 1, NeuRN: k, Classes: 10, Size: 16},
			Source: data.DomainMNIST, Targets: []string{data.DomainMNIST}, Seed: 1,
			Training: dg.Training{TrainImages: 200, TestImages: 100, BatchSize: 50, MaxEpochs: 1},
		})
	}
	dir, _ := os.MkdirTemp("", "dg-example")
	defer os.RemoveAll(dir)
	s := &dg.Sweep{Backend: mvc.MustBackend(), Factory: tiny, Store: dg.Store{Dir: filepath.Join(dir, "results")},
		WorkDir: filepath.Join(dir, "work")}
	for range 2 {
		out, err := s.Run(context.Background(), specs)
		if err != nil {
			panic(err)
		}
		fmt.Printf("trained %d, skipped %d\n", out.Trained, out.Skipped)
	}
	// Output:
	// trained 2, skipped 0
	// trained 0, skipped 2
}

// Plan the quick Table 1 sweep as "mvc dg" does: the runs it would train into figures/ and why
// some start from fresh weights (without the CIFAR-27 runs on disk, all of them do).
func ExampleJob_Plan() {
	out, err := os.MkdirTemp("", "dg-plan")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(out) }()
	specs, _, err := dg.Job{Experiment: "table1", Profile: "smoke", Out: out}.Plan()
	if err != nil {
		fmt.Println(err)
		return
	}
	models, fresh := map[string]bool{}, true
	for _, s := range specs {
		models[s.Model.Name+s.Variant()] = true
		fresh = fresh && s.Init == ""
	}
	fmt.Printf("%d model variants, all from fresh weights: %v\n", len(models), fresh)
	// Output: 3 model variants, all from fresh weights: true
}
