package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// ReadNPYFloat32 reads a NumPy .npy file holding a float32 array (dtype '<f4' or '>f4', C or
// Fortran order) and returns its values in C (row-major) order with its shape. Any other dtype
// is an error naming the file and the dtype found: values are never silently converted. The
// header is checked against the file before anything is allocated: a header cut short or not
// ended by '\n', or a shape that needs more or fewer bytes than the file holds after its
// header, is an error naming the file and what is wrong.
func ReadNPYFloat32(path string) (values []float32, shape []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "reading .npy")
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, errors.Wrapf(err, "reading %s", path)
	}
	var r io.Reader = f
	size := st.Size()
	if !st.Mode().IsRegular() {
		// A pipe or device has no size on disk: read what it holds, then check that.
		raw, err := io.ReadAll(f)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "reading %s", path)
		}
		r, size = bytes.NewReader(raw), int64(len(raw))
	}
	values, shape, err = readNPYFloat32(bufio.NewReaderSize(r, 1<<20), size)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: not a valid float32 .npy file", path)
	}
	return values, shape, nil
}

// readNPYFloat32 reads a float32 .npy array of size bytes from r (see [ReadNPYFloat32]).
func readNPYFloat32(r io.Reader, size int64) ([]float32, []int, error) {
	m, err := readNPYHeader(r, size)
	if err != nil {
		return nil, nil, err
	}
	if m.descr != "<f4" && m.descr != ">f4" {
		return nil, nil, errors.Errorf("dtype %s (%s), want float32 ('<f4')", m.descr, numpyName(m.descr))
	}
	n, err := m.elements()
	if err != nil {
		return nil, nil, err
	}
	if have := size - m.dataOffset; n > have/4 || 4*n != have {
		return nil, nil, errors.Errorf("shape %v needs %s of data, the file holds %d bytes after its %d-byte header",
			m.shape, byteCount(n, 4), have, m.dataOffset)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if m.descr[0] == '>' {
		order = binary.BigEndian
	}
	values := make([]float32, n)
	buf := make([]byte, min(4*n, 1<<20))
	for i := 0; i < len(values); {
		chunk := buf[:min(len(buf), 4*(len(values)-i))]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, nil, errors.Wrapf(err, "reading %d float32 values", n)
		}
		for j := 0; j < len(chunk); j += 4 {
			values[i] = math.Float32frombits(order.Uint32(chunk[j:]))
			i++
		}
	}
	shape := m.shape
	if m.fortran && len(shape) > 1 {
		values = fortranToC(values, shape)
	}
	return values, shape, nil
}

// byteCount writes n elements of size bytes as "N bytes", or as "n x size bytes" when the
// product does not fit in an int64.
func byteCount(n, size int64) string {
	if n > math.MaxInt64/size {
		return fmt.Sprintf("%d x %d bytes", n, size)
	}
	return fmt.Sprintf("%d bytes", n*size)
}

// numpyName names common NumPy dtype strings for error messages.
func numpyName(descr string) string {
	names := map[string]string{"f8": "float64", "f4": "float32", "f2": "float16", "i8": "int64", "i4": "int32",
		"i2": "int16", "i1": "int8", "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "b1": "bool"}
	if name, ok := names[strings.TrimLeft(descr, "<>|=")]; ok {
		return name
	}
	return "unsupported"
}

// fortranToC reorders a column-major array of the given shape into row-major order.
func fortranToC(values []float32, shape []int) []float32 {
	out := make([]float32, len(values))
	rank := len(shape)
	idx := make([]int, rank)
	// Fortran strides: the first axis varies fastest.
	fstrides := make([]int, rank)
	s := 1
	for a := range rank {
		fstrides[a] = s
		s *= shape[a]
	}
	for i := range out {
		src := 0
		for a := range rank {
			src += idx[a] * fstrides[a]
		}
		out[i] = values[src]
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return out
}

// WriteNPYFloat32 writes values (row-major, of the given shape) as a NumPy .npy file, format
// version 1.0, dtype '<f4', atomically: the file appears complete or not at all.
func WriteNPYFloat32(path string, values []float32, shape []int) error {
	size := 1
	for _, d := range shape {
		if d < 0 {
			return errors.Errorf("writing %s: negative dimension in shape %v", path, shape)
		}
		size *= d
	}
	if size != len(values) {
		return errors.Errorf("writing %s: shape %v needs %d values, got %d", path, shape, size, len(values))
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	shapeStr := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		shapeStr += ","
	}
	shapeStr += ")"
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shapeStr)
	// Magic (6) + version (2) + header length (2) + header + '\n', padded to a multiple of 64.
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return errors.Errorf("writing %s: shape %v makes a header too long for .npy version 1.0", path, shape)
	}
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if _, err := w.Write([]byte("\x93NUMPY\x01\x00")); err != nil {
			return err
		}
		if err := binary.Write(w, binary.LittleEndian, uint16(len(header))); err != nil {
			return err
		}
		if _, err := w.WriteString(header); err != nil {
			return err
		}
		buf := make([]byte, 4)
		for _, v := range values {
			binary.LittleEndian.PutUint32(buf, math.Float32bits(v))
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}
