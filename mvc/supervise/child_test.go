package supervise

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

	"github.com/mice2machines/mice2machines/mvc/train"
)

// lockChild is the process that the tests of a child's life with its supervisor start (mode
// in childModeEnv):
//
//   - "supervise": locks dir, passes the lock to a supervised "sleeper" child, and supervises
//     it; the sleeper's PID is written to dir/sleeper.pid.
//   - "sleeper": a supervised child that checks its lock and sleeps until killed.
//   - "thread-exit": starts a "sleeper" from a goroutine locked to its OS thread that then
//     exits (ending the thread), prints the sleeper's PID, and sleeps until killed.
func lockChild(mode, dir string) (int, bool) {
	switch mode {
	case "supervise":
		l, err := train.LockDir(context.Background(), dir, false)
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
		if _, err := train.LockDir(context.Background(), dir, false); err != nil {
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
	if _, err := train.LockDir(context.Background(), dir, false); !errors.Is(err, train.ErrBusy) {
		t.Fatalf("directory of a running supervisor: %v, want train.ErrBusy", err)
	}
	if err := sup.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = sup.Wait()
	waitGone(t, child, 5*time.Second)
	l, err := train.LockDir(context.Background(), dir, false)
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
