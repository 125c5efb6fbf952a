//go:build !linux

package supervise

import "os/exec"

// startChild starts a supervised child. Outside Linux no signal tells a child that its parent
// died: the child polls instead ([WatchSupervisor]).
func startChild(cmd *exec.Cmd) error { return cmd.Start() }

// parentWatchNeeded tells whether the child must poll for its parent's death.
const parentWatchNeeded = true
