package data

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

func init() {
	RegisterFormat(Format{
		Name:        "usps-libsvm",
		Description: "USPS as the LIBSVM data sets page ships it: usps.bz2 (train) / usps.t.bz2 (test), lines \"label+1 j:v ...\", v in [-1,1]",
		Detect:      detectUSPSLIBSVM,
		Read:        ReadUSPSLIBSVM,
	})
}

var libsvmFirstLine = regexp.MustCompile(`^[0-9]+(\.0*)?[ \t]+[0-9]+:[-+0-9.eE]+`)

// openMaybeBzip2 opens a file and returns a reader of its content, decompressed when it starts
// with the bzip2 magic "BZh".
func openMaybeBzip2(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, _ := br.Peek(3); string(magic) == "BZh" {
		return bzip2.NewReader(br), f.Close, nil
	}
	return br, f.Close, nil
}

func detectUSPSLIBSVM(path string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	r, closeFile, err := openMaybeBzip2(path)
	if err != nil {
		return false
	}
	defer func() { _ = closeFile() }()
	head := make([]byte, 256)
	n, _ := io.ReadFull(r, head)
	return libsvmFirstLine.Match(head[:n])
}

// uspsLIBSVMSplit tells the split from the official names: usps.t.bz2 (or any name with ".t."
// or "test") is the test set, usps.bz2 the training set.
func uspsLIBSVMSplit(path string) string {
	base := strings.ToLower(filepath.Base(path))
	if strings.Contains(base, ".t.") || strings.HasSuffix(base, ".t") || strings.Contains(base, "test") {
		return "test"
	}
	return "train"
}

// LIBSVMToPixel maps a LIBSVM USPS value v in [-1, 1] to a uint8 pixel: floor((v+1)*127.5 + 0.5)
// in float64, i.e. (v+1)/2*255 rounded half up. A missing index is v = 0, which becomes 128.
func LIBSVMToPixel(v float64) uint8 {
	return uint8(math.Floor((v+1)*127.5 + 0.5))
}

// ReadUSPSLIBSVM reads a USPS file of the LIBSVM data sets page (usps.bz2 for training,
// usps.t.bz2 for test; bzip2-compressed or plain text): one image a line, "label j:v j:v ...",
// where label is the digit plus 1 (1-10), j a pixel index 1-256 (16x16 row-major) in increasing
// order and v in [-1, 1]; missing indices are 0.0 (mid-grey). Pixels follow [LIBSVMToPixel].
// split must be "" or the split the name says (see the format's description). Errors name the
// file, the line and its byte offset in the decompressed text.
func ReadUSPSLIBSVM(path, split string) (*Dataset, error) {
	holds := uspsLIBSVMSplit(path)
	if err := checkSingleSplit(path, split, holds); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening USPS LIBSVM file")
	}
	defer func() { _ = f.Close() }()
	pixels, digits, err := decodeUSPSLIBSVM(f, path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		Name: "USPS", Domain: "U", Split: holds,
		N: len(digits), Height: USPSSide, Width: USPSSide, Channels: 1,
		Pixels: pixels, Labels: digits, ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("USPS %s set, LIBSVM file %s", holds, mvc.PortablePath(path)),
	}
	return d, nil
}

// decodeUSPSLIBSVM decompresses (when the stream starts with the bzip2 magic "BZh") and parses a
// USPS LIBSVM stream; file names it in errors. A panic of the decompressor on corrupt data
// becomes an error.
func decodeUSPSLIBSVM(r io.Reader, file string) (pixels []uint8, digits []int, err error) {
	defer func() {
		if p := recover(); p != nil {
			pixels, digits, err = nil, nil, errors.Errorf("%s: corrupt file (decompressor failed: %v)", file, p)
		}
	}()
	in := &matCounter{r: r}
	br := bufio.NewReaderSize(in, 1<<16)
	var text io.Reader = br
	if magic, _ := br.Peek(3); string(magic) == "BZh" {
		text = &bombGuard{r: bzip2.NewReader(br), in: in, file: file, base: minLIBSVMTextLimit}
	}
	pixels, digits, err = parseLIBSVM(file, text, uspsPixels)
	if err == nil && len(digits) == 0 {
		err = errors.Errorf("%s: no images", file)
	}
	return pixels, digits, err
}

// bombGuard stops a decompressed stream that grows far beyond what the compressed bytes read so
// far can give for LIBSVM text (a corrupt or hostile bzip2 "bomb"): at most base (e.g.
// minLIBSVMTextLimit) plus maxLIBSVMRatio times the compressed bytes.
type bombGuard struct {
	r       io.Reader
	in      *matCounter
	n, base int64
	file    string
}

// Limits of [bombGuard]: bzip2 compresses LIBSVM text about 3-6 times; a ratio of 100 leaves a
// wide margin.
const (
	minLIBSVMTextLimit = 64 << 20
	maxLIBSVMRatio     = 100
)

func (g *bombGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.base+maxLIBSVMRatio*g.in.n {
		return n, errors.Errorf("%s: %d bytes of text from %d compressed bytes: not a LIBSVM file (or a corrupt one)", g.file, g.n, g.in.n)
	}
	return n, err
}

