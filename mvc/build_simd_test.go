//go:build goexperiment.simd

package mvc_test

import (
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestBuildNoteSIMD: a SIMD build reports itself and has nothing to warn about.
func TestBuildNoteSIMD(t *testing.T) {
	if !mvc.SIMD() {
		t.Error("SIMD() is false in a GOEXPERIMENT=simd build")
	}
	if note := mvc.BuildNote(); note != "" {
		t.Errorf("BuildNote() = %q in a SIMD build, want empty", note)
	}
}
