package slurm

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// ErrNoSlurm is returned (wrapped) when a Slurm command is not on PATH: this machine is not a
// Slurm login node.
var ErrNoSlurm = errors.New("not found on PATH: this is not a Slurm login node (write the script here and submit it with sbatch on the cluster)")

// command runs a Slurm command and returns its standard output; a failure's error holds the
// command's standard error.
func command(ctx context.Context, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, errors.Wrap(ErrNoSlurm, name)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), errors.Errorf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return stdout.Bytes(), nil
}

var jobIDRE = regexp.MustCompile(`^[0-9]+$`)

// Submit submits the sbatch script at path (sbatch --parsable) and returns the job's ID.
func Submit(ctx context.Context, path string) (string, error) {
	out, err := command(ctx, "sbatch", "--parsable", path)
	if err != nil {
		return "", errors.Wrap(err, "slurm: submitting")
	}
	// --parsable prints "<id>" or "<id>;<cluster>".
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if !jobIDRE.MatchString(id) {
		return "", errors.Errorf("slurm: sbatch --parsable %s printed %q, not a job ID", path, out)
	}
	return id, nil
}

// Task is the final state of one task of a job array.
type Task struct {
	// ID is the task's job ID as Slurm writes it: <array job>_<index>.
	ID string
	// State is Slurm's state, e.g. COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL.
	State string
	// ExitCode is Slurm's "<status>:<signal>".
	ExitCode string
}

// Wait waits until no task of job jobID is pending or running (asking squeue every poll; 0
// means 5 s), then returns every task's final state, from scontrol (which remembers finished
// jobs for a few minutes) or else sacct (when the cluster keeps accounting). The error is nil
// when every task completed; it names the tasks that did not otherwise.
func Wait(ctx context.Context, jobID string, poll time.Duration) ([]Task, error) {
	if !jobIDRE.MatchString(jobID) {
		return nil, errors.Errorf("slurm: job ID %q: want a number", jobID)
	}
	if poll <= 0 {
		poll = 5 * time.Second
	}
	for {
		out, err := command(ctx, "squeue", "--noheader", "--jobs", jobID, "--format", "%i %T")
		if err != nil && !strings.Contains(err.Error(), "Invalid job id") {
			return nil, errors.Wrapf(err, "slurm: waiting for job %s", jobID)
		}
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, errors.Wrapf(ctx.Err(), "slurm: waiting for job %s", jobID)
		case <-time.After(poll):
		}
	}
	tasks, err := States(ctx, jobID)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, t := range tasks {
		if t.State != "COMPLETED" {
			failed = append(failed, fmt.Sprintf("%s %s (exit %s)", t.ID, t.State, t.ExitCode))
		}
	}
	if len(failed) > 0 {
		return tasks, errors.Errorf("slurm: job %s: %d of %d tasks did not complete: %s", jobID, len(failed), len(tasks), strings.Join(failed, ", "))
	}
	return tasks, nil
}

// States returns the states of job jobID's tasks (one Task for a job that is not an array),
// sorted by ID, from scontrol or else sacct.
func States(ctx context.Context, jobID string) ([]Task, error) {
	out, err := command(ctx, "scontrol", "--oneliner", "show", "job", jobID)
	if err == nil {
		if tasks := parseScontrol(out); len(tasks) > 0 {
			return tasks, nil
		}
	}
	out, err2 := command(ctx, "sacct", "--noheader", "--parsable2", "--allocations", "--jobs", jobID, "--format", "JobID,State,ExitCode")
	if err2 == nil {
		if tasks := parseSacct(out); len(tasks) > 0 {
			return tasks, nil
		}
	}
	return nil, errors.Errorf("slurm: job %s: no state known (scontrol: %v; sacct: %v)", jobID, err, err2)
}

// parseScontrol reads "scontrol --oneliner show job" output: one line per task of
// space-separated Key=Value fields.
func parseScontrol(out []byte) []Task {
	var tasks []Task
	for _, line := range strings.Split(string(out), "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				f[k] = v
			}
		}
		if f["JobId"] == "" || f["JobState"] == "" {
			continue
		}
		id := f["JobId"]
		if f["ArrayJobId"] != "" && f["ArrayTaskId"] != "" {
			id = f["ArrayJobId"] + "_" + f["ArrayTaskId"]
		}
		tasks = append(tasks, Task{ID: id, State: f["JobState"], ExitCode: f["ExitCode"]})
	}
	sortTasks(tasks)
	return tasks
}

// parseSacct reads "sacct --parsable2 --format JobID,State,ExitCode" output.
func parseSacct(out []byte) []Task {
	var tasks []Task
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 || f[0] == "" {
			continue
		}
		state, _, _ := strings.Cut(f[1], " ") // "CANCELLED by 0"
		tasks = append(tasks, Task{ID: f[0], State: state, ExitCode: f[2]})
	}
	sortTasks(tasks)
	return tasks
}

// sortTasks orders tasks by array index (numerically), then by ID.
func sortTasks(tasks []Task) {
	index := func(id string) int {
		_, i, _ := strings.Cut(id, "_")
		n := 0
		for _, c := range i {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	slices.SortStableFunc(tasks, func(a, b Task) int {
		if d := index(a.ID) - index(b.ID); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
}
