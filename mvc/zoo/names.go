package zoo

// The architectures' registry names, as [New], [Names] and the command line's --model take them.
const (
	AlexNet        = "alexnet"
	DenseNet121    = "densenet121"
	DigitNet       = "digitnet"
	EfficientNetB0 = "efficientnetb0"
	InceptionV3    = "inceptionv3"
	MobileNetV2    = "mobilenetv2"
	NASNetMobile   = "nasnetmobile"
	ResNet18       = "resnet18"
	ResNet50V2     = "resnet50v2"
	ShuffleNetV2   = "shufflenetv2"
	VGG19          = "vgg19"
	ViT            = "vit"
	Xception       = "xception"
)
