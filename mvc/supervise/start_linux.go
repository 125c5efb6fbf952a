package supervise

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// startChild starts a supervised child that the kernel kills (SIGKILL) when this process dies,
// however it dies. Linux sends the parent-death signal when the thread that forked the child
// ends, not the process, and Go ends a thread when a goroutine locked to it exits: children are
// therefore forked by one goroutine locked to its thread for the life of the process. Go's fork
// also checks, after setting the signal, that the parent is still the one that forked it (the
// parent may die before), and the child checks again ([WatchSupervisor]).
func startChild(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	spawnOnce.Do(func() {
		spawns = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for r := range spawns {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawns <- spawnRequest{cmd, done}
	return <-done
}

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawns    chan spawnRequest
)

// parentWatchNeeded tells whether the child must poll for its parent's death: not on Linux,
// where the kernel signals it.
const parentWatchNeeded = false
