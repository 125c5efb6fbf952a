package supervise_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/mice2machines/mice2machines/mvc/supervise"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// Supervise a child that reports a stalled step on its first attempt and succeeds on the
// second. A real child is the training command itself, run with --resume after the first
// attempt; here a shell stands in for it, exiting with the status that supervise.ExitCode gives
// the error of its run.
func Example() {
	statuses := []int{supervise.ExitCode(fmt.Errorf("epoch 2: %w", train.ErrStalled)), supervise.ExitCode(nil)}
	s := &supervise.Supervisor{Command: func(attempt int) (*exec.Cmd, error) {
		if attempt >= len(statuses) {
			return nil, errors.New("no more attempts planned")
		}
		return exec.Command("sh", "-c", fmt.Sprintf("exit %d", statuses[attempt])), nil
	}}
	attempts, err := s.Run(context.Background())
	for i, a := range attempts {
		fmt.Printf("attempt %d: exit status %d\n", i+1, a.ExitCode)
	}
	fmt.Println("error:", err)
	// Output:
	// attempt 1: exit status 3
	// attempt 2: exit status 0
	// error: <nil>
}
