package zoo

import "testing"

// TestAlexNet checks AlexNet against torchvision: 61,100,840 parameters at 224x224x3 and 1,000
// classes; first convolution 64 11x11 filters (8 at the quick width 1/8). The checks are
// checkFamily's (inceptionv3_test.go).
func TestAlexNet(t *testing.T) {
	checkFamily(t, "alexnet", 61100840, [4]int{11, 11, 3, 8}, [4]int{11, 11, 3, 64})
}
