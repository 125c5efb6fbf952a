package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
)

// Environment of the test binary re-executed as another process (see TestMain).
const (
	childModeEnv = "MVC_TRAIN_TEST_CHILD"
	childDirEnv  = "MVC_TRAIN_TEST_DIR"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(lockChild(mode, os.Getenv(childDirEnv)))
	}
	os.Exit(m.Run())
}

// lockChild is the process that the lock tests start (mode in childModeEnv): "lockdir" runs
// LockDir(dir) without waiting, prints "locked" or the error, and exits 0.
func lockChild(mode, dir string) int {
	switch mode {
	case "lockdir":
		l, err := LockDir(context.Background(), dir, false)
		if err != nil {
			fmt.Println(err)
			return 0
		}
		fmt.Println("locked")
		_ = l.Unlock()
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
	return 1
}

func TestLockDirRefusesSecondProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := LockDir(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	// Another open of the lock file (as another process) is refused, naming this process.
	_, err = LockDir(context.Background(), dir, false)
	var be *BusyError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &be) || be.PID != os.Getpid() ||
		!strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second LockDir: %v; want a BusyError naming %s and process %d", err, dir, os.Getpid())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childModeEnv+"=lockdir", childDirEnv+"="+dir)
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "in use by process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("another process: %q, %v; want it refused", out, err)
	}
	// The same process handed the lock is let in.
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	l.Pass(cmd)
	cmd.Env = append(cmd.Env, childModeEnv+"=lockdir", childDirEnv+"="+dir)
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != "locked" {
		t.Errorf("child handed the lock: %q, %v; want it let in", out, err)
	}
	// A waiter gets the lock once it is released.
	got := make(chan error, 1)
	go func() {
		l2, err := LockDir(context.Background(), dir, true)
		if err == nil {
			err = l2.Unlock()
		}
		got <- err
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-got:
		t.Fatalf("the waiter returned while the lock was held: %v", err)
	default:
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("waiter: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter did not get the released lock")
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("the lock file remains after Unlock: %v", err)
	}
	// The directory that LockDir created is removed if nothing was written into it.
	fresh := filepath.Join(t.TempDir(), "fresh")
	if l, err := LockDir(context.Background(), fresh, false); err != nil || l.Unlock() != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("the run directory created by LockDir and left empty remains: %v", err)
	}
	// A cancelled wait returns the context's error.
	l, _ = LockDir(context.Background(), dir, false)
	defer func() { _ = l.Unlock() }()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := LockDir(ctx, dir, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled wait: %v", err)
	}
}

// TestLockDirRemovesStaleTemps: a temporary file left by a write that was killed is removed
// when the directory is next locked, and not while another process holds it.
func TestLockDirRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".checkpoint.bin.tmp-123")
	keep := filepath.Join(dir, CheckpointFile)
	for _, p := range []string{stale, keep} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := LockDir(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the checkpoint was removed: %v", err)
	}
	live := filepath.Join(dir, ".metrics.jsonl.tmp-9")
	if err := os.WriteFile(live, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(context.Background(), dir, false); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a refused locker removed the holder's temporary file: %v", err)
	}
	_ = l.Unlock()
}

// TestRunLocksItsDirectory: Run refuses a directory in use, and removes a stale temporary file
// when it trains there.
func TestRunLocksItsDirectory(t *testing.T) {
	ds := smallMNIST(t, 320)
	dir := t.TempDir()
	l, err := LockDir(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig(dir)
	cfg.MaxEpochs = 1
	if _, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("Run in a locked directory: %v, want ErrBusy", err)
	}
	_ = l.Unlock()
	stale := filepath.Join(dir, ".checkpoint.bin.tmp-4")
	if err := os.WriteFile(stale, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), mvc.MustBackend(), cfg, ds, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file not removed by Run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file left after Run: %v", err)
	}
}
