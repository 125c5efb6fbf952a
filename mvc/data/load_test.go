package data

import (
	"errors"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

func TestLoadByName(t *testing.T) {
	d, err := Load("syn", "test", DomainOptions{N: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 20 || len(d.ClassNames) != 10 {
		t.Errorf("syn test: %d images, %d classes; want 20 and 10", d.N, len(d.ClassNames))
	}
	for _, c := range []struct{ name, split string }{{"mnist-x", "test"}, {"", "train"}, {"mnist", "validation"}} {
		if _, err := Load(c.name, c.split, DomainOptions{}); !errors.Is(err, mvc.ErrInput) {
			t.Errorf("Load(%q, %q): %v, want an input error", c.name, c.split, err)
		}
	}
	if !Known("MM") || !Known("CIFAR-27") || Known("imagenet") {
		t.Error("Known: want MM and CIFAR-27 known, imagenet not")
	}
}

func TestLoadCIFAR27ByName(t *testing.T) {
	if _, ok := mvc.DataDir(); !ok {
		t.Skipf("$%s is not set: CIFAR-27 needs the CIFAR-100 binary files", mvc.DataEnvVar)
	}
	d, err := Load("cifar27", "test", DomainOptions{N: 30})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 30 || len(d.ClassNames) != 27 {
		t.Errorf("cifar27 test: %d images, %d classes; want 30 and 27", d.N, len(d.ClassNames))
	}
}
