package zoo

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX's customary dot import.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestShuffleNetV2 checks ShuffleNetV2 1.0x against torchvision: 2,278,604 parameters at
// 224x224x3 and 1,000 classes (ours adds batch normalization's running statistics); first
// convolution 24 3x3 filters (6 at the quick width 1/4). The checks are checkFamily's
// (inceptionv3_test.go).
func TestShuffleNetV2(t *testing.T) {
	checkFamily(t, "shufflenetv2", 2278604, [4]int{3, 3, 3, 6}, [4]int{3, 3, 3, 24})
}

// TestChannelShuffle checks the shuffle against torchvision's channel_shuffle on 6 channels, 2
// groups: [0 1 2 3 4 5] -> [0 3 1 4 2 5].
func TestChannelShuffle(t *testing.T) {
	exec := MustNewExec(mvc.MustBackend(), func(x *Node) *Node { return channelShuffle(x, 2) })
	x := tensors.FromFlatDataAndDimensions([]float32{0, 1, 2, 3, 4, 5}, 1, 1, 1, 6)
	got := tensors.MustCopyFlatData[float32](exec.MustCall1(x))
	want := []float32{0, 3, 1, 4, 2, 5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("channelShuffle = %v, want %v", got, want)
		}
	}
}
