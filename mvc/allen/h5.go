package allen

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
	"github.com/scigolib/hdf5"
)

// ErrMissingDataset is wrapped by the [DatasetError] of a dataset the file lacks.
var ErrMissingDataset = errors.New("missing")

// DatasetError is an error about one dataset of one file: it is missing, has the wrong shape or
// type, or holds bad values. Its message names both.
type DatasetError struct {
	// File is the file's path.
	File string
	// Dataset is the dataset's path inside the file, without the leading '/'.
	Dataset string
	// Err says what is wrong.
	Err error
}

func (e *DatasetError) Error() string {
	return fmt.Sprintf("%s: dataset %s: %v", e.File, e.Dataset, e.Err)
}

func (e *DatasetError) Unwrap() error { return e.Err }

// h5dataset is a dataset of an open file with the type and shape its header declares.
type h5dataset struct {
	ds *hdf5.Dataset
	// class is "float", "integer", "string" (fixed-length), "vlen" (variable-length: h5py's
	// strings) or the library's name of another class.
	class string
	// size is the size of one element in bytes.
	size int
	// dims is the shape; nil for a scalar.
	dims []int
}

func (d *h5dataset) count() int {
	n := 1
	for _, v := range d.dims {
		n *= v
	}
	return n
}

// h5file is an HDF5 file opened for reading, with its datasets indexed by path.
type h5file struct {
	path string
	f    *hdf5.File
	// mu serializes reads: the pure-Go reader is not documented as safe for concurrent use.
	mu       sync.Mutex
	datasets map[string]*h5dataset
	groups   map[string]bool
}

// h5InfoRe parses github.com/scigolib/hdf5's Dataset.Info (v0.14.0): "Dataset: float (size=4
// bytes), 2D array [3 x 4], chunked ..."; 3D and higher print as "3D array [a b c]".
var h5InfoRe = regexp.MustCompile(`^Dataset: (\S+?)(?:\{.*\})? \(size=(\d+) bytes\), (scalar|null|\d+D array \[([0-9 x]*)\])`)

// openH5 opens an HDF5 file and reads its structure (group and dataset headers, not their data).
// A panic of the reader on a corrupt file is returned as an error naming the file.
func openH5(path string) (h *h5file, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening NWB file")
	}
	if st.IsDir() {
		return nil, errors.Errorf("%s: is a directory, not an NWB file", path)
	}
	h = &h5file{path: path, datasets: map[string]*h5dataset{}, groups: map[string]bool{}}
	defer func() {
		if r := recover(); r != nil {
			if h != nil && h.f != nil {
				_ = h.f.Close()
			}
			h, err = nil, errors.Errorf("%s: corrupt HDF5 file (reader failed: %v)", path, r)
		}
	}()
	h.f, err = hdf5.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: not a readable HDF5 (NWB) file", path)
	}
	var walkErr error
	h.f.Walk(func(p string, o hdf5.Object) {
		if walkErr != nil {
			return
		}
		name := strings.Trim(p, "/")
		ds, ok := o.(*hdf5.Dataset)
		if !ok {
			h.groups[name] = true
			return
		}
		d := &h5dataset{ds: ds}
		info, err := ds.Info()
		if err != nil {
			// A datatype the reader cannot describe: the dataset stays listed, unreadable.
			d.class = "unsupported (" + err.Error() + ")"
			h.datasets[name] = d
			return
		}
		m := h5InfoRe.FindStringSubmatch(info)
		if m == nil {
			d.class = "unsupported (" + info + ")"
			h.datasets[name] = d
			return
		}
		d.class = m[1]
		if d.class == "class_9" {
			d.class = "vlen"
		}
		d.size, _ = strconv.Atoi(m[2])
		switch {
		case m[3] == "scalar":
		case m[3] == "null":
			d.dims = []int{0}
		default:
			for s := range strings.FieldsSeq(strings.ReplaceAll(m[4], "x", " ")) {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					walkErr = &DatasetError{path, name, errors.Errorf("bad dimension %q in %q", s, info)}
					return
				}
				d.dims = append(d.dims, n)
			}
		}
		h.datasets[name] = d
	})
	if walkErr != nil {
		_ = h.f.Close()
		return nil, walkErr
	}
	return h, nil
}

func (h *h5file) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return nil
	}
	err := h.f.Close()
	h.f = nil
	return err
}

func (h *h5file) errorf(name, format string, args ...any) error {
	return &DatasetError{h.path, name, errors.Errorf(format, args...)}
}

// dataset returns the dataset at name, or a [DatasetError] wrapping [ErrMissingDataset].
func (h *h5file) dataset(name string) (*h5dataset, error) {
	d, ok := h.datasets[name]
	if !ok {
		what := ErrMissingDataset
		if h.groups[name] {
			what = errors.Wrap(ErrMissingDataset, "is a group, not a dataset")
		}
		return nil, &DatasetError{h.path, name, what}
	}
	return d, nil
}

