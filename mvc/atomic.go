package mvc

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// WriteFileAtomic writes a file so that readers (and a crash) see either the old content or the
// complete new one, never a partial file: it writes to a temporary file in the same directory,
// syncs it, then renames it over path. write receives the temporary file; on any error the
// temporary file is removed and path is left untouched.
func WriteFileAtomic(path string, write func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating directory for %s", path)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrapf(err, "creating temporary file for %s", path)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if err = tmp.Sync(); err != nil {
		return errors.Wrapf(err, "syncing %s", path)
	}
	if err = tmp.Close(); err != nil {
		return errors.Wrapf(err, "closing %s", path)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return errors.Wrapf(err, "setting permissions of %s", path)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return errors.Wrapf(err, "renaming temporary file to %s", path)
	}
	return nil
}

// IsTempName tells whether name (a base name) is that of a temporary file of
// [WriteFileAtomic]: "." + the target's name + ".tmp-" + a random suffix.
func IsTempName(name string) bool {
	i := strings.Index(name, ".tmp-")
	return strings.HasPrefix(name, ".") && i > 1 && i+len(".tmp-") < len(name)
}

// RemoveStaleTemps removes the temporary files that [WriteFileAtomic] left in dir when its
// process was killed during a write (a checkpoint's can be hundreds of MB), and returns their
// paths. Call it only when no other process can be writing into dir (the run directory is
// locked): a live writer's temporary file looks the same. Subdirectories are not searched.
func RemoveStaleTemps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, errors.Wrapf(err, "listing %s for stale temporary files", dir)
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTempName(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return removed, errors.Wrapf(err, "removing stale temporary file %s", path)
		}
		removed = append(removed, path)
	}
	return removed, nil
}
