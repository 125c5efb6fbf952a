package mvc

import (
	"runtime"
	"strings"
)

// BuildEnv is the build environment of this project, the one place that names it: the README's
// set-up exports it, the GoNB kernel (package kernel) builds notebook cells with it, the Docker
// images set it and CI runs under it.
//
//   - GOTOOLCHAIN: the GoMLX version this module requires needs Go 1.27; the go command fetches
//     that toolchain from the module proxy when the installed one is older.
//   - GOEXPERIMENT=simd: turns on Go's SIMD intrinsics, with which GoMLX's pure-Go backend
//     multiplies matrices with AVX2/AVX-512 kernels. Training on the CPU is several times faster
//     (README, "Speed"); without it everything works, slowly.
var BuildEnv = []string{"GOTOOLCHAIN=" + GoToolchain, "GOEXPERIMENT=simd"}

// GoToolchain is the Go toolchain the project is built and tested with.
const GoToolchain = "go1.27.3"

// BuildEnvLine returns BuildEnv as a shell export line: export GOTOOLCHAIN=... GOEXPERIMENT=simd.
func BuildEnvLine() string { return "export " + strings.Join(BuildEnv, " ") }

// SIMD tells whether this binary was built with Go's SIMD experiment (GOEXPERIMENT=simd), which
// GoMLX's pure-Go backend needs for its fast matrix products on amd64.
func SIMD() bool { return simdBuild }

// BuildNote returns "" when this binary computes at full speed, or, when it runs on the pure-Go
// backend on amd64 without GOEXPERIMENT=simd, a sentence saying so and how to fix it, which
// commands print before long computations.
func BuildNote() string {
	if simdBuild || runtime.GOARCH != "amd64" || ChooseBackend().Name != GoBackendName {
		return ""
	}
	return "this binary was built without GOEXPERIMENT=simd, so matrix products run several times " +
		"slower: build with the README's set-up line (" + BuildEnvLine() + ")"
}
