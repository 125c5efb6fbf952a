package zoo

import "testing"

// TestNASNetMobile checks NASNetMobile against Keras Applications: 5,326,716 parameters at
// 224x224x3 and 1,000 classes; first convolution (the stem) 32 3x3 filters (8 at the quick width
// 1/4). The checks are checkFamily's (inceptionv3_test.go).
func TestNASNetMobile(t *testing.T) {
	checkFamily(t, "nasnetmobile", 5326716, [4]int{3, 3, 3, 8}, [4]int{3, 3, 3, 32})
}
