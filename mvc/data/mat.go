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

	"github.com/klauspost/compress/zlib"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// MAT-file level 5 data types (MathWorks, "MAT-File Format", Table "MAT-File Data Types").
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
)

// MATClass is a MATLAB array class, the low byte of a MAT v5 array's flags ("MAT-File Format",
// Table "MATLAB Array Types (Classes)"): mxDOUBLE_CLASS = 6, mxUINT8_CLASS = 9, ...
type MATClass uint8

// The numeric MATLAB array classes.
const (
	MATDouble MATClass = 6
	MATSingle MATClass = 7
	MATInt8   MATClass = 8
	MATUint8  MATClass = 9
	MATInt16  MATClass = 10
	MATUint16 MATClass = 11
	MATInt32  MATClass = 12
	MATUint32 MATClass = 13
	MATInt64  MATClass = 14
	MATUint64 MATClass = 15
)

// matHeaderSize is the size of the MAT v5 file header: 116 bytes of text, 8 bytes of subsystem
// data offset, the version (0x0100) and the endian indicator "IM".
const matHeaderSize = 128

// matElementSize returns the size in bytes of one value of a numeric MAT data type (0 for
// others).
func matElementSize(t uint32) int {
	switch t {
	case miINT8, miUINT8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// matVar is a variable met while streaming a MAT file: its header, and a reader of its real
// part's stored bytes (type dataType, dataBytes bytes), which the visitor may read or leave.
type matVar struct {
	name      string
	class     MATClass
	complex   bool
	dims      []int
	dataType  uint32
	dataBytes int
	data      io.Reader
	// offset is the byte offset of the variable's element in the file; compressed is whether
	// it is an miCOMPRESSED element, of elementBytes bytes in the file.
	offset       int64
	compressed   bool
	elementBytes int64
	order        binary.ByteOrder
}

// count returns the number of values its dimensions hold (-1 when that overflows).
func (v *matVar) count() int {
	n := 1
	for _, d := range v.dims {
		if d != 0 && n > math.MaxInt32/d {
			return -1
		}
		n *= d
	}
	return n
}

// where names the variable in errors: "file: variable X (element at byte offset O)".
func (v *matVar) where(file string) string {
	return fmt.Sprintf("%s: variable %q (element at byte offset %d)", file, v.name, v.offset)
}

// matCounter counts the bytes read through it.
type matCounter struct {
	r io.Reader
	n int64
}

func (c *matCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readMAT streams a MAT v5 file: it checks the header, then for each top-level variable
// (plain miMATRIX or miCOMPRESSED holding one) parses the array header and calls visit, which
// may read v.data. Afterwards the rest of the element is consumed and, for compressed
// elements, the zlib stream is read to its end so that its checksum is verified. Only numeric
// (non-sparse, non-cell, non-struct) arrays are visited; other variables are skipped. size is
// the file's size (for plausibility checks); file names the file in errors.
func readMAT(r io.Reader, size int64, file string, visit func(v *matVar) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.Errorf("%s: corrupt MAT file (reader failed: %v)", file, p)
		}
	}()
	cr := &matCounter{r: r}
	header := make([]byte, matHeaderSize)
	if n, err := io.ReadFull(cr, header); err != nil {
		return errors.Errorf("%s: %d bytes is too short for the 128-byte MAT-file header", file, n)
	}
	order, err := matHeaderOrder(header)
	if err != nil {
		return errors.Wrap(err, file)
	}
	tag := make([]byte, 8)
	for {
		offset := cr.n
		n, err := io.ReadFull(cr, tag)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errors.Errorf("%s: truncated element tag at byte offset %d (%d of 8 bytes)", file, offset, n)
		}
		typ, nbytes := order.Uint32(tag), int64(order.Uint32(tag[4:]))
		if typ>>16 != 0 {
			return errors.Errorf("%s: top-level element at byte offset %d uses the small-element form, which only data may use", file, offset)
		}
		if size > 0 && offset+8+nbytes > size {
			return errors.Errorf("%s: element at byte offset %d declares %d bytes, past the end of the %d-byte file (truncated?)", file, offset, nbytes, size)
		}
		body := io.LimitReader(cr, nbytes)
		v := &matVar{offset: offset, elementBytes: nbytes, order: order}
		switch typ {
		case miCOMPRESSED:
			v.compressed = true
			zr, err := zlib.NewReader(body)
			if err != nil {
				return errors.Wrapf(err, "%s: compressed element at byte offset %d: bad zlib header", file, offset)
			}
			inner := &matCounter{r: bufio.NewReaderSize(zr, 1<<16)}
			if err := readMATMatrix(inner, order, file, v, visit); err != nil {
				return err
			}
			// Read the stream to its end: the zlib reader verifies the Adler-32 checksum there.
			if _, err := io.Copy(io.Discard, inner); err != nil {
				return errors.Wrapf(err, "%s: compressed data after %d decompressed bytes (corrupt or truncated)", v.where(file), inner.n)
			}
		case miMATRIX:
			// Put the tag back in front: readMATMatrix reads the miMATRIX tag itself.
			if err := readMATMatrix(&matCounter{r: io.MultiReader(bytes.NewReader(tag), body)}, order, file, v, visit); err != nil {
				return err
			}
		}
		// Skip what is left of the element (other element types, unread data).
		if _, err := io.Copy(io.Discard, body); err != nil {
			return errors.Wrapf(err, "%s: element at byte offset %d", file, offset)
		}
		if cr.n != offset+8+nbytes {
			return errors.Errorf("%s: element at byte offset %d declares %d bytes, the file ends after %d", file, offset, nbytes, cr.n-offset-8)
		}
	}
}

