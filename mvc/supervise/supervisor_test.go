package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Environment of the test binary re-executed as a training child (see TestMain).
const (
	childModeEnv = "MVC_SUPERVISE_TEST_CHILD"
	childDirEnv  = "MVC_SUPERVISE_TEST_DIR"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		if code, ok := lockChild(mode, os.Getenv(childDirEnv)); ok {
			os.Exit(code)
		}
		os.Exit(testChild(mode, os.Getenv(childDirEnv)))
	}
	os.Exit(m.Run())
}

// testChild is the training process that the supervisor tests start: the reference tiny run,
// resumed from dir, with one injected failure (once: a marker file remembers it happened).
//
//   - "stall": a step blocks forever; the child's own watchdog detects it (exit ExitStalled).
//   - "hang": a step blocks forever and the child has no watchdog: the supervisor must kill it.
//   - "crash": the process dies in the middle of epoch 3, without saving anything.
//   - "enospc": a step fails as a write does on a full disk.
func testChild(mode, dir string) int {
	WatchSupervisor()
	ds, err := loadMNISTForChild()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := tinyConfig(dir)
	cfg.Resume = true
	cfg.Heartbeat = HeartbeatFromEnv()
	marker := filepath.Join(dir, "failed-once")
	once := func() bool {
		if _, err := os.Stat(marker); err == nil {
			return false
		}
		_ = os.WriteFile(marker, nil, 0o644)
		return true
	}
	switch mode {
	case "stall", "hang":
		if mode == "stall" {
			cfg.Watchdog = &train.Watchdog{MinTimeout: 2 * time.Second, FirstStepTimeout: 5 * time.Minute}
		}
		cfg.BeforeStep = func(epoch, step int) error {
			if epoch == 2 && step == 3 && once() {
				select {} // the injected stall
			}
			return nil
		}
	case "crash":
		cfg.BeforeStep = func(epoch, step int) error {
			if epoch == 3 && step == 2 && once() {
				os.Exit(1)
			}
			return nil
		}
	case "enospc":
		cfg.BeforeStep = func(epoch, step int) error {
			if epoch == 2 {
				return &os.PathError{Op: "write", Path: filepath.Join(dir, train.CheckpointFile), Err: syscall.ENOSPC}
			}
			return nil
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
		return 1
	}
	_, err = train.Run(context.Background(), mvc.MustBackend(), cfg, ds, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return ExitCode(err)
}

var (
	referenceOnce sync.Once
	referenceRes  *train.Result
	referenceErr  error
)

// referenceRun is the uninterrupted run that interrupted ones must reproduce.
func referenceRun(t *testing.T) *train.Result {
	t.Helper()
	ds := smallMNIST(t, 320)
	referenceOnce.Do(func() {
		referenceRes, referenceErr = train.Run(context.Background(), mvc.MustBackend(), tinyConfig(""), ds, nil)
	})
	if referenceErr != nil {
		t.Fatal(referenceErr)
	}
	return referenceRes
}

// checkMatchesReference compares a finished run directory with the reference run.
func checkMatchesReference(t *testing.T, dir string) {
	t.Helper()
	ref := referenceRun(t)
	ckpt, err := train.LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ckpt.State.Done {
		t.Fatal("the supervised run did not finish")
	}
	if a, b := deterministic(ref.Epochs), deterministic(ckpt.State.History); !slices.Equal(a, b) {
		t.Errorf("metrics differ:\nreference  %+v\nsupervised %+v", a, b)
	}
	want := modelWeights(t, ref.Store)
	got := map[string][]byte{}
	for _, x := range ckpt.Best {
		got[x.Info.Path] = x.Data
	}
	sameWeights(t, want, got, "best weights")
}

func runSupervised(t *testing.T, mode string, wd train.Watchdog) ([]Attempt, string) {
	t.Helper()
	smallMNIST(t, 320) // skip early when MNIST is missing
	dir := t.TempDir()
	var log bytes.Buffer // the supervisor's lines and the child's stderr: Supervisor serializes them
	s := &Supervisor{
		Command: func(attempt int) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childModeEnv+"="+mode, childDirEnv+"="+dir)
			cmd.Stderr = &log
			return cmd, nil
		},
		MaxRestarts: 5, Watchdog: wd, Grace: time.Second, Log: &log,
	}
	attempts, err := s.Run(context.Background())
	t.Logf("supervisor log:\n%s", log.String())
	if err != nil {
		t.Fatal(err)
	}
	return attempts, dir
}

