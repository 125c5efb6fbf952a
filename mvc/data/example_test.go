package data_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// ExampleLoadMNISTImages reads the real MNIST test set shipped with the GoMNIST module.
func ExampleLoadMNISTImages() {
	images, err := data.LoadMNISTImages(data.MNISTTest)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(images.N, images.Height, images.Width)
	// Output: 10000 28 28
}

// ExampleWriteNPYFloat32 saves images for NumPy users (np.load reads them) and reads them back.
func ExampleWriteNPYFloat32() {
	dir, _ := os.MkdirTemp("", "npy")
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "images.npy")
	if err := data.WriteNPYFloat32(path, []float32{0, 0.5, 1, 0.25}, []int{1, 2, 2, 1}); err != nil {
		fmt.Println(err)
		return
	}
	values, shape, err := data.ReadNPYFloat32(path)
	fmt.Println(values, shape, err)
	// Output: [0 0.5 1 0.25] [1 2 2 1] <nil>
}
