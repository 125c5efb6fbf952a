package data

// MNIST-M in its official distribution, mnist_m.tar.gz (Ganin & Lempitsky 2015, "Unsupervised
// Domain Adaptation by Backpropagation", ICML; Ganin et al. 2016, "Domain-Adversarial Training of
// Neural Networks", JMLR 17(59)): a gzipped tar archive holding
//
//	mnist_m/mnist_m_train/00000000.png ... (59,001 images, 28x28 RGB PNG)
//	mnist_m/mnist_m_train_labels.txt       (lines "00000000.png 5")
//	mnist_m/mnist_m_test/00000000.png ...  (9,001 images)
//	mnist_m/mnist_m_test_labels.txt
//
// The reader streams the archive once (archive/tar over compress/gzip, PNGs decoded by a pool of
// workers as their entries arrive) and never extracts it to disk.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// Sizes of the official MNIST-M splits (Ganin et al. 2016, section 5.1.1; counted in the official
// mnist_m.tar.gz). They are documentation: the reader takes whatever the archive holds.
const (
	MNISTMTrainCount = 59001
	MNISTMTestCount  = 9001
)

// Limits on what one archive entry may be, so that a corrupt or hostile archive cannot make the
// reader allocate without bound: the official PNGs are under 3 KB and 28x28, the labels files
// under 1 MB.
const (
	mnistmMaxPNGBytes    = 1 << 20
	mnistmMaxLabelsBytes = 64 << 20
	mnistmMaxSide        = 1024
)

func init() {
	RegisterFormat(Format{
		Name: "mnistm-tar",
		Description: "MNIST-M official mnist_m.tar.gz (Ganin & Lempitsky 2015): mnist_m/mnist_m_{train,test}/NNNNNNNN.png " +
			"and mnist_m_{train,test}_labels.txt, read straight from the archive",
		Splits: []string{"test", "train"},
		Detect: detectMNISTMTar,
		Read: func(path, split string) (*Dataset, error) {
			if split == "" {
				split = "test"
			}
			return ReadMNISTMTar(path, split)
		},
	})
}

// detectMNISTMTar accepts a tar archive (gzipped or not) whose first entries are MNIST-M's.
func detectMNISTMTar(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	r, err := maybeGunzip(bufio.NewReader(f))
	if err != nil {
		return false
	}
	tr := tar.NewReader(r)
	for range 8 {
		hdr, err := tr.Next()
		if err != nil {
			return false
		}
		if _, _, ok := mnistmEntryKind(hdr.Name); ok {
			return true
		}
	}
	return false
}

// maybeGunzip returns a reader of the decompressed stream when br starts with the gzip magic,
// br itself otherwise.
func maybeGunzip(br *bufio.Reader) (io.Reader, error) {
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, errors.Wrap(err, "reading the gzip header")
		}
		return gz, nil
	}
	return br, nil
}

// mnistmEntryKind classifies an archive path: split "train" or "test", and whether it is that
// split's labels file (png false) or one of its images (png true). The top folder ("mnist_m/")
// and a leading "./" are optional.
func mnistmEntryKind(name string) (split string, png, ok bool) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	for _, s := range []string{"train", "test"} {
		if base == "mnist_m_"+s+"_labels.txt" && (dir == "" || path.Base(dir) == "mnist_m") {
			return s, false, true
		}
		if path.Base(dir) == "mnist_m_"+s && strings.HasSuffix(base, ".png") {
			return s, true, true
		}
	}
	return "", false, false
}

// ReadMNISTMTar reads one split ("train" or "test") of the official MNIST-M archive at path
// (mnist_m.tar.gz; an uncompressed tar is accepted too) as a [Dataset] of 28x28 RGB images,
// domain "MM", in the order of the split's labels file.
func ReadMNISTMTar(path, split string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening the MNIST-M archive")
	}
	defer func() { _ = f.Close() }()
	d, err := ReadMNISTMArchive(f, path, split)
	if err != nil {
		return nil, err
	}
	d.Provenance = fmt.Sprintf("MNIST-M %s set (Ganin & Lempitsky 2015), official archive %s", split, mvc.PortablePath(path))
	return d, nil
}

