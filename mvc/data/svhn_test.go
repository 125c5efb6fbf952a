package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// randomDataset returns n seeded random images of h x w x c with digit labels.
func randomDataset(n, h, w, c int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := &Dataset{Name: "random", N: n, Height: h, Width: w, Channels: c, Pixels: make([]uint8, n*h*w*c),
		Labels: make([]int, n), ClassNames: DigitClassNames}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = rng.IntN(10)
	}
	return d
}

func TestSVHNFixtureRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := randomDataset(1500, 32, 32, 3, 1) // large enough for the pipelined path (> 1,024 images)
	vars, err := SVHNVariables(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{true, false} {
		path := filepath.Join(dir, "train_32x32.mat")
		if err := WriteMAT(path, vars, compress); err != nil {
			t.Fatal(err)
		}
		d, f, err := ReadFormat("", path, "")
		if err != nil {
			t.Fatalf("compress %v: %v", compress, err)
		}
		if f.Name != "svhn-mat" || d.Split != "train" || d.Domain != "S" || d.N != 1500 || d.Channels != 3 {
			t.Fatalf("compress %v: format %s, split %s, %d images x %d channels", compress, f.Name, d.Split, d.N, d.Channels)
		}
		if !bytes.Equal(d.Pixels, want.Pixels) || !slices.Equal(d.Labels, want.Labels) {
			t.Fatalf("compress %v: pixels or labels differ after the round trip", compress)
		}
	}
}

// TestSVHNFixtureLayout decodes a written file by hand, from the MAT v5 layout as documented
// (independently of the reader): header, miCOMPRESSED tag, zlib, miMATRIX, flags, dims, name,
// then X's pixel (r, c, k) of image n at n*3072 + k*1024 + c*32 + r.
func TestSVHNFixtureLayout(t *testing.T) {
	d := randomDataset(3, 32, 32, 3, 2)
	vars, err := SVHNVariables(d)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test_32x32.mat")
	if err := WriteMAT(path, vars, true); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if !strings.HasPrefix(string(raw), "MATLAB 5.0 MAT-file") || le.Uint16(raw[124:]) != 0x0100 || string(raw[126:128]) != "IM" {
		t.Fatalf("bad header % x", raw[116:128])
	}
	pos := 128
	var elements [][]byte
	for pos < len(raw) {
		typ, n := le.Uint32(raw[pos:]), int(le.Uint32(raw[pos+4:]))
		if typ != 15 {
			t.Fatalf("element at %d: type %d, want miCOMPRESSED (15)", pos, typ)
		}
		zr, err := zlib.NewReader(bytes.NewReader(raw[pos+8 : pos+8+n]))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		elements = append(elements, body)
		pos += 8 + n
	}
	if len(elements) != 2 {
		t.Fatalf("%d variables, want 2", len(elements))
	}
	x := elements[0]
	// miMATRIX tag, flags (miUINT32 8: class 9), dims (miINT32 16: 32 32 3 3), name "X" small.
	wantHead := []uint32{14, uint32(len(x) - 8), 6, 8, 9, 0, 5, 16, 32, 32, 3, 3, 1<<16 | 1}
	for i, w := range wantHead {
		if got := le.Uint32(x[4*i:]); got != w {
			t.Fatalf("X word %d = %d, want %d", i, got, w)
		}
	}
	if x[52] != 'X' || le.Uint32(x[56:]) != 2 || le.Uint32(x[60:]) != 3*3072 {
		t.Fatalf("X name/real-part tag wrong: % x", x[48:64])
	}
	px := x[64:]
	for n := range 3 {
		for r := range 32 {
			for c := range 32 {
				for k := range 3 {
					if px[n*3072+k*1024+c*32+r] != d.Pixels[((n*32+r)*32+c)*3+k] {
						t.Fatalf("pixel (%d,%d,%d) of image %d misplaced", r, c, k, n)
					}
				}
			}
		}
	}
	y := elements[1]
	// class mxDOUBLE (6), dims [3 1], real part stored as miUINT8 (2), 10 for digit 0.
	if le.Uint32(y[16:]) != 6 || le.Uint32(y[32:]) != 3 || le.Uint32(y[36:]) != 1 || y[44] != 'y' || le.Uint32(y[48:]) != 2 {
		t.Fatalf("y header wrong: % x", y[:56])
	}
	for i, l := range d.Labels {
		want := uint8(l)
		if l == 0 {
			want = 10
		}
		if y[56+i] != want {
			t.Errorf("y[%d] = %d, want %d", i, y[56+i], want)
		}
	}
}

