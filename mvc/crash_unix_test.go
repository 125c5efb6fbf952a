//go:build unix

package mvc_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/mice2machines/mice2machines/mvc"
)

// TestAbortOnCrash re-executes the test binary to panic in a goroutine other than main's: with
// AbortOnCrash the process ends by SIGABRT (not Go's exit status 2, which means bad input to
// the command line), with the panic's traceback; with GOTRACEBACK set by the user, Go's default.
func TestAbortOnCrash(t *testing.T) {
	if os.Getenv("MVC_TEST_CRASH") == "1" {
		mvc.AbortOnCrash()
		go panic("injected crash")
		select {}
	}
	for _, traceback := range []string{"", "single"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAbortOnCrash$")
		cmd.Env = append(os.Environ(), "MVC_TEST_CRASH=1", "GOTRACEBACK="+traceback)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("GOTRACEBACK=%q: the crashing process ended with %v", traceback, err)
		}
		ws := ee.Sys().(syscall.WaitStatus)
		if !strings.Contains(string(out), "panic: injected crash") {
			t.Errorf("GOTRACEBACK=%q: output lacks the panic:\n%s", traceback, out)
		}
		switch traceback {
		case "":
			if !ws.Signaled() || ws.Signal() != syscall.SIGABRT {
				t.Errorf("crash with AbortOnCrash: %v, want death by SIGABRT", ws)
			}
			if entries, _ := os.ReadDir(cmd.Dir); len(entries) != 0 {
				t.Errorf("the crash left files (a core dump?): %v", entries)
			}
		default:
			if ws.Signaled() || ws.ExitStatus() != 2 {
				t.Errorf("crash with GOTRACEBACK set: %v, want Go's exit status 2", ws)
			}
		}
	}
}