// countingReader counts the bytes read through it, to report where in a file a problem is.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodedPNG is one image of the archive, filled in by a decoding worker.
type decodedPNG struct {
	entry string
	data  []byte
	pix   []uint8 // h*w*3 RGB
	h, w  int
	err   error
}

// ReadMNISTMArchive reads one split of an MNIST-M archive from r (a tar stream, gzipped or not);
// name names the archive in errors. Every image listed in the split's labels file must be in the
// archive and every image of the split must be listed, exactly once; all images must have the
// same size. Errors name the archive, the entry and what is wrong (and the byte offset in the
// archive, compressed, where a read failed).
func ReadMNISTMArchive(r io.Reader, name, split string) (*Dataset, error) {
	if split != "train" && split != "test" {
		return nil, errors.Errorf("%s: MNIST-M split %q: want train or test", name, split)
	}
	counter := &countingReader{r: r}
	stream, err := maybeGunzip(bufio.NewReader(counter))
	if err != nil {
		return nil, errors.Wrapf(err, "%s", name)
	}
	jobs := make(chan *decodedPNG, 64)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for job := range jobs {
				job.pix, job.h, job.w, job.err = decodeRGBPNG(job.data)
				job.data = nil
			}
		})
	}
	images, labelsEntry, labelsText, err := scanMNISTMArchive(tar.NewReader(stream), counter, name, split, jobs)
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return assembleMNISTM(images, labelsEntry, labelsText, name, split)
}

// scanMNISTMArchive walks the archive, sending the split's PNGs to the decoders and keeping its
// labels file.
func scanMNISTMArchive(tr *tar.Reader, counter *countingReader, name, split string, jobs chan<- *decodedPNG) (
	images []*decodedPNG, labelsEntry string, labelsText []byte, err error) {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, errors.Errorf("%s: reading the tar archive after %d compressed bytes: %v", name, counter.n, err)
		}
		s, isPNG, ok := mnistmEntryKind(hdr.Name)
		if !ok || s != split || hdr.Typeflag != tar.TypeReg {
			continue
		}
		limit := int64(mnistmMaxLabelsBytes)
		if isPNG {
			limit = mnistmMaxPNGBytes
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return nil, "", nil, errors.Errorf("%s: entry %s: size %d bytes is over the %d-byte limit for this kind of entry",
				name, hdr.Name, hdr.Size, limit)
		}
		body := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, body); err != nil {
			return nil, "", nil, errors.Errorf("%s: entry %s: reading %d bytes (archive cut or corrupt after %d compressed bytes): %v",
				name, hdr.Name, hdr.Size, counter.n, err)
		}
		if !isPNG {
			if labelsEntry != "" {
				return nil, "", nil, errors.Errorf("%s: the %s labels file appears twice (%s and %s)", name, split, labelsEntry, hdr.Name)
			}
			labelsEntry, labelsText = hdr.Name, body
			continue
		}
		job := &decodedPNG{entry: hdr.Name, data: body}
		images = append(images, job)
		jobs <- job
	}
	return images, labelsEntry, labelsText, nil
}