// matHeaderOrder checks the 128-byte MAT v5 header and returns the byte order its endian
// indicator gives ("IM": little-endian, "MI": big-endian).
func matHeaderOrder(header []byte) (binary.ByteOrder, error) {
	var order binary.ByteOrder
	switch string(header[126:128]) {
	case "IM":
		order = binary.LittleEndian
	case "MI":
		order = binary.BigEndian
	default:
		return nil, errors.Errorf("endian indicator %q at byte offset 126, want \"IM\" or \"MI\" (not a MAT-file level 5?)", header[126:128])
	}
	if v := order.Uint16(header[124:]); v != 0x0100 {
		return nil, errors.Errorf("MAT-file version 0x%04x at byte offset 124, want 0x0100 (level 5; v7.3 files are HDF5)", v)
	}
	return order, nil
}

// readSubelement reads a data element's tag (normal or small form) from r, returning its type
// and byte count; for the small form, the data (at most 4 bytes) is returned too.
func readSubelement(r io.Reader, order binary.ByteOrder) (typ uint32, nbytes int, small []byte, err error) {
	var tag [8]byte
	if _, err := io.ReadFull(r, tag[:]); err != nil {
		return 0, 0, nil, err
	}
	first := order.Uint32(tag[:])
	if first>>16 != 0 { // small data element: 16-bit byte count, 16-bit type, 4 bytes of data
		// In both byte orders the 32-bit word read in the file's order holds the byte count in
		// its high half (as SciPy's reader reads it).
		nbytes = int(first >> 16)
		typ = first & 0xffff
		if nbytes > 4 {
			return 0, 0, nil, errors.Errorf("small data element of %d bytes (at most 4)", nbytes)
		}
		return typ, nbytes, tag[4 : 4+nbytes], nil
	}
	n := order.Uint32(tag[4:])
	if n > math.MaxInt32 {
		return 0, 0, nil, errors.Errorf("data element of %d bytes", n)
	}
	return first, int(n), nil, nil
}

// padding returns the bytes that pad n bytes of data to a multiple of 8.
func padding(n int) int { return (8 - n%8) % 8 }

