package mvc

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// DataEnvVar is the environment variable that names the folder of real data: the official
// files of MNIST-M, USPS, CIFAR-100, BSDS500, Allen NWB files, ... ("mvc data fetch" downloads
// them there).
const DataEnvVar = "MVC_DATA"

// DataDir returns the directory named by $MVC_DATA (made absolute) and whether it exists.
// It returns "" when the variable is unset.
func DataDir() (dir string, exists bool) {
	dir = os.Getenv(DataEnvVar)
	if dir == "" {
		return "", false
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// CacheEnvVar names the project's cache folder: simulated cortex surveys (package allen) and,
// when $MVC_DATA is unset, the datasets "mvc data fetch" downloads (package data).
const CacheEnvVar = "MVC_CACHE"

// CacheDir returns the project's cache folder, the one rule every package follows: $MVC_CACHE
// (made absolute) when set, else mice2machines under the user cache folder (os.UserCacheDir,
// e.g. ~/.cache/mice2machines on Linux). It fails only when neither exists.
func CacheDir() (string, error) {
	if dir := os.Getenv(CacheEnvVar); dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		return dir, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("mvc: no $%s and no user cache folder: %w", CacheEnvVar, err)
	}
	return filepath.Join(d, "mice2machines"), nil
}

// Versions reports the Go toolchain and the versions of the main modules compiled into this
// binary (GoMLX, its compute backends, GoNB, gonum), as recorded in the build information.
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, dep := range info.Deps {
		switch dep.Path {
		case "github.com/gomlx/gomlx", "github.com/gomlx/compute", "github.com/gomlx/go-xla",
			"gonum.org/v1/gonum", "gonum.org/v1/plot":
			version := dep.Version
			if dep.Replace != nil {
				version = dep.Replace.Version + " (replaced)"
			}
			v[dep.Path] = version
		}
	}
	for _, s := range info.Settings {
		if s.Key == "GOEXPERIMENT" {
			v["GOEXPERIMENT"] = s.Value
		}
	}
	return v
}

// PortablePath writes path for provenance strings that must read the same on every machine:
// under $MVC_DATA it becomes "$MVC_DATA/rest", under the Go module cache ($GOMODCACHE, else
// $GOPATH/pkg/mod, else ~/go/pkg/mod) "$GOMODCACHE/rest"; any other path is returned as is.
func PortablePath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	roots := []struct{ name, dir string }{{"$" + DataEnvVar, os.Getenv(DataEnvVar)}, {"$GOMODCACHE", goModCache()}}
	for _, r := range roots {
		if r.dir == "" {
			continue
		}
		root, err := filepath.Abs(r.dir)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if rel == "." {
			return r.name
		}
		return r.name + "/" + filepath.ToSlash(rel)
	}
	return path
}

// goModCache returns where the Go module cache is, as the go command decides it, without
// running the go command.
func goModCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// PortableText returns s with the machine-specific folders it names written as a reader on
// another machine can follow them: $MVC_DATA/..., $GOMODCACHE/... (as [PortablePath]) and the
// home folder as ~. For text shown in saved notebook outputs and captions; error messages keep
// the absolute paths the user needs.
func PortableText(s string) string {
	home, _ := os.UserHomeDir()
	for _, r := range []struct{ name, dir string }{
		{"$" + DataEnvVar, os.Getenv(DataEnvVar)}, {"$GOMODCACHE", goModCache()}, {"~", home},
	} {
		if r.dir == "" {
			continue
		}
		dir, err := filepath.Abs(r.dir)
		if err != nil || dir == string(filepath.Separator) {
			continue
		}
		// Only whole folder names: /root must not turn /rooted into ~ed.
		re := regexp.MustCompile(regexp.QuoteMeta(dir) + `([/\\]|[^A-Za-z0-9._-]|$)`)
		s = re.ReplaceAllString(s, strings.ReplaceAll(r.name, "$", "$$")+"$1")
	}
	return s
}
