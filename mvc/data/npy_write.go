package data

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// npyHeader returns the .npy format version 1.0 preamble and header (NumPy's "format.py": magic
// "\x93NUMPY", version 1.0, little-endian uint16 header length, then the Python dict literal
// padded with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes) for a
// C-order array of dtype descr and the given shape. It checks that shape holds n values.
func npyHeader(path, descr string, shape []int, n int) ([]byte, error) {
	size := 1
	for _, d := range shape {
		if d < 0 {
			return nil, errors.Errorf("writing %s: negative dimension in shape %v", path, shape)
		}
		size *= d
	}
	if size != n {
		return nil, errors.Errorf("writing %s: shape %v needs %d values, got %d", path, shape, size, n)
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	shapeStr := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		shapeStr += ","
	}
	shapeStr += ")"
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeStr)
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return nil, errors.Errorf("writing %s: shape %v makes a header too long for .npy version 1.0", path, shape)
	}
	out := make([]byte, 0, 10+len(header))
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	return append(out, header...), nil
}

// WriteNPYUint8 writes values (row-major, of the given shape) as a NumPy .npy file, format
// version 1.0, dtype '|u1' (numpy.uint8), atomically.
func WriteNPYUint8(path string, values []uint8, shape []int) error {
	header, err := npyHeader(path, "|u1", shape, len(values))
	if err != nil {
		return err
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		if _, err := f.Write(header); err != nil {
			return err
		}
		_, err := f.Write(values)
		return err
	})
}

// WriteNPYInt64 writes values (row-major, of the given shape) as a NumPy .npy file, format
// version 1.0, dtype '<i8' (numpy.int64), atomically.
func WriteNPYInt64(path string, values []int64, shape []int) error {
	header, err := npyHeader(path, "<i8", shape, len(values))
	if err != nil {
		return err
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if _, err := w.Write(header); err != nil {
			return err
		}
		for _, v := range values {
			if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(v))); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}

// ExportNPY writes a dataset for NumPy users ("mvc data export"): dir/images.npy, uint8 [N, H,
// W, C] at the stored size (no resize), and dir/labels.npy, int64 [N]. It returns the two paths.
// Both files are written into a temporary folder beside dir and moved into place only when both
// are complete, so that a failure (a full disk) or a kill leaves neither, and no dir it created.
func ExportNPY(d *Dataset, dir string) (imagesPath, labelsPath string, err error) {
	return exportNPY(d, dir, WriteNPYUint8, WriteNPYInt64)
}

// exportNPY is [ExportNPY] with its two writers as arguments (tests inject failures).
func exportNPY(d *Dataset, dir string, writeImages func(string, []uint8, []int) error,
	writeLabels func(string, []int64, []int) error) (imagesPath, labelsPath string, err error) {
	if err := d.Validate(); err != nil {
		return "", "", err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", "", errors.Wrapf(err, "creating the folder of %s", dir)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		return "", "", errors.Wrapf(err, "creating a temporary folder beside %s", dir)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", "", errors.Wrapf(err, "setting permissions of %s", tmp)
	}
	if err := writeImages(filepath.Join(tmp, "images.npy"), d.Pixels, []int{d.N, d.Height, d.Width, d.Channels}); err != nil {
		return "", "", err
	}
	labels := make([]int64, d.N)
	for i, l := range d.Labels {
		labels[i] = int64(l)
	}
	if err := writeLabels(filepath.Join(tmp, "labels.npy"), labels, []int{d.N}); err != nil {
		return "", "", err
	}
	imagesPath = filepath.Join(dir, "images.npy")
	labelsPath = filepath.Join(dir, "labels.npy")
	if err := os.Rename(tmp, dir); err == nil {
		return imagesPath, labelsPath, nil // dir did not exist (or was an empty folder)
	}
	// dir exists with other files: move the two files in (renames within one filesystem,
	// which do not need space).
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", errors.Wrapf(err, "creating %s", dir)
	}
	for _, name := range []string{"images.npy", "labels.npy"} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return "", "", errors.Wrapf(err, "moving %s into %s", name, dir)
		}
	}
	return imagesPath, labelsPath, nil
}

// DatasetSummary describes a dataset for "mvc data inspect": what the paper's tables need to
// know about it without the pixels.
type DatasetSummary struct {
	Path        string   `json:"path"`
	Format      string   `json:"format"`
	Name        string   `json:"name"`
	Domain      string   `json:"domain,omitempty"`
	Split       string   `json:"split"`
	Splits      []string `json:"splits_in_file,omitempty"`
	Count       int      `json:"count"`
	Shape       [3]int   `json:"shape"`
	LabelCounts []int    `json:"label_counts"`
	ClassNames  []string `json:"class_names"`
	Provenance  string   `json:"provenance"`
}

// Summarize returns the summary of a dataset read from path in format f: count, shape
// [H, W, C], and the number of images of each label (indexed like ClassNames).
func Summarize(d *Dataset, f Format, path string) DatasetSummary {
	s := DatasetSummary{
		Path: path, Format: f.Name, Name: d.Name, Domain: d.Domain, Split: d.Split, Splits: f.Splits,
		Count: d.N, Shape: [3]int{d.Height, d.Width, d.Channels},
		LabelCounts: make([]int, len(d.ClassNames)), ClassNames: d.ClassNames, Provenance: d.Provenance,
	}
	for _, l := range d.Labels {
		if l >= 0 && l < len(s.LabelCounts) {
			s.LabelCounts[l]++
		}
	}
	return s
}
