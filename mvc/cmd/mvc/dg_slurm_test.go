package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mice2machines/mice2machines/mvc/claim"
	"github.com/mice2machines/mice2machines/mvc/dg"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/slurm"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// --slurm-script writes a job array whose tasks run the same "mvc dg" command: the user's flags
// without the --slurm-* ones, --out absolute; the requests come from the --slurm-* flags.
func TestDGSlurmScript(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("MVC_DATA", "/data/digits")
	code, stdout, stderr := runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--lease", "3s", "--out", "store",
		"--slurm-script", "array.sbatch", "--slurm-mvc", "/bin/true", "--slurm-workers", "3", "--slurm-max-running", "2",
		"--slurm-cpus", "2", "--slurm-mem", "4G", "--slurm-time", "2:00:00", "--slurm-gpus", "1", "--slurm-partition", "gpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote array.sbatch") {
		t.Errorf("stdout: %q", stdout)
	}
	b, err := os.ReadFile("array.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	for _, want := range []string{
		"\nexec /bin/true dg --experiment=protocol --lease=3s --profile=smoke --out=" + store + "\n",
		"#SBATCH --array=0-2%2\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --mem=4G\n", "#SBATCH --time=2:00:00\n",
		"#SBATCH --gres=gpu:1\n", "#SBATCH --partition=gpu\n", "#SBATCH --job-name=mvc-dg\n",
		"#SBATCH --output=" + store + "/slurm/logs/mvc-dg-%A_%a.out\n", "\ncd " + dir + "\n",
		"\nexport GOEXPERIMENT=simd\n", "\nexport MVC_DATA=/data/digits\n", "\nexport GOMLX_BACKEND=xla:cuda\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("script lacks %q:\n%s", want, b)
		}
	}
	if info, err := os.Stat(filepath.Join(store, "slurm", "logs")); err != nil || !info.IsDir() {
		t.Errorf("log folder not made: %v", err)
	}
	// Bad combinations and values are bad usage (exit status 2, one line).
	for _, args := range [][]string{
		{"--slurm-workers", "3"},
		{"--slurm-wait", "--slurm-script", "x"},
		{"--slurm-submit", "--slurm-script", "x"},
		{"--tables-only", "--slurm-script", "x"},
		{"--slurm-script", "x", "--slurm-workers", "0"},
		{"--slurm-script", "x", "--slurm-mem", "lots"},
		{"--slurm-script", "x", "--slurm-mvc", filepath.Join(dir, "missing")},
	} {
		args = append([]string{"dg", "--profile", "smoke", "--slurm-mvc", "/bin/true", "--out", store}, args...)
		code, _, stderr := runMVC(args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with one line", args, code, stderr)
		}
	}
	// mvc reproduce: the CIFAR-27 step only.
	code, stdout, stderr = runMVC("reproduce", "--profile", "smoke", "--only", "train_cifar27", "--out", "store", "--slurm-script", "-",
		"--slurm-mvc", "/bin/true", "--slurm-workers", "2")
	if code != 0 || !strings.Contains(stdout, "\nexec /bin/true reproduce --only=train_cifar27 --profile=smoke --out="+store+"\n") ||
		!strings.Contains(stdout, "#SBATCH --array=0-1\n") || !strings.Contains(stdout, "#SBATCH --job-name=mvc-cifar27\n") {
		t.Errorf("reproduce --slurm-script: exit %d, %s\n%s", code, stderr, stdout)
	}
	for _, args := range [][]string{{"--slurm-script", "x"}, {"--only", "train_cifar27,table1", "--slurm-script", "x"}, {"--only", "train_cifar27", "--slurm-workers", "2"}} {
		args = append([]string{"reproduce", "--profile", "smoke", "--slurm-mvc", "/bin/true", "--out", store}, args...)
		if code, _, stderr := runMVC(args...); code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with one line", args, code, stderr)
		}
	}
	// Without sbatch, --slurm-submit fails (status 1) saying so; the script is kept.
	t.Setenv("PATH", dir)
	code, _, stderr = runMVC("dg", "--profile", "smoke", "--slurm-mvc", "/bin/true", "--out", store, "--slurm-submit")
	if code != 1 || !strings.Contains(stderr, "sbatch") || !strings.Contains(stderr, "not a Slurm login node") {
		t.Errorf("--slurm-submit without sbatch: exit %d, %q", code, stderr)
	}
	if scripts, _ := filepath.Glob(filepath.Join(store, "slurm", "mvc-dg-*.sbatch")); len(scripts) != 1 {
		t.Errorf("scripts in <out>/slurm: %v, want 1", scripts)
	}
}

