package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// testMainEnvVar makes the test binary run as the mvc program (main), for tests that need mvc in
// a process of its own; the supervised children it starts are intercepted by train.go's init.
const testMainEnvVar = "MVC_TEST_AS_MAIN"

func init() {
	if os.Getenv(testMainEnvVar) == "1" && os.Getenv(workerEnvVar) == "" && os.Getenv(dgWorkerEnvVar) == "" && os.Getenv(reproduceWorkerEnvVar) == "" {
		mvc.AbortOnCrash()
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// TestTrainRunDirectoryLock: a run directory in use is refused with exit status 1 and one line
// naming the directory and the process holding it (supervised or not); with --wait-lock the
// run waits and then trains. Evaluating the result on data with another class count is bad
// input (exit status 2).
func TestTrainRunDirectoryLock(t *testing.T) {
	skipWithoutMNIST(t)
	out := filepath.Join(t.TempDir(), "run")
	lock, err := train.LockDir(context.Background(), out, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--supervise=false"}} {
		code, _, stderr := runMVC(smallTrainArgs(t, out, extra...)...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1] // (unsupervised, a line about the run comes first)
		if code != 1 || !strings.Contains(last, out) || !strings.Contains(last, "in use by process "+strconv.Itoa(os.Getpid())) ||
			!strings.Contains(last, "--wait-lock") || strings.Contains(stderr, "started training process") {
			t.Errorf("train %v into a locked directory: exit %d, stderr %q; want exit 1 and one line naming it and process %d",
				extra, code, stderr, os.Getpid())
		}
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		_ = lock.Unlock()
	}()
	start := time.Now()
	code, _, stderr := runMVC(smallTrainArgs(t, out, "--supervise=false", "--wait-lock")...)
	if code != 0 || time.Since(start) < time.Second {
		t.Fatalf("--wait-lock: exit %d after %s: %s", code, time.Since(start), stderr)
	}
	if _, err := os.Stat(filepath.Join(out, train.LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file left after the run: %v", err)
	}
	if _, err := loadData("cifar27", "test", 10, 1); err != nil {
		t.Skipf("CIFAR-27 not available for the class-count check: %v", err)
	}
	code, _, stderr = runMVC("eval", "--ckpt", out, "--data", "cifar27", "--subset", "50")
	if code != exitUsage || !strings.Contains(stderr, "27 classes") || !strings.Contains(stderr, "trained for 10") {
		t.Errorf("eval with another class count: exit %d, stderr %q; want exit 2 naming both counts", code, stderr)
	}
}

// gone tells whether process pid has ended: no such process, or a zombie whose threads have
// all exited.
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

// TestTrainKillNineTakesChildAlong kills (-9) a supervised "mvc train" while its child trains:
// the child ends too, and a --resume into the directory finishes the run with one metrics line
// per epoch. While the run goes on, a second "mvc train" on the directory is refused.
func TestTrainKillNineTakesChildAlong(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the kernel's parent-death signal is Linux's (elsewhere the child polls every second)")
	}
	skipWithoutMNIST(t)
	out := filepath.Join(t.TempDir(), "run")
	args := smallTrainArgs(t, out)
	for i, a := range args {
		if a == "--epochs" {
			args[i+1] = "4"
		}
	}
	sup := exec.Command(os.Args[0], args...)
	sup.Env = append(os.Environ(), testMainEnvVar+"=1")
	stderr, err := sup.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sup.Process.Kill(); _ = sup.Wait() }()
	child := 0
	sc := bufio.NewScanner(stderr)
	started := regexp.MustCompile(`started training process (\d+)`)
	var log strings.Builder
	for child == 0 && sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := started.FindStringSubmatch(sc.Text()); m != nil {
			child, _ = strconv.Atoi(m[1])
		}
	}
	if child == 0 {
		t.Fatalf("no training process started:\n%s", log.String())
	}
	go func() { // keep draining, so that the processes never block on a full pipe
		for sc.Scan() {
		}
	}()
	// Let it finish an epoch, so that the resume starts from a checkpoint.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if raw, _ := os.ReadFile(filepath.Join(out, train.MetricsFile)); strings.Count(string(raw), "\n") >= 1 {
			break
		}
		if time.Now().After(deadline) || gone(child) {
			t.Fatal("the training process did not complete an epoch")
		}
	}
	code, _, msg := runMVC(smallTrainArgs(t, out, "--resume")...)
	if code != 1 || !strings.Contains(msg, "in use by process "+strconv.Itoa(sup.Process.Pid)) {
		t.Errorf("a second train while the first runs: exit %d, %q; want exit 1 naming process %d", code, msg, sup.Process.Pid)
	}
	if err := sup.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = sup.Wait()
	for deadline := time.Now().Add(5 * time.Second); !gone(child); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("training process %d still runs 5 s after its supervisor was killed", child)
		}
	}
	resumeArgs := smallTrainArgs(t, out, "--resume", "--supervise=false")
	for i, a := range resumeArgs {
		if a == "--epochs" {
			resumeArgs[i+1] = "4"
		}
	}
	if code, _, msg := runMVC(resumeArgs...); code != 0 {
		t.Fatalf("--resume after kill -9: exit %d: %s", code, msg)
	}
	raw, err := os.ReadFile(filepath.Join(out, train.MetricsFile))
	if err != nil || strings.Count(string(raw), "\n") != 4 {
		t.Errorf("%s after kill -9 and resume: %d lines (%v), want one per epoch (4):\n%s", train.MetricsFile, strings.Count(string(raw), "\n"), err, raw)
	}
}

