package mvc_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestWriteFileAtomicFullDisk injects the error of a full disk into a write: the error says so
// (errors.Is ENOSPC, for callers that must not retry), the old content is intact and no
// temporary file is left.
func TestWriteFileAtomicFullDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := mvc.WriteFileAtomic(path, func(f *os.File) error {
		if _, err := f.Write([]byte("partial")); err != nil {
			return err
		}
		return &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v: want ENOSPC through the wrapping", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("content %q after a failed write, want the old one", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"checkpoint.bin", "metrics.jsonl", ".lock", "x.tmp-1", ".tmp-", ".a.tmp-"}
	stale := []string{".checkpoint.bin.tmp-123456", ".metrics.jsonl.tmp-9"}
	for _, name := range append(slices.Clone(keep), stale...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".sub.tmp-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	removed, err := mvc.RemoveStaleTemps(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != len(stale) {
		t.Errorf("removed %v, want %v", removed, stale)
	}
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s not removed", name)
		}
	}
	for _, name := range append(keep, ".sub.tmp-1") {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s removed", name)
		}
	}
	if removed, err := mvc.RemoveStaleTemps(filepath.Join(dir, "missing")); err != nil || removed != nil {
		t.Errorf("missing folder: %v, %v", removed, err)
	}
}
