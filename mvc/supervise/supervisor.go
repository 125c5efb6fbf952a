package supervise

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Supervisor runs training in a child process and restarts it from its last checkpoint when it
// dies or stalls, so that a long sweep finishes unattended. A stuck goroutine in GoMLX's
// backend cannot be stopped from inside the process, so recovery needs a fresh process: the
// child's own [train.Watchdog] makes it exit with [ExitStalled]; if the child is so stuck that
// it cannot, the supervisor applies the same rule (plus Grace) to the child's heartbeats and
// kills it.
//
// The child lives and dies with its supervisor: on Linux the kernel kills it when the
// supervisor dies, however it dies (kill -9 included); the child calls [WatchSupervisor], which
// covers the moment before that and other systems. A child that exits with [ExitUsage] or
// [ExitPermanent] is not restarted: a retry cannot succeed.
type Supervisor struct {
	// Command returns the child's command for an attempt (0 for the first); attempts after the
	// first must resume the run. The supervisor appends to ExtraFiles and sets the environment
	// variables [HeartbeatEnvVar] and [SupervisorPIDEnvVar]; Stdout and Stderr are left as
	// Command sets them.
	Command func(attempt int) (*exec.Cmd, error)
	// MaxRestarts bounds the restarts (0: the default, 5; negative: none).
	MaxRestarts int
	// Watchdog is the stall rule applied to the child's steps (zero value: the defaults).
	Watchdog train.Watchdog
	// Grace is added to the watchdog's limit before the supervisor kills a child (default 30 s),
	// so the child's own watchdog normally acts first.
	Grace time.Duration
	// Log receives one line per start, exit and restart; nil for quiet. It may be the command's
	// Stdout or Stderr: the supervisor serializes its own lines with the goroutines that os/exec
	// starts to copy the child's output into writers that are not files.
	Log io.Writer

	mu sync.Mutex // held by logf and by the writers of guardOutput
}

// interruptGrace is how long an interrupted child may take to save and exit before it is killed.
const interruptGrace = 30 * time.Second

// Attempt describes how a child process ended.
type Attempt struct {
	// ExitCode is the child's exit status (-1 when killed by a signal).
	ExitCode int
	// Killed tells whether the supervisor killed the child because its heartbeats stopped.
	Killed bool
	// Err is the error from waiting for the child.
	Err error
}

// Run starts the child and restarts it as needed; it returns nil once a child exits with
// status 0, and the attempts made.
func (s *Supervisor) Run(ctx context.Context) ([]Attempt, error) {
	maxRestarts := s.MaxRestarts
	if maxRestarts == 0 {
		maxRestarts = 5
	}
	grace := s.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	var attempts []Attempt
	for attempt := 0; ; attempt++ {
		a, err := s.runOnce(ctx, attempt, grace)
		if err != nil {
			return attempts, err
		}
		attempts = append(attempts, a)
		switch {
		case a.ExitCode == 0:
			return attempts, nil
		case ctx.Err() != nil:
			return attempts, ctx.Err()
		case a.ExitCode == ExitUsage:
			return attempts, errors.Errorf("training process failed with exit status %d (bad usage or input); not restarting", a.ExitCode)
		case a.ExitCode == ExitPermanent:
			return attempts, errors.Errorf("training process failed with exit status %d: an error that a retry cannot fix "+
				"(no space left, quota, read-only filesystem or permission denied: see above); not restarting", a.ExitCode)
		case attempt >= maxRestarts:
			return attempts, errors.Errorf("training process failed %d times (last: %s); giving up", len(attempts), describe(a))
		}
		s.logf("supervisor: training process %s; restarting from the last checkpoint (restart %d of at most %d)",
			describe(a), attempt+1, maxRestarts)
	}
}

func describe(a Attempt) string {
	switch {
	case a.Killed:
		return "stalled (no heartbeat within the watchdog's limit) and was killed"
	case a.ExitCode == ExitStalled:
		return "reported a stalled step"
	case a.ExitCode < 0:
		return fmt.Sprintf("died (%v)", a.Err)
	default:
		return fmt.Sprintf("exited with status %d", a.ExitCode)
	}
}

func (s *Supervisor) logf(format string, args ...any) {
	if s.Log != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		fmt.Fprintf(s.Log, format+"\n", args...)
	}
}

// guardOutput makes the child's Stdout and Stderr that are not files write under s.mu, so that
// os/exec's copying goroutines and logf never write to a shared writer at once. Files are
// passed to the child as they are (it writes to them itself).
func (s *Supervisor) guardOutput(cmd *exec.Cmd) {
	guard := func(w io.Writer) io.Writer {
		if _, ok := w.(*os.File); ok || w == nil {
			return w
		}
		return mvc.LockedWriter{Mu: &s.mu, W: w}
	}
	cmd.Stdout, cmd.Stderr = guard(cmd.Stdout), guard(cmd.Stderr)
}

// runOnce runs one child to its end.
func (s *Supervisor) runOnce(ctx context.Context, attempt int, grace time.Duration) (Attempt, error) {
	cmd, err := s.Command(attempt)
	if err != nil {
		return Attempt{}, errors.Wrap(err, "supervisor: building the training command")
	}
	s.guardOutput(cmd)
	pr, pw, err := os.Pipe()
	if err != nil {
		return Attempt{}, errors.Wrap(err, "supervisor: creating the heartbeat pipe")
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, pw)
	fd := 2 + len(cmd.ExtraFiles)
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", HeartbeatEnvVar, fd), fmt.Sprintf("%s=%d", SupervisorPIDEnvVar, os.Getpid()))
	if err := startChild(cmd); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return Attempt{}, errors.Wrap(err, "supervisor: starting the training process")
	}
	_ = pw.Close() // the child holds its copy
	s.logf("supervisor: started training process %d (attempt %d)", cmd.Process.Pid, attempt+1)

	clock := train.NewStepClock(s.Watchdog)
	var readDone sync.WaitGroup
	readDone.Add(1)
	go func() {
		defer readDone.Done()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			clock.ReadHeartbeat(time.Now(), sc.Text())
		}
	}()

	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	ticker := time.NewTicker(clock.PollingPeriod())
	defer ticker.Stop()
	killed := false
	var werr error
loop:
	for {
		select {
		case werr = <-waitErr:
			break loop
		case <-ctx.Done():
			// Ask the child to save its state at a step boundary; kill it if it does not exit.
			_ = cmd.Process.Signal(os.Interrupt)
			go func(p *os.Process) {
				time.Sleep(interruptGrace)
				_ = p.Kill()
			}(cmd.Process)
			ctx = context.Background()
		case <-ticker.C:
			if stalled, elapsed, limit := clock.Overdue(time.Now()); !killed && stalled && elapsed > limit+grace {
				s.logf("supervisor: step running for %s (limit %s + grace %s): killing training process %d",
					elapsed.Round(time.Second), limit, grace, cmd.Process.Pid)
				killed = true
				_ = cmd.Process.Kill()
			}
		}
	}
	_ = pr.Close()
	readDone.Wait()
	a := Attempt{ExitCode: cmd.ProcessState.ExitCode(), Killed: killed, Err: werr}
	return a, nil
}
