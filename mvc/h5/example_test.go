package h5_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc/h5"
	"github.com/scigolib/hdf5"
)

// Open a file, list its datasets and read a block of rows. The file is written here with
// github.com/scigolib/hdf5, as the project writes its files.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "h5example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "digits.h5")
	if err := writeExample(path); err != nil {
		fmt.Println(err)
		return
	}

	f, err := h5.Open(path, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = f.Close() }()
	for _, name := range f.Datasets() {
		d, err := f.Dataset(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(name, d.Class(), d.ElemSize(), d.Shape())
	}
	rows, err := f.Float32Block("train/data", []int{1, 0}, []int{2, 4}) // rows 1 and 2
	fmt.Println(rows, err)
	labels, err := f.Int64s("train/target")
	fmt.Println(labels, err)
	_, err = f.Float64s("train/labels")
	fmt.Println(err != nil)
	// Output:
	// train/data float 4 [3 4]
	// train/target integer 4 [3]
	// [4 5 6 7 8 9 10 11] <nil>
	// [7 1 9] <nil>
	// true
}

// writeExample writes a group /train with data float32 [3, 4] (0 to 11) and target int32 [3].
func writeExample(path string) error {
	fw, err := hdf5.CreateForWrite(path, hdf5.CreateTruncate)
	if err != nil {
		return err
	}
	if _, err := fw.CreateGroup("/train"); err != nil {
		return err
	}
	data := make([]float32, 12)
	for i := range data {
		data[i] = float32(i)
	}
	dw, err := fw.CreateDataset("/train/data", hdf5.Float32, []uint64{3, 4})
	if err != nil {
		return err
	}
	if err := dw.Write(data); err != nil {
		return err
	}
	tw, err := fw.CreateDataset("/train/target", hdf5.Int32, []uint64{3})
	if err != nil {
		return err
	}
	if err := tw.Write([]int32{7, 1, 9}); err != nil {
		return err
	}
	return fw.Close()
}
