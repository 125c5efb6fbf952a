package zoo

import "testing"

// TestEfficientNetB0 checks EfficientNetB0 against Keras Applications: 5,330,571 parameters at
// 224x224x3 and 1,000 classes (ours leaves out the input Normalization layer's 7); first
// convolution 32 3x3 filters (8 at the quick width 1/4). The checks are checkFamily's
// (inceptionv3_test.go).
func TestEfficientNetB0(t *testing.T) {
	checkFamily(t, "efficientnetb0", 5330571, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 32})
}
