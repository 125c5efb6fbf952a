//go:build unix

package claim

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
)

// processAlive tells whether a process with this ID runs on this machine (a process of another
// user counts as alive).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

var (
	machineOnce sync.Once
	machine     string
)

// machineID identifies the running system: on Linux the boot ID and the PID namespace, so that
// two containers with one host name, or a machine rebooted, do not judge each other's process
// IDs; "" elsewhere.
func machineID() string {
	machineOnce.Do(func() {
		boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
		if err != nil {
			return
		}
		ns, _ := os.Readlink("/proc/self/ns/pid")
		machine = strings.TrimSpace(string(boot)) + "/" + ns
	})
	return machine
}
