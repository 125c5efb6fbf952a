package data

// Fuzz targets for the readers of official formats: no corrupt file may crash the program or
// come back as a partial dataset. Seed corpora are checked in under
// testdata/fuzz/<target>; regenerate them with MVC_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds.
// Run one with e.g. `go test ./mvc/data/ -run '^$' -fuzz '^FuzzMAT$' -fuzztime 2m`.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func FuzzIDX(f *testing.F) {
	path := filepath.Join(f.TempDir(), "t10k-images-idx3-ubyte")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if images, err := ReadIDXImages(path); err == nil {
			if images.N < 0 || images.Height <= 0 || images.Width <= 0 ||
				len(images.Pixels) != images.N*images.Height*images.Width || len(raw) < 16 {
				t.Fatalf("accepted %d images of %dx%d with %d pixel bytes", images.N, images.Height, images.Width, len(images.Pixels))
			}
		}
		if labels, err := ReadIDXLabels(path); err == nil && len(labels) != len(raw)-8 {
			t.Fatalf("accepted %d labels from %d bytes", len(labels), len(raw))
		}
	})
}

func FuzzMAT(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		if d, err := readSVHN(bytes.NewReader(raw), int64(len(raw)), "fuzz.mat"); err == nil {
			if err := d.Validate(); err != nil || d.Height != 32 || d.Width != 32 || d.Channels != 3 {
				t.Fatalf("accepted an invalid dataset: %v", err)
			}
		}
		if vars, err := readMATVariables(bytes.NewReader(raw), int64(len(raw)), "fuzz.mat"); err == nil {
			for _, v := range vars {
				n := 1
				for _, d := range v.Dims {
					n *= d
				}
				if len(v.Uint8)+len(v.Double) != n {
					t.Fatalf("variable %s: dims %v with %d values", v.Name, v.Dims, len(v.Uint8)+len(v.Double))
				}
			}
		}
	})
}

func FuzzLIBSVM(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		pixels, digits, err := decodeUSPSLIBSVM(bytes.NewReader(raw), "fuzz.bz2")
		if err != nil {
			return
		}
		if len(digits) == 0 || len(pixels) != len(digits)*uspsPixels {
			t.Fatalf("accepted %d pixels for %d images", len(pixels), len(digits))
		}
		for _, d := range digits {
			if d < 0 || d > 9 {
				t.Fatalf("accepted digit %d", d)
			}
		}
	})
}

func FuzzCIFAR(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := decodeCIFAR100(raw, "fuzz.bin")
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil || d.N*CIFAR100RecordSize != len(raw) {
			t.Fatalf("accepted an invalid dataset (%d images from %d bytes): %v", d.N, len(raw), err)
		}
	})
}

func FuzzNPY(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := readNPYHeader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return
		}
		if m.dataOffset > int64(len(raw)) || m.major < 1 || m.major > 3 {
			t.Fatalf("accepted a header of version %d ending at %d in %d bytes", m.major, m.dataOffset, len(raw))
		}
		values, shape, err := readNPYFloat32(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if len(values) != n || int64(4*n) != int64(len(raw))-m.dataOffset {
			t.Fatalf("accepted %d values of shape %v from %d bytes after a %d-byte header", len(values), shape, int64(len(raw))-m.dataOffset, m.dataOffset)
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpora of the fuzz targets (valid small files from the
// project's writers, and a few damaged ones) when MVC_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("MVC_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set MVC_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	tmp := t.TempDir()
	seeds := map[string][][]byte{}
	add := func(target string, b []byte) { seeds[target] = append(seeds[target], b) }

	// IDX: 3 images of 4x5, raw and gzipped; a label file; a truncated file.
	idx := binary.BigEndian.AppendUint32(nil, idxImagesMagic)
	for _, v := range []uint32{3, 4, 5} {
		idx = binary.BigEndian.AppendUint32(idx, v)
	}
	for i := range 60 {
		idx = append(idx, byte(i*4))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(idx)
	_ = zw.Close()
	labels := append(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, idxLabelsMagic), 3), 1, 2, 3)
	add("FuzzIDX", idx)
	add("FuzzIDX", gz.Bytes())
	add("FuzzIDX", labels)
	add("FuzzIDX", idx[:30])

	// MAT: an SVHN file of 2 images, compressed and not; the hand-made big-endian variant;
	// a file of assorted variables.
	d := randomDataset(2, 32, 32, 3, 5)
	vars, err := SVHNVariables(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{true, false} {
		p := filepath.Join(tmp, "s.mat")
		if err := WriteMAT(p, vars, compress); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		add("FuzzMAT", raw)
	}
	add("FuzzMAT", handMAT(binary.BigEndian, vars[0].Uint8, 2, vars[1].Double, "y"))
	p := filepath.Join(tmp, "v.mat")
	if err := WriteMAT(p, []MATVariable{
		{Name: "small", Class: MATDouble, Dims: []int{2, 2}, Double: []float64{1, 2, 3, 255}, DoubleAsUint8: true},
		{Name: "a_longer_name", Class: MATDouble, Dims: []int{1, 2}, Double: []float64{-1.5, 2}},
	}, true); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	add("FuzzMAT", raw)

	// LIBSVM: text and bzip2 of 3 images (sparse), one line with an error.
	values := make([]float64, 3*uspsPixels)
	for i := range values {
		if i%3 != 0 {
			values[i] = float64(i%201-100) / 100
		}
	}
	for _, name := range []string{"usps.t", "usps.bz2"} {
		p := filepath.Join(tmp, name)
		if err := WriteUSPSLIBSVM(p, values, []int{0, 5, 9}); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		add("FuzzLIBSVM", raw)
	}
	add("FuzzLIBSVM", []byte("3 1:0.5 2:-1 256:1\n11 4:0.25\n"))

	// CIFAR: 2 records; a truncated one.
	c := cifarFixture(2, []int{3, 97})
	p = filepath.Join(tmp, "test.bin")
	if err := WriteCIFAR100(p, c, []int{8, 15}); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(p)
	add("FuzzCIFAR", raw)
	add("FuzzCIFAR", raw[:3074+100])

	// NPY: float32 arrays of 2-D, 1-D and 0-d shapes, a uint8 array (refused: not float32), a
	// Fortran-order array, the reported crashes (a header cut short, one without its newline, a
	// shape far beyond the file).
	for i, shape := range [][]int{{2, 3}, {5}, {}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		values := make([]float32, n)
		for j := range values {
			values[j] = float32(j) - 1.5
		}
		p := filepath.Join(tmp, fmt.Sprintf("f%d.npy", i))
		if err := WriteNPYFloat32(p, values, shape); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		add("FuzzNPY", raw)
		if i == 0 {
			add("FuzzNPY", raw[:60])
			noNewline := bytes.Clone(raw)
			noNewline[len(raw)-4*n-1] = ' '
			add("FuzzNPY", noNewline)
			fortran := bytes.Replace(raw, []byte("False"), []byte("True "), 1)
			add("FuzzNPY", fortran)
		}
	}
	p = filepath.Join(tmp, "u8.npy")
	if err := WriteNPYUint8(p, []uint8{1, 2, 3, 4}, []int{2, 2}); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(p)
	add("FuzzNPY", raw)
	huge, err := npyHeader("huge.npy", "<f4", []int{1000000000000, 8}, 8000000000000)
	if err != nil {
		t.Fatal(err)
	}
	add("FuzzNPY", append(huge, make([]byte, 64)...))

	for target, list := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, b := range list {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
