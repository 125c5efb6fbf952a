// Package slurm runs this project's sweeps on a Slurm cluster as job arrays: it writes the
// sbatch script of a job array whose tasks are workers of one sweep ([Script]), submits it
// ([Submit]) and waits for it to end ([Wait]).
//
// In the paper's pipeline it serves the long sweeps: Table 1's fine-tuning runs and the CIFAR-27
// step that precedes them, run by "mvc dg" and "mvc reproduce". Every array task runs the same
// command on the same store (the --out folder, on a filesystem the nodes share); the runs are
// divided between the tasks by claims (package mvc/claim), so each run is trained once, a task
// that dies loses its runs to the others after a lease, and the results are those of one
// process. Because the store keeps every finished run, resubmitting the same script after a
// partial run (tasks cancelled, timed out, nodes lost) trains only what is missing.
package slurm

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pkg/errors"
)

// BackendEnvVar is the environment variable that selects GoMLX's backend (the value of
// compute.ConfigEnvVar); a script that requests GPUs sets it to [CUDABackend].
const BackendEnvVar = "GOMLX_BACKEND"

// CUDABackend is the GoMLX backend configuration of XLA on NVIDIA GPUs.
const CUDABackend = "xla:cuda"

// Options describe a job array: what each task runs and what it asks the cluster for.
type Options struct {
	// JobName is the job's name in squeue and in the log file names (--job-name). Required.
	JobName string
	// Workers is the number of array tasks (--array=0-Workers-1), each one worker. Required (>= 1).
	Workers int
	// MaxParallel, when > 0, caps how many tasks run at once (--array=...%MaxParallel).
	MaxParallel int
	// CPUs is each task's CPU count (--cpus-per-task); 0 leaves it to the cluster. When set,
	// the script also sets GOMAXPROCS to it, so that Go uses the CPUs granted and no more.
	CPUs int
	// Mem is each task's memory (--mem, e.g. "16G"); "" leaves it to the cluster.
	Mem string
	// Time is each task's time limit (--time, e.g. "24:00:00" or "2-00:00:00"); "" leaves it
	// to the cluster.
	Time string
	// GPUs is each task's GPU count (--gres=gpu:GPUs). When > 0 the script selects GoMLX's XLA
	// backend on CUDA ([BackendEnvVar]=[CUDABackend]) unless Env sets the backend.
	GPUs int
	// Partition and Account, when set, are passed as --partition and --account.
	Partition, Account string
	// LogDir is the absolute folder of the tasks' logs: <LogDir>/<JobName>-<job>_<task>.out
	// (standard output) and .err (standard error). Required.
	LogDir string
	// Dir is the absolute folder the tasks run in. Required.
	Dir string
	// Env are variables the script exports before the command, as NAME=VALUE.
	Env []string
	// Command is the command each task runs, program first; its words are quoted for the shell.
	// Required.
	Command []string
	// Comment, when set, is written at the top of the script, one "# " line per line.
	Comment string
}

