package data_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/data"
)

// rawNPY returns a .npy file of format version major with the given header dict (padded and
// ended by '\n' as NumPy writes it) followed by payload.
func rawNPY(major byte, dict string, payload []byte) []byte {
	pre := 10
	if major > 1 {
		pre = 12
	}
	header := dict + strings.Repeat(" ", (64-(pre+len(dict)+1)%64)%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(payload)
	return b.Bytes()
}

// The reported crashes of the .npy reader: a header cut short, a header without its newline,
// and a shape far beyond the file's size must each give an error naming the file and the
// problem, without a panic or a huge allocation.
func TestReadNPYBadHeaders(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npy")
	if err := data.WriteNPYFloat32(good, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []int{4, 3}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	noNewline := slices.Clone(raw)
	noNewline[len(raw)-12*4-1] = ' '
	shortLength := slices.Clone(raw)
	binary.LittleEndian.PutUint16(shortLength[8:], 40) // the header's length ends mid-dict
	cases := []struct {
		name string
		raw  []byte
		says string
	}{
		{"truncated header", raw[:60], "cut short"},
		{"header length beyond the file", append(slices.Clone(raw[:8]), 0xff, 0xff), "cut short"},
		{"version 2 length beyond the file", rawNPY(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", nil)[:20], "cut short"},
		{"no newline", noNewline, "newline"},
		{"length inside the dict", shortLength, "newline"},
		{"shape beyond the file", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 8), }", make([]byte, 64)),
			"needs 32000000000000 bytes of data, the file holds 64 bytes"},
		{"shape overflowing int64", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000, 4000000000), }", nil),
			"more elements than any file can hold"},
		{"data shorter than the shape", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", make([]byte, 8)), "needs 12 bytes"},
		{"data longer than the shape", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "needs 4 bytes"},
		{"negative dimension", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", nil), "non-negative"},
		{"dimension beyond int64", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", nil), "64-bit integer"},
		{"missing key", rawNPY(1, "{'descr': '<f4', 'shape': (1,), }", make([]byte, 4)), "want exactly"},
		{"extra key", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", make([]byte, 4)), "want exactly"},
		{"shape as a list", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", make([]byte, 4)), "tuple"},
		{"unclosed dict", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", make([]byte, 4)), "ends"},
		{"deep nesting", rawNPY(1, "{'descr': "+strings.Repeat("[", 10000), nil), "nested"},
		{"binary header", rawNPY(1, "{'descr': '<f4\x00', 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)), "not text"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), raw[8:]...), "version 4.0"},
		{"bad magic", append([]byte("\x93NUMPX"), raw[6:]...), "magic"},
		{"empty", nil, "too short"},
		{"structured dtype", rawNPY(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)), "structured"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			if err := os.WriteFile(path, c.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			values, shape, err := data.ReadNPYFloat32(path)
			if err == nil {
				t.Fatalf("read %d values of shape %v, want an error", len(values), shape)
			}
			for _, s := range []string{path, c.says} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

// Files NumPy can write and the reader accepts: versions 2 and 3, big-endian values, 0-d and
// empty arrays, headers with double quotes, no trailing comma and Python 2's long integers.
func TestReadNPYVariants(t *testing.T) {
	dir := t.TempDir()
	le := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 0x3f800000), 0x40000000) // 1, 2
	be := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0x3f800000), 0x40000000)
	cases := []struct {
		name   string
		raw    []byte
		values []float32
		shape  []int
	}{
		{"version 2", rawNPY(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", le), []float32{1, 2}, []int{2}},
		{"version 3", rawNPY(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", le), []float32{1, 2}, []int{1, 2}},
		{"big-endian", rawNPY(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be), []float32{1, 2}, []int{2}},
		{"0-d", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", le[:4]), []float32{1}, nil},
		{"empty", rawNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", nil), []float32{}, []int{0, 5}},
		{"Python 2 style", rawNPY(1, `{"shape": (2L,), "fortran_order": False, "descr": "<f4"}`, le), []float32{1, 2}, []int{2}},
	}
	for _, c := range cases {
		path := filepath.Join(dir, "v.npy")
		if err := os.WriteFile(path, c.raw, 0o644); err != nil {
			t.Fatal(err)
		}
		values, shape, err := data.ReadNPYFloat32(path)
		if err != nil || !slices.Equal(values, c.values) || !slices.Equal(shape, c.shape) {
			t.Errorf("%s: read %v of shape %v (%v), want %v of shape %v", c.name, values, shape, err, c.values, c.shape)
		}
	}
}
