//go:build !unix

package mvc

// AbortOnCrash does nothing on this system: a crash exits with Go's status 2.
func AbortOnCrash() {}