func (h *h5file) has(name string) bool {
	_, ok := h.datasets[name]
	return ok
}

// guard runs read under the file's lock, turning a panic of the reader into an error that names
// the file and dataset.
func (h *h5file) guard(name string, read func() error) (err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return &DatasetError{h.path, name, errors.New("file is closed")}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &DatasetError{h.path, name, errors.Errorf("corrupt data (reader failed: %v)", r)}
		}
	}()
	if err := read(); err != nil {
		return &DatasetError{h.path, name, err}
	}
	return nil
}

// strings reads a string dataset, fixed-length or variable-length (h5py's default), scalar or
// not. Trailing NULs and spaces are removed.
func (h *h5file) strings(name string) ([]string, error) {
	d, err := h.dataset(name)
	if err != nil {
		return nil, err
	}
	var out []string
	err = h.guard(name, func() error {
		switch d.class {
		case "string":
			s, err := d.ds.ReadStrings()
			if err != nil {
				return errors.Wrap(err, "reading fixed-length strings")
			}
			out = s
		case "vlen":
			b, err := d.ds.ReadVLenBytes()
			if err != nil {
				return errors.Wrap(err, "reading variable-length strings")
			}
			for _, v := range b {
				out = append(out, string(v))
			}
		default:
			return errors.Errorf("holds %s values, want text", d.class)
		}
		return nil
	})
	for i, s := range out {
		out[i] = strings.TrimRight(s, "\x00 ")
	}
	return out, err
}

// text reads a string dataset holding one string (scalar or of one element).
func (h *h5file) text(name string) (string, error) {
	s, err := h.strings(name)
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", h.errorf(name, "holds %d strings, want 1", len(s))
	}
	return s[0], nil
}

// checkNumeric checks that a dataset holds numbers and has the wanted rank (-1: any).
func (h *h5file) checkNumeric(name string, rank int) (*h5dataset, error) {
	d, err := h.dataset(name)
	if err != nil {
		return nil, err
	}
	if d.class != "float" && d.class != "integer" {
		return nil, h.errorf(name, "holds %s values, want numbers", d.class)
	}
	if rank >= 0 && len(d.dims) != rank {
		return nil, h.errorf(name, "has shape %v, want %d dimensions", d.dims, rank)
	}
	return d, nil
}

// floats reads a whole numeric dataset as float64 (row-major). Use slice for parts of large
// datasets.
func (h *h5file) floats(name string) ([]float64, error) {
	d, err := h.checkNumeric(name, -1)
	if err != nil {
		return nil, err
	}
	if len(d.dims) == 0 {
		var v []float64
		err := h.guard(name, func() error {
			var err error
			v, err = d.ds.Read()
			return err
		})
		return v, err
	}
	start := make([]int, len(d.dims))
	return h.slice(name, start, d.dims)
}

// slice reads the block start..start+count of a numeric dataset as float64 values, row-major.
// Only the chunks (or bytes, for contiguous datasets) that hold the block are read.
func (h *h5file) slice(name string, start, count []int) ([]float64, error) {
	d, err := h.checkNumeric(name, len(start))
	if err != nil {
		return nil, err
	}
	if len(count) != len(start) {
		return nil, h.errorf(name, "reading %d start indices with %d counts", len(start), len(count))
	}
	want := 1
	st, ct := make([]uint64, len(start)), make([]uint64, len(start))
	for i := range start {
		if start[i] < 0 || count[i] < 0 || start[i]+count[i] > d.dims[i] {
			return nil, h.errorf(name, "block start %v count %v is outside its shape %v", start, count, d.dims)
		}
		st[i], ct[i] = uint64(start[i]), uint64(count[i])
		want *= count[i]
	}
	if want == 0 {
		return []float64{}, nil
	}
	// The declared size was read from the file: guard against absurd sizes of corrupt headers
	// before the reader allocates (gzip cannot compress more than about 1032:1).
	if fi, err := os.Stat(h.path); err == nil && float64(want)*float64(max(d.size, 1)) > 1100*float64(fi.Size())+(1<<20) {
		return nil, h.errorf(name, "declares %v elements, more than a %d-byte file can hold", d.dims, fi.Size())
	}
	var out []float64
	err = h.guard(name, func() error {
		v, err := d.ds.ReadSlice(st, ct)
		if err != nil {
			return err
		}
		f, ok := v.([]float64)
		if !ok {
			return errors.Errorf("reader returned %T, want []float64", v)
		}
		if len(f) != want {
			return errors.Errorf("reader returned %d values for a block of %d", len(f), want)
		}
		out = f
		return nil
	})
	return out, err
}

// integer converts a float read from a dataset to an int, checking that it is a whole number.
func integer(v float64) (int, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, false
	}
	return int(v), true
}
