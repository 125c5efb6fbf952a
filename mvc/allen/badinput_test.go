package allen

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

	"github.com/mice2machines/mice2machines/mvc/h5"
)

// openBytes opens an experiment file held in memory; name stands for its path in errors.
func openBytes(raw []byte, name string) (*File, error) {
	h, err := h5.Read(bytes.NewReader(raw), int64(len(raw)), name, "NWB")
	if err != nil {
		return nil, err
	}
	return &File{h: h}, nil
}

// tinyNWB returns a small experiment file as the simulator writes it: 2 cells, 2 templates of
// 4x5, 2 trials and 1 blank sweep.
func tinyNWB(t testing.TB) []byte {
	t.Helper()
	opts := smallOptions()
	opts.Cells, opts.Height, opts.Width, opts.Images, opts.Trials, opts.BlankSweeps = 2, 4, 5, 2, 2, 1
	stim, err := MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := SimulateExperiment(opts, stim, "VISpm", "Vip")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.nwb")
	if err := WriteNWB(path, e); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readAll calls the readers of f and returns the errors they give. With few set, it reads
// only the first cells and template, as the fuzz target does.
func readAll(f *File, few bool) []error {
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	_, err := f.Metadata()
	note(err)
	cells, _, err := f.Shape()
	note(err)
	if err == nil && cells > 0 {
		if few {
			cells = min(cells, 2)
		}
		_, err = f.TraceBlock(0, cells)
		note(err)
	}
	_, err = f.FrameRate()
	note(err)
	_, err = f.NaturalScenes()
	note(err)
	if few {
		_, err = f.Template(0)
	} else {
		_, err = f.Templates()
	}
	note(err)
	_, err = f.TemplateSources()
	note(err)
	return errs
}

// messageAt returns the message of type typ in the object header of the dataset or group at
// path, found by walking the file with the reader's own functions.
func messageAt(t *testing.T, raw []byte, path string, typ uint16) h5.Message {
	t.Helper()
	f, err := h5.Read(bytes.NewReader(raw), int64(len(raw)), "messages.nwb", "NWB")
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

// firstDim returns the file offset of a dataspace message's first dimension.
func firstDim(m h5.Message) int {
	if m.Data[0] == 1 {
		return int(m.Addr) + 8
	}
	return int(m.Addr) + 4
}

func putUint64(raw []byte, at int, v uint64) { binary.LittleEndian.PutUint64(raw[at:], v) }

// Damaged NWB files: sizes, lengths, counts and addresses made larger than the file, in the
// structures that the simulator's files and h5py's hold. Each gives an error that names the
// file and what is wrong, before anything of that size is allocated (the global heap's size
// is the reported crash: "fatal error: runtime: out of memory").
func TestDamagedNWBGivesErrors(t *testing.T) {
	tiny := tinyNWB(t)
	fixture, err := os.ReadFile(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		raw    []byte
		damage func(t *testing.T, raw []byte)
		says   string
	}{
		{"global heap collection size", tiny, func(t *testing.T, raw []byte) {
			putUint64(raw, bytes.Index(raw, []byte("GCOL"))+8, 1<<44)
		}, "global heap collection of 17592186044416 bytes at address"},
		{"local heap data size", tiny, func(t *testing.T, raw []byte) {
			putUint64(raw, bytes.Index(raw, []byte("HEAP"))+8, 1<<44)
		}, "local heap data of 17592186044416 bytes"},
		{"variable-length strings dataset shape", tiny, func(t *testing.T, raw []byte) {
			putUint64(raw, firstDim(messageAt(t, raw, SessionTypePath, h5.MsgDataspace)), 1<<40)
		}, SessionTypePath + ": cannot be read: shape [1099511627776] of 16-byte elements needs 17592186044416 bytes, its storage holds 16"},
		{"dF/F shape", tiny, func(t *testing.T, raw []byte) {
			putUint64(raw, firstDim(messageAt(t, raw, DFFPath, h5.MsgDataspace))+8, 1<<40)
		}, DFFPath + ": cannot be read"},
		{"templates shape", tiny, func(t *testing.T, raw []byte) {
			putUint64(raw, firstDim(messageAt(t, raw, TemplatesPath, h5.MsgDataspace)), 1<<40)
		}, TemplatesPath + ": cannot be read"},
		{"dF/F address", tiny, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, DFFPath, h5.MsgLayout)
			putUint64(raw, int(m.Addr)+2, 1<<50)
		}, "beyond the file's end"},
		{"variable-length string length", tiny, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, SessionTypePath, h5.MsgLayout)
			data := binary.LittleEndian.Uint64(m.Data[2:])
			binary.LittleEndian.PutUint32(raw[data:], 1<<31)
		}, "2147483648 bytes long, its heap object holds"},
		{"symbol table node count", tiny, func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint16(raw[bytes.Index(raw, []byte("SNOD"))+6:], 0xffff)
		}, "symbol table entries"},
		{"B-tree entries", tiny, func(t *testing.T, raw []byte) {
			binary.LittleEndian.PutUint16(raw[bytes.Index(raw, []byte("TREE"))+6:], 0xffff)
		}, "B-tree node entries"},
		{"object header size", tiny, func(t *testing.T, raw []byte) {
			at := bytes.Index(raw, []byte("OHDR"))
			flags := raw[at+5]
			raw[at+5] = flags | 3 // an 8-byte chunk size
			putUint64(raw, at+6+4*int(flags>>4&1)+16*int(flags>>5&1), 1<<44)
		}, "object header"},
		{"h5py chunk size", fixture, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, DFFPath, h5.MsgLayout)
			btree := binary.LittleEndian.Uint64(m.Data[3:])
			binary.LittleEndian.PutUint32(raw[btree+24:], 0xffffffff)
		}, "chunk of 4294967295 bytes"},
		{"h5py chunk offset", fixture, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, DFFPath, h5.MsgLayout)
			btree := binary.LittleEndian.Uint64(m.Data[3:])
			putUint64(raw, int(btree)+24+8, 1<<40)
		}, "a chunk at offset 1099511627776 on axis 0"},
		{"h5py deflate stream", fixture, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, DFFPath, h5.MsgLayout)
			btree := binary.LittleEndian.Uint64(m.Data[3:])
			chunk := binary.LittleEndian.Uint64(raw[btree+24+8+3*8:])
			copy(raw[chunk:], "not deflate")
		}, "inflating"},
		{"h5py dataspace rank", fixture, func(t *testing.T, raw []byte) {
			m := messageAt(t, raw, DFFPath, h5.MsgDataspace)
			raw[m.Addr+1] = 200
		}, "rank 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := slices.Clone(c.raw)
			c.damage(t, raw)
			name := "damaged.nwb"
			var errs []error
			f, err := openBytes(raw, name)
			if err != nil {
				errs = []error{err}
			} else {
				errs = readAll(f, false)
			}
			found := false
			for _, err := range errs {
				if !strings.Contains(err.Error(), name) {
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

// checkNoPanic opens raw and reads it, failing the test with the damage's description and the
// stack if the reader panics. The reader's recovery from panics is off, so that none is hidden.
func checkNoPanic(t testing.TB, raw []byte, what string, few bool) []error {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", what, r, debug.Stack())
		}
	}()
	f, err := openBytes(raw, "damaged.nwb")
	if err != nil {
		return []error{err}
	}
	return readAll(f, few)
}

// Every byte of the first 512 bytes of a simulated file and of an h5py file (superblock, root
// group, first object headers), and a sample of the rest, damaged two ways: no panic. The fuzz
// target FuzzNWB goes further.
func TestDamagedNWBSweep(t *testing.T) {
	defer func(v bool) { h5.RecoverPanics = v }(h5.RecoverPanics)
	h5.RecoverPanics = false
	fixture, err := os.ReadFile(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string][]byte{"simulated": tinyNWB(t), "h5py": fixture} {
		step := 1
		for at := 0; at < len(raw); at += step {
			if at >= 512 {
				step = 101
			}
			for _, v := range []byte{raw[at] ^ 0xff, 0x7f} {
				damaged := slices.Clone(raw)
				damaged[at] = v
				checkNoPanic(t, damaged, fmt.Sprintf("%s file, byte %d set to %#x", name, at, v), true)
			}
		}
	}
}

// A group of an old-format file whose header lacks its symbol table message is read through the
// symbol table cached in its parent's entry, as HDF5 1.8 and the h5py files it writes allow.
func TestCachedSymbolTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "h5py_session_b.nwb"))
	if err != nil {
		t.Fatal(err)
	}
	m := messageAt(t, raw, "general", h5.MsgSymbolTable)
	if binary.LittleEndian.Uint16(raw[m.Addr-8:]) != h5.MsgSymbolTable {
		t.Fatal("the fixture's group header is not version 1")
	}
	binary.LittleEndian.PutUint16(raw[m.Addr-8:], 0) // a NIL message instead
	f, err := openBytes(raw, "cached.nwb")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := f.Metadata(); err != nil || m.Area != "VISal" {
		t.Errorf("metadata through the cached symbol table: %+v, %v", m, err)
	}
}
