package data

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/h5"

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

// uspsDataset returns the dataset at name ("/train/data") of a usps.h5 file: an error naming
// the file when it is missing, or when its storage cannot be read or declares more data than
// the file can hold.
func uspsDataset(h *h5.File, name string) (*h5.Dataset, error) {
	if !h.Has(name[1:]) {
		return nil, errors.Errorf("%s: no dataset %s (not a USPS usps.h5 file?)", h.Path(), name)
	}
	return h.Dataset(name[1:])
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
	h, err := openUSPSH5(path)
	if err != nil {
		return false
	}
	_ = h.Close()
	return h.Has("train/data") || h.Has("test/data")
}

// openUSPSH5 opens an HDF5 file with the project's bounded reader (package h5: every size,
// count and offset read from the file is checked against the file before anything is
// allocated) and checks that the file is as long as its superblock says, so that a truncated
// file is an error even where the part read is intact. The caller closes the file.
func openUSPSH5(path string) (*h5.File, error) {
	h, err := h5.Open(path, "USPS")
	if err != nil {
		return nil, err
	}
	if err := h.CheckLength(); err != nil {
		_ = h.Close()
		return nil, err
	}
	return h, nil
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
	h, err := openUSPSH5(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = h.Close() }()
	return readUSPSSplit(h, split)
}

// readUSPSSplit reads one split ("train" or "test") of an open usps.h5 file, as [ReadUSPSH5]
// describes.
func readUSPSSplit(h *h5.File, split string) (*Dataset, error) {
	path := h.Path()
	dataName, targetName := "/"+split+"/data", "/"+split+"/target"
	dataSet, err := uspsDataset(h, dataName)
	if err != nil {
		return nil, err
	}
	targetSet, err := uspsDataset(h, targetName)
	if err != nil {
		return nil, err
	}
	dims := dataSet.Shape()
	if len(dims) != 2 || dims[1] != uspsPixels || dataSet.Class() != "float" {
		return nil, errors.Errorf("%s: dataset %s is %s %v, want float (N, %d)", path, dataName, dataSet.Class(), dims, uspsPixels)
	}
	n := dims[0]
	if tdims := targetSet.Shape(); len(tdims) != 1 || tdims[0] != n || targetSet.Class() != "integer" {
		return nil, errors.Errorf("%s: dataset %s is %s %v, want integer (%d,) to match %s",
			path, targetName, targetSet.Class(), tdims, n, dataName)
	}
	values, err := h.Float64s(dataName[1:])
	if err != nil {
		return nil, err
	}
	targets, err := h.Int64s(targetName[1:])
	if err != nil {
		return nil, err
	}
	if len(values) != n*uspsPixels || len(targets) != n {
		return nil, errors.Errorf("%s: read %d values and %d labels for %d images", path, len(values), len(targets), n)
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
		if t < 0 || t > 9 {
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
