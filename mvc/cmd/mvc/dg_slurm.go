package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/reproduce"
	"github.com/mice2machines/mice2machines/mvc/slurm"
)

// slurmFlags are the --slurm-* flags of "mvc dg" and "mvc reproduce": instead of training here,
// write (or submit) a Slurm job array whose tasks each run this same command on the same store.
type slurmFlags struct {
	script, mvcPath string
	submit, wait    bool
	opts            slurm.Options
	anyFlagSet      bool // a --slurm-* flag was given
}

// slurmFlagPrefix starts the name of every flag that addSlurmFlags defines; these flags are left
// out of the command the array's tasks run.
const slurmFlagPrefix = "slurm-"

// addSlurmFlags defines the --slurm-* flags on fs; jobName is the default of --slurm-job-name.
func addSlurmFlags(fs *flag.FlagSet, jobName string) *slurmFlags {
	s := &slurmFlags{}
	fs.StringVar(&s.script, "slurm-script", "", "write the sbatch script of a Slurm job array whose --slurm-workers tasks each run this command (the other flags, --out made absolute) on the same store, to this file (- for standard output), and exit")
	fs.BoolVar(&s.submit, "slurm-submit", false, "write that script to <out>/slurm/ and submit it with sbatch; print the job ID and where the tasks' logs go")
	fs.BoolVar(&s.wait, "slurm-wait", false, "with --slurm-submit: wait until the array ends (exit status 1 when a task did not complete); dg then writes the tables")
	fs.IntVar(&s.opts.Workers, "slurm-workers", 4, "number of array tasks, each one worker (more than the runs planned only adds idle tasks)")
	fs.IntVar(&s.opts.MaxParallel, "slurm-max-running", 0, "at most this many tasks at once (0: no limit)")
	fs.IntVar(&s.opts.CPUs, "slurm-cpus", 4, "CPUs per task (0: the cluster's default)")
	fs.StringVar(&s.opts.Mem, "slurm-mem", "", "memory per task, e.g. 16G (default: the cluster's)")
	fs.StringVar(&s.opts.Time, "slurm-time", "", "time limit per task, e.g. 24:00:00 or 2-00:00:00 (default: the cluster's); a task stopped at its limit is resumed by a resubmission")
	fs.IntVar(&s.opts.GPUs, "slurm-gpus", 0, "GPUs per task (--gres=gpu:N); when > 0 the tasks use GoMLX's XLA backend on CUDA")
	fs.StringVar(&s.opts.Partition, "slurm-partition", "", "Slurm partition")
	fs.StringVar(&s.opts.Account, "slurm-account", "", "Slurm account")
	fs.StringVar(&s.opts.JobName, "slurm-job-name", jobName, "the job's name (squeue, log file names)")
	fs.StringVar(&s.mvcPath, "slurm-mvc", "", "the mvc program the tasks run, on a path the nodes see (default: this program)")
	return s
}

// slurmTask is what each task of the array runs: an mvc command with the flags the user set.
type slurmTask struct {
	// command is the mvc command: dg or reproduce.
	command string
	// out is its --out folder, as given or defaulted.
	out string
	// paths are flags whose values the task gets as the absolute paths given here (name ->
	// path; an empty path drops the flag).
	paths map[string]string
	// next says, for the script's comment, what to run once the array is done.
	next string
}

// requested tells, after parsing, whether a Slurm action was asked for; a --slurm-* setting
// without one is bad usage.
func (s *slurmFlags) requested(fs *flag.FlagSet) (bool, error) {
	fs.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, slurmFlagPrefix) {
			s.anyFlagSet = true
		}
	})
	switch {
	case s.script != "" && s.submit:
		return false, badInput("--slurm-script and --slurm-submit: give one")
	case s.wait && !s.submit:
		return false, badInput("--slurm-wait needs --slurm-submit")
	case s.script == "" && !s.submit && s.anyFlagSet:
		return false, badInput("--slurm-* settings need --slurm-script FILE or --slurm-submit")
	}
	return s.script != "" || s.submit, nil
}

