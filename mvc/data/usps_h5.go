package data

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"

	"github.com/pkg/errors"
	"github.com/scigolib/hdf5"
)

// USPS images are 16x16 greyscale (Hull 1994, "A database for handwritten text recognition
// research"), 7,291 training and 2,007 test images in both distributions read here.
const (
	USPSSide   = 16
	uspsPixels = USPSSide * USPSSide
)

func init() {
	RegisterFormat(Format{
		Name:        "usps-h5",
		Description: "USPS as the Kaggle usps.h5: groups /train and /test, each data float32 (N,256) in [0,1] and target int32",
		Splits:      []string{"test", "train"},
		Detect:      detectUSPSH5,
		Read:        ReadUSPSH5,
	})
}

// hdf5Signature is the 8-byte format signature at the start of an HDF5 file (HDF5 File Format
// Specification, "Format Signature").
const hdf5Signature = "\x89HDF\r\n\x1a\n"

func detectUSPSH5(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	head := make([]byte, 8)
	_, err = f.ReadAt(head, 0)
	_ = f.Close()
	if err != nil || string(head) != hdf5Signature {
		return false
	}
	h5, paths, err := hdf5Datasets(path)
	if err != nil {
		return false
	}
	_ = h5.Close()
	_, ok1 := paths["/train/data"]
	_, ok2 := paths["/test/data"]
	return ok1 || ok2
}

// checkHDF5Length finds the HDF5 superblock (at byte 0, 512, 1024, 2048, ...) and checks that the
// file is as long as its end-of-file address says (HDF5 File Format Specification, "Superblock"
// versions 0-3), so that a truncated file is an error even where the part read is intact.
func checkHDF5Length(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return errors.Wrap(err, "opening HDF5 file")
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return errors.Wrapf(err, "%s", path)
	}
	size := st.Size()
	buf := make([]byte, 96)
	for base := int64(0); base < size; base = max(512, 2*base) {
		n, _ := f.ReadAt(buf, base)
		if n < 8 || string(buf[:8]) != hdf5Signature {
			continue
		}
		b := buf[:n]
		var offSize, pos int
		switch version := b[8]; version {
		case 0, 1:
			if len(b) < 16 {
				return errors.Errorf("%s: HDF5 superblock at byte offset %d is truncated", path, base)
			}
			offSize, pos = int(b[13]), 24 // signature 8, versions etc. 8, K values 4, flags 4
			if version == 1 {
				pos += 4
			}
			pos += offSize // base address
			pos += offSize // free-space info address
		case 2, 3:
			if len(b) < 12 {
				return errors.Errorf("%s: HDF5 superblock at byte offset %d is truncated", path, base)
			}
			offSize, pos = int(b[9]), 12
			pos += offSize // base address
			pos += offSize // superblock extension address
		default:
			return errors.Errorf("%s: HDF5 superblock version %d at byte offset %d is unknown", path, version, base)
		}
		if offSize != 2 && offSize != 4 && offSize != 8 || pos+offSize > len(b) {
			return errors.Errorf("%s: HDF5 superblock at byte offset %d: bad size of offsets %d", path, base, offSize)
		}
		var eof uint64
		for i := offSize - 1; i >= 0; i-- { // little-endian
			eof = eof<<8 | uint64(b[pos+i])
		}
		if eof != math.MaxUint64 && int64(eof) > 0 && uint64(size-base) < eof {
			return errors.Errorf("%s: truncated HDF5 file: %d bytes after the superblock at byte offset %d, its end-of-file address says %d",
				path, size-base, base, eof)
		}
		return nil
	}
	return errors.Errorf("%s: not an HDF5 file (no signature at byte 0, 512, 1024, ...)", path)
}

// hdf5Dataset is a dataset found in an HDF5 file with the shape and class its header declares.
type hdf5Dataset struct {
	ds    *hdf5.Dataset
	dims  []int
	class string // "float" or "integer" (HDF5 datatype classes 1 and 0)
	size  int    // bytes per element
}

var h5InfoRe = regexp.MustCompile(`^Dataset: (\w+) \(size=(\d+) bytes\), (?:\d+D array \[([0-9 x]+)\]|scalar)`)

