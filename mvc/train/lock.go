package train

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
)

// LockFile is the lock file of a run directory: an advisory lock held while a process trains
// into the directory (see [LockDir]). It holds the process ID and host name of its holder.
const LockFile = ".lock"

// LockFDEnvVar names the environment variable through which a process that holds a run
// directory's lock hands it to a child (see [DirLock.Pass]).
const LockFDEnvVar = "MVC_TRAIN_LOCK_FD"

// ErrBusy is matched (with errors.Is) by the error of [LockDir] when another process holds the
// directory's lock; the error is a [*BusyError].
var ErrBusy = errors.New("run directory in use")

// BusyError says which process holds a run directory.
type BusyError struct {
	// Dir is the run directory; PID and Host its holder, as its lock file says (0 and "" when
	// it could not be read).
	Dir  string
	PID  int
	Host string
}

// Error names the directory and the process that holds its lock (and its host, when another).
func (e *BusyError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
		if h, _ := os.Hostname(); e.Host != "" && e.Host != h {
			who += " on host " + e.Host
		}
	}
	return fmt.Sprintf("run directory %s is in use by %s", e.Dir, who)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// DirLock is the lock of a run directory, held by this process: no other process trains into
// the directory while it is held. The kernel releases it when the process ends, however it ends.
type DirLock struct {
	dir     string
	f       *os.File
	owned   bool // locked by this process (not inherited from a parent)
	created bool // the directory did not exist before
}

// Dir returns the locked directory.
func (l *DirLock) Dir() string { return l.dir }

// LockDir creates dir if needed and locks it (an advisory lock on dir/[LockFile], flock(2) on
// Unix). When another process holds it, LockDir returns a [*BusyError] naming that process, or,
// with wait, waits until the lock is free or ctx is done. Once the lock is held, temporary files
// that an interrupted write left in dir are removed (mvc.RemoveStaleTemps).
//
// A process started by the lock's holder with [DirLock.Pass] gets the same lock: its LockDir on
// the same dir returns at once, without waiting for its parent.
//
// The lock is local to a machine on filesystems whose flock does not reach the server (some NFS
// set-ups); package claim coordinates processes across machines.
func LockDir(ctx context.Context, dir string, wait bool) (*DirLock, error) {
	if l, ok := inheritedLock(dir); ok {
		return l, l.removeStaleTemps()
	}
	_, statErr := os.Stat(dir)
	path := filepath.Join(dir, LockFile)
	for {
		// (Again after a wait: the holder removes the directory it created if it is empty.)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, errors.Wrapf(err, "train: creating run directory %s", dir)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, errors.Wrapf(err, "train: opening the lock file %s", path)
		}
		locked, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, errors.Wrapf(err, "train: locking %s", path)
		}
		if locked {
			// The holder before us may have removed the file while we waited on it: hold the
			// lock of the file at path, or try again.
			if same, err := samePath(f, path); err != nil || !same {
				_ = f.Close()
				if err != nil {
					return nil, err
				}
				continue
			}
			l := &DirLock{dir: dir, f: f, owned: true, created: os.IsNotExist(statErr)}
			host, _ := os.Hostname()
			if err := f.Truncate(0); err == nil {
				_, _ = f.WriteAt([]byte(fmt.Sprintf("%d\n%s\n", os.Getpid(), host)), 0)
			}
			if err := l.removeStaleTemps(); err != nil {
				_ = l.Unlock()
				return nil, err
			}
			return l, nil
		}
		busy := holder(dir, f)
		_ = f.Close()
		if !wait {
			return nil, busy
		}
		select {
		case <-ctx.Done():
			return nil, errors.Wrapf(ctx.Err(), "train: waiting for the lock of %s", dir)
		case <-time.After(time.Second):
		}
	}
}

// holder reads who holds the lock file f.
func holder(dir string, f *os.File) *BusyError {
	e := &BusyError{Dir: dir}
	buf := make([]byte, 256)
	n, _ := f.ReadAt(buf, 0)
	lines := strings.SplitN(string(buf[:n]), "\n", 3)
	if pid, err := strconv.Atoi(strings.TrimSpace(lines[0])); err == nil {
		e.PID = pid
	}
	if len(lines) > 1 {
		e.Host = strings.TrimSpace(lines[1])
	}
	return e
}

// samePath tells whether the open file f is still the file at path.
func samePath(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, errors.Wrapf(err, "train: lock file %s", path)
	}
	b, err := os.Stat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, errors.Wrapf(err, "train: lock file %s", path)
	}
	return os.SameFile(a, b), nil
}

// removeStaleTemps removes the temporary files that interrupted writes left in the locked
// directory.
func (l *DirLock) removeStaleTemps() error {
	_, err := mvc.RemoveStaleTemps(l.dir)
	return errors.Wrap(err, "train")
}

// inheritedLock returns the lock of dir that this process's parent handed it ([DirLock.Pass]),
// if it did: the descriptor named by [LockFDEnvVar] must be dir's lock file, and locking it
// must succeed (it does at once: the lock belongs to the open file the parent shares).
func inheritedLock(dir string) (*DirLock, bool) {
	f := inheritedLockFile()
	if f == nil {
		return nil, false
	}
	path := filepath.Join(dir, LockFile)
	if same, err := samePath(f, path); err != nil || !same {
		return nil, false // not this directory's: keep the descriptor, lock as usual
	}
	if locked, err := tryLock(f); err != nil || !locked {
		return nil, false
	}
	return &DirLock{dir: dir, f: f}, true
}

var (
	inheritedOnce sync.Once
	inheritedFile *os.File
)

// inheritedLockFile returns the file named by [LockFDEnvVar], opened once per process (an
// *os.File closes its descriptor when collected).
func inheritedLockFile() *os.File {
	inheritedOnce.Do(func() {
		fd, err := strconv.Atoi(os.Getenv(LockFDEnvVar))
		if err == nil && fd >= 3 {
			inheritedFile = os.NewFile(uintptr(fd), LockFile)
		}
	})
	return inheritedFile
}

// Pass hands the lock to a child process: cmd gets the lock file as an extra file and
// [LockFDEnvVar] names it, so that the child's [LockDir] on the same directory (and [Run]'s)
// shares this lock instead of waiting for it. The lock is then held until both processes have
// ended or unlocked. Call it before any other change to cmd.ExtraFiles that depends on
// descriptor numbers.
func (l *DirLock) Pass(cmd *exec.Cmd) {
	cmd.ExtraFiles = append(cmd.ExtraFiles, l.f)
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", LockFDEnvVar, 2+len(cmd.ExtraFiles)))
}

// Unlock releases the lock. The process that locked the directory removes the lock file (and
// the directory, when LockDir created it and nothing else was written into it); a lock
// inherited from a parent is left to the parent.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	defer func() { l.f = nil }()
	if !l.owned {
		return nil
	}
	path := filepath.Join(l.dir, LockFile)
	rmErr := os.Remove(path) // while still locked: a waiter that opened it locks it, sees it gone and retries
	if l.created {
		_ = os.Remove(l.dir) // fails unless empty
	}
	err := l.f.Close()
	if rmErr != nil && !os.IsNotExist(rmErr) {
		return errors.Wrapf(rmErr, "train: removing the lock file %s", path)
	}
	return errors.Wrapf(err, "train: closing the lock file %s", path)
}
