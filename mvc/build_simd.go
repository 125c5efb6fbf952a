//go:build goexperiment.simd

package mvc

const simdBuild = true
