package allen

// The fuzz target of the experiment file reader: no damaged file may crash the program, allocate
// more than the file can justify, or give an error that does not name the file. Its seeds are
// made when it starts, from the simulator's writer (a tiny experiment) and the h5py fixtures in
// testdata; inputs that once failed are kept under testdata/fuzz/FuzzNWB. Run it with e.g.
// `go test ./mvc/allen -run '^$' -fuzz '^FuzzNWB$' -fuzztime 2m`.

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/h5"
)

// fuzzAllocLimit bounds what reading one input may allocate: a damaged size that got through
// would ask for far more.
const fuzzAllocLimit = 1 << 30

func FuzzNWB(f *testing.F) {
	recoverPanics := h5.RecoverPanics
	f.Cleanup(func() { h5.RecoverPanics = recoverPanics })
	h5.RecoverPanics = false // a panic is a bug to see, not an error to return
	f.Add(tinyNWB(f))
	for _, name := range []string{"h5py_session_b.nwb", "h5py_session_a.nwb"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	const name = "fuzz.nwb"
	f.Fuzz(func(t *testing.T, raw []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		file, err := openBytes(raw, name)
		errs := []error{err}
		if err == nil {
			for _, path := range file.h.Datasets() {
				d, err := file.h.Dataset(path)
				if err != nil {
					continue
				}
				bytes := uint64(d.Len()) * uint64(d.ElemSize())
				if bound := h5.MaxBytes(int64(len(raw)), d.Chunked()); bytes > bound {
					t.Fatalf("dataset %s accepted: %v elements of %d bytes in a %d-byte file", path, d.Shape(), d.ElemSize(), len(raw))
				}
			}
			errs = readAll(file, true)
		}
		for _, err := range errs {
			if err != nil && !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the file", err)
			}
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > fuzzAllocLimit {
			t.Fatalf("reading a %d-byte file allocated %d bytes", len(raw), n)
		}
	})
}
