package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// decodeNPY decodes a .npy file by hand from NumPy's format description (magic "\x93NUMPY",
// version 1.0, little-endian uint16 header length, a dict literal padded so the data starts at
// a multiple of 64), independently of the writers: it returns descr, shape and the data bytes.
func decodeNPY(t *testing.T, path string) (string, []int, []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw[:6]) != "\x93NUMPY" || raw[6] != 1 || raw[7] != 0 {
		t.Fatalf("%s: bad magic or version % x", path, raw[:8])
	}
	hlen := int(binary.LittleEndian.Uint16(raw[8:]))
	if (10+hlen)%64 != 0 || raw[10+hlen-1] != '\n' {
		t.Fatalf("%s: header of %d bytes: data not 64-aligned or header not ended by a newline", path, hlen)
	}
	header := string(raw[10 : 10+hlen])
	m := regexp.MustCompile(`^\{'descr': '([<>|]\w+)', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("%s: header %q", path, header)
	}
	var shape []int
	for s := range strings.SplitSeq(m[2], ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, _ := strconv.Atoi(s)
			shape = append(shape, n)
		}
	}
	return m[1], shape, raw[10+hlen:]
}

func checkExport(t *testing.T, d *Dataset, wantImages []byte, wantLabels []int) {
	t.Helper()
	dir := t.TempDir()
	imagesPath, labelsPath, err := ExportNPY(d, dir)
	if err != nil {
		t.Fatal(err)
	}
	descr, shape, data := decodeNPY(t, imagesPath)
	if descr != "|u1" || len(shape) != 4 || shape[0] != d.N || shape[1] != d.Height || shape[2] != d.Width || shape[3] != d.Channels {
		t.Fatalf("images.npy: descr %s shape %v", descr, shape)
	}
	if !bytes.Equal(data, wantImages) {
		t.Fatalf("images.npy data differs from the independent decoding of the source file")
	}
	descr, shape, data = decodeNPY(t, labelsPath)
	if descr != "<i8" || len(shape) != 1 || shape[0] != d.N || len(data) != 8*d.N {
		t.Fatalf("labels.npy: descr %s shape %v, %d bytes", descr, shape, len(data))
	}
	for i, l := range wantLabels {
		if got := int64(binary.LittleEndian.Uint64(data[8*i:])); got != int64(l) {
			t.Fatalf("labels.npy[%d] = %d, want %d", i, got, l)
		}
	}
}

// cifarByHand decodes CIFAR-100 binary bytes to [N,32,32,3] and fine labels from the documented
// record layout.
func cifarByHand(raw []byte) ([]byte, []int) {
	n := len(raw) / 3074
	img := make([]byte, n*3072)
	labels := make([]int, n)
	for i := range n {
		labels[i] = int(raw[i*3074+1])
		for r := range 32 {
			for c := range 32 {
				for k := range 3 {
					img[((i*32+r)*32+c)*3+k] = raw[i*3074+2+k*1024+r*32+c]
				}
			}
		}
	}
	return img, labels
}

func TestExportCIFARFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.bin")
	if err := WriteCIFAR100(path, cifarFixture(7, []int{3, 14, 99}), nil); err != nil {
		t.Fatal(err)
	}
	d, _, err := ReadFormat("cifar-bin", path, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	img, labels := cifarByHand(raw)
	checkExport(t, d, img, labels)
}

func TestExportMNISTMatchesIDXBytes(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	d, _, err := ReadFormat("idx", path, "")
	if err != nil {
		t.Fatal(err)
	}
	gunzip := func(p string) []byte {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	images := gunzip(path)[16:]
	rawLabels := gunzip(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))[8:]
	labels := make([]int, len(rawLabels))
	for i, l := range rawLabels {
		labels[i] = int(l)
	}
	checkExport(t, d, images, labels)
}

func TestExportRealCIFAR(t *testing.T) {
	dir, ok := mvc.DataDir()
	path := filepath.Join(dir, "cifar100", "test.bin")
	if _, err := os.Stat(path); !ok || err != nil {
		t.Skipf("real CIFAR-100 not available: set $%s to the shared data folder to run this test", mvc.DataEnvVar)
	}
	d, _, err := ReadFormat("", path, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	img, labels := cifarByHand(raw)
	checkExport(t, d, img, labels)
}
