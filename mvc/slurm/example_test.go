package slurm_test

import (
	"fmt"

	"github.com/mice2machines/mice2machines/mvc/slurm"
)

// The job array of a Table 1 sweep with four GPU workers: each task runs the same "mvc dg"
// command on the shared store.
func ExampleScript() {
	script, err := slurm.Script(slurm.Options{
		JobName: "mvc-dg", Workers: 4, MaxParallel: 2,
		CPUs: 8, Mem: "32G", Time: "1-00:00:00", GPUs: 1, Partition: "gpu",
		LogDir:  "/shared/figures/slurm/logs",
		Dir:     "/home/me/mice2machines",
		Env:     []string{"GOTOOLCHAIN=go1.27.3", "GOEXPERIMENT=simd", "MVC_DATA=/shared/data"},
		Command: []string{"/home/me/bin/mvc", "dg", "--profile=paper", "--experiment=table1", "--out=/shared/figures"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(script)
	// Output:
	// #!/bin/bash
	// #
	// # A Slurm job array: every task runs the command at the end, as one worker of the same sweep
	// # over the same store. Each run is trained by the task that claims it; a task that dies loses
	// # its claims to the others after the lease, and the run resumes from its checkpoint.
	// # Safe to resubmit after a partial run (cancelled or timed-out tasks, lost nodes): the store
	// # keeps every finished run and the claims make a rerun train only what is missing.
	// #SBATCH --job-name=mvc-dg
	// #SBATCH --array=0-3%2
	// #SBATCH --cpus-per-task=8
	// #SBATCH --mem=32G
	// #SBATCH --time=1-00:00:00
	// #SBATCH --gres=gpu:1
	// #SBATCH --partition=gpu
	// #SBATCH --output=/shared/figures/slurm/logs/mvc-dg-%A_%a.out
	// #SBATCH --error=/shared/figures/slurm/logs/mvc-dg-%A_%a.err
	//
	// set -euo pipefail
	// cd /home/me/mice2machines
	// export GOTOOLCHAIN=go1.27.3
	// export GOEXPERIMENT=simd
	// export MVC_DATA=/shared/data
	// export GOMLX_BACKEND=xla:cuda
	// export GOMAXPROCS=8
	// echo "array task ${SLURM_ARRAY_TASK_ID:-?} of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	// exec /home/me/bin/mvc dg --profile=paper --experiment=table1 --out=/shared/figures
}