// TestWorkerExitCodes: the supervised child tells its supervisor which failures not to retry.
func TestWorkerExitCodes(t *testing.T) {
	full := fmt.Errorf("saving: %w", &os.PathError{Op: "write", Path: "checkpoint.bin", Err: syscall.ENOSPC})
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("x"), 1},
		{badInput("bad"), exitUsage},
		{fmt.Errorf("run: %w", train.ErrStalled), supervise.ExitStalled},
		{full, supervise.ExitPermanent},
		{&os.PathError{Op: "open", Path: "run", Err: syscall.EROFS}, supervise.ExitPermanent},
	} {
		if got := workerExit("train", c.err); got != c.want {
			t.Errorf("workerExit(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// TestReproduceRestartsCrashedChild kills (-9) the child process of a supervised "mvc reproduce"
// as soon as it starts, as a fault inside the pure-Go backend would end it: the supervisor starts
// another, which trains the CIFAR-27 step's runs to the end, and the command succeeds.
func TestReproduceRestartsCrashedChild(t *testing.T) {
	if _, err := loadData("cifar27", "train", 10, 1); err != nil {
		t.Skipf("CIFAR-27 not available: %v", err)
	}
	dir := t.TempDir()
	sup := exec.Command(os.Args[0], "reproduce", "--profile", "smoke", "--only", "train_cifar27", "--out", dir)
	sup.Env = append(os.Environ(), testMainEnvVar+"=1", "MVC_CACHE="+t.TempDir())
	var stdout strings.Builder
	sup.Stdout = &stdout
	stderr, err := sup.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sup.Process.Kill() }()
	started := regexp.MustCompile(`started training process (\d+) \(attempt (\d+)\)`)
	var log strings.Builder
	attempts := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		m := started.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		attempts++
		if m[2] == "1" {
			pid, _ := strconv.Atoi(m[1])
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("killing the first child %d: %v", pid, err)
			}
		}
	}
	if err := sup.Wait(); err != nil {
		t.Fatalf("supervised reproduce after its child was killed: %v\n%s\n%s", err, log.String(), stdout.String())
	}
	if attempts != 2 {
		t.Errorf("%d child processes started, want 2 (the killed one and its replacement):\n%s", attempts, log.String())
	}
	for _, name := range []string{"cifar27-digitnet-smoke", "cifar27-digitnet-neurn3-smoke"} {
		if _, ok := runs.Finished(filepath.Join(dir, runs.CIFAR27RunsDir, name)); !ok {
			t.Errorf("%s not finished after the restart:\n%s", name, stdout.String())
		}
	}
}

// TestReproduceCIFAR27Workers runs step train_cifar27 of two "mvc reproduce" at once on one
// --out (as two processes would): each of its runs is trained once.
func TestReproduceCIFAR27Workers(t *testing.T) {
	if _, err := loadData("cifar27", "train", 10, 1); err != nil {
		t.Skipf("CIFAR-27 not available: %v", err)
	}
	t.Setenv("MVC_CACHE", t.TempDir())
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range outs {
		wg.Go(func() {
			code, stdout, stderr := runMVC("reproduce", "--profile", "smoke", "--only", "train_cifar27", "--out", dir)
			if code != 0 {
				t.Errorf("reproduce %d: exit %d: %s", i, code, stderr)
			}
			outs[i] = stdout
		})
	}
	wg.Wait()
	all := outs[0] + outs[1]
	for _, name := range []string{"cifar27-digitnet-smoke", "cifar27-digitnet-neurn3-smoke"} {
		if n := strings.Count(all, name+": 1 epochs"); n != 1 {
			t.Errorf("%s trained %d times, want once:\n%s\n---\n%s", name, n, outs[0], outs[1])
		}
		if _, ok := runs.Finished(filepath.Join(dir, runs.CIFAR27RunsDir, name)); !ok {
			t.Errorf("%s not finished", name)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, runs.CIFAR27RunsDir, "*.claim")); len(matches) != 0 {
		t.Errorf("claims left: %v", matches)
	}
}
