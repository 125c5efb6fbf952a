package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// cifarFixture returns n seeded random images whose labels cycle through fine labels.
func cifarFixture(n int, fine []int) *Dataset {
	d := randomDataset(n, 32, 32, 3, 11)
	d.ClassNames = CIFAR100FineLabelNames
	for i := range d.Labels {
		d.Labels[i] = fine[i%len(fine)]
	}
	return d
}

func TestCIFAR100FixtureLayout(t *testing.T) {
	dir := t.TempDir()
	fine := []int{14, 21, 3, 99, 0, 47}
	d := cifarFixture(12, fine)
	coarse := make([]int, d.N)
	for i := range coarse {
		coarse[i] = i % 20
	}
	path := filepath.Join(dir, "train.bin")
	if err := WriteCIFAR100(path, d, coarse); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	// The documented layout, decoded by hand: record i at i*3074; coarse, fine, then R, G, B
	// planes of 32x32 row-major.
	if len(raw) != 12*3074 {
		t.Fatalf("%d bytes", len(raw))
	}
	for i := range d.N {
		rec := raw[i*3074:]
		if int(rec[0]) != coarse[i] || int(rec[1]) != d.Labels[i] {
			t.Fatalf("record %d labels %d %d", i, rec[0], rec[1])
		}
		for r := range 32 {
			for c := range 32 {
				for k := range 3 {
					if rec[2+k*1024+r*32+c] != d.Pixels[((i*32+r)*32+c)*3+k] {
						t.Fatalf("record %d pixel (%d,%d,%d) misplaced", i, r, c, k)
					}
				}
			}
		}
	}
	got, f, err := ReadFormat("", path, "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "cifar-bin" || got.Split != "train" || !slices.Equal(got.Pixels, d.Pixels) || !slices.Equal(got.Labels, d.Labels) {
		t.Errorf("round trip: format %s, split %s; pixels or labels differ", f.Name, got.Split)
	}
	if got.ClassNames[47] != "maple_tree" || !strings.Contains(got.Provenance, "official list") {
		t.Errorf("class names %v..., provenance %q", got.ClassNames[:3], got.Provenance)
	}
}

func TestCIFAR27Subset(t *testing.T) {
	// Fine labels: butterfly 14, chimpanzee 21, bear 3, wolf 97, maple_tree 47, apple 0 (not in CIFAR-27).
	d := cifarFixture(12, []int{14, 21, 3, 97, 47, 0})
	c27, err := CIFAR27(d)
	if err != nil {
		t.Fatal(err)
	}
	if c27.N != 10 || c27.Name != "CIFAR-27" || len(c27.ClassNames) != 27 {
		t.Fatalf("%d images, name %s, %d classes", c27.N, c27.Name, len(c27.ClassNames))
	}
	wantLabels := []int{0, 1, 2, 26, 10, 0, 1, 2, 26, 10}
	if !slices.Equal(c27.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", c27.Labels, wantLabels)
	}
	if !slices.Equal(c27.Image(4), d.Image(4)) || !slices.Equal(c27.Image(5), d.Image(6)) {
		t.Error("images not kept in file order")
	}
	// Aliases.
	for alias, want := range map[string]string{"maple": "maple_tree", "Oak": "oak_tree", "willow tree": "willow_tree",
		"chimp": "chimpanzee", "sea": "sea", "palm-tree": "palm_tree", "bear": "bear"} {
		i, err := ResolveCIFAR100Class(CIFAR100FineLabelNames, alias)
		if err != nil || CIFAR100FineLabelNames[i] != want {
			t.Errorf("alias %q: %v, %v; want %s", alias, i, err, want)
		}
	}
	for _, bad := range []string{"", "unicorn", "s"} {
		if _, err := ResolveCIFAR100Class(CIFAR100FineLabelNames, bad); err == nil {
			t.Errorf("class %q: no error", bad)
		}
	}
	sub, err := CIFARSubset(d, []string{"maple", "butterfly"}, "two")
	if err != nil || sub.N != 4 || !slices.Equal(sub.ClassNames, []string{"maple_tree", "butterfly"}) || sub.Labels[0] != 1 {
		t.Errorf("subset by aliases: %v, %+v", err, sub)
	}
	if _, err := CIFARSubset(d, []string{"maple", "maple_tree"}, "dup"); err == nil {
		t.Error("a class given twice: no error")
	}
}

func TestCIFAR100BadInput(t *testing.T) {
	dir := t.TempDir()
	d := cifarFixture(3, []int{5})
	path := filepath.Join(dir, "test.bin")
	if err := WriteCIFAR100(path, d, nil); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	cut := filepath.Join(dir, "cut_test.bin")
	_ = os.WriteFile(cut, raw[:len(raw)-1], 0o644)
	if _, err := ReadCIFAR100(cut, ""); err == nil || !strings.Contains(err.Error(), "9221 bytes") {
		t.Errorf("truncated: %v", err)
	}
	raw[2*3074+1] = 100
	_ = os.WriteFile(cut, raw, 0o644)
	if _, err := ReadCIFAR100(cut, ""); err == nil || !strings.Contains(err.Error(), "byte offset 6148") {
		t.Errorf("fine label 100 in record 2: %v", err)
	}
	_ = os.WriteFile(filepath.Join(dir, "fine_label_names.txt"), []byte("a\nb\n"), 0o644)
	if _, err := ReadCIFAR100(path, ""); err == nil || !strings.Contains(err.Error(), "2 names") {
		t.Errorf("short names file: %v", err)
	}
	if _, err := ReadCIFAR100(path, "train"); err == nil {
		t.Error("test.bin read as train: no error")
	}
}

func TestCIFAR27Real(t *testing.T) {
	dir, ok := mvc.DataDir()
	if _, err := os.Stat(filepath.Join(dir, "cifar100", "train.bin")); !ok || err != nil {
		t.Skipf("real CIFAR-100 not available: set $%s to the shared data folder (with cifar100/train.bin) to run this test", mvc.DataEnvVar)
	}
	for split, n := range map[string]int{"train": 13500, "test": 2700} {
		d, err := LoadCIFAR27(split)
		if err != nil {
			t.Fatal(err)
		}
		s := Summarize(d, Format{Name: "cifar-bin"}, "")
		for c, count := range s.LabelCounts {
			if count != n/27 {
				t.Errorf("%s: class %s has %d images, want %d", split, d.ClassNames[c], count, n/27)
			}
		}
		if d.N != n || !slices.Equal(d.ClassNames, CIFAR27Classes) {
			t.Errorf("%s: %d images, classes %v", split, d.N, d.ClassNames)
		}
		// The shared folder holds only the 27 classes: nothing was dropped.
		full, _, err := ReadFormat("cifar-bin", filepath.Join(dir, "cifar100", split+".bin"), "")
		if err != nil || full.N != n {
			t.Errorf("%s: full file %d images, %v", split, full.N, err)
		}
	}
}
