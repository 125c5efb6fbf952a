package data

import (
	"encoding/binary"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// The .npy format (NumPy's numpy/lib/format.py, "NEP 1"): the magic string "\x93NUMPY", a major
// and a minor version byte, the header's length (little-endian uint16 in version 1, uint32 in
// versions 2 and 3), then the header, the repr of a Python dict with the keys 'descr' (the dtype),
// 'fortran_order' and 'shape', padded with spaces and terminated by '\n'. The array's bytes follow
// the header and fill the rest of the file.
const npyMagic = "\x93NUMPY"

// npyMaxHeader bounds the header's length. NumPy itself refuses headers over 10,000 bytes unless
// told otherwise; a megabyte leaves room for any real shape while keeping a corrupt length from
// costing memory.
const npyMaxHeader = 1 << 20

// npyMaxDepth bounds the nesting of the header's Python literals (structured dtypes nest lists
// and tuples a few levels deep; a corrupt header must not recurse without end).
const npyMaxDepth = 16

// npyMeta is what a .npy header declares.
type npyMeta struct {
	// major is the format's major version, 1, 2 or 3.
	major int
	// descr is the dtype string, e.g. "<f4"; structured dtypes (a list) are refused.
	descr string
	// fortran tells whether the data are stored column-major.
	fortran bool
	// shape is the array's shape; empty for a 0-d array.
	shape []int
	// dataOffset is the offset of the array's first byte: the preamble plus the header.
	dataOffset int64
}

// elements returns the number of elements shape declares, or an error when that number would
// not fit in an int64 (no file holds that many).
func (m *npyMeta) elements() (int64, error) {
	n := int64(1)
	for _, d := range m.shape {
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range m.shape {
		if n > math.MaxInt64/int64(d) {
			return 0, errors.Errorf("shape %v has more elements than any file can hold", m.shape)
		}
		n *= int64(d)
	}
	return n, nil
}

// readNPYHeader reads and checks the preamble and header of a .npy file of size bytes from r,
// leaving r at the first byte of the data. Every length is checked against size before
// anything is allocated: a header cut short, a header that does not end with '\n', a header
// longer than the file or a dict without the three keys is an error saying so.
func readNPYHeader(r io.Reader, size int64) (*npyMeta, error) {
	var pre [12]byte
	if size < 10 {
		return nil, errors.Errorf("file of %d bytes is too short for the .npy preamble (10 bytes)", size)
	}
	if _, err := io.ReadFull(r, pre[:10]); err != nil {
		return nil, errors.Wrap(err, "reading the .npy preamble")
	}
	if string(pre[:6]) != npyMagic {
		return nil, errors.Errorf("does not start with the .npy magic string %q (starts with %q)", npyMagic, pre[:6])
	}
	m := &npyMeta{major: int(pre[6])}
	if pre[7] != 0 || m.major < 1 || m.major > 3 {
		return nil, errors.Errorf(".npy format version %d.%d, want 1.0, 2.0 or 3.0", pre[6], pre[7])
	}
	var hlen int64
	m.dataOffset = 10
	if m.major == 1 {
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
	} else {
		if size < 12 {
			return nil, errors.Errorf("file of %d bytes is too short for the .npy version %d preamble (12 bytes)", size, m.major)
		}
		if _, err := io.ReadFull(r, pre[10:12]); err != nil {
			return nil, errors.Wrap(err, "reading the .npy preamble")
		}
		hlen = int64(binary.LittleEndian.Uint32(pre[8:12]))
		m.dataOffset = 12
	}
	if hlen > size-m.dataOffset {
		return nil, errors.Errorf("header of %d bytes is cut short: the file has %d bytes after the %d-byte preamble", hlen, size-m.dataOffset, m.dataOffset)
	}
	if hlen > npyMaxHeader {
		return nil, errors.Errorf("header of %d bytes, more than the %d bytes allowed", hlen, npyMaxHeader)
	}
	raw := make([]byte, hlen)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, errors.Wrap(err, "reading the .npy header")
	}
	m.dataOffset += hlen
	if hlen == 0 || raw[hlen-1] != '\n' {
		return nil, errors.New("header does not end with a newline (the .npy format ends it with '\\n')")
	}
	text := string(raw)
	if !isHeaderText(text, m.major == 3) {
		// Version 3 headers are UTF-8, earlier ones latin-1; a header of a plain array is
		// ASCII, and control characters in it are damage.
		return nil, errors.New("header holds bytes that are not text")
	}
	p := &pyParser{s: text}
	v, err := p.value(0)
	if err == nil {
		p.skipSpace()
		if p.i != len(p.s) {
			err = errors.Errorf("unexpected %q after the dict", truncate(p.s[p.i:], 20))
		}
	}
	if err != nil {
		return nil, errors.Wrap(err, "header is not a Python dict literal")
	}
	dict, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("header is not a Python dict literal")
	}
	if len(dict) != 3 {
		return nil, errors.Errorf("header has the keys %v, want exactly 'descr', 'fortran_order' and 'shape'", dictKeys(dict))
	}
	switch d := dict["descr"].(type) {
	case string:
		m.descr = d
	case []any:
		return nil, errors.New("structured dtype (a list of fields), want a plain dtype such as '<f4'")
	default:
		return nil, errors.Errorf("header has the keys %v with 'descr' %v, want a dtype string such as '<f4'", dictKeys(dict), d)
	}
	if m.fortran, ok = dict["fortran_order"].(bool); !ok {
		return nil, errors.Errorf("'fortran_order' is %v, want True or False", dict["fortran_order"])
	}
	shape, ok := dict["shape"].(pyTuple)
	if !ok {
		return nil, errors.Errorf("'shape' is %v, want a tuple of integers", dict["shape"])
	}
	for _, d := range shape {
		n, ok := d.(int64)
		if !ok || n < 0 || n > math.MaxInt {
			return nil, errors.Errorf("'shape' holds %v, want non-negative integers", d)
		}
		m.shape = append(m.shape, int(n))
	}
	return m, nil
}

