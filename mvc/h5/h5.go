package h5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pkg/errors"
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

// Error returns "FILE: dataset DATASET: what is wrong".
func (e *DatasetError) Error() string {
	return fmt.Sprintf("%s: dataset %s: %v", e.File, e.Dataset, e.Err)
}

// Unwrap returns what is wrong, for [errors.Is] and [errors.As].
func (e *DatasetError) Unwrap() error { return e.Err }

// Dataset is a dataset of an open file with the type and shape its header declares. Its
// storage was checked against the file when the file was opened.
type Dataset struct {
	// class is "float", "integer", "string" (fixed-length), "vlen" (variable-length: h5py's
	// strings) or the name of another class.
	class string
	// size is the size of one element in bytes.
	size int
	// dims is the shape; nil for a scalar.
	dims []int
	// typ is the datatype that class and size summarize.
	typ h5Type
	// layout and filters say how the data are stored.
	layout  h5Layout
	filters []uint16
	// err, when not nil, says why the dataset cannot be read: storage this reader does not
	// read, or sizes that the file cannot hold. It is returned by every read.
	err error
	// chunks indexes the chunks of a chunked dataset by their position in the grid of chunks
	// (row-major); read at the first read of the dataset.
	chunks map[int]h5chunk
}

// h5chunk is one stored chunk: its address, size in the file and filter mask.
type h5chunk struct {
	addr, size uint64
	mask       uint32
}

func (d *Dataset) count() int {
	n := 1
	for _, v := range d.dims {
		n *= v
	}
	return n
}

// Class returns the class of the dataset's elements: "float", "integer", "string"
// (fixed-length), "vlen" (variable-length strings, as h5py writes them), the name of a class
// this reader does not read ("compound", "enum"...), or "unreadable".
func (d *Dataset) Class() string { return d.class }

// ElemSize returns the size of one element in bytes, as stored.
func (d *Dataset) ElemSize() int { return d.size }

// Shape returns the dataset's dimensions (a copy); nil for a scalar.
func (d *Dataset) Shape() []int { return slices.Clone(d.dims) }

// Len returns the number of elements: the product of the dimensions (1 for a scalar).
func (d *Dataset) Len() int { return d.count() }

// Signed reports whether the elements are signed integers.
func (d *Dataset) Signed() bool { return d.class == "integer" && d.typ.signed }

// Chunked reports whether the data are stored in chunks (which may be compressed), rather
// than in one contiguous or compact block.
func (d *Dataset) Chunked() bool { return d.layout.class == h5Chunked }

// Err returns why the dataset cannot be read (storage this reader does not read, or sizes the
// file cannot hold), or nil.
func (d *Dataset) Err() error { return d.err }

// MaxBytes returns the most bytes of data a dataset may declare in a file of size bytes: the
// file itself for contiguous and compact storage, and what deflate can inflate the file to for
// chunked storage. Larger declarations are refused when the file is opened.
func MaxBytes(size int64, chunked bool) uint64 {
	if !chunked {
		return uint64(size)
	}
	return h5InflateRatio*uint64(size) + 1<<20
}

// File is an HDF5 file opened for reading, with its datasets indexed by path. It is read by
// the reader of format.go, which checks every size it reads against the file, rather than by
// a general HDF5 library: a damaged file must give an error, and libraries allocate what a
// damaged size asks for. Its methods may be called from several goroutines (reads are
// serialized).
type File struct {
	path string
	f    io.ReaderAt
	r    *h5reader
	// mu serializes reads (the chunk indexes are read lazily).
	mu       sync.Mutex
	closed   bool
	datasets map[string]*Dataset
	groups   map[string]bool
}

// Bounds of the walk through a file's groups: real files nest groups a few levels deep and
// hold a few thousand objects.
const (
	h5MaxDepth   = 64
	h5MaxObjects = 1 << 20
)