// handMAT builds a MAT v5 file by hand in either byte order, uncompressed, with y stored as
// doubles; names are in normal elements in little-endian files and in small data elements in
// big-endian ones: variants MATLAB and SciPy also write.
func handMAT(order binary.ByteOrder, pixels []uint8, n int, labels []float64, yName string) []byte {
	var b bytes.Buffer
	text := make([]byte, 116)
	copy(text, "MATLAB 5.0 MAT-file, hand-made")
	b.Write(text)
	b.Write(make([]byte, 8))
	_ = binary.Write(&b, order, uint16(0x0100))
	if order == binary.LittleEndian {
		b.WriteString("IM")
	} else {
		b.WriteString("MI")
	}
	matrix := func(class uint32, dims []int32, name string, typ uint32, data []byte) {
		var m bytes.Buffer
		w := func(v any) { _ = binary.Write(&m, order, v) }
		w(uint32(6))
		w(uint32(8))
		w(class)
		w(uint32(0))
		w(uint32(5))
		w(uint32(4 * len(dims)))
		for _, d := range dims {
			w(d)
		}
		m.Write(make([]byte, padding(4*len(dims))))
		if order == binary.BigEndian && len(name) <= 4 { // small data element
			w(uint32(len(name))<<16 | 16) // miUTF8: the halves differ, so their order is tested
			var b [4]byte
			copy(b[:], name)
			m.Write(b[:])
		} else {
			w(uint32(1))
			w(uint32(len(name)))
			m.WriteString(name)
			m.Write(make([]byte, padding(len(name))))
		}
		w(typ)
		w(uint32(len(data)))
		m.Write(data)
		m.Write(make([]byte, padding(len(data))))
		_ = binary.Write(&b, order, uint32(14))
		_ = binary.Write(&b, order, uint32(m.Len()))
		b.Write(m.Bytes())
	}
	var y bytes.Buffer
	for _, v := range labels {
		_ = binary.Write(&y, order, v)
	}
	matrix(6, []int32{int32(len(labels)), 1}, yName, 9, y.Bytes())
	matrix(9, []int32{32, 32, 3, int32(n)}, "X", 2, pixels)
	return b.Bytes()
}

func TestSVHNHandMadeVariants(t *testing.T) {
	d := randomDataset(4, 32, 32, 3, 3)
	vars, _ := SVHNVariables(d)
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		raw := handMAT(order, vars[0].Uint8, 4, vars[1].Double, "y")
		path := filepath.Join(t.TempDir(), "extra_32x32.mat")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		got, _, err := ReadFormat("svhn-mat", path, "")
		if err != nil {
			t.Fatalf("%v: %v", order, err)
		}
		if got.Split != "extra" || !bytes.Equal(got.Pixels, d.Pixels) || !slices.Equal(got.Labels, d.Labels) {
			t.Errorf("%v: split %s, pixels or labels differ", order, got.Split)
		}
	}
}

func TestSVHNBadInput(t *testing.T) {
	dir := t.TempDir()
	d := randomDataset(20, 32, 32, 3, 4)
	vars, _ := SVHNVariables(d)
	path := filepath.Join(dir, "train_32x32.mat")
	if err := WriteMAT(path, vars, true); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	cut := filepath.Join(dir, "cut_32x32.mat")
	for _, n := range []int{0, 100, 128, 131, 140, len(raw) / 2, len(raw) - 5, len(raw) - 1} {
		_ = os.WriteFile(cut, raw[:n], 0o644)
		if got, err := ReadSVHNMAT(cut, ""); err == nil {
			t.Errorf("cut to %d of %d bytes: %d images, no error", n, len(raw), got.N)
		} else if !strings.Contains(err.Error(), cut) {
			t.Errorf("cut to %d bytes: error %q does not name the file", n, err)
		}
	}
	// A flipped byte inside the compressed X: zlib's checksum (or inflate) catches it.
	bad := slices.Clone(raw)
	bad[len(raw)/3] ^= 0x55
	_ = os.WriteFile(cut, bad, 0o644)
	if _, err := ReadSVHNMAT(cut, ""); err == nil {
		t.Error("corrupt compressed data: no error")
	}
	// Labels out of range, mismatched counts, missing variables.
	for _, c := range []struct {
		labels []float64
		yName  string
		n      int
		want   string
	}{
		{[]float64{1, 2, 11, 4}, "y", 4, "label 11 of image 2"},
		{[]float64{1, 2, 3}, "y", 4, "3 labels in y for 4 images"},
		{[]float64{1, 2, 3, 4}, "z", 4, "no variable X or y"},
		{[]float64{1, 2.5, 3, 4}, "y", 4, "label 2.5"},
	} {
		raw := handMAT(binary.LittleEndian, make([]uint8, c.n*3072), c.n, c.labels, c.yName)
		_ = os.WriteFile(cut, raw, 0o644)
		if _, err := ReadSVHNMAT(cut, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.labels, err, c.want)
		}
	}
	// Dimensions claiming far more pixels than the element can hold: refused before allocating.
	raw = handMAT(binary.LittleEndian, make([]uint8, 3072), 1, []float64{1}, "y")
	i := bytes.LastIndex(raw, []byte{32, 0, 0, 0, 32, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0})
	binary.LittleEndian.PutUint32(raw[i+12:], 1<<20)
	_ = os.WriteFile(cut, raw, 0o644)
	if _, err := ReadSVHNMAT(cut, ""); err == nil {
		t.Error("X claiming 2^20 images in a small file: no error")
	}
	if _, err := ReadSVHNMAT(path, "test"); err == nil {
		t.Error("train file read as test: no error")
	}
}

func TestReadMATConvertsByStoredType(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.mat")
	vars := []MATVariable{
		{Name: "small", Class: MATDouble, Dims: []int{2, 2}, Double: []float64{1, 2, 3, 255}, DoubleAsUint8: true},
		{Name: "wide_name_double", Class: MATDouble, Dims: []int{1, 3}, Double: []float64{-1.5, math.Pi, 1e300}},
		{Name: "u", Class: MATUint8, Dims: []int{3, 1}, Uint8: []uint8{0, 7, 255}},
	}
	for _, compress := range []bool{false, true} {
		if err := WriteMAT(path, vars, compress); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMAT(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d variables", len(got))
		}
		for i, v := range got {
			w := vars[i]
			if v.Name != w.Name || v.Class != w.Class || !slices.Equal(v.Dims, w.Dims) || !slices.Equal(v.Double, w.Double) || !slices.Equal(v.Uint8, w.Uint8) {
				t.Errorf("compress %v: variable %d = %+v, want %+v", compress, i, v, w)
			}
		}
	}
}
