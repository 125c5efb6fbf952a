package h5

// The fuzz target of the HDF5 reader: no damaged file may crash the program, allocate more than
// the file can justify, accept a dataset larger than the file can hold, or give an error that
// does not name the file. Its seeds are made when it starts: a small file written as the
// project writes its files (github.com/scigolib/hdf5, chunked and contiguous datasets of
// several types), and an h5py-written experiment file (gzip-chunked datasets, variable-length
// strings) from the allen package's test data. Run it with e.g.
// `go test ./mvc/h5 -run '^$' -fuzz '^FuzzH5$' -fuzztime 2m`.

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// fuzzAllocLimit bounds what reading one input may allocate: a damaged size that got through
// would ask for far more.
const fuzzAllocLimit = 1 << 30

func FuzzH5(f *testing.F) {
	recoverPanics := RecoverPanics
	f.Cleanup(func() { RecoverPanics = recoverPanics })
	RecoverPanics = false // a panic is a bug to see, not an error to return
	f.Add(smallFile(f))
	raw, err := os.ReadFile(filepath.Join("..", "allen", "testdata", "h5py_session_a.nwb"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		checkNoPanic(t, raw, "fuzz input")
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > fuzzAllocLimit {
			t.Fatalf("reading a %d-byte file allocated %d bytes", len(raw), n)
		}
	})
}
