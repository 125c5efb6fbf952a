package zoo_test

import (
	"fmt"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/zoo"
)

// ExampleNames lists the registry.
func ExampleNames() {
	fmt.Println(zoo.Names())
	// Output:
	// [alexnet densenet121 digitnet efficientnetb0 inceptionv3 mobilenetv2 nasnetmobile resnet18 resnet50v2 shufflenetv2 vgg19 vit xception]
}

// ExampleNew builds DigitNet with NeuRN (k = 5) in front for 28x28 greyscale digits and computes
// the logits of two blank images.
func ExampleNew() {
	m, err := zoo.New("digitnet", zoo.Config{Classes: 10, InputSize: 28, Channels: 1, Width: 1, NeuRN: true, NeuRNKernel: 5, Seed: 42})
	if err != nil {
		fmt.Println(err)
		return
	}
	total, trainable := m.NumParams()
	fmt.Println(m.Name(), total, trainable, m.FirstConv(), m.FirstConvPath())

	store, err := m.NewStore() // Seeded with Config.Seed.
	if err != nil {
		fmt.Println(err)
		return
	}
	exec := model.MustNewExec(mvc.MustBackend(), store, func(scope *model.Scope, images *Node) *Node {
		return m.Logits(scope, images)
	})
	logits := exec.MustCall1(tensors.FromFlatDataAndDimensions(make([]float32, 2*28*28), 2, 28, 28, 1))
	fmt.Println(logits.Shape())
	// Output:
	// digitnet 3364618 3364618 [5 5 1 64] conv1/weights
	// (Float32)[2, 10]
}

// ExampleQuickConfig shows the configuration CPU sweeps use, and an error for a bad one.
func ExampleQuickConfig() {
	cfg, _ := zoo.QuickConfig("resnet18")
	fmt.Printf("%+v\n", cfg)
	cfg.Width = 0
	_, err := zoo.New("resnet18", cfg)
	fmt.Println(err)
	// Output:
	// {Classes:10 InputSize:32 Channels:3 Width:0.25 NeuRN:false NeuRNKernel:3 Seed:1 Init:}
	// zoo: model resnet18: Width must be a positive number, got 0
}

// ExampleMeasureTraining measures how fast a model trains on random images: the throughput that
// "mvc bench train" prints.
func ExampleMeasureTraining() {
	m, err := zoo.New("digitnet", zoo.Config{Classes: 10, InputSize: 16, Channels: 3, Width: 0.125, Seed: 1})
	if err != nil {
		panic(err)
	}
	t, err := zoo.MeasureTraining(mvc.MustBackend(), m, 8, 10*time.Millisecond)
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Model, t.Batch, t.Steps >= 2, t.ImagesPerSecond > 0)
	// Output: digitnet 8 true true
}