// assembleMNISTM checks the decoded images against the labels file and builds the dataset in the
// labels file's order.
func assembleMNISTM(images []*decodedPNG, labelsEntry string, labelsText []byte, name, split string) (*Dataset, error) {
	if labelsEntry == "" {
		if len(images) == 0 {
			return nil, errors.Errorf("%s: no MNIST-M %s split in the archive (want mnist_m/mnist_m_%s/*.png and mnist_m/mnist_m_%s_labels.txt)",
				name, split, split, split)
		}
		return nil, errors.Errorf("%s: the archive has %d %s images but no labels file mnist_m/mnist_m_%s_labels.txt",
			name, len(images), split, split)
	}
	byName := make(map[string]*decodedPNG, len(images))
	for _, img := range images {
		if img.err != nil {
			return nil, errors.Errorf("%s: entry %s: %v", name, img.entry, img.err)
		}
		base := path.Base(img.entry)
		if prev, dup := byName[base]; dup {
			return nil, errors.Errorf("%s: image %s appears twice (entries %s and %s)", name, base, prev.entry, img.entry)
		}
		byName[base] = img
	}
	names, labels, err := parseMNISTMLabels(labelsText, name, labelsEntry)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.Errorf("%s: entry %s lists no images", name, labelsEntry)
	}
	var h, w int
	listed := make(map[string]bool, len(names))
	for i, n := range names {
		img, ok := byName[n]
		if !ok {
			return nil, errors.Errorf("%s: entry %s line %d lists %s, which is not in the archive's mnist_m_%s folder",
				name, labelsEntry, i+1, n, split)
		}
		if i == 0 {
			h, w = img.h, img.w
		} else if img.h != h || img.w != w {
			return nil, errors.Errorf("%s: entry %s is %dx%d, but %s is %dx%d: all images must have the same size",
				name, img.entry, img.w, img.h, byName[names[0]].entry, w, h)
		}
		listed[n] = true
	}
	if len(listed) != len(byName) {
		var missing []string
		for n, img := range byName {
			if !listed[n] {
				missing = append(missing, img.entry)
			}
		}
		sort.Strings(missing)
		return nil, errors.Errorf("%s: %d images of the %s split have no line in %s (first: %s)",
			name, len(missing), split, labelsEntry, missing[0])
	}
	size := h * w * 3
	d := &Dataset{
		Name: "MNIST-M", Domain: "MM", Split: split,
		N: len(names), Height: h, Width: w, Channels: 3,
		Pixels: make([]uint8, len(names)*size), Labels: labels, ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("MNIST-M %s set (Ganin & Lempitsky 2015), official archive %s", split, mvc.PortablePath(name)),
	}
	for i, n := range names {
		img := byName[n]
		copy(d.Pixels[i*size:], img.pix)
		img.pix = nil
	}
	return d, d.Validate()
}

// parseMNISTMLabels parses a labels file: one "NAME.png LABEL" line per image, LABEL a digit 0-9,
// each name once (blank lines are skipped).
func parseMNISTMLabels(text []byte, name, entry string) (names []string, labels []int, err error) {
	seen := map[string]int{}
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 || !strings.HasSuffix(fields[0], ".png") || strings.Contains(fields[0], "/") {
			return nil, nil, errors.Errorf("%s: entry %s line %d: want \"NNNNNNNN.png LABEL\", got %q", name, entry, i+1, clip(line, 60))
		}
		label, err := strconv.Atoi(fields[1])
		if err != nil || label < 0 || label > 9 {
			return nil, nil, errors.Errorf("%s: entry %s line %d: label %q is not a digit 0-9", name, entry, i+1, clip(fields[1], 20))
		}
		if prev, dup := seen[fields[0]]; dup {
			return nil, nil, errors.Errorf("%s: entry %s lists %s twice (lines %d and %d)", name, entry, fields[0], prev, i+1)
		}
		seen[fields[0]] = i + 1
		names = append(names, fields[0])
		labels = append(labels, label)
	}
	return names, labels, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// decodeRGBPNG decodes a PNG into packed RGB bytes (grey replicated; alpha dropped), checking its
// declared size first so that a corrupt header cannot cause a huge allocation.
func decodeRGBPNG(data []byte) (pix []uint8, h, w int, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, errors.Wrap(err, "decoding PNG header")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > mnistmMaxSide || cfg.Height > mnistmMaxSide {
		return nil, 0, 0, errors.Errorf("PNG is %dx%d, outside 1..%d pixels a side", cfg.Width, cfg.Height, mnistmMaxSide)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, errors.Wrap(err, "decoding PNG")
	}
	return imageToRGB(img), cfg.Height, cfg.Width, nil
}