// The tests below submit job arrays to a real Slurm cluster (.ci/slurm-up starts a one-node one).

// slurmArgs are the flags of the smoke digits protocol sweep (4 short runs) as a job array of
// 3 one-CPU tasks with a 3 s lease.
func slurmArgs(out string, extra ...string) []string {
	return append([]string{"dg", "--profile", "smoke", "--experiment", "protocol", "--lease", "3s", "--out", out,
		"--slurm-submit", "--slurm-workers", "3", "--slurm-cpus", "1", "--slurm-mem", "1G", "--slurm-time", "15"}, extra...)
}

// TestDGSlurm submits the smoke protocol sweep to Slurm as a job array: each run is trained
// once, by one of the tasks, with the numbers of a one-process sweep; then again with one task
// frozen mid-run and cancelled: another task takes its run over once the lease has expired,
// and a resubmission finds nothing left to train.
func TestDGSlurm(t *testing.T) {
	if os.Getenv("MVC_SLURM_TEST") != "1" {
		t.Skip("needs a Slurm cluster: start one with .ci/slurm-up, export SLURM_CONF and MVC_SLURM_TEST=1")
	}
	skipWithoutMNIST(t)
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Fatalf("MVC_SLURM_TEST=1 but no sbatch: %v", err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "mvc")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ref := filepath.Join(tmp, "ref")
	if code, _, stderr := runMVC("dg", "--profile", "smoke", "--experiment", "protocol", "--supervise=false", "--quiet", "--out", ref); code != 0 {
		t.Fatalf("one-process sweep: exit %d: %s", code, stderr)
	}
	t.Run("array", func(t *testing.T) { testSlurmArray(t, bin, ref) })
	t.Run("takeover", func(t *testing.T) { testSlurmTakeover(t, bin, ref) })
	t.Run("cifar27", func(t *testing.T) { testSlurmCIFAR27(t, bin) })
}

// testSlurmCIFAR27 runs the smoke CIFAR-27 step (2 runs) as a job array of 2 tasks: each run is
// trained once and finished, and no claim is left.
func testSlurmCIFAR27(t *testing.T, bin string) {
	if _, err := loadData("cifar27", "train", 10, 1); err != nil {
		t.Skipf("CIFAR-27 not available: %v", err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "store")
	stdout, stderr, err := mvcCommand(t, bin, dir, 5*time.Minute, "reproduce", "--profile", "smoke", "--only", "train_cifar27", "--out", out,
		"--slurm-submit", "--slurm-wait", "--slurm-workers", "2", "--slurm-cpus", "1", "--slurm-mem", "1G")
	if err != nil {
		t.Fatalf("mvc reproduce --slurm-submit --slurm-wait: %v\n%s\n%s", err, stdout, stderr)
	}
	id := submittedJob(t, stdout)
	paths, _ := filepath.Glob(filepath.Join(out, "slurm", "logs", "mvc-cifar27-"+id+"_*.out"))
	var logs strings.Builder
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		logs.Write(b)
	}
	if len(paths) != 2 {
		t.Errorf("%d task logs, want 2", len(paths))
	}
	for _, name := range []string{"cifar27-digitnet-smoke", "cifar27-digitnet-neurn3-smoke"} {
		if n := strings.Count(logs.String(), name+": 1 epochs"); n != 1 {
			t.Errorf("%s trained %d times by the tasks, want once:\n%s", name, n, logs.String())
		}
		if _, ok := runs.Finished(filepath.Join(out, runs.CIFAR27RunsDir, name)); !ok {
			t.Errorf("%s not finished", name)
		}
	}
	if claims, _ := filepath.Glob(filepath.Join(out, runs.CIFAR27RunsDir, "*.claim")); len(claims) != 0 {
		t.Errorf("claims left: %v", claims)
	}
}