// maxLIBSVMLine bounds a line of LIBSVM text (a USPS line holds at most 256 "j:v" pairs, under
// 10 KB).
const maxLIBSVMLine = 64 << 10

// parseLIBSVM parses LIBSVM lines of dim features with labels 1-10 (digit+1) into pixels (see
// [LIBSVMToPixel]) and digits, streaming: memory holds the pixels and one line.
func parseLIBSVM(path string, text io.Reader, dim int) (pixels []uint8, digits []int, err error) {
	br := bufio.NewReaderSize(text, maxLIBSVMLine)
	lineNo, offset := 0, int64(0)
	for {
		line, readErr := br.ReadSlice('\n')
		lineStart := offset
		offset += int64(len(line))
		lineNo++
		fail := func(format string, args ...any) error {
			return errors.Errorf("%s: line %d (byte offset %d of the text): %s", path, lineNo, lineStart, fmt.Sprintf(format, args...))
		}
		if readErr == bufio.ErrBufferFull {
			return nil, nil, fail("longer than %d bytes", maxLIBSVMLine)
		}
		if readErr != nil && readErr != io.EOF {
			return nil, nil, errors.Wrapf(readErr, "%s: reading line %d (byte offset %d of the text; truncated or corrupt bzip2 data?)", path, lineNo, lineStart)
		}
		fields := strings.Fields(string(line))
		if len(fields) > 0 { // blank lines, e.g. a final newline, are skipped
			image, digit, err := parseLIBSVMLine(fields, dim)
			if err != nil {
				return nil, nil, fail("%v", err)
			}
			pixels = append(pixels, image...)
			digits = append(digits, digit)
		}
		if readErr == io.EOF {
			return pixels, digits, nil
		}
	}
}

// quoteField quotes a field of a LIBSVM line for an error message: Go-quoted (binary bytes
// escaped, never written raw to a terminal) and cut to its first 32 bytes (a corrupt "field"
// can be a 64 KB line).
func quoteField(s string) string {
	const limit = 32
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:limit]) + fmt.Sprintf("... (%d bytes)", len(s))
}

// parseLIBSVMLine parses the fields of one line: the label (digit+1) and index:value pairs.
func parseLIBSVMLine(fields []string, dim int) ([]uint8, int, error) {
	label, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || label != math.Trunc(label) || label < 1 || label > 10 {
		return nil, 0, errors.Errorf("label %s is not an integer 1-10 (digit + 1)", quoteField(fields[0]))
	}
	image := make([]uint8, dim)
	for i := range image {
		image[i] = LIBSVMToPixel(0)
	}
	last := 0
	for _, field := range fields[1:] {
		idxStr, valStr, ok := strings.Cut(field, ":")
		if !ok {
			return nil, 0, errors.Errorf("%s is not index:value", quoteField(field))
		}
		j, err := strconv.Atoi(idxStr)
		if err != nil || j < 1 || j > dim {
			return nil, 0, errors.Errorf("index %s is not an integer 1-%d", quoteField(idxStr), dim)
		}
		if j <= last {
			return nil, 0, errors.Errorf("index %d after index %d: indices must increase", j, last)
		}
		last = j
		v, err := strconv.ParseFloat(valStr, 64)
		if err != nil || !(v >= -1-1e-9 && v <= 1+1e-9) {
			return nil, 0, errors.Errorf("value %s at index %d is not a number in [-1, 1]", quoteField(valStr), j)
		}
		image[j-1] = LIBSVMToPixel(min(max(v, -1), 1))
	}
	return image, int(label) - 1, nil
}

// WriteUSPSLIBSVM writes images in the LIBSVM USPS format, for test fixtures: one line per image,
// "digit+1 j:v ..." with v = values[i*256+j-1] in [-1, 1] printed exactly (shortest
// round-tripping decimal) and zeros left out, as LIBSVM's sparse format does. The file is
// bzip2-compressed when path ends in ".bz2" (github.com/dsnet/compress/bzip2, as usps.bz2 is)
// and written atomically.
func WriteUSPSLIBSVM(path string, values []float64, digits []int) error {
	if len(values) != len(digits)*uspsPixels {
		return errors.Errorf("writing %s: %d values for %d images, want %d each", path, len(values), len(digits), uspsPixels)
	}
	var text bytes.Buffer
	for i, digit := range digits {
		if digit < 0 || digit > 9 {
			return errors.Errorf("writing %s: label %d of image %d is not a digit", path, digit, i)
		}
		text.WriteString(strconv.Itoa(digit + 1))
		for j, v := range values[i*uspsPixels : (i+1)*uspsPixels] {
			if math.IsNaN(v) || v < -1 || v > 1 {
				return errors.Errorf("writing %s: value %v of image %d is outside [-1, 1]", path, v, i)
			}
			if v != 0 {
				fmt.Fprintf(&text, " %d:%s", j+1, strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		text.WriteString("\n")
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		if !strings.HasSuffix(path, ".bz2") {
			_, err := f.Write(text.Bytes())
			return err
		}
		zw, err := dsbzip2.NewWriter(f, &dsbzip2.WriterConfig{Level: dsbzip2.BestCompression})
		if err != nil {
			return err
		}
		if _, err := zw.Write(text.Bytes()); err != nil {
			return err
		}
		return zw.Close()
	})
}
