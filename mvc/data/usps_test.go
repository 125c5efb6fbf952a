package data

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// uspsFixture returns n seeded USPS-like images: float values in [0, 1] and digits.
func uspsFixture(n int, seed uint64) ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	data := make([]float32, n*uspsPixels)
	for i := range data {
		// Values as the Kaggle file holds them: (v+1)/2 for v with 3 decimals.
		data[i] = float32((float64(rng.IntN(2001)-1000)/1000 + 1) / 2)
	}
	target := make([]int32, n)
	for i := range target {
		target[i] = int32(rng.IntN(10))
	}
	return data, target
}

func TestUSPSH5Fixture(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "usps.h5")
	trainData, trainTarget := uspsFixture(70, 1)
	testData, testTarget := uspsFixture(30, 2)
	if err := WriteUSPSH5(path, USPSArrays{trainData, trainTarget}, USPSArrays{testData, testTarget}); err != nil {
		t.Fatal(err)
	}
	f, err := DetectFormat(path)
	if err != nil || f.Name != "usps-h5" {
		t.Fatalf("detected %q, %v; want usps-h5", f.Name, err)
	}
	for _, c := range []struct {
		split  string
		data   []float32
		target []int32
	}{{"train", trainData, trainTarget}, {"test", testData, testTarget}, {"", testData, testTarget}} {
		d, _, err := ReadFormat("usps-h5", path, c.split)
		if err != nil {
			t.Fatalf("split %q: %v", c.split, err)
		}
		if d.N != len(c.target) || d.Height != 16 || d.Width != 16 || d.Channels != 1 || d.Domain != "U" {
			t.Fatalf("split %q: got %d images %dx%dx%d", c.split, d.N, d.Height, d.Width, d.Channels)
		}
		for i, v := range c.data {
			// The documented rule, computed here independently of the reader.
			want := uint8(math.Floor(float64(v)*255 + 0.5))
			if d.Pixels[i] != want {
				t.Fatalf("split %q: pixel %d = %d, want %d (value %v)", c.split, i, d.Pixels[i], want, v)
			}
		}
		for i, l := range c.target {
			if d.Labels[i] != int(l) {
				t.Fatalf("split %q: label %d = %d, want %d", c.split, i, d.Labels[i], l)
			}
		}
	}
	if _, _, err := ReadFormat("usps-h5", path, "validation"); err == nil {
		t.Error("split validation: no error")
	}
}