// hdf5Datasets opens an HDF5 file and lists its datasets by path ("/train/data"). The pure-Go
// reader is guarded: a panic inside it on a corrupt file becomes an error naming the file.
// The caller closes the file.
func hdf5Datasets(path string) (f *hdf5.File, out map[string]hdf5Dataset, err error) {
	defer func() {
		if r := recover(); r != nil {
			if f != nil {
				_ = f.Close()
			}
			f, out, err = nil, nil, errors.Errorf("%s: corrupt HDF5 file (reader failed: %v)", path, r)
		}
	}()
	if err := checkHDF5Length(path); err != nil {
		return nil, nil, err
	}
	f, err = hdf5.Open(path)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: opening HDF5 file", path)
	}
	out = map[string]hdf5Dataset{}
	var walkErr error
	f.Walk(func(p string, o hdf5.Object) {
		ds, ok := o.(*hdf5.Dataset)
		if !ok || walkErr != nil {
			return
		}
		info, err := ds.Info()
		if err != nil {
			walkErr = errors.Wrapf(err, "%s: dataset %s: reading its header", path, p)
			return
		}
		m := h5InfoRe.FindStringSubmatch(info)
		if m == nil {
			return // a datatype this reader does not use (strings, compounds, ...)
		}
		d := hdf5Dataset{ds: ds, class: m[1]}
		d.size, _ = strconv.Atoi(m[2])
		for s := range strings.SplitSeq(m[3], " x ") {
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				walkErr = errors.Errorf("%s: dataset %s: bad dimension %q", path, p, s)
				return
			}
			d.dims = append(d.dims, n)
		}
		out[p] = d
	})
	if walkErr != nil {
		_ = f.Close()
		return nil, nil, walkErr
	}
	return f, out, nil
}

// readHDF5Values reads a whole dataset as float64 values, checking the count against its dims and
// guarding against panics of the reader on corrupt files.
func readHDF5Values(path, name string, d hdf5Dataset) (values []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			values, err = nil, errors.Errorf("%s: dataset %s: corrupt data (reader failed: %v)", path, name, r)
		}
	}()
	want := 1
	for _, n := range d.dims {
		want *= n
	}
	// Guard against absurd declared sizes before allocating: gzip cannot compress more than
	// about 1032:1, so a dataset cannot hold more than that many times the file's bytes.
	if st, err := os.Stat(path); err == nil && int64(want)*int64(max(d.size, 1)) > 1100*st.Size()+(1<<20) {
		return nil, errors.Errorf("%s: dataset %s declares %v elements, more than a %d-byte file can hold", path, name, d.dims, st.Size())
	}
	values, err = d.ds.Read()
	if err != nil {
		return nil, errors.Wrapf(err, "%s: reading dataset %s", path, name)
	}
	if len(values) != want {
		return nil, errors.Errorf("%s: dataset %s: read %d values, its shape %v holds %d", path, name, len(values), d.dims, want)
	}
	return values, nil
}

// ReadUSPSH5 reads one split ("train" or "test"; "" means "test") of the Kaggle USPS file
// usps.h5: /SPLIT/data, float32 (N, 256) in [0, 1] (16x16 row-major), and /SPLIT/target, int32
// (N,) labels 0-9. Pixels become uint8 floor(v*255 + 0.5), computed in float64 from the stored
// float32 value (NumPy: np.floor(data.astype(np.float64) * 255 + 0.5).astype(np.uint8)).
// Values outside [0, 1], non-finite values and labels outside 0-9 are errors naming the file,
// the dataset and the element.
func ReadUSPSH5(path, split string) (*Dataset, error) {
	if split == "" {
		split = "test"
	}
	if split != "train" && split != "test" {
		return nil, errors.Errorf("%s: usps.h5 holds splits train and test, not %q", path, split)
	}
	h5, sets, err := hdf5Datasets(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = h5.Close() }()
	dataName, targetName := "/"+split+"/data", "/"+split+"/target"
	dataSet, ok := sets[dataName]
	if !ok {
		return nil, errors.Errorf("%s: no dataset %s (not a USPS usps.h5 file?)", path, dataName)
	}
	targetSet, ok := sets[targetName]
	if !ok {
		return nil, errors.Errorf("%s: no dataset %s (not a USPS usps.h5 file?)", path, targetName)
	}
	if len(dataSet.dims) != 2 || dataSet.dims[1] != uspsPixels || dataSet.class != "float" {
		return nil, errors.Errorf("%s: dataset %s is %s %v, want float (N, %d)", path, dataName, dataSet.class, dataSet.dims, uspsPixels)
	}
	n := dataSet.dims[0]
	if len(targetSet.dims) != 1 || targetSet.dims[0] != n || targetSet.class != "integer" {
		return nil, errors.Errorf("%s: dataset %s is %s %v, want integer (%d,) to match %s",
			path, targetName, targetSet.class, targetSet.dims, n, dataName)
	}
	values, err := readHDF5Values(path, dataName, dataSet)
	if err != nil {
		return nil, err
	}
	targets, err := readHDF5Values(path, targetName, targetSet)
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		Name: "USPS", Domain: "U", Split: split,
		N: n, Height: USPSSide, Width: USPSSide, Channels: 1,
		Pixels: make([]uint8, n*uspsPixels), Labels: make([]int, n), ClassNames: DigitClassNames,
		Provenance: fmt.Sprintf("USPS %s set, HDF5 file %s (%s, %s)", split, mvc.PortablePath(path), dataName, targetName),
	}
	for i, v := range values {
		if !(v >= 0 && v <= 1) {
			return nil, errors.Errorf("%s: dataset %s: value %v of image %d, pixel %d is outside [0, 1]", path, dataName, v, i/uspsPixels, i%uspsPixels)
		}
		d.Pixels[i] = uint8(math.Floor(v*255 + 0.5))
	}
	for i, t := range targets {
		if t != math.Trunc(t) || t < 0 || t > 9 {
			return nil, errors.Errorf("%s: dataset %s: label %v of image %d is not a digit 0-9", path, targetName, t, i)
		}
		d.Labels[i] = int(t)
	}
	return d, nil
}

