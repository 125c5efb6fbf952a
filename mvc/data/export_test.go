package data

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestExportNPYLeavesNoPartialOutput injects a full disk into the second file of an export:
// no output folder, file or temporary folder is left, and an existing folder keeps what it had.
func TestExportNPYLeavesNoPartialOutput(t *testing.T) {
	d := &Dataset{Name: "tiny", Split: "test", N: 2, Height: 2, Width: 2, Channels: 1,
		Pixels: []uint8{1, 2, 3, 4, 5, 6, 7, 8}, Labels: []int{0, 1}, ClassNames: []string{"a", "b"}}
	full := func(path string, _ []int64, _ []int) error {
		return &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	if _, _, err := exportNPY(d, out, WriteNPYUint8, full); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("export on a full disk: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a failed export left %v", entries)
	}
	// Into an existing folder: its file stays, nothing is added.
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := exportNPY(d, out, WriteNPYUint8, full); err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("existing folder after a failed export: %v", entries)
	}
	// Without the failure both files arrive, beside the existing one.
	images, labels, err := ExportNPY(d, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{images, labels, filepath.Join(out, "notes.txt")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	fresh := filepath.Join(parent, "fresh")
	if _, _, err := ExportNPY(d, fresh); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(fresh); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("new output folder: %v, %v", st.Mode(), err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 2 {
		t.Errorf("the parent holds %v, want out and fresh", entries)
	}
}