// readMATMatrix parses an miMATRIX element (tag included) from r: array flags, dimensions,
// name, then the real part's tag; it calls visit for numeric arrays with v.data reading the
// real part.
func readMATMatrix(r *matCounter, order binary.ByteOrder, file string, v *matVar, visit func(v *matVar) error) error {
	fail := func(format string, args ...any) error {
		return errors.Errorf("%s: element at byte offset %d: %s", file, v.offset, fmt.Sprintf(format, args...))
	}
	typ, nbytes, _, err := readSubelement(r, order)
	if err != nil {
		return fail("reading the array tag: %v", err)
	}
	if typ != miMATRIX {
		return fail("holds data type %d, want miMATRIX (14)", typ)
	}
	matrixStart := r.n
	// Array flags: miUINT32, 8 bytes: flags (class in the low byte, complex = 0x0800), nzmax.
	typ, n, _, err := readSubelement(r, order)
	if err != nil || typ != miUINT32 || n != 8 {
		return fail("array flags: type %d, %d bytes (%v); want miUINT32, 8 bytes", typ, n, err)
	}
	var flags [8]byte
	if _, err := io.ReadFull(r, flags[:]); err != nil {
		return fail("array flags: %v", err)
	}
	f := order.Uint32(flags[:])
	v.class = MATClass(f & 0xff)
	v.complex = f&0x0800 != 0
	if v.class < MATDouble || v.class > MATUint64 {
		return nil // cell, struct, object, char or sparse array: not visited
	}
	// Dimensions: miINT32, at least 2.
	typ, n, small, err := readSubelement(r, order)
	if err != nil || typ != miINT32 || n < 8 || n%4 != 0 || n > 4*32 {
		return fail("dimensions: type %d, %d bytes (%v); want miINT32 with 2 to 32 dimensions", typ, n, err)
	}
	raw := small
	if raw == nil {
		raw = make([]byte, n+padding(n))
		if _, err := io.ReadFull(r, raw); err != nil {
			return fail("dimensions: %v", err)
		}
	}
	for i := 0; i < n; i += 4 {
		d := int32(order.Uint32(raw[i:]))
		if d < 0 {
			return fail("negative dimension %d", d)
		}
		v.dims = append(v.dims, int(d))
	}
	// Name: miINT8 (or miUTF8), often in the small form.
	typ, n, small, err = readSubelement(r, order)
	if err != nil || (typ != miINT8 && typ != miUTF8 && typ != miUINT8) || n > 1<<16 {
		return fail("array name: type %d, %d bytes (%v)", typ, n, err)
	}
	raw = small
	if raw == nil {
		raw = make([]byte, n+padding(n))
		if _, err := io.ReadFull(r, raw); err != nil {
			return fail("array name: %v", err)
		}
	}
	v.name = string(raw[:n])
	// Real part.
	typ, n, small, err = readSubelement(r, order)
	if err != nil {
		return errors.Errorf("%s: real part's tag: %v", v.where(file), err)
	}
	size := matElementSize(typ)
	if size == 0 {
		return errors.Errorf("%s: real part has data type %d, not a numeric type", v.where(file), typ)
	}
	count := v.count()
	if count < 0 || n != count*size {
		return errors.Errorf("%s: real part holds %d bytes of type %d; dimensions %v need %d",
			v.where(file), n, typ, v.dims, int64(max(count, 0))*int64(size))
	}
	// The real part must fit in what the element declares.
	if small == nil && r.n-matrixStart+int64(n) > int64(nbytes) {
		return errors.Errorf("%s: real part of %d bytes overruns its miMATRIX element of %d bytes", v.where(file), n, nbytes)
	}
	v.dataType, v.dataBytes = typ, n
	if small != nil {
		v.data = bytes.NewReader(small)
	} else {
		v.data = io.LimitReader(r, int64(n))
	}
	return visit(v)
}

// plausible checks that a variable's data can be in its element: a zlib stream expands at most
// about 1032 times, an uncompressed element holds its data. It guards allocations against
// corrupt dimensions.
func (v *matVar) plausible(file string) error {
	limit := v.elementBytes
	if v.compressed {
		limit = 1100*v.elementBytes + 1<<16
	}
	if int64(v.dataBytes) > limit {
		return errors.Errorf("%s: dimensions %v need %d bytes, more than its %d-byte element can hold", v.where(file), v.dims, v.dataBytes, v.elementBytes)
	}
	return nil
}

