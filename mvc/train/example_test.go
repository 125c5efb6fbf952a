package train_test

import (
	"context"
	"fmt"
	"os"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/data"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// smallNet is a classifier small enough for an example: one hidden layer on 16x16 grey images.
func smallNet(scope *model.Scope, images *Node) *Node {
	x := Reshape(images, images.Shape().Dimensions[0], -1)
	x = activation.Relu(layers.DenseWithBias(scope.In("hidden"), x, 32))
	return layers.DenseWithBias(scope.In("logits"), x, 10)
}

// Train a small classifier on 512 generated SVHN-like digits (SYN) for 3 epochs, with 10% of
// them held out for validation, a checkpoint after every epoch in a run directory, and the best
// weights restored at the end; then test it on SYN's test split. The same seed gives the same
// run, bit for bit; the accuracies themselves depend on the backend, so they are not printed.
func Example() {
	dir, err := os.MkdirTemp("", "train-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	trainSet, err := data.Load("syn", "train", data.DomainOptions{N: 512, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}

	cfg := train.Config{Model: smallNet, Height: 16, Width: 16, Channels: 1, BatchSize: 64,
		MaxEpochs: 3, Patience: -1, LearningRate: 1e-2, Seed: 1, Dir: dir}
	res, err := train.Run(context.Background(), mvc.MustBackend(), cfg, trainSet, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	first, last := res.Epochs[0], res.Epochs[len(res.Epochs)-1]
	fmt.Printf("%d epochs of %d training images; training loss went down: %v\n",
		len(res.Epochs), first.TrainImages, last.TrainLoss < first.TrainLoss)

	testSet, err := data.Load("syn", "test", data.DomainOptions{N: 200, Seed: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	ckpt, err := train.LoadCheckpoint(dir) // the run directory alone holds the trained weights
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := train.EvaluateCheckpoint(context.Background(), mvc.MustBackend(), ckpt, smallNet, testSet)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("checkpoint of %d epochs, finished: %v; %d test images evaluated\n", len(ckpt.State.History), ckpt.State.Done, ev.Images)
	// Output:
	// 3 epochs of 461 training images; training loss went down: true
	// checkpoint of 3 epochs, finished: true; 200 test images evaluated
}