// USPSArrays is one group of a usps.h5 file as the Kaggle file stores it: Data, float32 (N, 256)
// in [0, 1] row-major, and Target, int32 (N,) labels 0-9.
type USPSArrays struct {
	Data   []float32
	Target []int32
}

// WriteUSPSH5 writes a usps.h5 file in the Kaggle layout (/train and /test groups, each with
// data float32 (N,256) and target int32 (N,)), for test fixtures. The datasets are chunked but
// not compressed: the gzip writer of github.com/scigolib/hdf5 v0.14.0 produces data that does
// not read back. The file is written to a temporary name and renamed into place.
func WriteUSPSH5(path string, train, test USPSArrays) (err error) {
	for _, s := range []struct {
		name string
		a    USPSArrays
	}{{"train", train}, {"test", test}} {
		if len(s.a.Data) != len(s.a.Target)*uspsPixels {
			return errors.Errorf("writing %s: %s has %d values for %d targets, want 256 each", path, s.name, len(s.a.Data), len(s.a.Target))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	tmp := path + ".tmp"
	fw, err := hdf5.CreateForWrite(tmp, hdf5.CreateTruncate)
	if err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	defer func() {
		if fw != nil {
			_ = fw.Close()
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	for _, s := range []struct {
		name string
		a    USPSArrays
	}{{"test", test}, {"train", train}} {
		if _, err := fw.CreateGroup("/" + s.name); err != nil {
			return errors.Wrapf(err, "writing %s: group /%s", path, s.name)
		}
		n := uint64(len(s.a.Target))
		opts := func(chunk ...uint64) []hdf5.DatasetOption {
			if n == 0 {
				return nil
			}
			return []hdf5.DatasetOption{hdf5.WithChunkDims(chunk)}
		}
		dw, err := fw.CreateDataset("/"+s.name+"/data", hdf5.Float32, []uint64{n, uspsPixels}, opts(min(n, 64), 32)...)
		if err != nil {
			return errors.Wrapf(err, "writing %s: /%s/data", path, s.name)
		}
		if err := dw.Write(s.a.Data); err != nil {
			return errors.Wrapf(err, "writing %s: /%s/data", path, s.name)
		}
		tw, err := fw.CreateDataset("/"+s.name+"/target", hdf5.Int32, []uint64{n}, opts(min(n, 64))...)
		if err != nil {
			return errors.Wrapf(err, "writing %s: /%s/target", path, s.name)
		}
		if err := tw.Write(s.a.Target); err != nil {
			return errors.Wrapf(err, "writing %s: /%s/target", path, s.name)
		}
	}
	closeErr := fw.Close()
	fw = nil
	if closeErr != nil {
		return errors.Wrapf(closeErr, "writing %s", path)
	}
	return errors.Wrapf(os.Rename(tmp, path), "writing %s", path)
}
