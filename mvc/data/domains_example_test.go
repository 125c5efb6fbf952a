package data_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// ExampleGenerateSYN renders SYN digits, the SVHN stand-in: the same seed gives the same images.
func ExampleGenerateSYN() {
	syn, err := data.GenerateSYN(data.SYNOptions{N: 1000, Seed: 1, Split: "train"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(syn.Name, syn.Domain, syn.N, syn.Height, syn.Width, syn.Channels)
	fmt.Println(data.SYNLabel)
	fmt.Println("labels:", syn.Labels[:8])
	// Output:
	// SYN SYN 1000 32 32 3
	// SYN (SVHN stand-in)
	// labels: [8 6 2 9 7 2 5 5]
}

// ExampleMakeMNISTM applies the MNIST-M recipe (Ganin & Lempitsky 2015) to real MNIST digits over
// seeded procedural textures (pass data.LoadBackgrounds("…/bsds500/train") for the real photos).
func ExampleMakeMNISTM() {
	mnist, err := data.LoadMNIST(data.MNISTTest)
	if err != nil {
		fmt.Println(err)
		return
	}
	bg := data.ProceduralBackgrounds(16, 64, 1)
	mm, err := data.MakeMNISTM(mnist.First(100), bg, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mm.Name, mm.Domain, mm.N, mm.Height, mm.Width, mm.Channels, mm.Labels[:5])
	// Output: MNIST-M MM 100 28 28 3 [7 2 1 0 4]
}

// ExampleReadMNISTMTar writes a fixture in the official mnist_m.tar.gz layout and reads one split
// back straight from the archive.
func ExampleReadMNISTMTar() {
	dir, _ := os.MkdirTemp("", "mnistm")
	defer func() { _ = os.RemoveAll(dir) }()
	digits := &data.Dataset{Name: "fixture", N: 2, Height: 28, Width: 28, Channels: 3,
		Pixels: make([]uint8, 2*28*28*3), Labels: []int{4, 2}, ClassNames: data.DigitClassNames}
	path := filepath.Join(dir, "mnist_m.tar.gz")
	if err := data.WriteMNISTMTar(path, nil, digits); err != nil {
		fmt.Println(err)
		return
	}
	d, err := data.ReadMNISTMTar(path, "test")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Name, d.Split, d.N, d.Height, d.Width, d.Channels, d.Labels)
	// Output: MNIST-M test 2 28 28 3 [4 2]
}

// ExampleLoadDomain loads digit domains by name; SYN is always available offline.
func ExampleLoadDomain() {
	d, err := data.LoadDomain("syn", "test", data.DomainOptions{N: 500, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, err := d.Float32(32, 32, 3) // the experiments' input: float32 in [0,1], NHWC
	fmt.Println(d.Name, d.Split, d.N, len(x), err)
	// Output: SYN test 500 1536000 <nil>
}
