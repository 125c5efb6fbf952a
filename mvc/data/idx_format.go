package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"

	"github.com/pkg/errors"
)

func init() {
	RegisterFormat(Format{
		Name:        "idx",
		Description: "MNIST IDX image file (magic 0x00000803, gzipped or not) with its label file beside it (…-labels-idx1-ubyte[.gz])",
		Detect:      detectIDX,
		Read:        readIDXFormat,
	})
}

// detectIDX accepts a file whose first four bytes (after gunzip when gzipped) are the IDX
// unsigned-byte image magic 0x00000803.
func detectIDX(path string) bool {
	head, err := peekMaybeGzip(path, 4)
	return err == nil && len(head) == 4 && binary.BigEndian.Uint32(head) == idxImagesMagic
}

// peekMaybeGzip returns the first n bytes of a file, decompressed first when it starts with the
// gzip magic.
func peekMaybeGzip(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = gz
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return buf[:m], nil
}

// IDXLabelsPath returns the label file that belongs to an IDX image file: the name with
// "images-idx3" replaced by "labels-idx1" (also "images.idx3" -> "labels.idx1"), gzipped or
// not, whichever exists.
func IDXLabelsPath(imagesPath string) (string, error) {
	dir, base := filepath.Split(imagesPath)
	base = strings.TrimSuffix(base, ".gz")
	var stem string
	for _, r := range [][2]string{{"images-idx3", "labels-idx1"}, {"images.idx3", "labels.idx1"}} {
		if strings.Contains(base, r[0]) {
			stem = strings.Replace(base, r[0], r[1], 1)
			break
		}
	}
	if stem == "" {
		return "", errors.Errorf("%s: cannot tell the label file from the name (want …images-idx3… as in the official MNIST files)", imagesPath)
	}
	for _, name := range []string{stem, stem + ".gz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.Errorf("%s: label file %s(.gz) not found beside it", imagesPath, filepath.Join(dir, stem))
}

// readIDXFormat reads an IDX image file and its label file as a digit [Dataset] (MNIST when the
// name starts with the official prefixes "train" or "t10k").
func readIDXFormat(path, split string) (*Dataset, error) {
	base := filepath.Base(path)
	holds := "train"
	if strings.HasPrefix(base, "t10k") || strings.Contains(base, "test") {
		holds = "test"
	}
	if err := checkSingleSplit(path, split, holds); err != nil {
		return nil, err
	}
	images, err := ReadIDXImages(path)
	if err != nil {
		return nil, err
	}
	labelsPath, err := IDXLabelsPath(path)
	if err != nil {
		return nil, err
	}
	labels, err := ReadIDXLabels(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(labels) != images.N {
		return nil, errors.Errorf("%s has %d labels for the %d images of %s", labelsPath, len(labels), images.N, path)
	}
	d := &Dataset{
		Name: "MNIST", Domain: "M", Split: holds,
		N: images.N, Height: images.Height, Width: images.Width, Channels: 1,
		Pixels: images.Pixels, Labels: make([]int, len(labels)), ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("IDX files %s and %s", mvc.PortablePath(path), mvc.PortablePath(labelsPath)),
	}
	for i, l := range labels {
		if int(l) >= len(DigitClassNames) {
			return nil, errors.Errorf("%s: label %d at byte offset %d is not a digit 0-9", labelsPath, l, 8+i)
		}
		d.Labels[i] = int(l)
	}
	return d, nil
}
