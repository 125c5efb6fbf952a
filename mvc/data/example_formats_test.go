package data_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// ExampleReadFormat writes a small usps.h5 with the project's fixture writer, then reads its
// test split with the format detected, as "mvc data inspect" does.
func ExampleReadFormat() {
	dir, _ := os.MkdirTemp("", "usps")
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "usps.h5")
	pixels := make([]float32, 2*256)
	pixels[0], pixels[1] = 1, 0.5 // first two pixels of the first image
	err := data.WriteUSPSH5(path,
		data.USPSArrays{Data: make([]float32, 256), Target: []int32{3}},
		data.USPSArrays{Data: pixels, Target: []int32{7, 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, format, err := data.ReadFormat("", path, "test")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(format.Name, d.Name, d.Split, d.N, d.Height, d.Width, d.Channels, d.Labels, d.Pixels[:3])
	// Output: usps-h5 USPS test 2 16 16 1 [7 1] [255 128 0]
}

// ExampleCIFARSubset keeps two CIFAR-100 classes named by aliases and relabels them 0 and 1.
func ExampleCIFARSubset() {
	fine := func(name string) int {
		i, _ := data.ResolveCIFAR100Class(data.CIFAR100FineLabelNames, name)
		return i
	}
	d := &data.Dataset{Name: "CIFAR-100", N: 3, Height: 32, Width: 32, Channels: 3,
		Pixels: make([]uint8, 3*3072), ClassNames: data.CIFAR100FineLabelNames,
		Labels: []int{fine("apple"), fine("maple_tree"), fine("wolf")}}
	sub, err := data.CIFARSubset(d, []string{"wolf", "maple"}, "two classes")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sub.N, sub.Labels, sub.ClassNames)
	// Output: 2 [1 0] [wolf maple_tree]
}

// ExampleWriteMAT writes an SVHN-style MAT v5 file and reads its variables back.
func ExampleWriteMAT() {
	dir, _ := os.MkdirTemp("", "mat")
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "y.mat")
	err := data.WriteMAT(path, []data.MATVariable{
		{Name: "y", Class: data.MATDouble, Dims: []int{3, 1}, Double: []float64{10, 1, 2}, DoubleAsUint8: true},
	}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	vars, err := data.ReadMAT(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vars[0].Name, vars[0].Dims, vars[0].Double)
	// Output: y [3 1] [10 1 2]
}