// readFloat64s reads a variable's real part and converts each value from its stored type to
// float64 (MATLAB stores a double array in a narrower type when its values fit: the stored type,
// not the class, says how to read the bytes).
func (v *matVar) readFloat64s(file string) ([]float64, error) {
	if err := v.plausible(file); err != nil {
		return nil, err
	}
	raw := make([]byte, v.dataBytes)
	if _, err := io.ReadFull(v.data, raw); err != nil {
		return nil, errors.Errorf("%s: real part: %v (truncated or corrupt)", v.where(file), err)
	}
	size := matElementSize(v.dataType)
	out := make([]float64, v.dataBytes/size)
	o := v.order
	for i := range out {
		b := raw[i*size:]
		switch v.dataType {
		case miINT8:
			out[i] = float64(int8(b[0]))
		case miUINT8:
			out[i] = float64(b[0])
		case miINT16:
			out[i] = float64(int16(o.Uint16(b)))
		case miUINT16:
			out[i] = float64(o.Uint16(b))
		case miINT32:
			out[i] = float64(int32(o.Uint32(b)))
		case miUINT32:
			out[i] = float64(o.Uint32(b))
		case miSINGLE:
			out[i] = float64(math.Float32frombits(o.Uint32(b)))
		case miDOUBLE:
			out[i] = math.Float64frombits(o.Uint64(b))
		case miINT64:
			out[i] = float64(int64(o.Uint64(b)))
		case miUINT64:
			out[i] = float64(o.Uint64(b))
		}
	}
	return out, nil
}

// MATVariable is a real numeric array in a MAT v5 file, as [WriteMAT] writes it and [ReadMAT]
// returns it. Values are column-major (MATLAB's order: the first dimension varies fastest).
type MATVariable struct {
	// Name is the variable's name.
	Name string
	// Class is the MATLAB class; ReadMAT returns uint8 arrays in Uint8, all others in Double.
	Class MATClass
	// Dims are the MATLAB dimensions (at least 2).
	Dims []int
	// Uint8 holds the values of a MATUint8 array.
	Uint8 []uint8
	// Double holds the values of a MATDouble array (ReadMAT: of any class but MATUint8).
	Double []float64
	// DoubleAsUint8 makes WriteMAT store a double array of integers 0-255 as miUINT8, as
	// MATLAB's save does (SVHN's y is stored so).
	DoubleAsUint8 bool
}

// ReadMAT reads every real numeric variable of a MAT v5 file into memory (for small files;
// [ReadSVHNMAT] streams the large SVHN files). Other variables (cells, structs, chars, sparse
// and complex arrays) are skipped.
func ReadMAT(path string) ([]MATVariable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "opening MAT file")
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Wrap(err, path)
	}
	return readMATVariables(bufio.NewReaderSize(f, 1<<16), st.Size(), path)
}

func readMATVariables(r io.Reader, size int64, file string) ([]MATVariable, error) {
	var out []MATVariable
	err := readMAT(r, size, file, func(v *matVar) error {
		if v.complex {
			return nil
		}
		mv := MATVariable{Name: v.name, Class: v.class, Dims: v.dims}
		if v.class == MATUint8 && v.dataType == miUINT8 {
			if err := v.plausible(file); err != nil {
				return err
			}
			mv.Uint8 = make([]uint8, v.dataBytes)
			if _, err := io.ReadFull(v.data, mv.Uint8); err != nil {
				return errors.Errorf("%s: real part: %v (truncated or corrupt)", v.where(file), err)
			}
		} else {
			values, err := v.readFloat64s(file)
			if err != nil {
				return err
			}
			mv.Double = values
			if v.class == MATUint8 {
				mv.Uint8 = make([]uint8, len(values))
				for i, x := range values {
					if x < 0 || x > 255 || x != math.Trunc(x) {
						return errors.Errorf("%s: value %v of a uint8 array", v.where(file), x)
					}
					mv.Uint8[i] = uint8(x)
				}
				mv.Double = nil
			}
		}
		out = append(out, mv)
		return nil
	})
	return out, err
}

// WriteMAT writes variables as a MAT-file level 5 (little-endian, "IM"), for test fixtures and
// for MATLAB/SciPy users: the 128-byte header, then each variable as an miMATRIX element
// (array flags, dimensions, name, real part), zlib-compressed in an miCOMPRESSED element when
// compress is true (as MATLAB's default -v7 save does). The file is written atomically.
func WriteMAT(path string, vars []MATVariable, compress bool) error {
	return mvc.WriteFileAtomic(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if err := writeMAT(w, vars, compress); err != nil {
			return err
		}
		return w.Flush()
	})
}