// mvcCommand runs the built mvc with args in dir, with a time limit.
func mvcCommand(t *testing.T, bin, dir string, limit time.Duration, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

var submittedRE = regexp.MustCompile(`submitted job ([0-9]+)`)

// submittedJob returns the job ID that "mvc dg --slurm-submit" printed.
func submittedJob(t *testing.T, stdout string) string {
	t.Helper()
	m := submittedRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no job ID in the output:\n%s", stdout)
	}
	return m[1]
}

// taskLogs returns the text of every task's standard error log of job id.
func taskLogs(t *testing.T, out, id string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "slurm", "logs", "mvc-dg-"+id+"_*.err"))
	slices.Sort(paths)
	var logs []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, string(b))
	}
	return logs
}

// checkStore checks that out holds every run of ref once, with the same numbers, and no
// claims or checkpoints.
func checkStore(t *testing.T, out, ref string) {
	t.Helper()
	want, err := dg.Store{Dir: filepath.Join(ref, dg.ResultsDir, dg.ExperimentProtocol)}.All()
	if err != nil || len(want) != 4 {
		t.Fatalf("reference: %d results, %v", len(want), err)
	}
	got, err := dg.Store{Dir: filepath.Join(out, dg.ResultsDir, dg.ExperimentProtocol)}.All()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, dg.ResultsDir, dg.ExperimentProtocol, "*"))
	if len(got) != len(want) || len(files) != len(want) {
		t.Fatalf("store holds %d results in %d files, want %d", len(got), len(files), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(r *dg.RunResult) bool { return r.ID == w.ID })
		if i < 0 {
			t.Errorf("run %s missing", w.ID)
			continue
		}
		g := got[i]
		if g.SourceValAccuracy != w.SourceValAccuracy || g.BestEpoch != w.BestEpoch ||
			!slices.EqualFunc(g.Targets, w.Targets, func(x, y dg.DomainResult) bool { return x.Accuracy == y.Accuracy && x.Loss == y.Loss }) ||
			!slices.EqualFunc(g.History, w.History, func(x, y train.EpochMetrics) bool {
				return x.TrainLoss == y.TrainLoss && x.TrainAccuracy == y.TrainAccuracy && x.ValLoss == y.ValLoss && x.ValAccuracy == y.ValAccuracy
			}) {
			t.Errorf("run %s: numbers differ from the one-process sweep's:\n%+v\n%+v", w.ID, g, w)
		}
	}
	work := filepath.Join(out, dg.WorkDir, dg.ExperimentProtocol)
	var left []string
	_ = filepath.WalkDir(work, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != work {
			rel, _ := filepath.Rel(work, path)
			left = append(left, rel)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("claims or checkpoints left in %s: %v", work, left)
	}
}

func testSlurmArray(t *testing.T, bin, ref string) {
	dir := t.TempDir()
	out := filepath.Join(dir, "store")
	start := time.Now()
	stdout, stderr, err := mvcCommand(t, bin, dir, 5*time.Minute, slurmArgs(out, "--slurm-wait")...)
	if err != nil {
		t.Fatalf("mvc dg --slurm-submit --slurm-wait: %v\n%s\n%s", err, stdout, stderr)
	}
	id := submittedJob(t, stdout)
	t.Logf("job %s: 3 tasks, done in %.0fs\n%s", id, time.Since(start).Seconds(), stderr)
	checkStore(t, out, ref)
	if _, err := os.Stat(filepath.Join(out, "table_digits_protocol.md")); err != nil {
		t.Errorf("--slurm-wait did not write the table: %v", err)
	}
	logs := taskLogs(t, out, id)
	if len(logs) != 3 {
		t.Fatalf("%d task logs, want 3", len(logs))
	}
	if n := strings.Count(strings.Join(logs, ""), ": done in "); n != 4 {
		t.Errorf("%d runs trained by the tasks in all, want each of the 4 once:\n%s", n, strings.Join(logs, "\n---\n"))
	}
}