// taskCommand returns the command line each array task runs: this program's t.command with
// every flag the user set except the --slurm-* ones, --out and t.paths as absolute paths.
func (s *slurmFlags) taskCommand(fs *flag.FlagSet, t slurmTask) (cmd []string, out string, err error) {
	program := s.mvcPath
	if program == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, "", fmt.Errorf("finding this program for the Slurm tasks: %w (name one with --slurm-mvc)", err)
		}
		if strings.Contains(exe, string(filepath.Separator)+"go-build") {
			return nil, "", badInput("this mvc was built by \"go run\" into a temporary folder that the Slurm tasks cannot run: build it (go build -o bin/mvc ./mvc/cmd/mvc) and run that, or name one with --slurm-mvc")
		}
		program = exe
	}
	program, err = filepath.Abs(program)
	if err != nil {
		return nil, "", badInput("--slurm-mvc %s: %v", s.mvcPath, err)
	}
	if info, err := os.Stat(program); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, "", badInput("--slurm-mvc %s: not an executable file", program)
	}
	out, err = filepath.Abs(t.out)
	if err != nil {
		return nil, "", badInput("--out %s: %v", t.out, err)
	}
	cmd = []string{program, t.command}
	fs.Visit(func(f *flag.Flag) {
		if _, isPath := t.paths[f.Name]; isPath || strings.HasPrefix(f.Name, slurmFlagPrefix) || f.Name == "out" {
			return
		}
		cmd = append(cmd, "--"+f.Name+"="+f.Value.String())
	})
	cmd = append(cmd, "--out="+out)
	names := slices.Sorted(maps.Keys(t.paths))
	for _, name := range names {
		if p := t.paths[name]; p != "" {
			if p, err = filepath.Abs(p); err != nil {
				return nil, "", badInput("--%s %s: %v", name, t.paths[name], err)
			}
			cmd = append(cmd, "--"+name+"="+p)
		}
	}
	return cmd, out, nil
}

// handle does what the --slurm-* flags ask for, if anything: done tells runDG to return err
// without training here. After an array that ended well under --slurm-wait it returns done =
// false with o set to write the tables only.
func (s *slurmFlags) handle(ctx context.Context, fs *flag.FlagSet, o *dgOptions, stdout, stderr io.Writer) (done bool, err error) {
	asked, err := s.requested(fs)
	if err != nil || !asked {
		return err != nil, err
	}
	if o.tablesOnly {
		return true, badInput("--tables-only trains nothing: it does not go with --slurm-script or --slurm-submit")
	}
	t := slurmTask{command: "dg", out: o.out, paths: map[string]string{"onnx": o.onnx},
		next: "the tables: the same mvc dg command with --tables-only instead of the --slurm-* flags."}
	if done, err := s.runSlurm(ctx, fs, t, stdout, stderr); done || err != nil {
		return true, err
	}
	o.tablesOnly = true
	return false, nil
}

// handleReproduce does what the --slurm-* flags of "mvc reproduce" ask for, if anything: done
// tells it to return err without running anything here. Only the CIFAR-27 step divides its runs
// between processes, so the array runs that step alone.
func (s *slurmFlags) handleReproduce(ctx context.Context, fs *flag.FlagSet, o reproduce.Options, stdout, stderr io.Writer) (done bool, err error) {
	asked, err := s.requested(fs)
	if err != nil || !asked {
		return err != nil, err
	}
	if len(o.Only) != 1 || o.Only[0] != cifar27Step {
		return true, badInput("--slurm-*: only step %s divides its runs between processes: give --only %s", cifar27Step, cifar27Step)
	}
	if _, ok := reproduce.Profiles[o.Profile]; !ok {
		return true, badInput("unknown --profile %q: want smoke, quick or paper", o.Profile)
	}
	if o.Out == "" {
		o.Out = reproduce.DefaultOut(o.Profile)
	}
	if abs, err := filepath.Abs(o.Out); err == nil {
		o.Out = abs
	}
	t := slurmTask{command: "reproduce", out: o.Out,
		next: "then Table 1 from these runs: mvc dg --profile " + o.Profile + " --experiment table1 --out " + o.Out + " (with its own --slurm-* flags)."}
	if _, err := s.runSlurm(ctx, fs, t, stdout, stderr); err != nil {
		return true, err
	}
	return true, nil
}

