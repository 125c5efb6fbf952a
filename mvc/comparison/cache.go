package comparison

import (
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc"
	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/runs"
	"github.com/mice2machines/mice2machines/mvc/train"
)

// CacheVersion is part of [Cached]'s key: it changes when the comparison's results change
// meaning (selection, statistics, the Result's fields), so that no older result is reused.
const CacheVersion = "comparison-v4"

// CacheDir returns where [Cached] keeps results when Options.CacheDir is empty: the "comparison"
// folder of the project's cache (allen.CacheDir, beside the simulated surveys).
func CacheDir() string { return filepath.Join(allen.CacheDir(), "comparison") }

// fileStamp identifies a file's version by its path, size and modification time.
type fileStamp struct {
	Path    string
	Size    int64
	ModTime int64
}

func stamp(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, errors.Wrap(err, "comparison: cache key")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return fileStamp{Path: abs, Size: st.Size(), ModTime: st.ModTime().UnixNano()}, nil
}

// CacheKey returns the hash under which [Cached] keeps the comparison of files with opts: it
// covers everything the result depends on: [CacheVersion], the code's version (the Go toolchain,
// the main dependencies' versions, this module's version when it is a release), the profile, the neural data's description, the seed, each NWB file and
// each model's kernel source (checkpoint or exported kernels: path, size and modification time),
// and the backend's name when some kernels are initial weights (computed on it).
func CacheKey(files []string, data string, opts Options) (string, error) {
	key := struct {
		Version    string
		Code       map[string]string
		Profile    Profile
		Data       string
		Seed       uint64
		Files      []fileStamp
		Kernels    map[string]fileStamp
		RunProfile string
		Backend    string
	}{Version: CacheVersion, Code: codeVersion(), Profile: opts.Profile, Data: data, Seed: opts.Seed,
		Kernels: map[string]fileStamp{}, RunProfile: opts.RunProfile}
	for _, f := range files {
		s, err := stamp(f)
		if err != nil {
			return "", err
		}
		key.Files = append(key.Files, s)
	}
	initial := false
	for _, name := range opts.Profile.Models {
		for _, neurn := range []bool{false, true} {
			label := name
			if neurn {
				label += "+NeuRN"
			}
			path := kernelSourceFile(name, neurn, opts)
			if path == "" {
				initial = true
				key.Kernels[label] = fileStamp{}
				continue
			}
			s, err := stamp(path)
			if err != nil {
				return "", err
			}
			key.Kernels[label] = s
		}
	}
	if initial && opts.Backend != nil {
		key.Backend = opts.Backend.Name()
	}
	raw, err := json.Marshal(key)
	if err != nil {
		return "", errors.Wrap(err, "comparison: cache key")
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:12]), nil
}

// kernelSourceFile is the file [LoadKernels] reads a model's kernels from ("" for its initial
// weights).
func kernelSourceFile(name string, neurn bool, opts Options) string {
	if opts.RunsDir == "" {
		return ""
	}
	run := filepath.Join(opts.RunsDir, runs.CIFAR27RunName(name, neurnK(neurn), opts.RunProfile))
	if finishedCheckpoint(run) {
		return filepath.Join(run, train.CheckpointFile)
	}
	if exists(filepath.Join(run, KernelsFile)) {
		return filepath.Join(run, KernelsFile)
	}
	return ""
}

// codeVersion describes the code that computes the comparison, the same way in every binary that
// links this package (a notebook cell's program, the mvc command, a test): the Go toolchain and
// the main dependencies' versions ([mvc.Versions]) and this module's version when it is a
// released one. A working tree's own edits are not seen: [CacheVersion] marks them.
func codeVersion() map[string]string {
	v := mvc.Versions()
	if info, ok := debug.ReadBuildInfo(); ok {
		mods := append([]*debug.Module{&info.Main}, info.Deps...)
		for _, m := range mods {
			if m != nil && m.Path == modulePath && m.Version != "" && m.Version != "(devel)" {
				v[modulePath] = m.Version
			}
		}
	}
	return v
}

// modulePath is this project's module.
const modulePath = "github.com/mice2machines/mice2machines"

// Cached returns the comparison of files with opts ([Run]), computed once and kept in
// opts.CacheDir (or [CacheDir]) under its [CacheKey], so that the notebooks and "mvc reproduce"
// share one computation; any change of an input (profile, NWB files, kernel sources, seed, code
// version) gives another key, hence a new computation. A cached result that cannot be read is
// computed again and replaced. The result is written atomically, so concurrent callers at worst
// compute it twice.
func Cached(files []string, data string, opts Options) (*Result, error) {
	if len(files) == 0 {
		return nil, errors.New("comparison: no NWB files")
	}
	key, err := CacheKey(files, data, opts)
	if err != nil {
		return nil, err
	}
	dir := opts.CacheDir
	if dir == "" {
		dir = CacheDir()
	}
	path := filepath.Join(dir, "result-"+opts.Profile.Name+"-"+key+".gob")
	if res, err := readResult(path); err == nil {
		logf(opts.Log, "  comparison: reusing the result computed %s (%s)\n",
			res.Computed.Format(time.DateTime), mvc.PortableText(path))
		return res, nil
	} else if !os.IsNotExist(errors.Cause(err)) {
		logf(opts.Log, "  comparison: computing again, the cached result is unreadable: %v\n", err)
	}
	res, err := Run(files, data, opts)
	if err != nil {
		return nil, err
	}
	res.Computed = time.Now().UTC().Truncate(time.Second)
	err = mvc.WriteFileAtomic(path, func(f *os.File) error { return gob.NewEncoder(f).Encode(res) })
	if err != nil {
		return nil, errors.WithMessage(err, "comparison: caching the result")
	}
	return res, nil
}

func readResult(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	res := &Result{}
	if err := gob.NewDecoder(f).Decode(res); err != nil {
		return nil, errors.Wrapf(err, "reading %s", path)
	}
	if res.Table == nil || len(res.Models) == 0 {
		return nil, fmt.Errorf("%s holds no comparison", path)
	}
	return res, nil
}
