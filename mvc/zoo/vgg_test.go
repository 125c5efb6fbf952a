package zoo

import "testing"

// TestVGG19 checks VGG19 against Keras Applications: 143,667,240 parameters at 224x224x3 and
// 1,000 classes; first convolution 64 3x3 filters (8 at the quick width 1/8). The checks are
// checkFamily's (inceptionv3_test.go).
func TestVGG19(t *testing.T) {
	checkFamily(t, "vgg19", 143667240, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 64})
}
