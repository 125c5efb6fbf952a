//go:build unix

package mvc

import (
	"os"
	"runtime/debug"
	"syscall"
)

// AbortOnCrash makes a crash of this process (an unrecovered panic in any goroutine, or a
// fatal runtime error) end it with SIGABRT after Go's traceback, instead of Go's exit status 2,
// which the command line uses for bad input: a shell then sees 134 (128 + SIGABRT) and os/exec
// a signal, so scripts and the training supervisor can tell a crash from bad input (2) and from
// a failure (1). The traceback shows every goroutine (GOTRACEBACK=crash). The core dump that
// SIGABRT would otherwise trigger is turned off (RLIMIT_CORE soft limit 0): the traceback is the
// report. It does nothing when GOTRACEBACK is set, so that the user's choice stands.
func AbortOnCrash() {
	if os.Getenv("GOTRACEBACK") != "" {
		return
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err == nil && lim.Cur != 0 {
		lim.Cur = 0
		_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &lim)
	}
	debug.SetTraceback("crash")
}
