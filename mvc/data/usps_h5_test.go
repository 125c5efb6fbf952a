package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/h5"
)

// smallUSPSH5 returns a usps.h5 file written by WriteUSPSH5: 6 training and 3 test images.
func smallUSPSH5(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "usps.h5")
	trainData, trainTarget := uspsFixture(6, 7)
	testData, testTarget := uspsFixture(3, 8)
	if err := WriteUSPSH5(path, USPSArrays{trainData, trainTarget}, USPSArrays{testData, testTarget}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readUSPSBytes reads both splits of a usps.h5 file held in memory as ReadUSPSH5 reads a file;
// name stands for its path in errors. It returns the errors, and fails the test if a split is
// accepted that is not a valid dataset.
func readUSPSBytes(t testing.TB, raw []byte, name string) []error {
	t.Helper()
	h, err := h5.Read(bytes.NewReader(raw), int64(len(raw)), name, "USPS")
	if err != nil {
		return []error{err}
	}
	if err := h.CheckLength(); err != nil {
		return []error{err}
	}
	var errs []error
	for _, split := range []string{"train", "test"} {
		d, err := readUSPSSplit(h, split)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := d.Validate(); err != nil || d.N*uspsPixels > len(raw) {
			t.Fatalf("split %s accepted: %d images from %d bytes: %v", split, d.N, len(raw), err)
		}
	}
	return errs
}

// checkUSPSDamage reads a damaged file with the reader's recovery from panics off, failing the
// test with the damage's description if it panics or gives an error that does not name the
// file. It returns the errors.
func checkUSPSDamage(t testing.TB, raw []byte, what string) []error {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", what, r, debug.Stack())
		}
	}()
	const name = "damaged/usps.h5"
	errs := readUSPSBytes(t, raw, name)
	for _, err := range errs {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", what, err)
		}
	}
	return errs
}

// Truncations of a small usps.h5 are errors naming the file; bytes damaged two ways give
// an error naming the file or a valid dataset, never a panic. The fuzz target FuzzUSPSH5 goes
// further.
func TestUSPSH5DamagedSweep(t *testing.T) {
	defer func(v bool) { h5.RecoverPanics = v }(h5.RecoverPanics)
	h5.RecoverPanics = false
	raw := smallUSPSH5(t)
	for n := 0; n < len(raw); n += 1 + n/1024*4 { // every length up to 1024 bytes, one in 5 after
		if errs := checkUSPSDamage(t, raw[:n], fmt.Sprintf("file cut to %d of %d bytes", n, len(raw))); len(errs) == 0 {
			t.Errorf("file cut to %d of %d bytes: no error", n, len(raw))
		}
	}
	// Every byte of the first 1024 (superblock, root group, first headers), one in 5 after.
	step := 1
	for at := 0; at < len(raw); at += step {
		if at >= 1024 {
			step = 5
		}
		for _, v := range []byte{raw[at] ^ 0xff, 0x7f} {
			damaged := slices.Clone(raw)
			damaged[at] = v
			checkUSPSDamage(t, damaged, fmt.Sprintf("byte %d set to %#x", at, v))
		}
	}
}

