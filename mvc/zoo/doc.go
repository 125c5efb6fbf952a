// Package zoo holds the model architectures of the paper's comparisons ("Mice to Machines",
// Table 1 and Figure 2B: VGG19, EfficientNetB0, DenseNet121, ShuffleNetV2, Xception,
// NASNetMobile, ResNet50V2, InceptionV3, MobileNetV2, ViT, plus AlexNet, ResNet18 and the
// DigitNet of the domain-generalization literature), each optionally preceded by the paper's NeuRN
// layer, and a registry by name: [Names], [New], [QuickConfig], [FullConfig].
//
// Each architecture follows its reference implementation (Keras Applications where the paper used
// Keras; torchvision for AlexNet, ResNet18 and ShuffleNetV2; the ViT paper and timm for ViT-B/16)
// in its blocks, connectivity, activations, normalization and initialization; its file documents
// where it deviates. The parameter counts at full size (mvc zoo list) match the published ones
// within 2% (tested), and come from building the model's graph abstractly, not from a table.
//
// A [Model] builds its graph with [Model.Logits] inside any GoMLX model function: images
// [batch, size, size, channels], float32 in [0, 1], give logits [batch, classes]. NeuRN, when on,
// is the first layer; images smaller than an architecture's minimum input are then resized to
// it (bilinearly) inside the model. Convolutions, depthwise convolutions and pooling come from
// package mvc/nn, formulated for speed on GoMLX's pure-Go backend.
package zoo