// cifar27Step is the step of "mvc reproduce" that fine-tunes the models on CIFAR-27.
const cifar27Step = "train_cifar27"

// runSlurm writes the job array's script of t (and submits it, and waits for it, as asked). It
// returns done = false when --slurm-wait saw the array end with every task completed: the
// caller may then go on (dg writes the tables from the store).
func (s *slurmFlags) runSlurm(ctx context.Context, fs *flag.FlagSet, t slurmTask, stdout, stderr io.Writer) (done bool, err error) {
	cmd, out, err := s.taskCommand(fs, t)
	if err != nil {
		return true, err
	}
	dir, err := os.Getwd()
	if err != nil {
		return true, fmt.Errorf("the working folder for the Slurm tasks: %w", err)
	}
	opts := s.opts
	opts.Dir, opts.Command = dir, cmd
	opts.LogDir = filepath.Join(out, "slurm", "logs")
	opts.Env = append([]string(nil), mvc.BuildEnv...)
	for _, name := range []string{"MVC_DATA", "MVC_CACHE"} {
		if v := os.Getenv(name); v != "" {
			if abs, err := filepath.Abs(v); err == nil {
				v = abs
			}
			opts.Env = append(opts.Env, name+"="+v)
		}
	}
	opts.Comment = "Written by \"mvc " + t.command + "\" on " + time.Now().UTC().Format(time.RFC3339) + ". Submit with sbatch;\n" + t.next
	text, err := slurm.Script(opts)
	if err != nil {
		return true, badInput("--slurm-*: %v", err)
	}
	if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
		return true, fmt.Errorf("the Slurm log folder: %w", err)
	}
	path := s.script
	if s.submit {
		path = filepath.Join(out, "slurm", fmt.Sprintf("%s-%s.sbatch", opts.JobName, time.Now().UTC().Format("20060102T150405.000Z")))
	}
	if path == "-" {
		_, err := io.WriteString(stdout, text)
		return true, err
	}
	if err := mvc.WriteFileAtomic(path, func(f *os.File) error { _, err := f.WriteString(text); return err }); err != nil {
		return true, fmt.Errorf("writing the Slurm script: %w", err)
	}
	if !s.submit {
		fmt.Fprintf(stdout, "wrote %s (submit with: sbatch %s; logs in %s)\n", path, path, opts.LogDir)
		return true, nil
	}
	id, err := slurm.Submit(ctx, path)
	if err != nil {
		return true, fmt.Errorf("%w (the script is %s)", err, path)
	}
	fmt.Fprintf(stdout, "submitted job %s: %d tasks running %s\nscript %s\nlogs %s\n", id, opts.Workers, strings.Join(cmd, " "),
		path, filepath.Join(opts.LogDir, opts.JobName+"-"+id+"_<task>.{out,err}"))
	if !s.wait {
		return true, nil
	}
	fmt.Fprintf(stderr, "waiting for job %s\n", id)
	tasks, err := slurm.Wait(ctx, id, 10*time.Second)
	for _, t := range tasks {
		fmt.Fprintf(stderr, "  task %s: %s (exit %s)\n", t.ID, t.State, t.ExitCode)
	}
	if err != nil {
		return true, fmt.Errorf("%w; resubmitting trains only what is missing", err)
	}
	return false, nil
}
