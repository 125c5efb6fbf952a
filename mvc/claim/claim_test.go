package claim

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
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Environment of the test binary re-executed as a claiming process (see TestMain).
const (
	childModeEnv = "MVC_CLAIM_TEST_CHILD"
	childDirEnv  = "MVC_CLAIM_TEST_DIR"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(testChild(mode, os.Getenv(childDirEnv)))
	}
	os.Exit(m.Run())
}

// testChild is a process that the tests start and kill:
//
//   - "hold": acquires claim "job" with a long lease, says "held", and waits to be killed.
//   - "work": a worker of workerJobs jobs in dir (see workerFor), 50 ms per job.
func testChild(mode, dir string) int {
	switch mode {
	case "hold":
		if _, err := Acquire(dir, "job", time.Hour); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("held")
		select {}
	case "work":
		if err := workerFor(dir, 50*time.Millisecond).Run(context.Background(), workerJobs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
	return 1
}

const workerJobs = 24

// workerFor is the Workers of the multi-process test: job i is done when <dir>/done/<i> exists;
// each start of a job appends a line to <dir>/log.
func workerFor(dir string, pause time.Duration) *Workers {
	doneFile := func(i int) string { return filepath.Join(dir, "done", strconv.Itoa(i)) }
	return &Workers{
		Dir: filepath.Join(dir, "claims"), Lease: time.Hour, Jobs: 2, Poll: 20 * time.Millisecond,
		Name: func(i int) string { return "job-" + strconv.Itoa(i) },
		Done: func(i int) (bool, error) {
			_, err := os.Stat(doneFile(i))
			return err == nil, nil
		},
		Work: func(ctx context.Context, i int) error {
			f, err := os.OpenFile(filepath.Join(dir, "log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f, "%d %d\n", os.Getpid(), i)
			_ = f.Close()
			if err != nil {
				return err
			}
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := os.MkdirAll(filepath.Dir(doneFile(i)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(doneFile(i), nil, 0o644)
		},
	}
}

func startChild(t *testing.T, mode, dir string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childModeEnv+"="+mode, childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

func TestAcquireHeldRelease(t *testing.T) {
	dir := t.TempDir()
	c, err := Acquire(dir, "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, "a", time.Minute)
	var he *HeldError
	if !errors.Is(err, ErrHeld) || !errors.As(err, &he) || he.Owner.Token != c.Owner().Token || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Acquire: %v; want ErrHeld naming this process", err)
	}
	if o, err := Read(dir, "a"); err != nil || o.Token != c.Owner().Token || o.Host != hostName() {
		t.Errorf("Read: %+v, %v", o, err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if _, err := os.Stat(Path(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("claim file left after Release: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files left in the claims folder: %v", entries)
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := Acquire(dir, bad, time.Minute); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

// writeClaim writes a claim file by hand, as another process would have.
func writeClaim(t *testing.T, dir, name string, o Owner) {
	t.Helper()
	if err := os.WriteFile(Path(dir, name), encode(o), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTakeOverExpiredLease(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	// Another machine's claim, still within its lease: held.
	other := Owner{Host: "elsewhere", PID: 1, Token: "other", Acquired: now, Expires: now.Add(time.Hour)}
	writeClaim(t, dir, "a", other)
	if _, err := Acquire(dir, "a", time.Minute); !errors.Is(err, ErrHeld) {
		t.Fatalf("live foreign claim: %v, want ErrHeld", err)
	}
	// The same claim with its lease expired: taken over.
	other.Expires = now.Add(-time.Second)
	writeClaim(t, dir, "a", other)
	c, err := Acquire(dir, "a", time.Minute)
	if err != nil {
		t.Fatalf("expired claim not taken over: %v", err)
	}
	defer func() { _ = c.Release() }()
	if o, _ := Read(dir, "a"); o.Token != c.Owner().Token {
		t.Errorf("claim file holds %+v after takeover", o)
	}
	// A damaged (or half-written) file counts as held for a lease from its modification time.
	if err := os.WriteFile(Path(dir, "b"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir, "b", time.Minute); !errors.Is(err, ErrHeld) {
		t.Errorf("fresh damaged claim file: %v, want ErrHeld", err)
	}
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(Path(dir, "b"), old, old); err != nil {
		t.Fatal(err)
	}
	if c, err := Acquire(dir, "b", time.Minute); err != nil {
		t.Errorf("old damaged claim file not taken over: %v", err)
	} else {
		_ = c.Release()
	}
}

// TestTakeOverDeadProcess kills (-9) a process that holds a claim with an hour's lease: on the
// same machine, its claim is taken over at once.
func TestTakeOverDeadProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is not checked on Windows")
	}
	dir := t.TempDir()
	cmd, out := startChild(t, "hold", dir)
	if !out.Scan() || out.Text() != "held" {
		_ = cmd.Process.Kill()
		t.Fatalf("child did not acquire the claim: %q", out.Text())
	}
	if _, err := Acquire(dir, "job", time.Minute); !errors.Is(err, ErrHeld) {
		t.Fatalf("claim of a live process: %v, want ErrHeld", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	c, err := Acquire(dir, "job", time.Minute)
	if err != nil {
		t.Fatalf("claim of a killed process not taken over: %v", err)
	}
	_ = c.Release()
}

// TestConcurrentTakeOver races many acquirers for a free claim and for an expired one: exactly
// one wins each time.
func TestConcurrentTakeOver(t *testing.T) {
	dir := t.TempDir()
	for round := range 20 {
		name := "free"
		if round%2 == 1 {
			name = "expired"
			past := time.Now().Add(-time.Minute).UTC()
			writeClaim(t, dir, name, Owner{Host: "elsewhere", PID: 1, Token: "dead", Acquired: past, Expires: past})
		}
		var wins atomic.Int32
		var won []*Claim
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				c, err := Acquire(dir, name, time.Minute)
				switch {
				case err == nil:
					wins.Add(1)
					mu.Lock()
					won = append(won, c)
					mu.Unlock()
				case !errors.Is(err, ErrHeld):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d (%s): %d acquirers won, want 1", round, name, wins.Load())
		}
		if err := won[0].Release(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenewAndLost(t *testing.T) {
	dir := t.TempDir()
	c, err := Acquire(dir, "a", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	first := c.Owner().Expires
	time.Sleep(500 * time.Millisecond) // longer than the lease: the background renewals keep it
	if _, err := Acquire(dir, "a", time.Minute); !errors.Is(err, ErrHeld) {
		t.Fatalf("renewed claim: %v, want ErrHeld", err)
	}
	if o, _ := Read(dir, "a"); !o.Expires.After(first) {
		t.Errorf("lease not renewed: expires %v, first %v", o.Expires, first)
	}
	// Another process takes the file over (as after an expired lease).
	now := time.Now().UTC()
	writeClaim(t, dir, "a", Owner{Host: "elsewhere", PID: 1, Token: "thief", Acquired: now, Expires: now.Add(time.Hour)})
	select {
	case <-c.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("Lost not closed after the claim was taken over")
	}
	if err := c.Renew(); err != nil && !strings.Contains(err.Error(), "released") && !errors.Is(err, ErrLost) {
		t.Errorf("Renew of a lost claim: %v", err)
	}
	if err := c.Release(); !errors.Is(err, ErrLost) {
		t.Errorf("Release of a lost claim: %v, want ErrLost", err)
	}
	if o, _ := Read(dir, "a"); o.Token != "thief" {
		t.Errorf("Release of a lost claim removed the new owner's file: %+v", o)
	}
}

// TestWorkersWaitForHeldJobs: a job held by another (foreign, live) owner is set aside, the
// others are done, and the held one is done once its lease expires.
func TestWorkersWaitForHeldJobs(t *testing.T) {
	dir := t.TempDir()
	w := workerFor(dir, 0)
	if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	writeClaim(t, w.Dir, "job-3", Owner{Host: "elsewhere", PID: 1, Token: "other", Acquired: now, Expires: now.Add(400 * time.Millisecond)})
	var waited []int
	w.Waiting = func(i int, o Owner) { waited = append(waited, i) }
	if err := w.Run(context.Background(), 6); err != nil {
		t.Fatal(err)
	}
	if len(waited) != 1 || waited[0] != 3 {
		t.Errorf("Waiting called for %v, want [3]", waited)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != 6 || !strings.HasSuffix(lines[5], " 3") {
		t.Errorf("log %q: want 6 jobs with job 3 last", lines)
	}
}

// TestWorkersStopAtError: the first error stops Run; no job starts after it.
func TestWorkersStopAtError(t *testing.T) {
	dir := t.TempDir()
	var started atomic.Int32
	w := &Workers{Dir: dir, Jobs: 1, Name: strconv.Itoa,
		Done: func(int) (bool, error) { return false, nil },
		Work: func(_ context.Context, i int) error {
			started.Add(1)
			if i == 1 {
				return errors.New("boom")
			}
			return nil
		}}
	if err := w.Run(context.Background(), 5); err == nil || err.Error() != "boom" {
		t.Fatalf("Run: %v, want boom", err)
	}
	if started.Load() != 2 {
		t.Errorf("%d jobs started, want 2", started.Load())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("claims left behind: %v", entries)
	}
}

// TestWorkersManyProcesses runs three worker processes on one folder and kills one (-9) while it
// works: the others take its jobs over, and every job is done, each started once except those
// the killed process had started.
func TestWorkersManyProcesses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is not checked on Windows")
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 3 {
		cmd, _ := startChild(t, "work", dir)
		cmds = append(cmds, cmd)
	}
	victim := cmds[0]
	// Kill the first worker once it has started some jobs.
	deadline := time.Now().Add(30 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		if strings.Count(string(log), strconv.Itoa(victim.Process.Pid)+" ") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first worker started no job in 30 s; log %q", log)
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = victim.Process.Kill()
	_ = victim.Wait()
	for _, cmd := range cmds[1:] {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("worker %d: %v", cmd.Process.Pid, err)
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	starts := map[int]int{}
	byVictim := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var pid, i int
		if _, err := fmt.Sscan(line, &pid, &i); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		starts[i]++
		if pid == victim.Process.Pid {
			byVictim[i] = true
		}
	}
	for i := range workerJobs {
		if _, err := os.Stat(filepath.Join(dir, "done", strconv.Itoa(i))); err != nil {
			t.Errorf("job %d not done", i)
		}
		if want := 1; starts[i] != want && !(byVictim[i] && starts[i] == 2) {
			t.Errorf("job %d started %d times", i, starts[i])
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "claims")); len(entries) > 2 {
		t.Errorf("claims left behind: %v (at most the killed worker's, taken over or not)", entries)
	}
}