// Open opens the HDF5 file at path and reads its structure (group and dataset headers, not
// their data). Every size read is checked against the file's size before it is used, so that
// a damaged file gives an error naming the file, never a crash or a huge allocation. format
// names the kind of file in errors ("NWB": "opening NWB file", "not a readable HDF5 (NWB)
// file"); "" stands for plain HDF5. Close the file after use.
func Open(path, format string) (*File, error) {
	kind := orDefault(format, "HDF5")
	st, err := os.Stat(path)
	if err != nil {
		return nil, errors.Wrapf(err, "opening %s file", kind)
	}
	if st.IsDir() {
		return nil, errors.Errorf("%s: is a directory, not an %s file", path, kind)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "opening %s file", kind)
	}
	if st, err = f.Stat(); err != nil {
		_ = f.Close()
		return nil, errors.Wrapf(err, "opening %s file", kind)
	}
	h, err := Read(f, st.Size(), path, format)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return h, nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Read reads the structure of the HDF5 file of size bytes that src holds (an open file, or
// bytes in memory); path names it in errors and format as for [Open]. [File.Close] closes src
// when it is an [io.Closer]; src is not closed on error.
func Read(src io.ReaderAt, size int64, path, format string) (h *File, err error) {
	defer func() {
		if RecoverPanics {
			if r := recover(); r != nil {
				h, err = nil, errors.Errorf("%s: corrupt HDF5 file (reader failed: %v)", path, r)
			}
		}
	}()
	what := "HDF5"
	if format != "" && format != "HDF5" {
		what = "HDF5 (" + format + ")"
	}
	if size < 0 {
		return nil, errors.Errorf("%s: not a readable %s file: size %d", path, what, size)
	}
	r, err := openH5Reader(src, size)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: not a readable %s file", path, what)
	}
	r.resetBudget()
	h = &File{path: path, f: src, r: r, datasets: map[string]*Dataset{}, groups: map[string]bool{}}
	w := &h5walk{h: h, objects: map[uint64]*h5object{}, ancestors: map[uint64]bool{}}
	if err := w.walk(r.rootLink(), "", 0); err != nil {
		return nil, errors.Wrapf(err, "%s: corrupt HDF5 file", path)
	}
	return h, nil
}

// RecoverPanics turns a panic of the reader into an error (a last defence: every size is
// checked before use). Fuzz targets and tests turn it off, to see the panics.
var RecoverPanics = true

// Path returns the file's path, as given to [Open] or [Read].
func (h *File) Path() string { return h.path }

