package data

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/mice2machines/mice2machines/mvc"

	"github.com/pkg/errors"
)

// SVHN cropped digits (Netzer et al. 2011, "Reading Digits in Natural Images with Unsupervised
// Feature Learning", format 2): 32x32 RGB, X uint8 [32 32 3 N] and y [N 1] with 10 for digit 0.
const (
	SVHNSide  = 32
	svhnImage = SVHNSide * SVHNSide * 3
)

func init() {
	RegisterFormat(Format{
		Name:        "svhn-mat",
		Description: "SVHN cropped digits train_32x32.mat / test_32x32.mat / extra_32x32.mat: MAT v5, X uint8 [32 32 3 N], y [N 1] (10 = digit 0)",
		Detect:      isMATv5,
		Read:        ReadSVHNMAT,
	})
}

// svhnSplit tells the split from the official file names.
func svhnSplit(path string) string {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasPrefix(base, "test"):
		return "test"
	case strings.HasPrefix(base, "extra"):
		return "extra"
	}
	return "train"
}

// ReadSVHNMAT reads an SVHN cropped-digits file (train_32x32.mat, test_32x32.mat or
// extra_32x32.mat; the split comes from the name) as a [Dataset] of 32x32 RGB images, domain
// "S". It streams the MAT v5 file: each variable's zlib stream is decompressed once, X's pixels
// go straight from column-major [32 32 3 N] (pixel (r, c, k) of image n at byte
// n*3072 + k*1024 + c*32 + r) into the dataset's [N, 32, 32, 3] layout, and nothing else of
// that size is held, so memory stays about the pixel bytes. y is converted by its stored type;
// label 10 means digit 0 (0 is accepted as 0 too). Errors name the file, the variable and its
// byte offset.
func ReadSVHNMAT(path, split string) (*Dataset, error) {
	holds := svhnSplit(path)
	if err := checkSingleSplit(path, split, holds); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening SVHN MAT file")
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Wrap(err, path)
	}
	d, err := readSVHN(bufio.NewReaderSize(f, 1<<20), st.Size(), path)
	if err != nil {
		return nil, err
	}
	d.Split = holds
	d.Provenance = fmt.Sprintf("SVHN %s set (cropped digits), MAT file %s", holds, mvc.PortablePath(path))
	return d, nil
}

