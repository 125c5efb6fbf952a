package train

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
)

// lockChild is the process that the lock and supervisor tests start (mode in childModeEnv):
//
//   - "lockdir": LockDir(dir) without waiting; prints "locked" or the error, exits 0.
//   - "supervise": locks dir, passes the lock to a supervised "sleeper" child, and supervises
//     it; the sleeper's PID is written to dir/sleeper.pid.
//   - "sleeper": a supervised child that checks its lock and sleeps until killed.
//   - "thread-exit": starts a "sleeper" from a goroutine locked to its OS thread that then
//     exits (ending the thread), prints the sleeper's PID, and sleeps until killed.
func lockChild(mode, dir string) (int, bool) {
	switch mode {
	case "lockdir":
		l, err := LockDir(context.Background(), dir, false)
		if err != nil {
			fmt.Println(err)
			return 0, true
		}
		fmt.Println("locked")
		_ = l.Unlock()
		return 0, true
	case "supervise":
		l, err := LockDir(context.Background(), dir, false)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1, true
		}
		s := &Supervisor{MaxRestarts: -1, Command: func(int) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			l.Pass(cmd)
			cmd.Env = append(cmd.Env, childModeEnv+"=sleeper", childDirEnv+"="+dir)
			cmd.Stderr = os.Stderr
			return cmd, nil
		}}
		_, err = s.Run(context.Background())
		fmt.Fprintln(os.Stderr, "supervisor returned:", err)
		return 1, true
	case "sleeper":
		WatchSupervisor()
		if _, err := LockDir(context.Background(), dir, false); err != nil {
			fmt.Fprintln(os.Stderr, "sleeper:", err)
			return 1, true
		}
		if err := os.WriteFile(filepath.Join(dir, "sleeper.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return 1, true
		}
		select {}
	case "thread-exit":
		// Three goroutines, so that at least two run on threads that end with them (Go keeps
		// the main thread, should one of them run there).
		started := make(chan int)
		for i := range 3 {
			go func() {
				runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), childModeEnv+"=sleeper", childDirEnv+"="+filepath.Join(dir, strconv.Itoa(i)))
				if err := startChild(cmd); err != nil {
					started <- -1
					return
				}
				started <- cmd.Process.Pid
			}()
		}
		fmt.Println(<-started, <-started, <-started)
		select {}
	}
	return 0, false
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

// gone tells whether process pid has ended: no such process, or a zombie whose threads have
// all exited (the group leader of a killed Go process turns zombie before its other threads
// have closed the files they share).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return os.IsNotExist(err)
	}
	s := string(status)
	return strings.Contains(s, "\nState:\tZ") && strings.Contains(s, "\nThreads:\t1\n")
}

func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !gone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs %s after its supervisor was killed", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSupervisedChildDiesWithSupervisor kills (-9) a supervisor that holds a run directory's
// lock: its child (which shares the lock) dies too, and the directory can be locked again.
func TestSupervisedChildDiesWithSupervisor(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's; elsewhere the child polls every second")
	}
	dir := t.TempDir()
	sup := exec.Command(os.Args[0], "-test.run=^$")
	sup.Env = append(os.Environ(), childModeEnv+"=supervise", childDirEnv+"="+dir)
	sup.Stderr = os.Stderr
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "sleeper.pid")
	var child int
	for deadline := time.Now().Add(30 * time.Second); child == 0; time.Sleep(20 * time.Millisecond) {
		raw, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(string(raw))
		if time.Now().After(deadline) {
			_ = sup.Process.Kill()
			t.Fatal("the supervised child did not start")
		}
	}
	if _, err := LockDir(context.Background(), dir, false); !errors.Is(err, ErrBusy) {
		t.Fatalf("directory of a running supervisor: %v, want ErrBusy", err)
	}
	if err := sup.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = sup.Wait()
	waitGone(t, child, 5*time.Second)
	l, err := LockDir(context.Background(), dir, false)
	if err != nil {
		locks, _ := os.ReadFile("/proc/locks")
		ps, _ := exec.Command("ps", "-eo", "pid,ppid,stat,args").Output()
		t.Fatalf("directory after both processes died: %v\n%s\n%s", err, locks, ps)
	}
	_ = l.Unlock()
}

// TestChildOutlivesForkingThread: the parent-death signal is tied to the thread that forked;
// a child started from a goroutine whose locked thread then ends must live on.
func TestChildOutlivesForkingThread(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	dir := t.TempDir()
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), childModeEnv+"=thread-exit", childDirEnv+"="+dir)
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = parent.Process.Kill(); _ = parent.Wait() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatal("no PID from the parent")
	}
	var children []int
	for _, f := range strings.Fields(sc.Text()) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			t.Fatalf("parent said %q", sc.Text())
		}
		children = append(children, pid)
	}
	time.Sleep(time.Second)
	for _, child := range children {
		if gone(child) {
			t.Error("a child died when the thread that started it ended")
		}
	}
	_ = parent.Process.Kill()
	_ = parent.Wait()
	for _, child := range children {
		waitGone(t, child, 5*time.Second)
	}
}
