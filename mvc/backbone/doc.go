// Package backbone makes an ImageNet-trained image model, saved as an ONNX file, the start of a
// fine-tuning run. "Mice to Machines: Neural Representations from Visual Cortex for Domain
// Generalization" (Qazi, Jalil, Iqbal) starts its models from ImageNet weights and fine-tunes
// them along the chain ImageNet -> CIFAR-27 -> digits (section "Training"); this package is the
// first link for users who bring their own ImageNet model: [Load] reads the file, and
// [ONNX.Model] returns a [train.ModelFn] with NeuRN in front (optional), the ONNX graph as a
// feature extractor and a new classification head, ready for [train.Run].
//
// The ONNX graph is converted to GoMLX by github.com/gomlx/onnx-gomlx; its weights become
// trainable variables, loaded from the file once and then saved and resumed with the run's
// checkpoints like any other. Images are resized to the model's input size when it is static,
// grey images are replicated to RGB, and [ImageNetMean] and [ImageNetStd] normalise them unless
// [Options] say otherwise.
package backbone
