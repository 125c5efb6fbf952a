package zoo

import "testing"

// TestResNet50V2 checks ResNet50V2 against Keras Applications: 25,613,800 parameters at
// 224x224x3 and 1,000 classes; first convolution 64 7x7 filters (16 at the quick width 1/4).
// TestResNet18 checks ResNet18 against torchvision: 11,689,512 parameters (ours adds the 9,600
// running statistics of batch normalization); first convolution 64 7x7 filters. The checks are
// checkFamily's (inceptionv3_test.go).
func TestResNet50V2(t *testing.T) {
	checkFamily(t, "resnet50v2", 25613800, [4]int{7, 7, 3, 16}, [4]int{7, 7, 3, 64})
}

func TestResNet18(t *testing.T) {
	checkFamily(t, "resnet18", 11689512, [4]int{7, 7, 3, 16}, [4]int{7, 7, 3, 64})
}
