package data_test

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// pythonWith returns Debian's python3 when it imports all the given modules; otherwise the test
// is skipped (CI installs python3-numpy, python3-h5py and python3-scipy; a pyenv python first on
// PATH usually lacks them).
func pythonWith(t *testing.T, modules ...string) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		cmd := exec.Command(py, "-c", "import "+strings.Join(modules, ", "))
		if cmd.Run() == nil {
			return py
		}
	}
	t.Skipf("no python3 with %s: install python3-numpy python3-h5py python3-scipy to check interoperability", strings.Join(modules, ", "))
	return ""
}

// runPython runs a check script; it must print "OK".
func runPython(t *testing.T, py, script string, args ...string) {
	t.Helper()
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("python check failed: %v\n%s", err, out)
	}
}

// TestExportMatchesNumPyH5pyScipy checks the criterion: the arrays "mvc data export"
// writes equal what numpy, h5py and scipy read from the same files, for files written by the
// project's writers in each official format, and for the real usps.h5 when $MVC_DATA has it.
func TestExportMatchesNumPyH5pyScipy(t *testing.T) {
	py := pythonWith(t, "numpy", "h5py", "scipy.io")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))

	// SVHN: MAT v5 written by WriteMAT (compressed), read by scipy.io.loadmat.
	svhn := &data.Dataset{Name: "SVHN", N: 7, Height: 32, Width: 32, Channels: 3, Pixels: make([]uint8, 7*32*32*3),
		Labels: make([]int, 7), ClassNames: data.DigitClassNames}
	for i := range svhn.Pixels {
		svhn.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range svhn.Labels {
		svhn.Labels[i] = rng.IntN(10)
	}
	vars, err := data.SVHNVariables(svhn)
	if err != nil {
		t.Fatal(err)
	}
	matPath := filepath.Join(dir, "test_32x32.mat")
	if err := data.WriteMAT(matPath, vars, true); err != nil {
		t.Fatal(err)
	}
	exportAndCheck(t, py, "svhn-mat", matPath, "test", `
import sys, numpy as np, scipy.io
m = scipy.io.loadmat(sys.argv[1])
X = np.transpose(m["X"], (3, 0, 1, 2)); y = m['y'].ravel().astype(np.int64); y[y == 10] = 0
img = np.load(sys.argv[2]); lab = np.load(sys.argv[3])
assert img.dtype == np.uint8 and lab.dtype == np.int64, (img.dtype, lab.dtype)
assert np.array_equal(img, X) and np.array_equal(lab, y)
print("OK")`)

	// USPS: usps.h5 written by WriteUSPSH5, read by h5py.
	train := data.USPSArrays{Data: make([]float32, 5*256), Target: make([]int32, 5)}
	test := data.USPSArrays{Data: make([]float32, 4*256), Target: make([]int32, 4)}
	for _, a := range []data.USPSArrays{train, test} {
		for i := range a.Data {
			a.Data[i] = float32(rng.IntN(1001)) / 1000
		}
		for i := range a.Target {
			a.Target[i] = int32(rng.IntN(10))
		}
	}
	h5Path := filepath.Join(dir, "usps.h5")
	if err := data.WriteUSPSH5(h5Path, train, test); err != nil {
		t.Fatal(err)
	}
	uspsCheck := `
import sys, numpy as np, h5py
with h5py.File(sys.argv[1], 'r') as f:
    d = f[sys.argv[4]]['data'][:]; t = f[sys.argv[4]]['target'][:]
ref = np.floor(d.astype(np.float64) * 255 + 0.5).astype(np.uint8).reshape(-1, 16, 16, 1)
img = np.load(sys.argv[2]); lab = np.load(sys.argv[3])
assert np.array_equal(img, ref) and np.array_equal(lab, t.astype(np.int64))
print("OK")`
	exportAndCheck(t, py, "usps-h5", h5Path, "train", uspsCheck)
	exportAndCheck(t, py, "usps-h5", h5Path, "test", uspsCheck)

	// CIFAR-100 binary written by WriteCIFAR100, read with numpy as the dataset's page says.
	cifar := &data.Dataset{Name: "CIFAR-100", N: 6, Height: 32, Width: 32, Channels: 3, Pixels: make([]uint8, 6*3072),
		Labels: make([]int, 6), ClassNames: data.CIFAR100FineLabelNames}
	for i := range cifar.Pixels {
		cifar.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range cifar.Labels {
		cifar.Labels[i] = rng.IntN(100)
	}
	binPath := filepath.Join(dir, "test.bin")
	if err := data.WriteCIFAR100(binPath, cifar, nil); err != nil {
		t.Fatal(err)
	}
	exportAndCheck(t, py, "cifar-bin", binPath, "test", `
import sys, numpy as np
raw = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, 3074)
X = raw[:, 2:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1); y = raw[:, 1].astype(np.int64)
img = np.load(sys.argv[2]); lab = np.load(sys.argv[3])
assert np.array_equal(img, X) and np.array_equal(lab, y)
print("OK")`)

	// The real usps.h5, when $MVC_DATA has it.
	if dataDir := os.Getenv("MVC_DATA"); dataDir != "" {
		real := filepath.Join(dataDir, "usps", "usps.h5")
		if _, err := os.Stat(real); err == nil {
			exportAndCheck(t, py, "usps-h5", real, "test", uspsCheck)
		}
	}
}

// exportAndCheck exports path with the library (as "mvc data export" does) and runs the Python
// check with arguments: source file, images.npy, labels.npy, split.
func exportAndCheck(t *testing.T, py, format, path, split, script string) {
	t.Helper()
	d, _, err := data.ReadFormat(format, path, split)
	if err != nil {
		t.Fatalf("%s %s: %v", format, path, err)
	}
	out := t.TempDir()
	images, labels, err := data.ExportNPY(d, out)
	if err != nil {
		t.Fatal(err)
	}
	runPython(t, py, script, path, images, labels, split)
}