func readSVHN(r io.Reader, size int64, file string) (*Dataset, error) {
	var pixels []uint8
	var labels []int
	nX := -1
	err := readMAT(r, size, file, func(v *matVar) error {
		switch v.name {
		case "X":
			if pixels != nil {
				return errors.Errorf("%s: a second variable X", v.where(file))
			}
			if v.class != MATUint8 || v.dataType != miUINT8 || v.complex || len(v.dims) != 4 ||
				v.dims[0] != SVHNSide || v.dims[1] != SVHNSide || v.dims[2] != 3 {
				return errors.Errorf("%s: class %d stored as type %d, dimensions %v; want uint8 (class 9, type 2) [32 32 3 N]",
					v.where(file), v.class, v.dataType, v.dims)
			}
			if err := v.plausible(file); err != nil {
				return err
			}
			nX = v.dims[3]
			pixels = make([]uint8, nX*svhnImage)
			return svhnTranspose(v.data, pixels, nX, v.where(file))
		case "y":
			if labels != nil {
				return errors.Errorf("%s: a second variable y", v.where(file))
			}
			if len(v.dims) != 2 || (v.dims[1] != 1 && v.dims[0] != 1) || v.complex {
				return errors.Errorf("%s: dimensions %v, want [N 1]", v.where(file), v.dims)
			}
			values, err := v.readFloat64s(file)
			if err != nil {
				return err
			}
			labels = make([]int, len(values))
			for i, x := range values {
				if x != math.Trunc(x) || x < 0 || x > 10 {
					return errors.Errorf("%s: label %v of image %d is not 1-10", v.where(file), x, i)
				}
				labels[i] = int(x) % 10
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pixels == nil || labels == nil {
		return nil, errors.Errorf("%s: no variable X or y (not an SVHN cropped-digits file?)", file)
	}
	if len(labels) != nX {
		return nil, errors.Errorf("%s: %d labels in y for %d images in X", file, len(labels), nX)
	}
	return &Dataset{
		Name: "SVHN", Domain: "S",
		N: nX, Height: SVHNSide, Width: SVHNSide, Channels: 3,
		Pixels: pixels, Labels: labels, ClassNames: DigitClassNames,
	}, nil
}

// svhnTranspose reads n images of column-major [32 32 3] bytes from r into out, [n 32 32 3]
// row-major. For large files reading (decompression) and reordering overlap: blocks of images go
// through a small ring of buffers to a second goroutine that reorders them.
func svhnTranspose(r io.Reader, out []uint8, n int, where string) error {
	const block, buffers = 512, 3
	if n <= 2*block { // small files: one buffer, no second goroutine
		buf := make([]uint8, n*svhnImage)
		if _, err := io.ReadFull(r, buf); err != nil {
			return errors.Errorf("%s: X: %v reading %d images (truncated or corrupt)", where, err, n)
		}
		for i := range n {
			transposeSVHNImage((*[svhnImage]uint8)(out[i*svhnImage:]), (*[svhnImage]uint8)(buf[i*svhnImage:]))
		}
		return nil
	}
	type job struct {
		buf   []uint8
		start int
	}
	free := make(chan []uint8, buffers)
	full := make(chan job, buffers)
	for range buffers {
		free <- make([]uint8, block*svhnImage)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for j := range full {
			for i := range len(j.buf) / svhnImage {
				transposeSVHNImage((*[svhnImage]uint8)(out[(j.start+i)*svhnImage:]), (*[svhnImage]uint8)(j.buf[i*svhnImage:]))
			}
			free <- j.buf[:cap(j.buf)]
		}
	}()
	var err error
	for start := 0; start < n; start += block {
		buf := (<-free)[:min(block, n-start)*svhnImage]
		if _, e := io.ReadFull(r, buf); e != nil {
			err = errors.Errorf("%s: X: %v after %d of %d images (truncated or corrupt)", where, e, start, n)
			break
		}
		full <- job{buf, start}
	}
	close(full)
	<-done
	return err
}

// transposeSVHNImage reorders one image from MATLAB's column-major [32 32 3] (pixel (r, c, k) at
// k*1024 + c*32 + r) to row-major [32 32 3] (at (r*32 + c)*3 + k), writing dst in order.
func transposeSVHNImage(dst, src *[svhnImage]uint8) {
	for r := range SVHNSide {
		row := dst[r*SVHNSide*3 : (r+1)*SVHNSide*3 : (r+1)*SVHNSide*3]
		for c := range SVHNSide {
			s := c*SVHNSide + r
			row[3*c], row[3*c+1], row[3*c+2] = src[s], src[1024+s], src[2048+s]
		}
	}
}

// SVHNVariables returns the MAT variables of an SVHN cropped-digits file holding d (32x32x3
// images, digit labels): X uint8 [32 32 3 N] column-major and y double [N 1] with 10 for digit
// 0, stored as uint8 as MATLAB saves it. Write them with [WriteMAT] to make fixtures.
func SVHNVariables(d *Dataset) ([]MATVariable, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Height != SVHNSide || d.Width != SVHNSide || d.Channels != 3 {
		return nil, errors.Errorf("dataset %s is %dx%dx%d, SVHN files hold 32x32x3", d.Name, d.Height, d.Width, d.Channels)
	}
	x := make([]uint8, len(d.Pixels))
	for n := range d.N {
		img := d.Image(n)
		for r := range SVHNSide {
			for c := range SVHNSide {
				for k := range 3 {
					x[n*svhnImage+k*1024+c*SVHNSide+r] = img[(r*SVHNSide+c)*3+k]
				}
			}
		}
	}
	y := make([]float64, d.N)
	for i, l := range d.Labels {
		if l < 0 || l > 9 {
			return nil, errors.Errorf("dataset %s: label %d of image %d is not a digit", d.Name, l, i)
		}
		y[i] = float64(l)
		if l == 0 {
			y[i] = 10
		}
	}
	return []MATVariable{
		{Name: "X", Class: MATUint8, Dims: []int{SVHNSide, SVHNSide, 3, d.N}, Uint8: x},
		{Name: "y", Class: MATDouble, Dims: []int{d.N, 1}, Double: y, DoubleAsUint8: true},
	}, nil
}