// imageToRGB packs any image into RGB bytes, row-major (grey replicated; alpha dropped: colours
// are taken un-premultiplied).
func imageToRGB(img image.Image) []uint8 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, w*h*3)
	switch m := img.(type) {
	case *image.RGBA:
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				if a := row[4*x+3]; a != 255 {
					c := color.NRGBAModel.Convert(m.RGBAAt(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
					out[3*(y*w+x)], out[3*(y*w+x)+1], out[3*(y*w+x)+2] = c.R, c.G, c.B
					continue
				}
				copy(out[3*(y*w+x):3*(y*w+x)+3], row[4*x:4*x+3])
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				copy(out[3*(y*w+x):3*(y*w+x)+3], row[4*x:4*x+3])
			}
		}
	case *image.Gray:
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				v := row[x]
				out[3*(y*w+x)], out[3*(y*w+x)+1], out[3*(y*w+x)+2] = v, v, v
			}
		}
	default:
		for y := range h {
			for x := range w {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				out[3*(y*w+x)], out[3*(y*w+x)+1], out[3*(y*w+x)+2] = c.R, c.G, c.B
			}
		}
	}
	return out
}

// WriteMNISTMTar writes datasets in the layout of the official mnist_m.tar.gz (for test fixtures
// and for saving a generated MNIST-M): mnist_m/mnist_m_{train,test}/NNNNNNNN.png (8-bit RGB;
// greyscale images are replicated to RGB) and mnist_m/mnist_m_{train,test}_labels.txt. Either
// split may be nil. The file is written atomically.
func WriteMNISTMTar(p string, train, test *Dataset) error {
	return mvc.WriteFileAtomic(p, func(f *os.File) error {
		bw := bufio.NewWriter(f)
		if err := WriteMNISTMArchive(bw, train, test); err != nil {
			return errors.Wrapf(err, "writing %s", p)
		}
		return bw.Flush()
	})
}

// WriteMNISTMArchive writes the gzipped tar stream of [WriteMNISTMTar] to w.
func WriteMNISTMArchive(w io.Writer, train, test *Dataset) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "mnist_m/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return err
	}
	for _, part := range []struct {
		split string
		d     *Dataset
	}{{"train", train}, {"test", test}} {
		if part.d == nil {
			continue
		}
		if err := writeMNISTMSplit(tw, part.split, part.d); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeMNISTMSplit(tw *tar.Writer, split string, d *Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.Channels != 1 && d.Channels != 3 {
		return errors.Errorf("dataset %s: %d channels, MNIST-M PNGs hold grey or RGB", d.Name, d.Channels)
	}
	dir := "mnist_m/mnist_m_" + split + "/"
	if err := tw.WriteHeader(&tar.Header{Name: dir, Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return err
	}
	var labels, buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	img := image.NewNRGBA(image.Rect(0, 0, d.Width, d.Height))
	for i := range d.N {
		src := d.Image(i)
		for p := range d.Height * d.Width {
			if d.Channels == 1 {
				img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2] = src[p], src[p], src[p]
			} else {
				copy(img.Pix[4*p:4*p+3], src[3*p:3*p+3])
			}
			img.Pix[4*p+3] = 255
		}
		buf.Reset()
		if err := enc.Encode(&buf, img); err != nil {
			return errors.Wrapf(err, "encoding image %d", i)
		}
		name := fmt.Sprintf("%08d.png", i)
		if err := writeTarFile(tw, dir+name, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(&labels, "%s %d\n", name, d.Labels[i])
	}
	return writeTarFile(tw, "mnist_m/mnist_m_"+split+"_labels.txt", labels.Bytes())
}

func writeTarFile(tw *tar.Writer, name string, body []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
		return errors.Wrapf(err, "tar entry %s", name)
	}
	_, err := tw.Write(body)
	return errors.Wrapf(err, "tar entry %s", name)
}