// isHeaderText tells whether s holds printable text, tabs and newlines only: printable ASCII, or
// with utf8 any printable UTF-8.
func isHeaderText(s string, utf8Allowed bool) bool {
	if utf8Allowed && !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r > 0x7f && (!utf8Allowed || !unicode.IsPrint(r))) {
			return false
		}
	}
	return true
}

func dictKeys(d map[string]any) []string {
	return slices.Sorted(maps.Keys(d))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// pyTuple is a Python tuple read from a header (a list is []any, so that a shape must be a tuple).
type pyTuple []any

// pyParser reads the Python literals of .npy headers: dicts with string keys, strings, True,
// False, None, integers (with Python 2's 'L' suffix) and tuples or lists of those.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) value(depth int) (any, error) {
	if depth > npyMaxDepth {
		return nil, errors.Errorf("literals nested more than %d deep", npyMaxDepth)
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, errors.New("ends in the middle of a value")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		d := map[string]any{}
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, errors.Errorf("dict key %v is not a string", k)
			}
			if _, dup := d[key]; dup {
				return nil, errors.Errorf("dict key %q appears twice", key)
			}
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errors.Errorf("no ':' after the key %q", key)
			}
			p.i++
			if d[key], err = p.value(depth + 1); err != nil {
				return nil, err
			}
			if err := p.separator('}'); err != nil {
				return nil, err
			}
		}
	case c == '(' || c == '[':
		end := byte(')')
		if c == '[' {
			end = ']'
		}
		p.i++
		var items []any
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == end {
				p.i++
				if c == '[' {
					return items, nil
				}
				return pyTuple(items), nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
			if err := p.separator(end); err != nil {
				return nil, err
			}
		}
	case c == '\'' || c == '"':
		j := strings.IndexByte(p.s[p.i+1:], c)
		if j < 0 {
			return nil, errors.New("string without its closing quote")
		}
		s := p.s[p.i+1 : p.i+1+j]
		if strings.ContainsAny(s, "\\\n") {
			return nil, errors.Errorf("string %q holds an escape or a newline", truncate(s, 20))
		}
		p.i += j + 2
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'):
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, errors.Errorf("%q is not a 64-bit integer", truncate(p.s[p.i:j], 30))
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		return n, nil
	default:
		for word, v := range map[string]any{"True": true, "False": false, "None": nil} {
			if strings.HasPrefix(p.s[p.i:], word) {
				p.i += len(word)
				return v, nil
			}
		}
		return nil, errors.Errorf("unexpected %q", truncate(p.s[p.i:], 20))
	}
}

// separator reads the ',' between items, or sees the closing bracket.
func (p *pyParser) separator(end byte) error {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return nil
	}
	if p.i < len(p.s) && p.s[p.i] == end {
		return nil
	}
	if p.i >= len(p.s) {
		return errors.Errorf("ends before the closing %q", end)
	}
	return errors.Errorf("unexpected %q, want ',' or %q", truncate(p.s[p.i:], 20), end)
}
