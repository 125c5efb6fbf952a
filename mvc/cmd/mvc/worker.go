package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// child describes the supervised re-execution of this program that runs a long command
// ("mvc train", "mvc dg") in a process that can be restarted.
type child struct {
	// command and args are the command line (without --supervise=false, which is added).
	command string
	args    []string
	// envVar marks the child process, so that its init runs the command directly.
	envVar string
	// what names the work in messages: "training", "sweep".
	what string
	// lock, when set, is the run directory's lock, handed to every child.
	lock *train.DirLock
	// resume adds --resume to the restarts.
	resume bool
	// restarts bounds the restarts (0: none).
	restarts int
	// watchdog is the supervisor's stall rule (zero: the defaults).
	watchdog train.Watchdog
}

// superviseSelf runs c in a child process, restarted when it stalls or dies (supervise.Supervisor).
func superviseSelf(ctx context.Context, c child, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locating this program to run the %s child: %w", c.what, err)
	}
	s := &supervise.Supervisor{
		MaxRestarts: c.restarts,
		Log:         stderr,
		Watchdog:    c.watchdog,
		Command: func(attempt int) (*exec.Cmd, error) {
			args := append(append([]string{c.command}, c.args...), "--supervise=false")
			if attempt > 0 && c.resume {
				args = append(args, "--resume")
			}
			cmd := exec.Command(self, args...)
			if c.lock != nil {
				c.lock.Pass(cmd)
			}
			if cmd.Env == nil {
				cmd.Env = os.Environ()
			}
			cmd.Env = append(cmd.Env, c.envVar+"=1")
			cmd.Stdout, cmd.Stderr = stdout, stderr
			return cmd, nil
		},
	}
	if c.restarts == 0 {
		s.MaxRestarts = -1
	}
	attempts, err := s.Run(ctx)
	if err != nil && len(attempts) > 0 && attempts[len(attempts)-1].ExitCode == exitUsage {
		return usageError{fmt.Errorf("the %s process rejected its input (see above)", c.what)}
	}
	return err
}

// startWorker prepares a supervised child ("mvc train", "mvc dg"): it ends when its supervisor
// has ended, and a crash ends it by SIGABRT, which the supervisor restarts, rather than with
// Go's exit status 2, which would read as bad input.
func startWorker() {
	mvc.AbortOnCrash()
	supervise.WatchSupervisor()
}

// workerExit maps the outcome of a supervised child ("mvc train", "mvc dg") to its exit status,
// printing the error in one line: 0, supervise.ExitStalled for a stall (the supervisor resumes),
// exitUsage for bad input and supervise.ExitPermanent for an error a retry cannot fix (full disk,
// read-only filesystem, permission denied; it does not), 1 otherwise.
func workerExit(command string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "mvc %s: %s\n", command, oneLine(err.Error()))
	if isBadInput(err) {
		return exitUsage
	}
	return supervise.ExitCode(err)
}
