package backbone_test

import (
	"fmt"
	"os"
	"path/filepath"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/backbone"
	"github.com/mice2machines/mice2machines/mvc/backbone/onnxfixture"
)

// Load an ONNX image model (here a tiny stand-in for an ImageNet model, written on the spot)
// and put NeuRN in front of it and a new 10-class head on top: the model function that
// train.Run fine-tunes. Calling it once on two grey 16x16 images gives one row of logits per
// image.
func Example() {
	dir, err := os.MkdirTemp("", "backbone-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny.onnx")
	if err := onnxfixture.New(1).Write(path); err != nil {
		fmt.Println(err)
		return
	}

	b, err := backbone.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	classify := b.Model(10, backbone.Options{NeuRN: 3})

	images := tensors.FromFlatDataAndDimensions(make([]float32, 2*16*16), 2, 16, 16, 1) // two blank grey images
	out, err := model.CallOnceN(mvc.MustBackend(), model.NewStore(), func(scope *model.Scope, x *Node) []*Node {
		return []*Node{classify(scope, x)}
	}, images)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logits:", out[0].Shape().Dimensions)
	// Output: logits: [2 10]
}
