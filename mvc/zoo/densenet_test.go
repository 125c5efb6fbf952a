package zoo

import "testing"

// TestDenseNet121 checks DenseNet121 against Keras Applications: 8,062,504 parameters at
// 224x224x3 and 1,000 classes; first convolution 64 7x7 filters (16 at the quick width 1/4). The
// checks are checkFamily's (inceptionv3_test.go).
func TestDenseNet121(t *testing.T) {
	checkFamily(t, "densenet121", 8062504, [4]int{7, 7, 3, 16}, [4]int{7, 7, 3, 64})
}