var (
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	safeWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_.+-]+$`)
	listRE   = regexp.MustCompile(`^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$`)
	memRE    = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	timeRE   = regexp.MustCompile(`^[0-9]+([:-][0-9]+)*$`)
)

// Validate checks the options, naming the first one that is wrong.
func (o Options) Validate() error {
	switch {
	case !nameRE.MatchString(o.JobName):
		return errors.Errorf("slurm: job name %q: want a non-empty name of letters, digits and _.+-", o.JobName)
	case o.Workers < 1:
		return errors.Errorf("slurm: %d workers: want at least 1", o.Workers)
	case o.MaxParallel < 0 || o.CPUs < 0 || o.GPUs < 0:
		return errors.Errorf("slurm: max parallel %d, CPUs %d, GPUs %d: want counts >= 0", o.MaxParallel, o.CPUs, o.GPUs)
	case len(o.Command) == 0 || o.Command[0] == "":
		return errors.New("slurm: no command")
	case !filepath.IsAbs(o.Dir):
		return errors.Errorf("slurm: working folder %q: want an absolute path", o.Dir)
	case !filepath.IsAbs(o.LogDir):
		return errors.Errorf("slurm: log folder %q: want an absolute path", o.LogDir)
	case o.Mem != "" && !memRE.MatchString(o.Mem):
		return errors.Errorf("slurm: memory %q: want a number with an optional unit K, M, G or T (e.g. 16G)", o.Mem)
	case o.Time != "" && !timeRE.MatchString(o.Time):
		return errors.Errorf("slurm: time %q: want minutes, HH:MM:SS or D-HH:MM:SS", o.Time)
	case o.Partition != "" && !listRE.MatchString(o.Partition):
		return errors.Errorf("slurm: partition %q: want names of letters, digits and _.+-, separated by commas", o.Partition)
	case o.Account != "" && !nameRE.MatchString(o.Account):
		return errors.Errorf("slurm: account %q: want letters, digits and _.+-", o.Account)
	}
	if strings.ContainsAny(o.LogDir, "%\n\t ") {
		// #SBATCH lines are not parsed by a shell: a space would end the path.
		return errors.Errorf("slurm: log folder %q: spaces, '%%' and newlines are not allowed", o.LogDir)
	}
	for _, kv := range o.Env {
		if name, _, ok := strings.Cut(kv, "="); !ok || !envName.MatchString(name) {
			return errors.Errorf("slurm: environment entry %q: want NAME=VALUE", kv)
		}
	}
	for _, w := range o.Command {
		if strings.ContainsRune(w, 0) {
			return errors.Errorf("slurm: command word %q holds a NUL byte", w)
		}
	}
	return nil
}

// Script returns the text of the sbatch script of the job array o describes. It is a pure
// function of o. The script stops at the first failing line, and its last line runs the command
// with exec, so that the task's exit status is the command's.
func Script(o Options) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	if o.Comment != "" {
		for _, line := range strings.Split(strings.TrimRight(o.Comment, "\n"), "\n") {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	b.WriteString("#\n" +
		"# A Slurm job array: every task runs the command at the end, as one worker of the same sweep\n" +
		"# over the same store. Each run is trained by the task that claims it; a task that dies loses\n" +
		"# its claims to the others after the lease, and the run resumes from its checkpoint.\n" +
		"# Safe to resubmit after a partial run (cancelled or timed-out tasks, lost nodes): the store\n" +
		"# keeps every finished run and the claims make a rerun train only what is missing.\n")
	directive := func(format string, args ...any) { fmt.Fprintf(&b, "#SBATCH "+format+"\n", args...) }
	directive("--job-name=%s", o.JobName)
	array := fmt.Sprintf("0-%d", o.Workers-1)
	if o.MaxParallel > 0 {
		array += fmt.Sprintf("%%%d", o.MaxParallel)
	}
	directive("--array=%s", array)
	if o.CPUs > 0 {
		directive("--cpus-per-task=%d", o.CPUs)
	}
	if o.Mem != "" {
		directive("--mem=%s", o.Mem)
	}
	if o.Time != "" {
		directive("--time=%s", o.Time)
	}
	if o.GPUs > 0 {
		directive("--gres=gpu:%d", o.GPUs)
	}
	if o.Partition != "" {
		directive("--partition=%s", o.Partition)
	}
	if o.Account != "" {
		directive("--account=%s", o.Account)
	}
	// %A is the array's job ID, %a the task's index.
	logs := filepath.Join(o.LogDir, o.JobName+"-%A_%a")
	directive("--output=%s.out", logs)
	directive("--error=%s.err", logs)
	b.WriteString("\nset -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", Quote(o.Dir))
	env := append([]string(nil), o.Env...)
	if o.GPUs > 0 && !hasEnv(env, BackendEnvVar) {
		env = append(env, BackendEnvVar+"="+CUDABackend)
	}
	if o.CPUs > 0 && !hasEnv(env, "GOMAXPROCS") {
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", o.CPUs))
	}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", name, Quote(value))
	}
	b.WriteString(`echo "array task ${SLURM_ARRAY_TASK_ID:-?} of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ)"` + "\n")
	words := make([]string, len(o.Command))
	for i, w := range o.Command {
		words[i] = Quote(w)
	}
	fmt.Fprintf(&b, "exec %s\n", strings.Join(words, " "))
	return b.String(), nil
}

// hasEnv tells whether env (NAME=VALUE entries) sets name.
func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if n, _, _ := strings.Cut(kv, "="); n == name {
			return true
		}
	}
	return false
}

// Quote returns s as one word for a POSIX shell: as is when it holds only safe characters,
// else in single quotes.
func Quote(s string) string {
	if s != "" && safeWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
