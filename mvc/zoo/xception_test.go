package zoo

import "testing"

// TestXception checks Xception against Keras Applications: 22,910,480 parameters at 299x299x3
// and 1,000 classes; first convolution 32 3x3 filters (8 at the quick width 1/4). The checks are
// checkFamily's (inceptionv3_test.go).
func TestXception(t *testing.T) {
	checkFamily(t, "xception", 22910480, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 32})
}
