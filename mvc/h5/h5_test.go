package h5

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/scigolib/hdf5"
)

// smallFile writes a small HDF5 file as the project writes its files (github.com/scigolib/hdf5):
// a group /g with a chunked float32 [5, 6] (chunks of 2 x 4, so edge chunks are clipped), a
// contiguous int32 [4], a contiguous uint8 [3] and a contiguous float64 [2]; and returns it.
func smallFile(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.h5")
	fw, err := hdf5.CreateForWrite(path, hdf5.CreateTruncate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.CreateGroup("/g"); err != nil {
		t.Fatal(err)
	}
	write := func(name string, dtype hdf5.Datatype, dims []uint64, values any, opts ...hdf5.DatasetOption) {
		dw, err := fw.CreateDataset(name, dtype, dims, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := dw.Write(values); err != nil {
			t.Fatal(err)
		}
	}
	grid := make([]float32, 30)
	for i := range grid {
		grid[i] = float32(i) / 2
	}
	write("/g/grid", hdf5.Float32, []uint64{5, 6}, grid, hdf5.WithChunkDims([]uint64{2, 4}))
	write("/g/ints", hdf5.Int32, []uint64{4}, []int32{-3, 0, 300, math.MaxInt32})
	write("/g/bytes", hdf5.Uint8, []uint64{3}, []uint8{0, 128, 255})
	write("/doubles", hdf5.Float64, []uint64{2}, []float64{1.5, -1e300})
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readBytes opens a file held in memory; name stands for its path in errors.
func readBytes(raw []byte, name string) (*File, error) {
	return Read(bytes.NewReader(raw), int64(len(raw)), name, "")
}

// The typed reads convert as documented and refuse values their type cannot hold.
func TestTypedReads(t *testing.T) {
	f, err := readBytes(smallFile(t), "small.h5")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Datasets(), []string{"doubles", "g/bytes", "g/grid", "g/ints"}; !slices.Equal(got, want) {
		t.Fatalf("datasets %v, want %v", got, want)
	}
	if !f.IsGroup("g") || f.IsGroup("g/grid") || !f.Has("g/grid") || f.Has("g") {
		t.Error("groups and datasets mixed up")
	}
	// A block across chunks, edge chunks included.
	block, err := f.Float32Block("g/grid", []int{1, 3}, []int{4, 3})
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	for r := 1; r < 5; r++ {
		for c := 3; c < 6; c++ {
			want = append(want, float32(r*6+c)/2)
		}
	}
	if !slices.Equal(block, want) {
		t.Errorf("grid block %v, want %v", block, want)
	}
	all, err := f.Float64s("g/grid")
	if err != nil || len(all) != 30 || all[29] != 14.5 {
		t.Errorf("whole grid: %v, %v", all, err)
	}
	if v, err := f.Int64s("g/ints"); err != nil || !slices.Equal(v, []int64{-3, 0, 300, math.MaxInt32}) {
		t.Errorf("Int64s: %v, %v", v, err)
	}
	if v, err := f.Int32Block("g/ints", []int{1}, []int{2}); err != nil || !slices.Equal(v, []int32{0, 300}) {
		t.Errorf("Int32Block: %v, %v", v, err)
	}
	if v, err := f.Uint8s("g/bytes"); err != nil || !slices.Equal(v, []uint8{0, 128, 255}) {
		t.Errorf("Uint8s: %v, %v", v, err)
	}
	if v, err := f.Float64s("doubles"); err != nil || !slices.Equal(v, []float64{1.5, -1e300}) {
		t.Errorf("Float64s: %v, %v", v, err)
	}
	if v, err := f.Bytes("g/bytes", []int{2}, []int{1}); err != nil || !slices.Equal(v, []byte{255}) {
		t.Errorf("Bytes: %v, %v", v, err)
	}
	for _, c := range []struct {
		name string
		read func() error
		says string
	}{
		{"uint8 of 300", func() error { _, err := f.Uint8s("g/ints"); return err }, "value -3 of element 0 is outside 0..255"},
		{"integers of floats", func() error { _, err := f.Int64s("doubles"); return err }, "holds float values, want integers"},
		{"missing", func() error { _, err := f.Float64s("g/none"); return err }, "dataset g/none: missing"},
		{"group", func() error { _, err := f.Float64s("g"); return err }, "is a group, not a dataset"},
		{"outside", func() error { _, err := f.Float32Block("g/grid", []int{4, 0}, []int{2, 6}); return err }, "outside its shape"},
		{"rank", func() error { _, err := f.Float32Block("g/grid", []int{0}, []int{1}); return err }, "want 1 dimensions"},
	} {
		err := c.read()
		if err == nil || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "small.h5") {
			t.Errorf("%s: error %v, want one naming the file and saying %q", c.name, err, c.says)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float64s("doubles"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("read after Close: %v", err)
	}
}

// A file cut short is an error from CheckLength, naming the file, even where the structures
// read are intact; the whole file is not.
func TestCheckLength(t *testing.T) {
	raw := smallFile(t)
	f, err := readBytes(raw, "whole.h5")
	if err != nil || f.CheckLength() != nil {
		t.Fatalf("whole file: %v, %v", err, f.CheckLength())
	}
	cut := raw[:len(raw)-1]
	if f, err := readBytes(cut, "cut.h5"); err == nil {
		if err := f.CheckLength(); err == nil || !strings.Contains(err.Error(), "cut.h5: truncated HDF5 file") {
			t.Errorf("file cut by one byte: %v", err)
		}
	}
}

// checkNoPanic opens raw and reads every dataset (strings too), failing the test with the
// damage's description and the stack if the reader panics, or if an error does not name the
// file. The reader's recovery from panics is off, so that none is hidden.
func checkNoPanic(t testing.TB, raw []byte, what string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", what, r, debug.Stack())
		}
	}()
	const name = "damaged.h5"
	var errs []error
	f, err := readBytes(raw, name)
	if err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, readEvery(t, f, int64(len(raw)))...)
	}
	for _, err := range errs {
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", what, err)
		}
	}
}

