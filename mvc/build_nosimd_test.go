//go:build !goexperiment.simd

package mvc_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestBuildNoteNoSIMD: a build without SIMD says how to get it, where it matters (amd64, pure-Go
// backend).
func TestBuildNoteNoSIMD(t *testing.T) {
	if mvc.SIMD() {
		t.Error("SIMD() is true in a build without GOEXPERIMENT=simd")
	}
	note := mvc.BuildNote()
	if runtime.GOARCH == "amd64" && mvc.ChooseBackend().Name == mvc.GoBackendName {
		if !strings.Contains(note, mvc.BuildEnvLine()) {
			t.Errorf("BuildNote() = %q, want the set-up line %q", note, mvc.BuildEnvLine())
		}
	} else if note != "" {
		t.Errorf("BuildNote() = %q where SIMD does not matter", note)
	}
}
