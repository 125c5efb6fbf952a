package data

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// svhnTrainImages is the number of images of SVHN's train_32x32.mat (Netzer et al. 2011).
const svhnTrainImages = 73257

// svhnLikePixels returns n column-major 32x32x3 images: per channel a random level and linear
// gradient plus uniform noise of +-2 levels. Noise of +-2 makes zlib's default level compress
// them to about 81% (measured), as it compresses the real train_32x32.mat (182 MB of 225 MB).
func svhnLikePixels(rng *rand.Rand, n int) []uint8 {
	px := make([]uint8, n*svhnImage)
	for i := range n {
		for k := range 3 {
			base, gx, gy := rng.Float64()*200+20, rng.Float64()*2-1, rng.Float64()*2-1
			for c := range 32 {
				for r := range 32 {
					v := base + gx*float64(c) + gy*float64(r) + float64(rng.IntN(5)-2)
					px[i*svhnImage+k*1024+c*32+r] = uint8(min(max(v, 0), 255))
				}
			}
		}
	}
	return px
}

// svhnBenchFile writes (once, kept in the temporary directory between runs) a MAT v5 file of
// the size of the real train_32x32.mat: 73,257 images, zlib-compressed X and y.
func svhnBenchFile(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "mvc-bench-svhn")
	path := filepath.Join(dir, "train_32x32.mat")
	if st, err := os.Stat(path); err == nil && st.Size() > 100<<20 {
		return path
	}
	b.Logf("writing %s (%d images; once)", path, svhnTrainImages)
	rng := rand.New(rand.NewPCG(73257, 1))
	x := svhnLikePixels(rng, svhnTrainImages)
	y := make([]float64, svhnTrainImages)
	for i := range y {
		y[i] = float64(1 + rng.IntN(10))
	}
	vars := []MATVariable{
		{Name: "X", Class: MATUint8, Dims: []int{32, 32, 3, svhnTrainImages}, Uint8: x},
		{Name: "y", Class: MATDouble, Dims: []int{svhnTrainImages, 1}, Double: y, DoubleAsUint8: true},
	}
	if err := WriteMAT(path, vars, true); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReadSVHNMATTrainSize reads a generated file of the real train_32x32.mat's size
// (the targets: <= 1 s and <= 2x the 225 MB of pixels). Besides time and B/op it reports
// cpu-s/op (CPU time of the process, which a loaded machine does not inflate as it does wall
// time) and alloc/pixels: bytes allocated during one read divided by the pixel bytes, an upper bound on
// the peak heap growth in units of the pixels.
func BenchmarkReadSVHNMATTrainSize(b *testing.B) {
	path := svhnBenchFile(b)
	st, _ := os.Stat(path)
	b.ReportAllocs()
	b.SetBytes(int64(svhnTrainImages * svhnImage))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		d, err := ReadSVHNMAT(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if d.N != svhnTrainImages {
			b.Fatalf("%d images", d.N)
		}
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	runtime.ReadMemStats(&after)
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	pixels := float64(svhnTrainImages * svhnImage)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/pixels, "alloc/pixels")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
}