// Datasets returns the paths of the file's datasets (without the leading '/'), sorted,
// readable or not.
func (h *File) Datasets() []string {
	out := make([]string, 0, len(h.datasets))
	for p := range h.datasets {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// IsGroup reports whether the file holds a group at path ("" is the root).
func (h *File) IsGroup(path string) bool { return h.groups[path] }

// CheckLength checks that the file is as long as the end-of-file address in its superblock
// says, so that a truncated file is an error even where the parts read are intact.
func (h *File) CheckLength() error {
	eof := h.r.eof
	if eof == h5Undefined || eof == 0 {
		return nil
	}
	if abs := eof + h.r.base; abs < eof || abs > h.r.size {
		return errors.Errorf("%s: truncated HDF5 file: %d bytes, its superblock says %d", h.path, h.r.size, eof+h.r.base)
	}
	return nil
}

// h5object is an object header read during the walk: a group's links or a dataset.
type h5object struct {
	isGroup bool
	links   []h5Link
	dataset *Dataset
}

// h5walk lists the groups and datasets of a file, reading each object header once.
type h5walk struct {
	h         *File
	objects   map[uint64]*h5object
	ancestors map[uint64]bool
	visits    int
}

func (w *h5walk) walk(link h5Link, path string, depth int) error {
	addr := link.addr
	if w.visits++; w.visits > h5MaxObjects {
		return errors.Errorf("more than %d objects (links that multiply paths)", h5MaxObjects)
	}
	if depth > h5MaxDepth {
		return errors.Errorf("groups nested more than %d deep at %s", h5MaxDepth, path)
	}
	if w.ancestors[addr] {
		return nil // a link back to a group that contains it: listed once
	}
	if err := w.h.r.spend(uint64(len(path))+64, "listing objects"); err != nil {
		return err
	}
	obj, ok := w.objects[addr]
	if !ok {
		msgs, err := w.h.r.objectHeader(addr)
		if err != nil {
			return errors.Wrapf(err, "object /%s", path)
		}
		obj = &h5object{}
		if hasMessage(msgs, h5MsgLayout) {
			obj.dataset = w.h.parseDataset(msgs)
		} else if obj.links, obj.isGroup, err = w.h.r.groupLinks(msgs, link); err != nil {
			return errors.Wrapf(err, "group /%s", path)
		}
		w.objects[addr] = obj
	}
	switch {
	case obj.dataset != nil:
		w.h.datasets[path] = obj.dataset
	case obj.isGroup:
		w.h.groups[path] = true
		w.ancestors[addr] = true
		defer delete(w.ancestors, addr)
		for _, l := range obj.links {
			child := l.name
			if path != "" {
				child = path + "/" + l.name
			}
			if err := w.walk(l, child, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasMessage(msgs []h5Message, typ uint16) bool {
	for _, m := range msgs {
		if m.typ == typ {
			return true
		}
	}
	return false
}

// parseDataset reads a dataset's datatype, dataspace, layout and filters from its header
// messages, and checks that the file can hold the data they declare. A dataset this reader
// cannot read gets an err that its reads return; the file stays readable.
func (h *File) parseDataset(msgs []h5Message) *Dataset {
	d := &Dataset{}
	d.err = h.describe(d, msgs)
	if d.class == "" {
		d.class = "unreadable"
	}
	return d
}

func (h *File) describe(d *Dataset, msgs []h5Message) error {
	var dt, ds, layout, filters *h5Message
	for i := range msgs {
		m := &msgs[i]
		switch m.typ {
		case h5MsgDatatype:
			dt = m
		case h5MsgDataspace:
			ds = m
		case h5MsgLayout:
			layout = m
		case h5MsgFilters:
			filters = m
		default:
			continue
		}
		if m.flags&h5MsgShared != 0 {
			return errors.Errorf("shared header message of type %d (committed datatypes and the like are not read)", m.typ)
		}
	}
	if dt == nil || ds == nil {
		return errors.New("header lacks a datatype or dataspace message")
	}
	var err error
	if d.typ, err = parseDatatype(dt.data); err != nil {
		return err
	}
	d.class, d.size = d.typ.class, d.typ.size
	dims, err := parseDataspace(ds.data, h.r.lenSize)
	if err != nil {
		return err
	}
	n := uint64(1)
	for _, v := range dims {
		if v > math.MaxInt64 || (v > 0 && n > math.MaxInt64/v) {
			return errors.Errorf("shape %v has more elements than any file can hold", dims)
		}
		n *= v
		d.dims = append(d.dims, int(v))
	}
	if d.layout, err = h.r.parseLayout(layout.data); err != nil {
		return err
	}
	if d.class == "vlen" && d.size < 8+h.r.offSize {
		return errors.Errorf("variable-length strings of %d bytes, want %d (length, heap address and index)", d.size, 8+h.r.offSize)
	}
	if d.size <= 0 {
		return errors.Errorf("elements of %d bytes", d.size)
	}
	esize := uint64(d.size)
	if n > math.MaxInt64/esize {
		return errors.Errorf("shape %v of %d-byte elements has more bytes than any file can hold", d.dims, d.size)
	}
	bytes := n * esize
	fileSize := h.r.size
	bound := h5InflateRatio*fileSize + 1<<20
	l := &d.layout
	switch l.class {
	case h5Compact:
		if bytes > uint64(len(l.compact)) {
			return errors.Errorf("shape %v of %d-byte elements needs %d bytes, its compact storage holds %d", d.dims, d.size, bytes, len(l.compact))
		}
	case h5Contiguous:
		if l.size != 0 && l.size < bytes {
			return errors.Errorf("shape %v of %d-byte elements needs %d bytes, its storage holds %d", d.dims, d.size, bytes, l.size)
		}
		if l.addr == h5Undefined {
			bound = fileSize
		} else if abs := l.addr + h.r.base; abs < l.addr || abs > fileSize || bytes > fileSize-abs {
			return errors.Errorf("shape %v of %d-byte elements needs %d bytes at address %d, beyond the file's end (%d bytes)", d.dims, d.size, bytes, l.addr, fileSize)
		}
	case h5Chunked:
		if len(l.chunk) != len(d.dims) {
			return errors.Errorf("chunks of %d dimensions for a dataset of %d", len(l.chunk), len(d.dims))
		}
		if l.chunkElement != esize {
			return errors.Errorf("chunks of %d-byte elements for a dataset of %d-byte elements", l.chunkElement, esize)
		}
		cb := esize
		for _, v := range l.chunk {
			if v == 0 || cb > bound/v {
				return errors.Errorf("chunks of shape %v, more than a %d-byte file can hold", l.chunk, fileSize)
			}
			cb *= v
		}
		if filters != nil {
			if d.filters, err = parseFilters(filters.data); err != nil {
				return err
			}
		}
	}
	if bytes > bound {
		return errors.Errorf("declares %v elements of %d bytes, more than a %d-byte file can hold", d.dims, d.size, fileSize)
	}
	return nil
}

// Close closes the file (its source, when that is an [io.Closer]); reads after Close give
// errors. Closing twice is not an error.
func (h *File) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	if c, ok := h.f.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Errorf returns a [DatasetError] about the dataset at name of this file.
func (h *File) Errorf(name, format string, args ...any) error {
	return &DatasetError{h.path, name, errors.Errorf(format, args...)}
}

// Dataset returns the dataset at name (its path without the leading '/'), or a [DatasetError] wrapping [ErrMissingDataset], or
// one saying why the dataset cannot be read.
func (h *File) Dataset(name string) (*Dataset, error) {
	d, ok := h.datasets[name]
	if !ok {
		what := ErrMissingDataset
		if h.groups[name] {
			what = errors.Wrap(ErrMissingDataset, "is a group, not a dataset")
		}
		return nil, &DatasetError{h.path, name, what}
	}
	if d.err != nil {
		return nil, &DatasetError{h.path, name, errors.Wrap(d.err, "cannot be read")}
	}
	return d, nil
}

// Has reports whether the file holds a dataset at name (readable or not).
func (h *File) Has(name string) bool {
	_, ok := h.datasets[name]
	return ok
}

// guard runs read under the file's lock, turning a panic of the reader into an error that names
// the file and dataset.
func (h *File) guard(name string, read func() error) (err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return &DatasetError{h.path, name, errors.New("file is closed")}
	}
	h.r.resetBudget()
	defer func() {
		if !RecoverPanics {
			return
		}
		if r := recover(); r != nil {
			err = &DatasetError{h.path, name, errors.Errorf("corrupt data (reader failed: %v)", r)}
		}
	}()
	if err := read(); err != nil {
		return &DatasetError{h.path, name, err}
	}
	return nil
}

// Strings reads a string dataset, fixed-length or variable-length (h5py's default), scalar or
// not. Trailing NULs and spaces are removed.
func (h *File) Strings(name string) ([]string, error) {
	d, err := h.Dataset(name)
	if err != nil {
		return nil, err
	}
	if d.class != "string" && d.class != "vlen" {
		return nil, h.Errorf(name, "holds %s values, want text", d.class)
	}
	var out []string
	err = h.guard(name, func() error {
		raw, err := h.raw(d, make([]int, len(d.dims)), d.dims)
		if err != nil {
			return err
		}
		if d.class == "string" {
			for i := 0; i < len(raw); i += d.size {
				out = append(out, string(raw[i:i+d.size]))
			}
			return nil
		}
		out, err = h.vlenStrings(raw, d.size)
		return err
	})
	for i, s := range out {
		out[i] = strings.TrimRight(s, "\x00 ")
	}
	return out, err
}

// vlenStrings reads the variable-length strings whose references (length, global heap address
// and object index) raw holds, one per size bytes. Together they may not hold more bytes than
// the file: references to one heap object many times over are damage.
func (h *File) vlenStrings(raw []byte, size int) ([]string, error) {
	heaps := map[uint64]map[uint16][]byte{}
	var out []string
	total := uint64(0)
	for i := 0; i < len(raw); i += size {
		c := h.r.cursor(raw[i : i+size])
		n, addr, index := uint64(c.u32()), c.addr(), c.u32()
		if addr == 0 || addr == h5Undefined {
			out = append(out, "")
			continue
		}
		heap, ok := heaps[addr]
		if !ok {
			var err error
			if heap, err = h.r.globalHeap(addr); err != nil {
				return nil, errors.Wrapf(err, "string %d", len(out))
			}
			heaps[addr] = heap
		}
		obj, ok := heap[uint16(index)]
		if !ok || index > math.MaxUint16 {
			return nil, errors.Errorf("string %d: no object %d in the global heap at %d", len(out), index, addr)
		}
		if n > uint64(len(obj)) {
			return nil, errors.Errorf("string %d: %d bytes long, its heap object holds %d", len(out), n, len(obj))
		}
		if total += n; total > h.r.size {
			return nil, errors.Errorf("strings of more than the file's %d bytes", h.r.size)
		}
		out = append(out, string(obj[:n]))
	}
	return out, nil
}

// Text reads a string dataset holding one string (scalar or of one element).
func (h *File) Text(name string) (string, error) {
	s, err := h.Strings(name)
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", h.Errorf(name, "holds %d strings, want 1", len(s))
	}
	return s[0], nil
}

// Numeric returns the dataset at name after checking that it holds numbers and has the wanted
// rank (-1: any).
func (h *File) Numeric(name string, rank int) (*Dataset, error) {
	d, err := h.Dataset(name)
	if err != nil {
		return nil, err
	}
	if d.class != "float" && d.class != "integer" {
		return nil, h.Errorf(name, "holds %s values, want numbers", d.class)
	}
	if rank >= 0 && len(d.dims) != rank {
		return nil, h.Errorf(name, "has shape %v, want %d dimensions", d.dims, rank)
	}
	return d, nil
}

// Float64s reads a whole numeric dataset as float64 (row-major). Use [File.Float64Block] for
// parts of large datasets.
func (h *File) Float64s(name string) ([]float64, error) {
	d, err := h.Numeric(name, -1)
	if err != nil {
		return nil, err
	}
	return h.Float64Block(name, make([]int, len(d.dims)), d.dims)
}

// Float64Block reads the block start..start+count of a numeric dataset as float64 values,
// row-major. Only the chunks (or bytes, for contiguous datasets) that hold the block are read.
func (h *File) Float64Block(name string, start, count []int) ([]float64, error) {
	return readBlock(h, name, start, count, func(t *h5Type, raw []byte) ([]float64, error) { return t.float64s(raw), nil })
}

// Float32s reads a whole numeric dataset as float32 (row-major); float64 and integer values are
// rounded to the nearest float32.
func (h *File) Float32s(name string) ([]float32, error) { return h.Float32Block(name, nil, nil) }

// Float32Block reads the block start..start+count of a numeric dataset as float32 values, as
// [File.Float32s] converts them.
func (h *File) Float32Block(name string, start, count []int) ([]float32, error) {
	return readBlock(h, name, start, count, func(t *h5Type, raw []byte) ([]float32, error) {
		if t.class == "float" && t.size == 4 {
			out := make([]float32, len(raw)/4)
			order := t.order()
			for i := range out {
				out[i] = math.Float32frombits(order.Uint32(raw[4*i:]))
			}
			return out, nil
		}
		v := t.float64s(raw)
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out, nil
	})
}

// Int64s reads a whole integer dataset as int64 (row-major). Unsigned 64-bit values above
// the int64 range are errors.
func (h *File) Int64s(name string) ([]int64, error) { return h.Int64Block(name, nil, nil) }

// Int64Block reads the block start..start+count of an integer dataset as int64 values.
func (h *File) Int64Block(name string, start, count []int) ([]int64, error) {
	return readBlock(h, name, start, count, func(t *h5Type, raw []byte) ([]int64, error) {
		return t.int64s(raw, math.MinInt64, math.MaxInt64)
	})
}

// Int32s reads a whole integer dataset as int32 (row-major); values outside the int32 range
// are errors.
func (h *File) Int32s(name string) ([]int32, error) { return h.Int32Block(name, nil, nil) }

// Int32Block reads the block start..start+count of an integer dataset as int32 values.
func (h *File) Int32Block(name string, start, count []int) ([]int32, error) {
	return readBlock(h, name, start, count, func(t *h5Type, raw []byte) ([]int32, error) {
		v, err := t.int64s(raw, math.MinInt32, math.MaxInt32)
		return convert[int32](v), err
	})
}

// Uint8s reads a whole integer dataset as uint8 (row-major); values outside 0-255 are errors.
func (h *File) Uint8s(name string) ([]uint8, error) { return h.Uint8Block(name, nil, nil) }

// Uint8Block reads the block start..start+count of an integer dataset as uint8 values.
func (h *File) Uint8Block(name string, start, count []int) ([]uint8, error) {
	return readBlock(h, name, start, count, func(t *h5Type, raw []byte) ([]uint8, error) {
		v, err := t.int64s(raw, 0, math.MaxUint8)
		return convert[uint8](v), err
	})
}

// Bytes reads the block start..start+count of a numeric dataset (nil start and count: all of
// it) as the bytes of its elements, row-major, in the file's byte order and element size
// ([Dataset.ElemSize]).
func (h *File) Bytes(name string, start, count []int) ([]byte, error) {
	return readBlock(h, name, start, count, func(_ *h5Type, raw []byte) ([]byte, error) { return raw, nil })
}

// convert converts integers already checked to fit in T.
func convert[T int32 | uint8](v []int64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// readBlock reads the block start..start+count of a numeric dataset (nil start and count: the
// whole dataset) and converts its elements with conv, which sees the raw bytes of the block.
func readBlock[T any](h *File, name string, start, count []int, conv func(t *h5Type, raw []byte) ([]T, error)) ([]T, error) {
	d, err := h.Numeric(name, -1)
	if err != nil {
		return nil, err
	}
	if start == nil && count == nil {
		start, count = make([]int, len(d.dims)), d.dims
	}
	if len(start) != len(d.dims) {
		return nil, h.Errorf(name, "has shape %v, want %d dimensions", d.dims, len(start))
	}
	if len(count) != len(start) {
		return nil, h.Errorf(name, "reading %d start indices with %d counts", len(start), len(count))
	}
	for i := range start {
		if start[i] < 0 || count[i] < 0 || start[i] > d.dims[i]-count[i] {
			return nil, h.Errorf(name, "block start %v count %v is outside its shape %v", start, count, d.dims)
		}
	}
	var out []T
	err = h.guard(name, func() error {
		raw, err := h.raw(d, start, count)
		if err != nil {
			return err
		}
		out, err = conv(&d.typ, raw)
		return err
	})
	return out, err
}

// raw returns the bytes of the elements of block start..start+count of d, row-major. The block
// lies inside the dataset's shape; the dataset's storage was checked against the file when it
// was opened.
func (h *File) raw(d *Dataset, start, count []int) ([]byte, error) {
	n := 1
	for _, c := range count {
		n *= c
	}
	out := make([]byte, n*d.size)
	if n == 0 {
		return out, nil
	}
	l := &d.layout
	if l.class != h5Chunked {
		if l.class == h5Contiguous && l.addr == h5Undefined {
			return out, nil // never written: the fill value, zeros
		}
		var err error
		rows(start, count, d.dims, d.size, func(from, to, length int) {
			switch {
			case err != nil:
			case l.class == h5Compact:
				copy(out[to:to+length], l.compact[from:])
			default:
				err = h.readAt(out[to:to+length], l.addr+uint64(from))
			}
		})
		if err != nil {
			return nil, errors.Wrap(err, "reading its data")
		}
		return out, nil
	}
	if err := h.chunkIndex(d); err != nil {
		return nil, err
	}
	rank := len(d.dims)
	chunk, grid := make([]int, rank), make([]int, rank)
	lo, hi := make([]int, rank), make([]int, rank)
	for k := range rank {
		chunk[k] = int(l.chunk[k])
		grid[k] = (d.dims[k] + chunk[k] - 1) / chunk[k]
		lo[k], hi[k] = start[k]/chunk[k], (start[k]+count[k]-1)/chunk[k]
	}
	cc := slices.Clone(lo)
	for {
		key := 0
		for k := range rank {
			key = key*grid[k] + cc[k]
		}
		if c, ok := d.chunks[key]; ok {
			data, err := h.chunkData(d, c, cc)
			if err != nil {
				return nil, errors.Wrapf(err, "chunk %v", cc)
			}
			// The part of the block inside this chunk: where it starts in the chunk and in
			// the block, and its shape.
			cs, bs, box := make([]int, rank), make([]int, rank), make([]int, rank)
			for k := range rank {
				origin := cc[k] * chunk[k]
				from, to := max(start[k], origin), min(start[k]+count[k], origin+chunk[k])
				cs[k], bs[k], box[k] = from-origin, from-start[k], to-from
			}
			copyBox(out, count, bs, data, chunk, cs, box, d.size)
		}
		// Chunks never written hold the fill value: zeros, as out already does.
		k := rank - 1
		for ; k >= 0; k-- {
			if cc[k]++; cc[k] <= hi[k] {
				break
			}
			cc[k] = lo[k]
		}
		if k < 0 {
			return out, nil
		}
	}
}

// readAt reads len(b) bytes of the file at address addr.
func (h *File) readAt(b []byte, addr uint64) error {
	_, err := h.f.ReadAt(b, int64(addr+h.r.base))
	return err
}

// rows calls copyRow for each run of the block start..start+count of an array of shape dims
// (elements of size bytes): a row along the last axis, merged with the next ones while they
// follow each other in the array. from and to are the run's byte offsets in the array and in the
// block, length its length in bytes.
func rows(start, count, dims []int, size int, copyRow func(from, to, length int)) {
	rank := len(dims)
	if rank == 0 {
		copyRow(0, 0, size)
		return
	}
	idx := make([]int, rank)
	runFrom, runTo, runLen := 0, 0, 0
	to := 0
	for {
		from := 0
		for k := range rank {
			from = from*dims[k] + start[k] + idx[k]
		}
		from *= size
		length := count[rank-1] * size
		if runLen > 0 && runFrom+runLen == from {
			runLen += length
		} else {
			if runLen > 0 {
				copyRow(runFrom, runTo, runLen)
			}
			runFrom, runTo, runLen = from, to, length
		}
		to += length
		k := rank - 2
		for ; k >= 0; k-- {
			if idx[k]++; idx[k] < count[k] {
				break
			}
			idx[k] = 0
		}
		if k < 0 {
			copyRow(runFrom, runTo, runLen)
			return
		}
	}
}

// copyBox copies the box of shape box at srcStart in src (an array of shape srcShape) to
// dstStart in dst (an array of shape dstShape), elements of size bytes.
func copyBox(dst []byte, dstShape, dstStart []int, src []byte, srcShape, srcStart, box []int, size int) {
	rank := len(box)
	idx := make([]int, rank)
	for {
		from, to := 0, 0
		for k := range rank {
			from = from*srcShape[k] + srcStart[k] + idx[k]
			to = to*dstShape[k] + dstStart[k] + idx[k]
		}
		n := box[rank-1] * size
		copy(dst[to*size:to*size+n], src[from*size:from*size+n])
		k := rank - 2
		for ; k >= 0; k-- {
			if idx[k]++; idx[k] < box[k] {
				break
			}
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// chunkIndex reads the B-tree that indexes a chunked dataset's chunks, once.
func (h *File) chunkIndex(d *Dataset) error {
	if d.chunks != nil {
		return nil
	}
	chunks := map[int]h5chunk{}
	l := &d.layout
	rank := len(d.dims)
	if l.addr != h5Undefined {
		err := h.r.btree(l.addr, 1, rank+1, func(key, child []byte, level int) error {
			if level > 0 {
				return nil
			}
			c := h.r.cursor(key)
			ch := h5chunk{size: uint64(c.u32()), mask: c.u32()}
			pos := 0
			for k := range rank {
				off := c.uint(8)
				if off%l.chunk[k] != 0 || off >= uint64(d.dims[k]) {
					return errors.Errorf("a chunk at offset %d on axis %d, in a dataset of shape %v with chunks of %v", off, k, d.dims, l.chunk)
				}
				pos = pos*((d.dims[k]+int(l.chunk[k])-1)/int(l.chunk[k])) + int(off/l.chunk[k])
			}
			ch.addr = h.r.cursor(child).addr()
			chunks[pos] = ch
			return nil
		})
		if err != nil {
			return errors.Wrap(err, "reading its chunk index")
		}
	}
	d.chunks = chunks
	return nil
}

// chunkData reads and decodes the chunk at position pos of the grid of chunks: its filters
// (deflate, shuffle, fletcher32) are undone in reverse order, and the result must be exactly
// one chunk of elements, or, for a chunk at the dataset's edge, exactly the part of it inside
// the dataset (as github.com/scigolib/hdf5 writes edge chunks), which is expanded to a chunk.
func (h *File) chunkData(d *Dataset, c h5chunk, pos []int) ([]byte, error) {
	want := uint64(d.size)
	for _, v := range d.layout.chunk {
		want *= v
	}
	data, err := h.r.at(c.addr, uint64(c.size), "chunk")
	if err != nil {
		return nil, err
	}
	for i := len(d.filters) - 1; i >= 0; i-- {
		if i < 32 && c.mask&(1<<i) != 0 {
			continue // not applied to this chunk
		}
		switch d.filters[i] {
		case h5FilterFletcher32:
			if len(data) < 4 {
				return nil, errors.Errorf("%d bytes, too short for its fletcher32 checksum", len(data))
			}
			data = data[:len(data)-4]
		case h5FilterDeflate:
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, errors.Wrap(err, "inflating")
			}
			// Memory grows with what the stream really inflates to, never past one chunk.
			out, err := io.ReadAll(io.LimitReader(zr, int64(want)+1))
			if err != nil {
				return nil, errors.Wrapf(err, "inflating %d bytes", len(data))
			}
			data = out
		case h5FilterShuffle:
			data = unshuffle(data, d.size)
		}
	}
	if uint64(len(data)) != want {
		if full, ok := expandEdge(d, data, pos); ok {
			return full, nil
		}
		return nil, errors.Errorf("holds %d bytes, want %d (a chunk of %v elements of %d bytes)", len(data), want, d.layout.chunk, d.size)
	}
	return data, nil
}

// expandEdge expands the data of an edge chunk stored clipped to the dataset (its part inside
// the dataset, row-major) to a whole chunk, zeros outside the dataset. It reports false when
// pos is not an edge chunk or data does not hold exactly its clipped part.
func expandEdge(d *Dataset, data []byte, pos []int) ([]byte, bool) {
	rank := len(d.dims)
	chunk, edge := make([]int, rank), make([]int, rank)
	n, whole := d.size, true
	for k := range rank {
		chunk[k] = int(d.layout.chunk[k])
		edge[k] = min(chunk[k], d.dims[k]-pos[k]*chunk[k])
		if edge[k] <= 0 {
			return nil, false
		}
		whole = whole && edge[k] == chunk[k]
		n *= edge[k]
	}
	if whole || len(data) != n {
		return nil, false
	}
	full := make([]byte, d.size*prod(chunk))
	zero := make([]int, rank)
	copyBox(full, chunk, zero, data, edge, zero, edge, d.size)
	return full, true
}

// prod returns the product of v.
func prod(v []int) int {
	n := 1
	for _, x := range v {
		n *= x
	}
	return n
}

// unshuffle undoes HDF5's shuffle filter, which stores byte j of every element together.
func unshuffle(data []byte, size int) []byte {
	n := len(data) / size
	if size <= 1 || n <= 1 {
		return data
	}
	out := make([]byte, len(data))
	for j := range size {
		for i, b := range data[j*n : (j+1)*n] {
			out[i*size+j] = b
		}
	}
	copy(out[n*size:], data[n*size:])
	return out
}

// float64s converts elements of this integer or float type to float64.
func (t *h5Type) float64s(raw []byte) []float64 {
	order := t.order()
	out := make([]float64, len(raw)/t.size)
	for i := range out {
		b := raw[i*t.size:]
		switch {
		case t.class == "float" && t.size == 4:
			out[i] = float64(math.Float32frombits(order.Uint32(b)))
		case t.class == "float":
			out[i] = math.Float64frombits(order.Uint64(b))
		case t.size == 1 && t.signed:
			out[i] = float64(int8(b[0]))
		case t.size == 1:
			out[i] = float64(b[0])
		case t.size == 2 && t.signed:
			out[i] = float64(int16(order.Uint16(b)))
		case t.size == 2:
			out[i] = float64(order.Uint16(b))
		case t.size == 4 && t.signed:
			out[i] = float64(int32(order.Uint32(b)))
		case t.size == 4:
			out[i] = float64(order.Uint32(b))
		case t.signed:
			out[i] = float64(int64(order.Uint64(b)))
		default:
			out[i] = float64(order.Uint64(b))
		}
	}
	return out
}

// order returns the byte order of the elements.
func (t *h5Type) order() binary.ByteOrder {
	if t.bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// int64s converts elements of this integer type to int64, checking that each lies in lo..hi.
func (t *h5Type) int64s(raw []byte, lo, hi int64) ([]int64, error) {
	if t.class != "integer" {
		return nil, errors.Errorf("holds %s values, want integers", t.class)
	}
	order := t.order()
	out := make([]int64, len(raw)/t.size)
	for i := range out {
		b := raw[i*t.size:]
		var u uint64
		switch t.size {
		case 1:
			u = uint64(b[0])
		case 2:
			u = uint64(order.Uint16(b))
		case 4:
			u = uint64(order.Uint32(b))
		default:
			u = order.Uint64(b)
		}
		var v int64
		switch {
		case t.signed && t.size < 8:
			shift := 64 - 8*t.size
			v = int64(u<<shift) >> shift
		case t.signed:
			v = int64(u)
		case u > math.MaxInt64:
			return nil, errors.Errorf("value %d of element %d is outside %d..%d", u, i, lo, hi)
		default:
			v = int64(u)
		}
		if v < lo || v > hi {
			return nil, errors.Errorf("value %d of element %d is outside %d..%d", v, i, lo, hi)
		}
		out[i] = v
	}
	return out, nil
}

// Message is one message of an object header, as [File.HeaderMessages] returns it: for tools
// and tests that locate a structure in a file (a dataset's dataspace, its layout).
type Message struct {
	// Type is the message type (HDF5 File Format Specification, IV.A.2): [MsgDataspace],
	// [MsgLayout]...
	Type uint16
	// Flags are the message's flags.
	Flags uint8
	// Data is the message's body.
	Data []byte
	// Addr is the file address of Data.
	Addr uint64
}

// Message types, as [Message.Type] holds them.
const (
	MsgDataspace   = h5MsgDataspace
	MsgDatatype    = h5MsgDatatype
	MsgLayout      = h5MsgLayout
	MsgFilters     = h5MsgFilters
	MsgSymbolTable = h5MsgSymbolTable
)

// HeaderMessages returns the messages of the object header of the group or dataset at path
// ("" is the root group), found by following the links from the root. Continuation messages
// are followed, not returned.
func (h *File) HeaderMessages(path string) ([]Message, error) {
	var out []Message
	err := h.guard(path, func() error {
		link := h.r.rootLink()
		if path != "" {
			for name := range strings.SplitSeq(path, "/") {
				msgs, err := h.r.objectHeader(link.addr)
				if err != nil {
					return err
				}
				links, _, err := h.r.groupLinks(msgs, link)
				if err != nil {
					return err
				}
				i := slices.IndexFunc(links, func(l h5Link) bool { return l.name == name })
				if i < 0 {
					return errors.Wrapf(ErrMissingDataset, "no %s", name)
				}
				link = links[i]
			}
		}
		msgs, err := h.r.objectHeader(link.addr)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			out = append(out, Message{Type: m.typ, Flags: m.flags, Data: m.data, Addr: m.at})
		}
		return nil
	})
	return out, err
}
