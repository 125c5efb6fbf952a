package data

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// CIFAR-100 binary version (Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny
// Images"; the "CIFAR-100 binary version" of the dataset page): records of 1 coarse-label byte,
// 1 fine-label byte and 3,072 pixel bytes, 1,024 R then 1,024 G then 1,024 B, each plane 32x32
// row-major.
const (
	CIFARSide   = 32
	cifarPixels = CIFARSide * CIFARSide * 3
	// CIFAR100RecordSize is the size of one record of train.bin / test.bin.
	CIFAR100RecordSize = 2 + cifarPixels
)

// CIFAR100FineLabelNames are the 100 fine label names of CIFAR-100 in index order, as the
// official fine_label_names.txt lists them; used when that file is not beside the data.
var CIFAR100FineLabelNames = strings.Fields(`apple aquarium_fish baby bear beaver bed bee beetle bicycle
bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud
cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house
kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse
mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy
porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake
spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train
trout tulip turtle wardrobe whale willow_tree wolf woman worm`)

// CIFAR27Classes are the 27 CIFAR-100 classes of natural scenes and organisms on which the paper
// fine-tunes its models (section "CIFAR-100 subset: CIFAR-27", Supplementary Figure S2), in the
// paper's order: CIFAR-27 label i is CIFAR27Classes[i].
var CIFAR27Classes = []string{"butterfly", "chimpanzee", "bear", "elephant", "forest", "fox",
	"kangaroo", "leopard", "lion", "lizard", "maple_tree", "mountain", "oak_tree", "orchid", "otter",
	"palm_tree", "pine_tree", "plain", "poppy", "rose", "sea", "sunflower", "tiger", "tulip", "turtle",
	"willow_tree", "wolf"}

func init() {
	RegisterFormat(Format{
		Name:        "cifar-bin",
		Description: "CIFAR-100 binary train.bin / test.bin (3,074-byte records: coarse, fine, R, G, B planes), fine_label_names.txt beside",
		Detect:      detectCIFAR100,
		Read:        ReadCIFAR100,
	})
}

func detectCIFAR100(path string) bool {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 || st.Size()%CIFAR100RecordSize != 0 || !strings.HasSuffix(path, ".bin") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	rec := make([]byte, 2)
	for i := range min(st.Size()/CIFAR100RecordSize, 64) {
		if _, err := f.ReadAt(rec, i*CIFAR100RecordSize); err != nil || rec[0] >= 20 || rec[1] >= 100 {
			return false
		}
	}
	return true
}

// cifarSplit tells the split from the official names (test.bin is the test set).
func cifarSplit(path string) string {
	if strings.Contains(strings.ToLower(filepath.Base(path)), "test") {
		return "test"
	}
	return "train"
}

// ReadCIFAR100 reads a CIFAR-100 binary file (train.bin or test.bin; the split comes from the
// name) as a [Dataset] of 32x32 RGB images labelled with their fine labels 0-99, class names
// from fine_label_names.txt beside the file (the official list when absent). Errors name the
// file and the byte offset of the bad record.
func ReadCIFAR100(path, split string) (*Dataset, error) {
	holds := cifarSplit(path)
	if err := checkSingleSplit(path, split, holds); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading CIFAR-100 binary file")
	}
	names, namesFrom, err := cifarFineNames(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	d, err := decodeCIFAR100(raw, path)
	if err != nil {
		return nil, err
	}
	d.Split, d.ClassNames = holds, names
	d.Provenance = fmt.Sprintf("CIFAR-100 %s set, binary file %s (fine labels; names %s)", holds, mvc.PortablePath(path), namesFrom)
	return d, nil
}

// cifarFineNames reads fine_label_names.txt in dir, or returns the official list when absent.
func cifarFineNames(dir string) (names []string, from string, err error) {
	p := filepath.Join(dir, "fine_label_names.txt")
	raw, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return CIFAR100FineLabelNames, "the official list (no fine_label_names.txt beside the file)", nil
	}
	if err != nil {
		return nil, "", errors.Wrap(err, "reading CIFAR-100 label names")
	}
	names = strings.Fields(string(raw))
	if len(names) != 100 {
		return nil, "", errors.Errorf("%s: %d names, want CIFAR-100's 100 fine label names, one a line", p, len(names))
	}
	return names, mvc.PortablePath(p), nil
}

// decodeCIFAR100 decodes CIFAR-100 binary records into a dataset (labels: fine labels), pixels
// reordered from planes to [N, 32, 32, 3].
func decodeCIFAR100(raw []byte, file string) (*Dataset, error) {
	if len(raw) == 0 || len(raw)%CIFAR100RecordSize != 0 {
		return nil, errors.Errorf("%s: %d bytes is not a whole number of %d-byte CIFAR-100 records (truncated, or not CIFAR-100?)",
			file, len(raw), CIFAR100RecordSize)
	}
	n := len(raw) / CIFAR100RecordSize
	d := &Dataset{
		Name: "CIFAR-100", N: n, Height: CIFARSide, Width: CIFARSide, Channels: 3,
		Pixels: make([]uint8, n*cifarPixels), Labels: make([]int, n), ClassNames: CIFAR100FineLabelNames,
	}
	for i := range n {
		rec := raw[i*CIFAR100RecordSize : (i+1)*CIFAR100RecordSize]
		if rec[0] >= 20 || rec[1] >= 100 {
			return nil, errors.Errorf("%s: record %d at byte offset %d: coarse label %d, fine label %d (want < 20 and < 100)",
				file, i, i*CIFAR100RecordSize, rec[0], rec[1])
		}
		d.Labels[i] = int(rec[1])
		img := d.Pixels[i*cifarPixels : (i+1)*cifarPixels]
		planes := rec[2:]
		for p := range CIFARSide * CIFARSide {
			img[3*p], img[3*p+1], img[3*p+2] = planes[p], planes[1024+p], planes[2048+p]
		}
	}
	return d, nil
}