// Size fields made larger than the file, and other damage to headers: each gives an error that
// names the file and says what is wrong, before anything of that size is allocated.
func TestUSPSH5DamagedHeaders(t *testing.T) {
	raw := smallUSPSH5(t)
	message := func(t *testing.T, raw []byte, path string, typ uint16) h5.Message {
		t.Helper()
		f, err := h5.Read(bytes.NewReader(raw), int64(len(raw)), "usps.h5", "USPS")
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := f.HeaderMessages(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Type == typ {
				return m
			}
		}
		t.Fatalf("%s has no message of type %d", path, typ)
		return h5.Message{}
	}
	// firstDim is the file offset of a dataspace message's first dimension.
	firstDim := func(m h5.Message) int {
		if m.Data[0] == 1 {
			return int(m.Addr) + 8
		}
		return int(m.Addr) + 4
	}
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, raw []byte)
		says   string
	}{
		{"a huge dataset", func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint64(raw[firstDim(message(t, raw, "train/data", h5.MsgDataspace)):], 1<<40)
		}, "dataset train/data: cannot be read: declares [1099511627776 256] elements of 4 bytes, more than a"},
		{"a huge label count", func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint64(raw[firstDim(message(t, raw, "test/target", h5.MsgDataspace)):], 1<<62)
		}, "dataset test/target: cannot be read"},
		{"an element size", func(t *testing.T, raw []byte) {
			m := message(t, raw, "train/data", h5.MsgDatatype)
			binary.LittleEndian.PutUint32(raw[m.Addr+4:], 1<<31)
		}, "2147483648-byte floats are not read"},
		{"a chunk size", func(t *testing.T, raw []byte) {
			m := message(t, raw, "train/data", h5.MsgLayout)
			btree := binary.LittleEndian.Uint64(m.Data[3:])
			binary.LittleEndian.PutUint32(raw[btree+24:], 0xffffffff)
		}, "chunk of 4294967295 bytes"},
		{"a B-tree entry count", func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint16(raw[bytes.Index(raw, []byte("TREE"))+6:], 0xffff)
		}, "B-tree node entries"},
		{"the end-of-file address", func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint64(raw[bytes.Index(raw, []byte(hdf5Signature))+12+16:], 1<<50)
		}, "truncated HDF5 file"},
		{"the superblock version", func(t *testing.T, raw []byte) { raw[8] = 9 }, "superblock version 9"},
		{"the signature", func(t *testing.T, raw []byte) { raw[1] = 'X' }, "no HDF5 signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			damaged := slices.Clone(raw)
			c.damage(t, damaged)
			dir := t.TempDir()
			path := filepath.Join(dir, "usps.h5")
			if err := os.WriteFile(path, damaged, 0o644); err != nil {
				t.Fatal(err)
			}
			var errs []error
			for _, split := range []string{"train", "test"} {
				if _, err := ReadUSPSH5(path, split); err != nil {
					errs = append(errs, err)
				}
			}
			found := false
			for _, err := range errs {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name the file", err)
				}
				found = found || strings.Contains(err.Error(), c.says)
			}
			if !found {
				t.Errorf("no error says %q; got %v", c.says, errs)
			}
		})
	}
}

// The real usps.h5 cut short at many offsets: each an error naming the file.
func TestUSPSH5RealTruncated(t *testing.T) {
	dir, ok := mvc.DataDir()
	raw, err := os.ReadFile(filepath.Join(dir, "usps", "usps.h5"))
	if !ok || err != nil {
		t.Skipf("real USPS not available: set $%s to the shared data folder (with usps/usps.h5) to run this test", mvc.DataEnvVar)
	}
	for k := range 24 {
		n := len(raw) * k / 24
		if k%2 == 1 {
			n = min(n+k*37, len(raw)-1)
		}
		errs := checkUSPSDamage(t, raw[:n], fmt.Sprintf("real file cut to %d of %d bytes", n, len(raw)))
		if len(errs) == 0 {
			t.Errorf("real file cut to %d of %d bytes: no error", n, len(raw))
		}
	}
}

// FuzzUSPSH5 is the fuzz target of the usps.h5 reader: no damaged file may crash the program,
// come back as a partial or invalid dataset, or give an error that does not name the file. Its
// seed is made when it starts, by the project's own writer (WriteUSPSH5). Run it with e.g.
// `go test ./mvc/data -run '^$' -fuzz '^FuzzUSPSH5$' -fuzztime 2m`.
func FuzzUSPSH5(f *testing.F) {
	recoverPanics := h5.RecoverPanics
	f.Cleanup(func() { h5.RecoverPanics = recoverPanics })
	h5.RecoverPanics = false // a panic is a bug to see, not an error to return
	f.Add(smallUSPSH5(f))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkUSPSDamage(t, raw, "fuzz input")
	})
}