func testSlurmTakeover(t *testing.T, bin, ref string) {
	dir := t.TempDir()
	out := filepath.Join(dir, "store")
	stdout, stderr, err := mvcCommand(t, bin, dir, time.Minute, slurmArgs(out)...)
	if err != nil {
		t.Fatalf("mvc dg --slurm-submit: %v\n%s\n%s", err, stdout, stderr)
	}
	id := submittedJob(t, stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	defer func() { _ = exec.Command("scancel", id).Run() }()

	// Freeze the worker of the first run seen claimed, mid-run (as a hung node would): its claim
	// stays on disk, no longer renewed.
	claims := filepath.Join(out, dg.WorkDir, dg.ExperimentProtocol)
	results := filepath.Join(out, dg.ResultsDir, dg.ExperimentProtocol)
	var frozen claim.Owner
	var run, task string
	for run == "" {
		if ctx.Err() != nil {
			t.Fatal("no run was claimed in time")
		}
		paths, _ := filepath.Glob(filepath.Join(claims, "*.claim"))
		for _, p := range paths {
			name := strings.TrimSuffix(filepath.Base(p), ".claim")
			o, err := claim.Read(claims, name)
			if err != nil || o.PID <= 0 || syscall.Kill(o.PID, syscall.SIGSTOP) != nil {
				continue
			}
			after, err := claim.Read(claims, name)
			_, done := os.Stat(filepath.Join(results, name+".json"))
			if err != nil || after.Token != o.Token || done == nil {
				_ = syscall.Kill(o.PID, syscall.SIGCONT) // finished or changed hands meanwhile: another
				continue
			}
			environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", o.PID))
			if err != nil {
				t.Fatalf("the environment of process %d: %v", o.PID, err)
			}
			for _, kv := range strings.Split(string(environ), "\x00") {
				if v, ok := strings.CutPrefix(kv, "SLURM_ARRAY_TASK_ID="); ok {
					task = v
				}
			}
			if task == "" {
				t.Fatalf("process %d holding %s is not a task of job %s", o.PID, name, id)
			}
			frozen, run = after, name
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("froze process %d of task %s_%s, holding run %s (lease until %s)", frozen.PID, id, task, run, frozen.Expires.Format(time.RFC3339Nano))

	// Another task takes the run over, not before the frozen claim's lease has expired.
	var taker claim.Owner
	for {
		if ctx.Err() != nil {
			t.Fatalf("run %s was not taken over", run)
		}
		o, err := claim.Read(claims, run)
		if err == nil && o.Token != frozen.Token {
			taker = o
			break
		}
		if _, err := os.Stat(filepath.Join(results, run+".json")); err == nil {
			t.Fatalf("run %s finished without its claim being seen taken over", run)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !taker.Acquired.After(frozen.Expires) || taker.PID == frozen.PID {
		t.Errorf("run %s taken over by process %d at %s, before the lease of process %d expired at %s",
			run, taker.PID, taker.Acquired.Format(time.RFC3339Nano), frozen.PID, frozen.Expires.Format(time.RFC3339Nano))
	}
	t.Logf("process %d took run %s over at %s", taker.PID, run, taker.Acquired.Format(time.RFC3339Nano))

	// Cancel the frozen task; the others finish the sweep.
	if out, err := exec.Command("scancel", id+"_"+task).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s_%s: %v %s", id, task, err, out)
	}
	tasks, err := slurm.Wait(ctx, id, time.Second)
	if err == nil || len(tasks) != 3 {
		t.Fatalf("job %s: tasks %v, error %v; want the cancelled task reported", id, tasks, err)
	}
	for _, tk := range tasks {
		want := "COMPLETED"
		if tk.ID == id+"_"+task {
			want = "CANCELLED"
		}
		if tk.State != want {
			t.Errorf("task %s: %s, want %s", tk.ID, tk.State, want)
		}
	}
	if err := syscall.Kill(frozen.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the frozen process %d outlived its cancelled task: %v", frozen.PID, err)
	}
	checkStore(t, out, ref)

	// A resubmission trains nothing.
	stdout, stderr, err = mvcCommand(t, bin, dir, 5*time.Minute, slurmArgs(out, "--slurm-wait")...)
	if err != nil {
		t.Fatalf("resubmission: %v\n%s\n%s", err, stdout, stderr)
	}
	logs := taskLogs(t, out, submittedJob(t, stdout))
	for i, l := range logs {
		if !strings.Contains(l, "4 runs: 4 finished before") || strings.Contains(l, ": done in ") {
			t.Errorf("resubmission, task %d trained something:\n%s", i, l)
		}
	}
	if len(logs) != 3 {
		t.Errorf("resubmission: %d task logs, want 3", len(logs))
	}
	checkStore(t, out, ref)
}