func writeMAT(w io.Writer, vars []MATVariable, compress bool) error {
	header := []byte(fmt.Sprintf("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by: mice2machines (Go), %d variables", len(vars)))
	header = append(header, bytes.Repeat([]byte{' '}, 116-len(header))...)
	header = append(header, make([]byte, 8)...)   // subsystem data offset: none
	header = append(header, 0x00, 0x01, 'I', 'M') // version 0x0100 and "IM", little-endian
	if _, err := w.Write(header); err != nil {
		return err
	}
	le := binary.LittleEndian
	for _, v := range vars {
		count := 1
		for _, d := range v.Dims {
			if d < 0 {
				return errors.Errorf("MAT variable %s: negative dimension in %v", v.Name, v.Dims)
			}
			count *= d
		}
		if len(v.Dims) < 2 {
			return errors.Errorf("MAT variable %s: %d dimensions, MATLAB arrays have at least 2", v.Name, len(v.Dims))
		}
		var dataType uint32
		var data []byte
		switch {
		case v.Class == MATUint8 && len(v.Uint8) == count && v.Double == nil:
			dataType, data = miUINT8, v.Uint8
		case v.Class == MATDouble && len(v.Double) == count && v.Uint8 == nil:
			if v.DoubleAsUint8 {
				dataType, data = miUINT8, make([]byte, count)
				for i, x := range v.Double {
					if x < 0 || x > 255 || x != math.Trunc(x) {
						return errors.Errorf("MAT variable %s: value %v cannot be stored as uint8", v.Name, x)
					}
					data[i] = uint8(x)
				}
			} else {
				dataType, data = miDOUBLE, make([]byte, 8*count)
				for i, x := range v.Double {
					le.PutUint64(data[8*i:], math.Float64bits(x))
				}
			}
		default:
			return errors.Errorf("MAT variable %s: class %d with %d uint8 and %d double values for dimensions %v (want the one slice of its class, %d values)",
				v.Name, v.Class, len(v.Uint8), len(v.Double), v.Dims, count)
		}
		// miMATRIX body: flags (16), dimensions (8 + 4*ndims padded), name, real part.
		var head bytes.Buffer
		tag := func(typ uint32, n int) {
			_ = binary.Write(&head, le, typ)
			_ = binary.Write(&head, le, uint32(n))
		}
		tag(miUINT32, 8)
		_ = binary.Write(&head, le, uint32(v.Class))
		_ = binary.Write(&head, le, uint32(0))
		tag(miINT32, 4*len(v.Dims))
		for _, d := range v.Dims {
			_ = binary.Write(&head, le, int32(d))
		}
		head.Write(make([]byte, padding(4*len(v.Dims))))
		if len(v.Name) <= 4 { // small data element
			_ = binary.Write(&head, le, uint32(len(v.Name))<<16|miINT8)
			var b [4]byte
			copy(b[:], v.Name)
			head.Write(b[:])
		} else {
			tag(miINT8, len(v.Name))
			head.WriteString(v.Name)
			head.Write(make([]byte, padding(len(v.Name))))
		}
		tag(dataType, len(data))
		body := head.Len() + len(data) + padding(len(data))
		matrixTag := make([]byte, 8)
		le.PutUint32(matrixTag, miMATRIX)
		le.PutUint32(matrixTag[4:], uint32(body))
		writeMatrix := func(w io.Writer) error {
			for _, b := range [][]byte{matrixTag, head.Bytes(), data, make([]byte, padding(len(data)))} {
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			return nil
		}
		if !compress {
			if err := writeMatrix(w); err != nil {
				return err
			}
			continue
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		if err := writeMatrix(zw); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		ctag := make([]byte, 8)
		le.PutUint32(ctag, miCOMPRESSED)
		le.PutUint32(ctag[4:], uint32(z.Len()))
		if _, err := w.Write(ctag); err != nil {
			return err
		}
		if _, err := w.Write(z.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// isMATv5 reports whether a file starts with a MAT-file level 5 header.
func isMATv5(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	header := make([]byte, matHeaderSize)
	if _, err := io.ReadFull(f, header); err != nil {
		return false
	}
	_, err = matHeaderOrder(header)
	return err == nil && strings.HasPrefix(string(header), "MATLAB 5.0 MAT-file")
}