func TestSupervisorRecoversFromStalledStep(t *testing.T) {
	attempts, dir := runSupervised(t, "stall", train.Watchdog{MinTimeout: 2 * time.Second, FirstStepTimeout: 5 * time.Minute})
	if len(attempts) < 2 || attempts[0].ExitCode != ExitStalled {
		t.Fatalf("attempts %+v: want the first to exit with status %d (stall detected in the child)", attempts, ExitStalled)
	}
	checkMatchesReference(t, dir)
}

func TestSupervisorKillsHungChild(t *testing.T) {
	attempts, dir := runSupervised(t, "hang", train.Watchdog{MinTimeout: 2 * time.Second, FirstStepTimeout: 5 * time.Minute})
	if len(attempts) < 2 || !attempts[0].Killed {
		t.Fatalf("attempts %+v: want the first killed by the supervisor", attempts)
	}
	checkMatchesReference(t, dir)
}

func TestSupervisorRestartsKilledProcess(t *testing.T) {
	attempts, dir := runSupervised(t, "crash", train.Watchdog{})
	if len(attempts) != 2 || attempts[0].ExitCode != 1 || attempts[1].ExitCode != 0 {
		t.Fatalf("attempts %+v: want a crash then a clean finish", attempts)
	}
	checkMatchesReference(t, dir)
}

func TestSupervisorDoesNotRetryUsageErrors(t *testing.T) {
	calls := 0
	s := &Supervisor{Command: func(int) (*exec.Cmd, error) {
		calls++
		return exec.Command("sh", "-c", "exit 2"), nil
	}}
	if _, err := s.Run(context.Background()); err == nil || calls != 1 {
		t.Errorf("exit status 2: err %v after %d starts, want an error after 1", err, calls)
	}
	calls = 0
	s = &Supervisor{MaxRestarts: 2, Command: func(int) (*exec.Cmd, error) {
		calls++
		return exec.Command("sh", "-c", "exit 1"), nil
	}}
	if _, err := s.Run(context.Background()); err == nil || calls != 3 {
		t.Errorf("always failing: err %v after %d starts, want an error after 3", err, calls)
	}
}

// TestSupervisorDoesNotRetryPermanentErrors: a child that fails as on a full disk is not
// restarted, and the supervisor says why.
func TestSupervisorDoesNotRetryPermanentErrors(t *testing.T) {
	calls := 0
	s := &Supervisor{Command: func(int) (*exec.Cmd, error) {
		calls++
		return exec.Command("sh", "-c", fmt.Sprintf("exit %d", ExitPermanent)), nil
	}}
	if _, err := s.Run(context.Background()); err == nil || calls != 1 || !strings.Contains(err.Error(), "retry cannot fix") {
		t.Errorf("exit status %d: err %v after %d starts, want an error after 1", ExitPermanent, err, calls)
	}
	// A training child whose step fails with ENOSPC reports it with ExitPermanent.
	smallMNIST(t, 320)
	dir := t.TempDir()
	var log bytes.Buffer
	s = &Supervisor{MaxRestarts: 5, Log: &log, Command: func(int) (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childModeEnv+"=enospc", childDirEnv+"="+dir)
		cmd.Stderr = &log
		return cmd, nil
	}}
	attempts, err := s.Run(context.Background())
	if err == nil || len(attempts) != 1 || attempts[0].ExitCode != ExitPermanent ||
		!strings.Contains(log.String(), "no space left on device") {
		t.Errorf("ENOSPC in the child: attempts %+v, err %v; log:\n%s", attempts, err, log.String())
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("x"), 1},
		{fmt.Errorf("step: %w", train.ErrStalled), ExitStalled},
		{fmt.Errorf("saving: %w", &os.PathError{Op: "write", Path: "c", Err: syscall.ENOSPC}), ExitPermanent},
		{&os.PathError{Op: "open", Path: "c", Err: syscall.EROFS}, ExitPermanent},
		{&os.PathError{Op: "open", Path: "c", Err: syscall.EDQUOT}, ExitPermanent},
		{&os.PathError{Op: "open", Path: "c", Err: syscall.EACCES}, ExitPermanent},
		{&os.PathError{Op: "open", Path: "c", Err: syscall.EIO}, 1},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
