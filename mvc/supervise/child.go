package supervise

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// HeartbeatEnvVar names the environment variable through which a [Supervisor] tells its child
// the file descriptor to write heartbeats to (see [HeartbeatFromEnv]).
const HeartbeatEnvVar = "MVC_TRAIN_HEARTBEAT_FD"

// HeartbeatFromEnv returns the heartbeat pipe a [Supervisor] gave this process, or nil when it
// runs unsupervised. Pass it as train.Config.Heartbeat.
func HeartbeatFromEnv() io.Writer {
	fd, err := strconv.Atoi(os.Getenv(HeartbeatEnvVar))
	if err != nil || fd < 3 {
		return nil
	}
	return os.NewFile(uintptr(fd), "heartbeat")
}

// SupervisorPIDEnvVar names the environment variable through which a [Supervisor] tells its
// child its own process ID (see [WatchSupervisor]).
const SupervisorPIDEnvVar = "MVC_TRAIN_SUPERVISOR_PID"

// WatchSupervisor makes a supervised child end when its supervisor has died. Call it first
// thing in the child. If the supervisor died before the child could be tied to it (its parent
// is no longer the supervisor whose ID [SupervisorPIDEnvVar] holds), the child exits at once
// with status 1. On Linux the kernel then kills the child when the supervisor dies (the
// supervisor asks for it); elsewhere a goroutine checks the parent every second and exits
// likewise. It does nothing in a process that no supervisor started.
func WatchSupervisor() {
	want, err := strconv.Atoi(os.Getenv(SupervisorPIDEnvVar))
	if err != nil || want <= 0 {
		return
	}
	orphaned := func() bool { return os.Getppid() != want }
	if orphaned() {
		fmt.Fprintf(os.Stderr, "training process %d: its supervisor (process %d) has ended; exiting\n", os.Getpid(), want)
		os.Exit(1)
	}
	if !parentWatchNeeded {
		return
	}
	go func() {
		for range time.Tick(time.Second) {
			if orphaned() {
				fmt.Fprintf(os.Stderr, "training process %d: its supervisor (process %d) has ended; exiting\n", os.Getpid(), want)
				os.Exit(1)
			}
		}
	}()
}
