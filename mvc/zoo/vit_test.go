package zoo

import "testing"

// TestViT checks ViT-B/16 against timm's vit_base_patch16_224: 86,567,656 parameters at
// 224x224x3 and 1,000 classes; first convolution (the patch embedding) 768 16x16 filters (96 at
// the quick width 1/8). The checks are checkFamily's (inceptionv3_test.go).
func TestViT(t *testing.T) {
	checkFamily(t, "vit", 86567656, [4]int{16, 16, 3, 96}, [4]int{16, 16, 3, 768})
}
