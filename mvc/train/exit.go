package train

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ExitPermanent is the exit status of a supervised child whose error cannot go away on a retry
// (see [Permanent]): the supervisor does not restart it.
const ExitPermanent = 4

// Permanent tells whether err cannot succeed on a retry: the disk or quota is full, the
// filesystem is read-only, or permission is denied. A [Supervisor] does not restart a child
// that fails so ([ExitCode] gives it [ExitPermanent]).
func Permanent(err error) bool {
	for _, e := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EACCES, syscall.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// ExitCode is the exit status with which a supervised child reports err to its [Supervisor]: 0
// for nil, [ExitStalled] for a stalled step (restarted), [ExitPermanent] for an error that a
// retry cannot fix (not restarted), 1 for any other failure (restarted). Bad usage or input,
// which the command line knows, is [ExitUsage].
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrStalled):
		return ExitStalled
	case Permanent(err):
		return ExitPermanent
	}
	return 1
}

// SupervisorPIDEnvVar names the environment variable through which a [Supervisor] tells its
// child its own process ID (see [WatchSupervisor]).
const SupervisorPIDEnvVar = "MVC_TRAIN_SUPERVISOR_PID"

// WatchSupervisor makes a supervised child end when its supervisor has died. Call it first
// thing in the child. If the supervisor died before the child could be tied to it (its parent
// is no longer the supervisor whose ID [SupervisorPIDEnvVar] holds), the child exits at once
// with status 1. On Linux the kernel then kills the child when the supervisor dies (the
// supervisor asks for it); elsewhere a goroutine checks the parent every second and exits
// likewise. It does nothing in a process that no supervisor started.
func WatchSupervisor() {
	want, err := strconv.Atoi(os.Getenv(SupervisorPIDEnvVar))
	if err != nil || want <= 0 {
		return
	}
	orphaned := func() bool { return os.Getppid() != want }
	if orphaned() {
		fmt.Fprintf(os.Stderr, "training process %d: its supervisor (process %d) has ended; exiting\n", os.Getpid(), want)
		os.Exit(1)
	}
	if !parentWatchNeeded {
		return
	}
	go func() {
		for range time.Tick(time.Second) {
			if orphaned() {
				fmt.Fprintf(os.Stderr, "training process %d: its supervisor (process %d) has ended; exiting\n", os.Getpid(), want)
				os.Exit(1)
			}
		}
	}()
}
