package supervise

import (
	"errors"
	"syscall"

	"github.com/mice2machines/mice2machines/mvc/train"
)

// Exit statuses of a supervised child, the conventions by which it tells its [Supervisor]
// whether to restart it ([ExitCode] maps an error to one).
const (
	// ExitUsage is the exit status that the command-line program uses for bad usage or bad
	// input; the supervisor does not restart a child that exits with it (retrying cannot help).
	ExitUsage = 2
	// ExitStalled is the exit status of a training process that stopped because of
	// [train.ErrStalled]; the supervisor restarts it from its last checkpoint.
	ExitStalled = 3
	// ExitPermanent is the exit status of a supervised child whose error cannot go away on a
	// retry (see [Permanent]): the supervisor does not restart it.
	ExitPermanent = 4
)

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
	case errors.Is(err, train.ErrStalled):
		return ExitStalled
	case Permanent(err):
		return ExitPermanent
	}
	return 1
}