// ResolveCIFAR100Class returns the fine label of a CIFAR-100 class name among names (the 100
// fine names), accepting the official name ("maple_tree"), any case, spaces or hyphens for
// underscores ("Maple Tree"), and a short alias that names one class unambiguously: the name
// without "_tree" ("maple", "oak", "palm", "pine", "willow") or a unique prefix.
func ResolveCIFAR100Class(names []string, name string) (int, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	key = strings.NewReplacer(" ", "_", "-", "_").Replace(key)
	if key == "" {
		return 0, errors.New("empty CIFAR-100 class name")
	}
	for _, cand := range []string{key, key + "_tree"} {
		if i := slices.Index(names, cand); i >= 0 {
			return i, nil
		}
	}
	var matches []int
	for i, n := range names {
		if strings.HasPrefix(n, key) {
			matches = append(matches, i)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	if len(matches) > 1 {
		var m []string
		for _, i := range matches {
			m = append(m, names[i])
		}
		return 0, errors.Errorf("CIFAR-100 class %q is ambiguous: %s", name, strings.Join(m, ", "))
	}
	return 0, errors.Errorf("%q is not a CIFAR-100 class name", name)
}

// CIFARSubset keeps the images of a CIFAR-100 dataset (fine labels) whose classes are among
// classes (names or aliases, see [ResolveCIFAR100Class]), in file order, relabelled by the
// class's position in classes (0..len-1); the class names become the official names in that
// order. name names the result ("CIFAR-27").
func CIFARSubset(d *Dataset, classes []string, name string) (*Dataset, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	newLabel := make(map[int]int, len(classes))
	official := make([]string, len(classes))
	for i, c := range classes {
		fine, err := ResolveCIFAR100Class(d.ClassNames, c)
		if err != nil {
			return nil, errors.Wrapf(err, "dataset %s", d.Name)
		}
		if _, dup := newLabel[fine]; dup {
			return nil, errors.Errorf("dataset %s: class %q (%s) given twice", d.Name, c, d.ClassNames[fine])
		}
		newLabel[fine] = i
		official[i] = d.ClassNames[fine]
	}
	var idx []int
	for i, l := range d.Labels {
		if _, ok := newLabel[l]; ok {
			idx = append(idx, i)
		}
	}
	out, err := d.Subset(idx, fmt.Sprintf("%d-class subset %s, relabelled 0-%d in that order", len(classes), name, len(classes)-1))
	if err != nil {
		return nil, err
	}
	for i, l := range out.Labels {
		out.Labels[i] = newLabel[l]
	}
	out.Name, out.ClassNames = name, official
	return out, nil
}

// CIFAR27 returns the paper's CIFAR-27 subset of a CIFAR-100 dataset: the images of
// [CIFAR27Classes], relabelled 0-26 in the paper's order.
func CIFAR27(d *Dataset) (*Dataset, error) { return CIFARSubset(d, CIFAR27Classes, "CIFAR-27") }

// LoadCIFAR27 reads the CIFAR-27 subset of a split ("train" or "test") from the CIFAR-100
// binary files in $MVC_DATA/cifar100 (train.bin, test.bin, fine_label_names.txt). It returns an
// error saying what to set when they are absent: CIFAR-100 does not ship with the code.
func LoadCIFAR27(split string) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, errors.Errorf("CIFAR-27: split %q, want train or test", split)
	}
	dir, ok := mvc.DataDir()
	path := filepath.Join(dir, "cifar100", split+".bin")
	if _, err := os.Stat(path); !ok || err != nil {
		return nil, errors.Errorf("CIFAR-100 binary files not found (looked for %q): set $%s to a folder holding cifar100/{train,test}.bin "+
			"(the official CIFAR-100 binary version)", path, mvc.DataEnvVar)
	}
	d, err := ReadCIFAR100(path, split)
	if err != nil {
		return nil, err
	}
	return CIFAR27(d)
}

// WriteCIFAR100 writes a dataset of 32x32 RGB images whose labels are CIFAR-100 fine labels as
// a CIFAR-100 binary file, for test fixtures: one record per image, coarse label (coarse[i], or
// 0 when coarse is nil), fine label, then the R, G and B planes. It is written atomically.
func WriteCIFAR100(path string, d *Dataset, coarse []int) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.Height != CIFARSide || d.Width != CIFARSide || d.Channels != 3 {
		return errors.Errorf("writing %s: images are %dx%dx%d, CIFAR-100 holds 32x32x3", path, d.Height, d.Width, d.Channels)
	}
	if coarse != nil && len(coarse) != d.N {
		return errors.Errorf("writing %s: %d coarse labels for %d images", path, len(coarse), d.N)
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 1<<20)
		rec := make([]byte, CIFAR100RecordSize)
		for i := range d.N {
			c := 0
			if coarse != nil {
				c = coarse[i]
			}
			if c < 0 || c >= 20 || d.Labels[i] >= 100 {
				return errors.Errorf("image %d: coarse label %d, fine label %d (want < 20 and < 100)", i, c, d.Labels[i])
			}
			rec[0], rec[1] = byte(c), byte(d.Labels[i])
			img := d.Image(i)
			for p := range CIFARSide * CIFARSide {
				rec[2+p], rec[2+1024+p], rec[2+2048+p] = img[3*p], img[3*p+1], img[3*p+2]
			}
			if _, err := w.Write(rec); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}
