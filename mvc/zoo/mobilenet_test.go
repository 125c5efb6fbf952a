package zoo

import "testing"

// TestMobileNetV2 checks MobileNetV2 against Keras Applications: 3,538,984 parameters at
// 224x224x3 and 1,000 classes; first convolution 32 3x3 filters (make_divisible(8, 8) = 8 at
// the quick width 1/4). The checks are checkFamily's (inceptionv3_test.go).
func TestMobileNetV2(t *testing.T) {
	checkFamily(t, "mobilenetv2", 3538984, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 32})
}
