package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomDigits returns a small dataset of random images and labels (a fixture, not real data).
func randomDigits(n, h, w, c int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{Name: "fixture", Domain: "MM", N: n, Height: h, Width: w, Channels: c,
		Pixels: make([]uint8, n*h*w*c), Labels: make([]int, n), ClassNames: DigitClassNames}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = rng.IntN(10)
	}
	return d
}

type tarEntry struct {
	name string
	body []byte
}

// buildTar writes entries as an uncompressed tar (gzipped when gz).
func buildTar(t testing.TB, gz bool, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	var tw *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, e := range entries {
		if err := writeTarFile(tw, e.name, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func solidRGB(w, h int, v uint8) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

func TestMNISTMTarRoundTrip(t *testing.T) {
	train := randomDigits(7, 28, 28, 3, 1)
	test := randomDigits(4, 28, 28, 3, 2)
	p := filepath.Join(t.TempDir(), "mnist_m.tar.gz")
	if err := WriteMNISTMTar(p, train, test); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		split string
		want  *Dataset
	}{{"train", train}, {"test", test}} {
		got, f, err := ReadFormat("", p, c.split)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != "mnistm-tar" {
			t.Errorf("detected format %s, want mnistm-tar", f.Name)
		}
		if got.N != c.want.N || got.Height != 28 || got.Width != 28 || got.Channels != 3 || got.Split != c.split ||
			got.Domain != "MM" || got.Name != "MNIST-M" {
			t.Fatalf("%s: got %s/%s %s [%d %d %d %d]", c.split, got.Name, got.Domain, got.Split, got.N, got.Height, got.Width, got.Channels)
		}
		if !bytes.Equal(got.Pixels, c.want.Pixels) {
			t.Errorf("%s: pixels differ after a round trip", c.split)
		}
		if fmt.Sprint(got.Labels) != fmt.Sprint(c.want.Labels) {
			t.Errorf("%s: labels %v, want %v", c.split, got.Labels, c.want.Labels)
		}
		if !strings.Contains(got.Provenance, p) {
			t.Errorf("provenance %q does not name the archive", got.Provenance)
		}
	}
	// The default split of the format is test.
	d, _, err := ReadFormat("mnistm-tar", p, "")
	if err != nil || d.Split != "test" || d.N != 4 {
		t.Errorf("default split: %v, %v", d, err)
	}
	// Grey digits are written as RGB.
	grey := randomDigits(2, 28, 28, 1, 3)
	p2 := filepath.Join(t.TempDir(), "grey.tar.gz")
	if err := WriteMNISTMTar(p2, grey, nil); err != nil {
		t.Fatal(err)
	}
	g, err := ReadMNISTMTar(p2, "train")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range grey.Pixels {
		if g.Pixels[3*i] != v || g.Pixels[3*i+1] != v || g.Pixels[3*i+2] != v {
			t.Fatalf("grey pixel %d: %d, read back %v", i, v, g.Pixels[3*i:3*i+3])
		}
	}
	if _, err := ReadMNISTMTar(p2, "test"); err == nil || !strings.Contains(err.Error(), "no MNIST-M test split") {
		t.Errorf("missing split: error %v", err)
	}
}

func TestMNISTMArchiveOrderAndLayout(t *testing.T) {
	// Labels file first, images in another order, no top folder, uncompressed: the dataset
	// follows the labels file.
	a, b := solidRGB(28, 28, 10), solidRGB(28, 28, 200)
	raw := buildTar(t, false,
		tarEntry{"mnist_m_train_labels.txt", []byte("00000001.png 7\r\n00000000.png 3\n\n")},
		tarEntry{"mnist_m_train/00000000.png", pngBytes(t, a)},
		tarEntry{"mnist_m_train/00000001.png", pngBytes(t, b)},
		tarEntry{"mnist_m_test/00000000.png", []byte("not read")},
	)
	d, err := ReadMNISTMArchive(bytes.NewReader(raw), "x.tar", "train")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || d.Labels[0] != 7 || d.Labels[1] != 3 || d.Pixels[0] != 200 || d.Pixels[28*28*3] != 10 {
		t.Errorf("got N=%d labels %v first pixels %d %d", d.N, d.Labels, d.Pixels[0], d.Pixels[28*28*3])
	}
}

func TestMNISTMArchiveErrors(t *testing.T) {
	img := pngBytes(t, solidRGB(28, 28, 5))
	small := pngBytes(t, solidRGB(14, 14, 5))
	good := []tarEntry{
		{"mnist_m/mnist_m_test/00000000.png", img},
		{"mnist_m/mnist_m_test/00000001.png", img},
		{"mnist_m/mnist_m_test_labels.txt", []byte("00000000.png 1\n00000001.png 2\n")},
	}
	with := func(replace int, e tarEntry) []tarEntry {
		out := append([]tarEntry(nil), good...)
		if replace < 0 {
			return append(out, e)
		}
		out[replace] = e
		return out
	}
	gz := buildTar(t, true, good...)
	cases := []struct {
		name    string
		archive []byte
		want    []string
	}{
		{"labels list a missing PNG", buildTar(t, false, with(2, tarEntry{"mnist_m/mnist_m_test_labels.txt",
			[]byte("00000000.png 1\n00000001.png 2\n00000002.png 3\n")})...), []string{"mnist_m_test_labels.txt", "line 3", "00000002.png", "not in the archive"}},
		{"PNG without label", buildTar(t, false, with(-1, tarEntry{"mnist_m/mnist_m_test/00000009.png", img})...),
			[]string{"00000009.png", "no line in"}},
		{"bad label", buildTar(t, false, with(2, tarEntry{"mnist_m/mnist_m_test_labels.txt", []byte("00000000.png 1\n00000001.png 12\n")})...),
			[]string{"line 2", "not a digit"}},
		{"bad line", buildTar(t, false, with(2, tarEntry{"mnist_m/mnist_m_test_labels.txt", []byte("00000000.png\n")})...),
			[]string{"line 1", "want \"NNNNNNNN.png LABEL\""}},
		{"duplicate line", buildTar(t, false, with(2, tarEntry{"mnist_m/mnist_m_test_labels.txt", []byte("00000000.png 1\n00000000.png 1\n")})...),
			[]string{"twice", "lines 1 and 2"}},
		{"corrupt PNG", buildTar(t, false, with(1, tarEntry{"mnist_m/mnist_m_test/00000001.png", img[:40]})...),
			[]string{"entry mnist_m/mnist_m_test/00000001.png", "PNG"}},
		{"sizes differ", buildTar(t, false, with(1, tarEntry{"mnist_m/mnist_m_test/00000001.png", small})...),
			[]string{"00000001.png is 14x14", "same size"}},
		{"no labels file", buildTar(t, false, good[:2]...), []string{"no labels file", "mnist_m_test_labels.txt"}},
		{"truncated gzip", gz[:len(gz)/2], []string{"x.tar.gz", "compressed bytes"}},
		{"not an archive", []byte("hello, this is not a tar file at all, but it is long enough to have a header block? no."),
			[]string{"x.tar.gz"}},
		{"empty", nil, []string{"no MNIST-M test split"}},
	}
	for _, c := range cases {
		d, err := ReadMNISTMArchive(bytes.NewReader(c.archive), "x.tar.gz", "test")
		if err == nil {
			t.Errorf("%s: no error (dataset of %d images)", c.name, d.N)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
	if _, err := ReadMNISTMArchive(bytes.NewReader(gz), "x", "validation"); err == nil {
		t.Error("split validation: no error")
	}
	if _, err := ReadMNISTMTar(filepath.Join(t.TempDir(), "absent.tar.gz"), "test"); err == nil {
		t.Error("absent file: no error")
	}
}

// mnistmSeeds are seed inputs of FuzzReadMNISTMArchive (also checked in under testdata/fuzz).
func mnistmSeeds(t testing.TB) [][]byte {
	img := pngBytes(t, solidRGB(28, 28, 77))
	labels := []byte("00000000.png 4\n00000001.png 9\n")
	return [][]byte{
		buildTar(t, false, tarEntry{"mnist_m/mnist_m_test/00000000.png", img}, tarEntry{"mnist_m/mnist_m_test/00000001.png", img},
			tarEntry{"mnist_m/mnist_m_test_labels.txt", labels}),
		buildTar(t, false, tarEntry{"mnist_m/mnist_m_test_labels.txt", labels}, tarEntry{"mnist_m/mnist_m_test/00000000.png", img},
			tarEntry{"mnist_m/mnist_m_test/00000001.png", pngBytes(t, solidRGB(28, 28, 3))}),
		buildTar(t, true, tarEntry{"mnist_m/mnist_m_test/00000000.png", img}, tarEntry{"mnist_m/mnist_m_test_labels.txt", labels[:15]}),
	}
}

// FuzzReadMNISTMArchive checks that no archive makes the reader panic, and that whatever it
// accepts is a consistent dataset.
func FuzzReadMNISTMArchive(f *testing.F) {
	for _, s := range mnistmSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, archive []byte) {
		d, err := ReadMNISTMArchive(bytes.NewReader(archive), "fuzz.tar", "test")
		if err != nil {
			if d != nil {
				t.Fatal("a dataset returned with an error")
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.N == 0 || d.Channels != 3 {
			t.Fatalf("accepted an archive as %d images of %d channels", d.N, d.Channels)
		}
	})
}

// TestWriteMNISTMFuzzCorpus rewrites the checked-in seed corpus when MVC_WRITE_FUZZ_CORPUS=1.
func TestWriteMNISTMFuzzCorpus(t *testing.T) {
	if os.Getenv("MVC_WRITE_FUZZ_CORPUS") != "1" {
		t.Skip("set MVC_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz/FuzzReadMNISTMArchive")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReadMNISTMArchive")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range mnistmSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkReadMNISTMTar reads a 10,000-image archive in the official layout (MNIST-M recipe
// images of real MNIST digits, so the PNGs compress like the official ones).
func BenchmarkReadMNISTMTar(b *testing.B) {
	mnist, err := LoadMNIST(MNISTTrain)
	if err != nil {
		b.Skip(err)
	}
	mm, err := MakeMNISTM(mnist.First(10000), ProceduralBackgrounds(16, 96, 1), 1)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "mnist_m.tar.gz")
	if err := WriteMNISTMTar(p, mm, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := ReadMNISTMTar(p, "train")
		if err != nil || d.N != 10000 {
			b.Fatal(d, err)
		}
	}
}