// readEvery reads every dataset of f (numbers as float64, strings as strings) and returns the
// errors, failing the test if a dataset accepted declares more data than its file can hold.
func readEvery(t testing.TB, f *File, size int64) []error {
	var errs []error
	errs = append(errs, f.CheckLength())
	for _, name := range f.Datasets() {
		d, err := f.Dataset(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n := uint64(d.Len()) * uint64(d.ElemSize()); n > MaxBytes(size, d.Chunked()) {
			t.Fatalf("dataset %s accepted: %v elements of %d bytes in a %d-byte file", name, d.Shape(), d.ElemSize(), size)
		}
		switch d.Class() {
		case "string", "vlen":
			_, err = f.Strings(name)
		default:
			_, err = f.Float64s(name)
		}
		errs = append(errs, err)
	}
	return errs
}

// Every truncation of a small file, and every byte of it damaged two ways: errors naming the
// file, never a panic. The fuzz target FuzzH5 goes further.
func TestDamagedH5Sweep(t *testing.T) {
	defer func(v bool) { RecoverPanics = v }(RecoverPanics)
	RecoverPanics = false
	raw := smallFile(t)
	for n := range len(raw) {
		checkNoPanic(t, raw[:n], fmt.Sprintf("file cut to %d of %d bytes", n, len(raw)))
	}
	for at := range raw {
		for _, v := range []byte{raw[at] ^ 0xff, 0x7f} {
			damaged := slices.Clone(raw)
			damaged[at] = v
			checkNoPanic(t, damaged, fmt.Sprintf("byte %d set to %#x", at, v))
		}
	}
}

// One operation may read a few times the file, no more: a damaged file whose structures point
// many times at the same large one (a B-tree whose children are all one big node, strings that
// all name one big heap object) is refused before its cost grows with the square of its size.
func TestReadBudget(t *testing.T) {
	const size = 1000
	r := &h5reader{r: bytes.NewReader(make([]byte, size)), size: size}
	r.resetBudget()
	reads := 0
	for {
		if _, err := r.at(0, size, "node"); err != nil {
			if !strings.Contains(err.Error(), "point at each other over and over") {
				t.Fatalf("error %q", err)
			}
			break
		}
		reads++
	}
	if want := (4*size + 64<<20) / size; reads != want {
		t.Errorf("%d reads of the whole file before the error, want %d", reads, want)
	}
	r.resetBudget()
	if _, err := r.at(0, size, "node"); err != nil {
		t.Errorf("after a reset: %v", err)
	}
}
