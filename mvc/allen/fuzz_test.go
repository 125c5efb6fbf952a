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
)

// fuzzAllocLimit bounds what reading one input may allocate: a damaged size that got through
// would ask for far more.
const fuzzAllocLimit = 1 << 30

func FuzzNWB(f *testing.F) {
	recoverPanics := h5RecoverPanics
	f.Cleanup(func() { h5RecoverPanics = recoverPanics })
	h5RecoverPanics = false // a panic is a bug to see, not an error to return
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
			size := uint64(len(raw))
			for path, d := range file.h.datasets {
				if d.err != nil {
					continue
				}
				bytes := uint64(d.count()) * uint64(d.size)
				bound := h5InflateRatio*size + 1<<20
				if d.layout.class != h5Chunked {
					bound = size
				}
				if bytes > bound {
					t.Fatalf("dataset %s accepted: %v elements of %d bytes in a %d-byte file", path, d.dims, d.size, size)
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
