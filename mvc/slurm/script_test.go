package slurm

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
)

func validOptions() Options {
	return Options{JobName: "mvc-dg", Workers: 3, LogDir: "/store/slurm/logs", Dir: "/work", Command: []string{"/bin/mvc", "dg"}}
}

// A minimal script asks only for the array, the job name and the logs; GPUs and CPUs add their
// requests and environment.
func TestScriptRequests(t *testing.T) {
	s, err := Script(validOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --array=0-2\n", "#SBATCH --job-name=mvc-dg\n", "--output=/store/slurm/logs/mvc-dg-%A_%a.out\n",
		"--error=/store/slurm/logs/mvc-dg-%A_%a.err\n", "\nset -euo pipefail\ncd /work\n", "\nexec /bin/mvc dg\n", "Safe to resubmit"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	for _, absent := range []string{"--gres", "--cpus-per-task", "--mem", "--time", "--partition", "--account", "GOMLX_BACKEND", "GOMAXPROCS"} {
		if strings.Contains(s, absent) {
			t.Errorf("script has %q, not asked for:\n%s", absent, s)
		}
	}
	o := validOptions()
	o.GPUs, o.CPUs, o.Account = 2, 4, "lab"
	s, err = Script(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --gres=gpu:2\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --account=lab\n",
		"export GOMLX_BACKEND=xla:cuda\n", "export GOMAXPROCS=4\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	// A backend chosen by the caller is kept.
	o.Env = []string{"GOMLX_BACKEND=xla:cuda12"}
	if s, _ = Script(o); strings.Count(s, "GOMLX_BACKEND") != 1 || !strings.Contains(s, "GOMLX_BACKEND=xla:cuda12") {
		t.Errorf("the caller's backend was not kept:\n%s", s)
	}
	if BackendEnvVar != compute.ConfigEnvVar {
		t.Errorf("BackendEnvVar %q, GoMLX reads %q", BackendEnvVar, compute.ConfigEnvVar)
	}
}

// Words with spaces and quotes reach the command as they were: the script, run by bash, prints
// its arguments back.
func TestScriptQuoting(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	words := []string{"a b", "it's", `$HOME "x"`, "", "--out=/x y/z", "; rm -rf /"}
	o := validOptions()
	o.Dir = dir
	o.Env = []string{"MVC_DATA=/data with space/it's"}
	o.Command = append([]string{"printf", "[%s]\n"}, words...)
	s, err := Script(o)
	if err != nil {
		t.Fatal(err)
	}
	s = strings.Replace(s, "exec printf", `printf '<%s>\n' "$MVC_DATA"; exec printf`, 1)
	out, err := exec.Command(bash, "-c", s).Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	var want strings.Builder
	want.WriteString("<" + "/data with space/it's" + ">\n")
	for _, w := range words {
		want.WriteString("[" + w + "]\n")
	}
	lines := strings.SplitN(string(out), "\n", 2) // the first line is the task's banner
	if lines[1] != want.String() {
		t.Errorf("the command got\n%s\nwant\n%s", lines[1], want.String())
	}
}

func TestValidate(t *testing.T) {
	for name, change := range map[string]func(*Options){
		"no job name":       func(o *Options) { o.JobName = "" },
		"job name with %":   func(o *Options) { o.JobName = "a%A" },
		"job name newline":  func(o *Options) { o.JobName = "a\n#SBATCH --x" },
		"no workers":        func(o *Options) { o.Workers = 0 },
		"negative GPUs":     func(o *Options) { o.GPUs = -1 },
		"negative max":      func(o *Options) { o.MaxParallel = -1 },
		"no command":        func(o *Options) { o.Command = nil },
		"relative dir":      func(o *Options) { o.Dir = "work" },
		"relative logs":     func(o *Options) { o.LogDir = "logs" },
		"logs with a space": func(o *Options) { o.LogDir = "/a b" },
		"memory":            func(o *Options) { o.Mem = "lots" },
		"time":              func(o *Options) { o.Time = "1h" },
		"partition":         func(o *Options) { o.Partition = "gpu\n#SBATCH --x" },
		"account":           func(o *Options) { o.Account = "a b" },
		"environment":       func(o *Options) { o.Env = []string{"1X=2"} },
		"environment no =":  func(o *Options) { o.Env = []string{"X"} },
	} {
		o := validOptions()
		change(&o)
		if _, err := Script(o); err == nil || !strings.HasPrefix(err.Error(), "slurm: ") {
			t.Errorf("%s: error %v, want one", name, err)
		}
	}
	o := validOptions()
	o.Mem, o.Time, o.Partition = "500M", "2-00:00:00", "gpu,gpu-long"
	if _, err := Script(o); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

func TestParseStates(t *testing.T) {
	scontrol := "JobId=12 ArrayJobId=10 ArrayTaskId=2 JobName=mvc-dg JobState=COMPLETED Reason=None ExitCode=0:0\n" +
		"JobId=10 ArrayJobId=10 ArrayTaskId=10 JobName=mvc-dg JobState=CANCELLED Reason=None ExitCode=0:15\n" +
		"JobId=11 ArrayJobId=10 ArrayTaskId=1 JobName=mvc-dg JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0\n\n"
	got := parseScontrol([]byte(scontrol))
	want := []Task{{"10_1", "FAILED", "1:0"}, {"10_2", "COMPLETED", "0:0"}, {"10_10", "CANCELLED", "0:15"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("scontrol: got %v, want %v", got, want)
	}
	got = parseSacct([]byte("10_0|COMPLETED|0:0\n10_1|CANCELLED by 0|0:9\n"))
	if len(got) != 2 || got[1] != (Task{"10_1", "CANCELLED", "0:9"}) {
		t.Errorf("sacct: got %v", got)
	}
}

// fakeSlurm puts shell scripts named after Slurm's commands first on PATH.
func fakeSlurm(t *testing.T, commands map[string]string) {
	dir := t.TempDir()
	for name, body := range commands {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

func TestSubmitWithoutSlurm(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Submit(context.Background(), "job.sbatch")
	if !errors.Is(err, ErrNoSlurm) || !strings.Contains(err.Error(), "sbatch") {
		t.Errorf("error %v, want ErrNoSlurm naming sbatch", err)
	}
	if _, err := Wait(context.Background(), "12", time.Millisecond); !errors.Is(err, ErrNoSlurm) {
		t.Errorf("Wait: error %v, want ErrNoSlurm", err)
	}
}

// Submit and Wait against stand-ins of sbatch, squeue and scontrol: the job is listed by
// squeue twice, then scontrol reports one task failed.
func TestSubmitWait(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	count := filepath.Join(t.TempDir(), "count")
	fakeSlurm(t, map[string]string{
		"sbatch": `[ "$1" = --parsable ] && [ "$2" = job.sbatch ] && echo "42;cluster"`,
		"squeue": `echo x >> ` + count + `; [ $(/usr/bin/wc -l < ` + count + `) -le 2 ] && echo "42_0 RUNNING"; exit 0`,
		"scontrol": `echo "JobId=43 ArrayJobId=42 ArrayTaskId=0 JobState=COMPLETED ExitCode=0:0"
echo "JobId=42 ArrayJobId=42 ArrayTaskId=1 JobState=FAILED ExitCode=1:0"`,
	})
	id, err := Submit(context.Background(), "job.sbatch")
	if err != nil || id != "42" {
		t.Fatalf("Submit: %q, %v", id, err)
	}
	tasks, err := Wait(context.Background(), id, time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 tasks did not complete: 42_1 FAILED (exit 1:0)") || len(tasks) != 2 {
		t.Errorf("Wait: %v, %v", tasks, err)
	}
	if b, _ := os.ReadFile(count); strings.Count(string(b), "x") != 3 {
		t.Errorf("squeue asked %d times, want 3", strings.Count(string(b), "x"))
	}
	if _, err := Wait(context.Background(), "42; rm", time.Millisecond); err == nil {
		t.Error("a bad job ID was accepted")
	}
}