func TestUSPSH5BadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "usps.h5")
	data, target := uspsFixture(10, 3)
	bad := slices.Clone(data)
	bad[37] = 1.5
	if err := WriteUSPSH5(path, USPSArrays{bad, target}, USPSArrays{data, target}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadUSPSH5(path, "train"); err == nil || !strings.Contains(err.Error(), "image 0, pixel 37") {
		t.Errorf("value 1.5: error %v, want one naming image 0, pixel 37", err)
	}
	badT := slices.Clone(target)
	badT[4] = 10
	if err := WriteUSPSH5(path, USPSArrays{data, badT}, USPSArrays{data, target}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadUSPSH5(path, "train"); err == nil || !strings.Contains(err.Error(), "image 4") {
		t.Errorf("label 10: error %v, want one naming image 4", err)
	}
	// Truncations of a good file: errors, never panics or partial datasets.
	if err := WriteUSPSH5(path, USPSArrays{data, target}, USPSArrays{data, target}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 8, 100, len(raw) / 2, len(raw) - 100} {
		cut := filepath.Join(dir, "cut.h5")
		if err := os.WriteFile(cut, raw[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if d, err := ReadUSPSH5(cut, "train"); err == nil {
			t.Errorf("file cut to %d of %d bytes: read %d images, no error", n, len(raw), d.N)
		} else if !strings.Contains(err.Error(), cut) {
			t.Errorf("file cut to %d bytes: error %q does not name the file", n, err)
		}
	}
}

func TestUSPSLIBSVMFixture(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 5))
	n := 40
	values := make([]float64, n*uspsPixels)
	digits := make([]int, n)
	for i := range values {
		switch rng.IntN(4) {
		case 0: // missing: 0.0, mid-grey
		case 1:
			values[i] = -1
		default:
			values[i] = float64(rng.IntN(2001)-1000) / 1000
		}
	}
	for i := range digits {
		digits[i] = rng.IntN(10)
	}
	for _, name := range []string{"usps.bz2", "usps.t.bz2", "usps.t"} {
		path := filepath.Join(dir, name)
		if err := WriteUSPSLIBSVM(path, values, digits); err != nil {
			t.Fatal(err)
		}
		if f, err := DetectFormat(path); err != nil || f.Name != "usps-libsvm" {
			t.Fatalf("%s: detected %q, %v", name, f.Name, err)
		}
		d, _, err := ReadFormat("usps-libsvm", path, "")
		if err != nil {
			t.Fatal(err)
		}
		wantSplit := "test"
		if name == "usps.bz2" {
			wantSplit = "train"
		}
		if d.Split != wantSplit || d.N != n {
			t.Errorf("%s: split %s, %d images; want %s, %d", name, d.Split, d.N, wantSplit, n)
		}
		for i, v := range values {
			want := uint8(math.Floor((v+1)/2*255 + 0.5))
			if d.Pixels[i] != want {
				t.Fatalf("%s: pixel %d = %d, want %d (v = %v)", name, i, d.Pixels[i], want, v)
			}
		}
		if !slices.Equal(d.Labels, digits) {
			t.Errorf("%s: labels differ", name)
		}
	}
	if LIBSVMToPixel(0) != 128 || LIBSVMToPixel(-1) != 0 || LIBSVMToPixel(1) != 255 {
		t.Errorf("LIBSVMToPixel(0, -1, 1) = %d, %d, %d; want 128, 0, 255", LIBSVMToPixel(0), LIBSVMToPixel(-1), LIBSVMToPixel(1))
	}
}

func TestUSPSLIBSVMBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"1 1:0.5\n11 3:0.1\n", "line 2 (byte offset 8"},
		{"1 1:0.5 3:0.1 2:0.2\n", "indices must increase"},
		{"1 257:0.5\n", "index \"257\""},
		{"3 4:1.5\n", "not a number in [-1, 1]"},
		{"3 4:nan\n", "not a number in [-1, 1]"},
		{"3 4\n", "not index:value"},
		{"", "no images"},
	} {
		path := filepath.Join(dir, "usps.t")
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadUSPSLIBSVM(path, ""); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %v, want one naming the file and %q", c.text, err, c.want)
		}
	}
	// Truncated bzip2 streams.
	values := make([]float64, 5*uspsPixels)
	for i := range values {
		values[i] = float64(i%7)/7 - 0.5
	}
	path := filepath.Join(dir, "usps.bz2")
	if err := WriteUSPSLIBSVM(path, values, []int{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, n := range []int{4, len(raw) / 2, len(raw) - 1} {
		cut := filepath.Join(dir, "cut.bz2")
		_ = os.WriteFile(cut, raw[:n], 0o644)
		if d, err := ReadUSPSLIBSVM(cut, ""); err == nil {
			t.Errorf("bzip2 cut to %d of %d bytes: %d images, no error", n, len(raw), d.N)
		}
	}
	if _, err := ReadUSPSLIBSVM(path, "test"); err == nil {
		t.Error("usps.bz2 read as the test split: no error")
	}
}

// Published USPS class counts (Hull 1994; the same in both distributions).
var (
	uspsTrainCounts = []int{1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644}
	uspsTestCounts  = []int{359, 264, 198, 166, 200, 160, 170, 147, 166, 177}
)

func TestUSPSReal(t *testing.T) {
	dir, ok := mvc.DataDir()
	path := filepath.Join(dir, "usps", "usps.h5")
	if _, err := os.Stat(path); !ok || err != nil {
		t.Skipf("real USPS not available: set $%s to the shared data folder (with usps/usps.h5) to run this test", mvc.DataEnvVar)
	}
	for _, c := range []struct {
		split  string
		n      int
		counts []int
	}{{"train", 7291, uspsTrainCounts}, {"test", 2007, uspsTestCounts}} {
		d, f, err := ReadFormat("", path, c.split)
		if err != nil {
			t.Fatal(err)
		}
		s := Summarize(d, f, path)
		if f.Name != "usps-h5" || d.N != c.n || !slices.Equal(s.LabelCounts, c.counts) {
			t.Errorf("%s: format %s, %d images, label counts %v; want usps-h5, %d, %v", c.split, f.Name, d.N, s.LabelCounts, c.n, c.counts)
		}
	}
}

// endless is a reader of endless blank lines.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '\n'
	}
	return len(p), nil
}

func TestLIBSVMBombGuard(t *testing.T) {
	// A decompressed stream far larger than its compressed bytes allow stops with an error
	// instead of filling memory or running on.
	g := &bombGuard{r: endless{}, in: &matCounter{n: 1000}, file: "bomb.bz2", base: 1 << 20}
	_, _, err := parseLIBSVM("bomb.bz2", g, uspsPixels)
	if err == nil || !strings.Contains(err.Error(), "not a LIBSVM file") {
		t.Errorf("endless text: %v", err)
	}
}

// TestLIBSVMErrorsArePrintable: a binary "field" in a LIBSVM file is quoted and cut short in the
// error, never written raw.
func TestLIBSVMErrorsArePrintable(t *testing.T) {
	binary := "\x00\x01\xff\xfe\x1b[31m" + strings.Repeat("\x8f", 5000)
	for _, line := range []string{binary + " 1:0.5\n", "3 " + binary + "\n", "3 1:" + binary + "\n", "3 " + binary + ":0.5\n"} {
		_, _, err := parseLIBSVM("bad.libsvm", strings.NewReader(line), uspsPixels)
		if err == nil {
			t.Fatalf("line %.20q: no error", line)
		}
		msg := err.Error()
		if len(msg) > 300 {
			t.Errorf("error of %d bytes: %.80q...", len(msg), msg)
		}
		for _, r := range msg {
			if r < 0x20 || r > 0x7e {
				t.Errorf("error holds the unprintable %U: %q", r, msg)
				break
			}
		}
	}
}
