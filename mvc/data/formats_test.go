package data

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatRegistry(t *testing.T) {
	if _, err := LookupFormat("idx"); err != nil {
		t.Fatal(err)
	}
	if _, err := LookupFormat("no-such-format"); err == nil || !strings.Contains(err.Error(), "idx") {
		t.Errorf("unknown format: error %v should list the known formats", err)
	}
	names := FormatNames()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("FormatNames not sorted: %v", names)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("registering idx twice did not panic")
		}
	}()
	RegisterFormat(Format{Name: "idx", Detect: detectIDX, Read: readIDXFormat})
}

func TestIDXFormatOnMNIST(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	d, f, err := ReadFormat("", path, "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "idx" || d.N != 10000 || d.Height != 28 || d.Split != "test" {
		t.Errorf("got format %s, %d images %dx%d, split %s", f.Name, d.N, d.Height, d.Width, d.Split)
	}
	if _, _, err := ReadFormat("idx", path, "train"); err == nil {
		t.Error("asking the test file for the train split: no error")
	}
	train, _, err := ReadFormat("idx", filepath.Join(dir, "train-images-idx3-ubyte.gz"), "")
	if err != nil || train.N != 60000 || train.Split != "train" {
		t.Errorf("MNIST train: %v", err)
	}
}
